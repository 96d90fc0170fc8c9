# The media worker protocol, spoken directly: one JSON task per line in, one
# reply per line out (probe/worker.h).
. "$TOP/tests/lib.sh"

printf '%s\n' \
  "{\"id\":1,\"op\":\"thumb\",\"path\":\"$FIX/rotated_phone.mp4\",\"out\":\"$T/p.jpg\",\"at\":1.0,\"max_w\":320}" \
  "{\"id\":2,\"op\":\"thumb\",\"path\":\"$FIX/anamorphic.mp4\",\"out\":\"$T/a.jpg\"}" \
  "{\"id\":3,\"op\":\"hash\",\"path\":\"$FIX/speech.mp3\"}" \
  "{\"id\":4,\"op\":\"probe\",\"path\":\"$FIX/speech.mp3\"}" \
  "{\"id\":5,\"op\":\"zap\"}" \
  "not json" \
  "{\"id\":7,\"op\":\"thumb\",\"path\":\"$FIX/speech.mp3\",\"out\":\"$T/none.jpg\"}" \
  | "$(dirname "$DUBBATCH")/dubbatch-media" >"$T/replies"

reply() { sed -n "${1}p" "$T/replies"; }
dims() { ffprobe -v error -select_streams v:0 -show_entries stream=width,height -of csv=p=0 "$1"; }
case "$(reply 1)" in *'"ok":true'*) pass "thumb task succeeds" ;; *) fail "thumb task succeeds" "$(reply 1)" ;; esac
[ "$(dims "$T/p.jpg")" = "320,568" ] && pass "poster of a rotated clip is upright" || fail "poster of a rotated clip is upright" "$(dims "$T/p.jpg")"
[ "$(dims "$T/a.jpg")" = "480,270" ] && pass "poster of an anamorphic clip has square pixels" || fail "poster of an anamorphic clip has square pixels" "$(dims "$T/a.jpg")"
want=$(sha256sum "$FIX/speech.mp3" | cut -c1-64)
case "$(reply 3)" in *"\"sha256\":\"$want\""*) pass "hash task matches sha256sum" ;; *) fail "hash task matches sha256sum" "$(reply 3)" ;; esac
case "$(reply 4)" in *'"facts":'*'"codec":"mp3"'*) pass "probe task returns facts" ;; *) fail "probe task returns facts" "$(reply 4)" ;; esac
case "$(reply 5)" in *"unknown media task 'zap'"*) pass "unknown task is refused" ;; *) fail "unknown task is refused" "$(reply 5)" ;; esac
case "$(reply 6)" in *'"id":-1'*'malformed media task'*) pass "a line that is not JSON gets an error reply" ;; *) fail "a line that is not JSON gets an error reply" "$(reply 6)" ;; esac
case "$(reply 7)" in *'"ok":false'*'no video stream'*) pass "poster of an audio file fails with a reason" ;; *) fail "poster of an audio file fails with a reason" "$(reply 7)" ;; esac
[ ! -e "$T/none.jpg" ] && [ -z "$(ls "$T" | grep "none.jpg")" ] && pass "a failed poster leaves no file" || fail "a failed poster leaves no file"

# dubbatch's fal client (remote.c, http.c, fal.c) against the fake fal
# server: the happy path for both endpoints, every injected fault, lost
# submit replies reconciled without paying twice, and the key kept secret.
. "$TOP/tests/lib.sh"

FC="$TOP/$BUILD/tool_falclient"
KEY="tid:s3cr3t-canary-$$"
V="$FIX/ok_1080p_5s.mp4"
A="$FIX/speech.mp3"

start() {
    [ -n "${FAKE_PID:-}" ] && kill "$FAKE_PID" 2>/dev/null && wait "$FAKE_PID" 2>/dev/null
    fakefal_start --key "$KEY" --job-seconds 0.2 --output copy "$@"
    export FAL_KEY="$KEY" FAL_QUEUE_URL="$FAKE_URL" FAL_REST_URL="$FAKE_URL" FAL_API_URL="$FAKE_URL"
}
is_video() {
    ffprobe -v error -select_streams v:0 -show_entries stream=codec_name -of csv=p=0 "$2" 2>/dev/null | grep -q . \
        && pass "$1" || fail "$1" "$2 is not a video"
}

start
expect_exit "a2v job: upload, submit, poll, result, download" 0 "$FC" job "$V" "$A" "$T/out.mp4"
is_video "a2v job: the result is a real video" "$T/out.mp4"
[ ! -e "$T/out.mp4.part" ] && pass "a2v job: no .part left" || fail "a2v job: no .part left"
contains "a2v job: fal's logs are read" "$T/out" "Starting Kling LipSync"
expect_exit "t2v job" 0 "$FC" tts "$V" "Hello from dubbatch" uk_man2 "$T/tts.mp4"
is_video "t2v job: the result is a real video" "$T/tts.mp4"
expect_exit "a model rejection fails the job" 1 "$FC" job "$FIX/small_640x360.mp4" "$A" "$T/x.mp4"
contains "a model rejection carries fal's words and request id" "$T/err" \
    "HTTP 422: video_url: Video width and height must be 720-1920px, got 640x360 (image_too_small) [request"
stat_is "no submission was duplicated" "d['duplicates'] == 0"

# Transient faults on every route are retried until they pass.
for f in initiate:500:count=2 upload:503:count=2 upload:drop:count=1 submit:429:count=2 \
         submit:503:count=1 submit:503ingress:count=1 status:500:count=2 status:502:count=1 \
         status:504:count=1 status:drop:count=2 status:slow:count=1:delay=0.5 \
         result:502:count=2 cdn:503:count=1 cdn:truncate:count=1; do
    start --fault "$f"
    expect_exit "fault $f is retried" 0 "$FC" job "$V" "$A" "$T/f.mp4"
    is_video "fault $f: the result is whole" "$T/f.mp4"
done
start --fault submit:429:count=2
"$FC" job "$V" "$A" "$T/f.mp4" >/dev/null 2>&1
stat_is "a 429'd submit is sent again and created once" \
    "d['status_codes']['submit'].get('429') == 2 and d['jobs'] == 1 and d['duplicates'] == 0"

# A submit whose reply is lost is found again in the listing, never resent.
start --fault submit:lost:count=1
expect_exit "lost submit reply: reconciled and adopted" 3 "$FC" job "$V" "$A" "$T/lost.mp4"
contains "lost submit reply: outcome unknown, then adopted" "$T/out" "adopted"
is_video "lost submit reply: the adopted job's result arrives" "$T/lost.mp4"
stat_is "lost submit reply: exactly one submission at fal" \
    "d['jobs'] == 1 and d['duplicates'] == 0 and d['requests']['list'] >= 1"
start --fault submit:500:count=1
expect_exit "a submit answered 500 is not resent blindly" 4 "$FC" job "$V" "$A" "$T/x.mp4"
contains "a submit answered 500 is reconciled: fal never had it" "$T/out" "not found in fal's listing"
stat_is "a submit answered 500 was sent once" "d['requests']['submit'] == 1"

# Model failures: COMPLETED with an error, and the result replays it.
start --fault model:faildetail:count=1
expect_exit "a model failure (detail list) fails the job" 1 "$FC" job "$V" "$A" "$T/x.mp4"
contains "model failure: status says COMPLETED with the error" "$T/out" "status COMPLETED error: No face detected"
contains "model failure: fal's words" "$T/err" "No face detected in the video (face_detection_error)"
start --fault model:failstring:count=1
expect_exit "a model failure (detail string) fails the job" 1 "$FC" job "$V" "$A" "$T/x.mp4"
contains "model failure (string): fal's words" "$T/err" "HTTP 422: Generation failed"
start --fault model:timeout:count=1 --fault result:504:count=0
expect_exit "a model timeout fails after the result's retries" 1 "$FC" job "$V" "$A" "$T/x.mp4"
contains "model timeout: the flat error and its type" "$T/err" "Request timed out (request_timeout)"
stat_is "job outcomes are counted" "d['outcomes'].get('failed') == 1"

# Permanent failures fail at once with fal's message.
start --fault result:expire:count=1
expect_exit "an expired result fails" 1 "$FC" job "$V" "$A" "$T/x.mp4"
contains "an expired result says so" "$T/err" "Request not found or expired"
start --fault submit:403:count=1
expect_exit "a locked account fails the submit" 1 "$FC" job "$V" "$A" "$T/x.mp4"
contains "a locked account says why" "$T/err" "Exhausted balance"
start
FAL_KEY="tid:wrong" expect_exit "a wrong key fails" 1 "$FC" job "$V" "$A" "$T/x.mp4"
contains "a wrong key gets fal's 401" "$T/err" "HTTP 401: No user found for Key ID and Secret"
FAL_KEY="no-colon" expect_exit "a malformed key is refused before sending" 2 "$FC" upload "$A" audio/mpeg
start --concurrency 0
expect_exit "a cancelled queued job ends failed" 1 "$FC" job "$V" "$A" "$T/c.mp4" --cancel
contains "cancel: fal's 202" "$T/out" "cancel HTTP 202"
contains "cancel: the result says it was cancelled" "$T/err" "Request cancelled by the client (client_cancelled)"
start

# Multipart: a file over 90 MiB goes up in 10 MiB parts and comes back whole.
head -c $((95 * 1024 * 1024 + 777)) /dev/urandom >"$T/big.bin"
"$FC" upload "$T/big.bin" application/octet-stream >"$T/up.out" 2>&1
url=$(sed -n 's/^uploaded //p' "$T/up.out")
curl -s -o "$T/big.back" "$url"
[ -n "$url" ] && cmp -s "$T/big.bin" "$T/big.back" && pass "multipart upload arrives byte for byte" \
    || fail "multipart upload arrives byte for byte" "$(cat "$T/up.out")"
stat_is "multipart upload used parts" "d['status_codes']['upload'].get('200', 0) >= 11"
rm -f "$T/big.bin" "$T/big.back"

# Security: the key only ever goes to fal's API origins.
stat_is "no Authorization header reached storage or the CDN" "d['violations'] == []"
if grep -rl -- "$KEY" "$T" 2>/dev/null | grep -v "fake.port" | grep -q .; then
    fail "the key appears in no output" "$(grep -rl -- "$KEY" "$T")"
else
    pass "the key appears in no output"
fi
FAL_QUEUE_URL="http://example.com" expect_exit "http:// to a non-loopback host is refused" 2 "$FC" upload "$A" audio/mpeg
contains "http:// refusal says why" "$T/err" "only https:// (or http:// to loopback)"
FAL_REST_URL="file:///etc" expect_exit "file:// is refused" 2 "$FC" upload "$A" audio/mpeg

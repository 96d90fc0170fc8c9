# The deliver op, through the real dubbatch-media program: a picture muxed
# with the studio's dub (or its own audio), stream copy where the container
# holds the codec, the audio cut at the picture's end, tags read back.
. "$TOP/tests/lib.sh"

MEDIA="$(dirname "$DUBBATCH")/dubbatch-media"
ffp() { ffprobe -v error "$@"; }
# stream FILE SEL ENTRIES: csv of one stream's entries
stream() { ffp -select_streams "$2" -show_entries "stream=$3" -of csv=p=0 "$1"; }
pkts() { ffp -select_streams "$2" -show_entries packet=size -of csv=p=0 "$1" | head -n "${3:-100000}" | md5sum; }
# task ID PICTURE OUT [json fields...]
task() {
    id=$1 pic=$2 out=$3; shift 3
    extra=""
    for f in "$@"; do extra="$extra,$f"; done
    echo "{\"id\":$id,\"op\":\"deliver\",\"path\":\"$pic\",\"out\":\"$out\"$extra}"
}
{
    task 1 "$FIX/ok_exact_2s.mp4" "$T/pcm.mp4" "\"dub\":\"$FIX/speech.wav\"" \
        '"fingerprint":"0123abcd"' '"request":"req-a,req-b"'
    task 2 "$FIX/ok_exact_2s.mp4" "$T/pcm.mov" "\"dub\":\"$FIX/speech.wav\"" '"mov":true'
    task 3 "$FIX/ok_exact_2s.mp4" "$T/aac.mp4" "\"dub\":\"$FIX/speech.m4a\""
    task 4 "$FIX/ok_720p_8s.mov" "$T/short.mp4" "\"dub\":\"$FIX/dub_mix.mov\""
    task 5 "$FIX/ok_720p_8s.mov" "$T/model.mp4" '"model_audio":true'
    task 6 "$FIX/ok_exact_10s.mp4" "$T/mxf.mov" "\"dub\":\"$FIX/dub_mix.mxf\"" '"mov":true'
    task 7 "$FIX/noaudio.mp4" "$T/none.mp4" '"model_audio":true'
    task 8 "$FIX/speech.wav" "$T/none2.mp4" "\"dub\":\"$FIX/speech.wav\""
} | "$MEDIA" >"$T/replies"
reply() { sed -n "${1}p" "$T/replies" >"$T/r$1.json"; echo "$T/r$1.json"; }

# 1: PCM cannot go into MP4: encoded to AAC, cut to the 2 s picture.
json_true "pcm dub in mp4: delivered" "$(reply 1)" 'd["ok"] and d["delivery"]["audio_encoded"] == 1'
json_true "pcm dub in mp4: 3 s past the picture reported cut" "$T/r1.json" \
    'abs(d["delivery"]["audio_cut"] - 3) < 0.001 and d["delivery"]["audio_short"] == 0'
[ "$(stream "$T/pcm.mp4" a:0 codec_name,duration)" = "aac,2.000000" ] \
    && pass "pcm dub in mp4: AAC lasting exactly the picture's 2 s" \
    || fail "pcm dub in mp4: AAC lasting the picture" "$(stream "$T/pcm.mp4" a:0 codec_name,duration)"
[ "$(pkts "$T/pcm.mp4" v:0)" = "$(pkts "$FIX/ok_exact_2s.mp4" v:0)" ] \
    && pass "the picture is stream-copied, packet for packet" || fail "the picture is stream-copied"
json_true "tags are read back by the probe" "$T/r1.json" \
    'd["facts"]["tag_fingerprint"] == "0123abcd" and d["facts"]["tag_request"] == "req-a,req-b"'
"$DUBBATCH" probe "$T/pcm.mp4" >"$T/probe.json"
python3 -c 'import json,sys; f=json.load(open(sys.argv[1]))[0]["facts"]; sys.exit(0 if f["tag_fingerprint"]=="0123abcd" and f["tag_request"]=="req-a,req-b" else 1)' "$T/probe.json" \
    && pass "dubbatch probe shows the fingerprint and request ids" || fail "dubbatch probe shows the tags" "$(head -c 600 "$T/probe.json")"
[ "$(ffp -show_entries format_tags=dubbatch_fingerprint -of csv=p=0 "$T/pcm.mp4")" = "0123abcd" ] \
    && pass "ffprobe sees the fingerprint tag too" || fail "ffprobe sees the fingerprint tag"

# 2: QuickTime keeps the PCM itself, cut to the sample.
[ "$(stream "$T/pcm.mov" a:0 codec_name,duration,nb_frames)" = "pcm_s16le,2.000000,96000" ] \
    && pass "pcm dub in mov: copied, exactly 96000 samples" \
    || fail "pcm dub in mov: copied and cut to the sample" "$(stream "$T/pcm.mov" a:0 codec_name,duration,nb_frames)"
a=$(ffmpeg -v error -i "$FIX/speech.wav" -t 2 -f s16le - | md5sum)
b=$(ffmpeg -v error -i "$T/pcm.mov" -map 0:a -f s16le - | md5sum)
[ "$a" = "$b" ] && pass "pcm dub in mov: the studio's samples, bit for bit" || fail "pcm dub in mov: samples unchanged"

# 3: AAC goes into MP4 as it is.
json_true "aac dub: copied, not encoded" "$(reply 3)" 'd["ok"] and d["delivery"]["audio_encoded"] == 0 and d["delivery"]["audio_codec"] == "aac"'
n=$(ffp -select_streams a:0 -show_entries packet=size -of csv=p=0 "$T/aac.mp4" | wc -l)
[ "$(pkts "$T/aac.mp4" a:0)" = "$(pkts "$FIX/speech.m4a" a:0 "$n")" ] \
    && pass "aac dub: the studio's packets, unchanged ($n of them)" || fail "aac dub: packets unchanged"
[ "$(stream "$T/aac.mp4" a:0 duration)" = "2.000000" ] && pass "aac dub: cut at the picture's end" \
    || fail "aac dub: cut at the picture's end" "$(stream "$T/aac.mp4" a:0 duration)"

# 4: a dub that ends before the picture: the picture is kept whole.
json_true "short dub from a .mov mix: the 1 s without dub is reported" "$(reply 4)" \
    'd["ok"] and abs(d["delivery"]["audio_short"] - 1) < 0.01 and d["delivery"]["picture_seconds"] == 8'
[ "$(ffp -count_packets -select_streams v:0 -show_entries stream=nb_read_packets -of csv=p=0 "$T/short.mp4")" = 200 ] \
    && pass "short dub: all 200 frames of the picture kept" || fail "short dub: picture kept whole"
[ "$(ffp -show_entries format=nb_streams -of csv=p=0 "$T/short.mp4")" = 2 ] \
    && pass "a .mov mix gives only its first audio stream" || fail "a .mov mix gives only its first audio stream"

# 5: deliver_audio: model.
json_true "model audio: the picture's own track" "$(reply 5)" 'd["ok"] and d["delivery"]["audio_seconds"] == 8'
[ "$(pkts "$T/model.mp4" a:0)" = "$(pkts "$FIX/ok_720p_8s.mov" a:0)" ] \
    && pass "model audio: its packets unchanged" || fail "model audio: packets unchanged"

# 6: the first audio stream of an MXF mix, PCM kept in QuickTime.
json_true "mxf mix in mov" "$(reply 6)" 'd["ok"] and d["delivery"]["audio_codec"].startswith("pcm_") and d["delivery"]["audio_encoded"] == 0'

# 7, 8: failures name the file and leave nothing behind.
json_true "model audio without any audio fails with the reason" "$(reply 7)" \
    'not d["ok"] and "noaudio.mp4" in d["error"] and "no audio stream" in d["error"]'
json_true "a picture without video fails with the reason" "$(reply 8)" \
    'not d["ok"] and "no video stream" in d["error"]'
[ ! -e "$T/none.mp4" ] && [ ! -e "$T/none2.mp4" ] && pass "a failed delivery leaves no file" || fail "a failed delivery leaves no file"
[ -z "$(ls "$T" | grep -E '\.tmp|dub\.m4a')" ] && pass "no temporary files left behind" || fail "no temporary files left behind" "$(ls "$T")"

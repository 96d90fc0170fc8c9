# dubbatch conform on every fixable fixture, judged by dubbatch probe and,
# independently, by ffprobe: sizes, frame counts, durations, codecs, pixel
# format, no rotation, no audio in video, audio format and byte size.
. "$TOP/tests/lib.sh"

O="$T/o"
mkdir -p "$O"

ffp() { ffprobe -v error "$@"; }
# vfacts FILE: "codec,w,h,sar,pix_fmt,rate,frames" of the first video stream.
vfacts() {
    ffp -select_streams v:0 -count_packets -show_entries \
        stream=codec_name,width,height,pix_fmt,sample_aspect_ratio,nb_read_packets,r_frame_rate \
        -of csv=p=0 "$1"
}
nstreams() { ffp -show_entries format=nb_streams -of csv=p=0 "$1"; }
fdur() { ffp -show_entries format=duration -of csv=p=0 "$1"; }
rot() { ffp -select_streams v:0 -show_entries stream_side_data=rotation -of csv=p=0 "$1"; }
le() { python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) <= float(sys.argv[2]) else 1)" "$1" "$2"; }
near() { python3 -c "import sys; sys.exit(0 if abs(float(sys.argv[1]) - float(sys.argv[2])) <= float(sys.argv[3]) else 1)" "$1" "$2" "$3"; }

# video NAME SOURCE EXPECTED-VFACTS MAX-DURATION [conform args]
video() {
    n=$1 src=$2 want=$3 max=$4; shift 4
    out="$O/$n.mp4"
    if ! "$DUBBATCH" conform "$@" "$FIX/$src" -o "$out" >"$T/c.out" 2>&1; then
        fail "$n: conform" "$(cat "$T/c.out")"
        return
    fi
    got=$(vfacts "$out")
    [ "$got" = "$want" ] && pass "$n: $want" || fail "$n: video facts" "got  $got" "want $want"
    [ "$(nstreams "$out")" = 1 ] && pass "$n: no audio track" || fail "$n: no audio track" "$(nstreams "$out") streams"
    [ -z "$(rot "$out")" ] && pass "$n: no rotation left" || fail "$n: no rotation left" "$(rot "$out")"
    le "$(fdur "$out")" "$max" && pass "$n: duration $(fdur "$out") <= $max" || fail "$n: duration" "$(fdur "$out") > $max"
    "$DUBBATCH" probe "$out" >"$T/p.json" && pass "$n: dubbatch probe reads it" || fail "$n: dubbatch probe reads it"
}

video 4k-trim big_4k_12s.mp4 "h264,1920,1080,1:1,yuv420p,30/1,300" 10.0
video small-up small_640x360.mp4 "h264,1280,720,1:1,yuv420p,30/1,120" 10.0
video 2997-trim long_1080p_25s.mp4 "h264,1920,1080,1:1,yuv420p,30000/1001,299" 9.98
video pad-wide wide_32x9.mp4 "h264,1920,720,1:1,yuv420p,25/1,100" 10.0
video pad-tall tall_9x32.mp4 "h264,720,1920,1:1,yuv420p,25/1,100" 10.0
video rotate rotated_phone.mp4 "h264,720,1280,1:1,yuv420p,30/1,120" 10.0
video loop short_1s.mp4 "h264,1280,720,1:1,yuv420p,25/1,50" 2.0
video vfr vfr.mp4 "h264,1280,720,1:1,yuv420p,24000/1001,120" 10.0
video tenbit tenbit.mp4 "h264,1280,720,1:1,yuv420p,25/1,100" 10.0
video hevc hevc.mp4 "h264,1280,720,1:1,yuv420p,25/1,100" 10.0
video anamorphic anamorphic.mp4 "h264,1920,1080,1:1,yuv420p,25/1,100" 10.0
video odd odd_1281x721.mp4 "h264,1282,722,1:1,yuv420p,25/1,100" 10.0
video prores prores.mov "h264,1920,1080,1:1,yuv420p,25/1,75" 10.0
le "$(fdur "$O/loop.mp4")" 2.0 && near "$(fdur "$O/loop.mp4")" 2.0 0.001 \
    && pass "loop: exactly 2.000 s" || fail "loop: exactly 2.000 s" "$(fdur "$O/loop.mp4")"
near "$(fdur "$O/2997-trim.mp4")" 9.977 0.001 && pass "29.97 fps trim is 9.977 s, never 10.01 s" \
    || fail "29.97 fps trim is 9.977 s" "$(fdur "$O/2997-trim.mp4")"

# The remux case: H.264 in Matroska is copied, not re-encoded.
"$DUBBATCH" conform "$FIX/h264.mkv" -o "$O/remux.mp4" >"$T/c.out" 2>&1
contains "mkv: stream copy" "$T/c.out" "remux mkv -> mp4 (stream copy)"
a=$(ffp -select_streams v:0 -show_entries packet=size -of csv=p=0 "$FIX/h264.mkv" | md5sum)
b=$(ffp -select_streams v:0 -show_entries packet=size -of csv=p=0 "$O/remux.mp4" | md5sum)
[ "$a" = "$b" ] && pass "mkv: packets copied unchanged" || fail "mkv: packets copied unchanged"
[ "$(nstreams "$O/remux.mp4")" = 1 ] && pass "mkv: audio dropped" || fail "mkv: audio dropped"

expect_exit "a compliant clip is used as is" 0 "$DUBBATCH" conform "$FIX/ok_1080p_5s.mp4" -o "$O/none.mp4"
contains "a compliant clip: nothing written (message)" "$T/out" "already fits"
[ ! -e "$O/none.mp4" ] && pass "a compliant clip: no copy made" || fail "a compliant clip: no copy made"
expect_exit "a wrong output extension is a usage error" 2 "$DUBBATCH" conform "$FIX/hevc.mp4" -o "$O/x.mov"
expect_exit "an unreadable input fails" 1 "$DUBBATCH" conform "$FIX/notmedia.mp4" -o "$O/x.mp4"
[ -z "$(ls "$O" | grep '\.tmp')" ] && pass "no temporary files left behind" || fail "no temporary files left behind" "$(ls "$O")"

# audio NAME SOURCE EXT "codec,rate,channels" DURATION
audio() {
    n=$1 src=$2 ext=$3 want=$4 dur=$5
    out="$O/$n.$ext"
    if ! "$DUBBATCH" conform --as audio "$FIX/$src" -o "$out" >"$T/c.out" 2>&1; then
        fail "$n: conform" "$(cat "$T/c.out")"
        return
    fi
    got=$(ffp -select_streams a:0 -show_entries stream=codec_name,sample_rate,channels -of csv=p=0 "$out")
    [ "$got" = "$want" ] && pass "$n: $want" || fail "$n: audio facts" "got  $got" "want $want"
    [ "$(nstreams "$out")" = 1 ] && pass "$n: one stream" || fail "$n: one stream" "$(nstreams "$out")"
    near "$(fdur "$out")" "$dur" 0.05 && pass "$n: $dur s" || fail "$n: duration" "$(fdur "$out") != $dur"
    size=$(wc -c <"$out")
    [ "$size" -le 5000000 ] && pass "$n: $size bytes <= 5,000,000" || fail "$n: size" "$size"
}
audio wav-big big_40s.wav m4a "aac,48000,2" 40
audio ogg speech.ogg m4a "aac,44100,1" 6
audio opus speech.opus m4a "aac,48000,1" 6
audio flac speech.flac m4a "aac,44100,1" 6
audio adts raw.aac m4a "aac,44100,1" 30.02
audio surround surround51.wav m4a "aac,48000,2" 6
audio pad short_1s.wav m4a "aac,48000,1" 2
audio trim long_70s.mp3 m4a "aac,44100,1" 60
audio cover cover.mp3 mp3 "mp3,44100,1" 6.03
audio dubmix dub_mix.mov m4a "aac,48000,1" 7
audio mxf dub_mix.mxf m4a "aac,48000,1" 7

# validate --conform: the batch path, with the work-folder cache and the
# freeze policy (which the one-file verb does not expose).
mkdir -p "$T/m"
cat >"$T/m/m.yaml" <<EOF2
version: 1
output_dir: out
jobs:
  - id: frozen
    video: $FIX/short_1s.mp4
    audio: $FIX/short_1s.wav
    short_video: freeze
  - id: same-work
    video: $FIX/short_1s.mp4
    audio: $FIX/speech.mp3
    short_video: freeze
EOF2
expect_exit "validate --conform" 0 "$DUBBATCH" validate --conform "$T/m/m.yaml"
work=$(ls "$T/m/out/.dubbatch/work"/*.mp4 2>/dev/null)
[ "$(echo "$work" | grep -c .)" = 1 ] && pass "two jobs with the same work share one conformed file" \
    || fail "two jobs with the same work share one conformed file" "$work"
[ -n "$work" ] && [ "$(vfacts "$work")" = "h264,1280,720,1:1,yuv420p,25/1,50" ] \
    && pass "freeze: held to 50 frames" || fail "freeze: held to 50 frames" "$(vfacts "$work")"
expect_exit "validate --conform again" 0 "$DUBBATCH" validate --conform "$T/m/m.yaml"
contains "the second run reuses the work files" "$T/out" "(cached)"

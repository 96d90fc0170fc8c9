#!/bin/sh
# Generates the test media into tests/fixtures/media/ with the ffmpeg CLI (a
# test-time tool only: dubbatch never runs ffmpeg).  Idempotent: a stamp
# holding this script's hash skips the work when nothing changed; a fresh
# set is built in a temporary folder and renamed into place, so an
# interrupted run never leaves half a set.
set -eu
cd "$(dirname "$0")/.."
dest=tests/fixtures/media
stamp=$(sha256sum scripts/fixtures.sh | cut -c1-16)
if [ -f "$dest/.stamp" ] && [ "$(cat "$dest/.stamp")" = "$stamp" ]; then
    exit 0
fi
command -v ffmpeg >/dev/null || sh scripts/deps.sh
tmp=$(mktemp -d tests/fixtures/.media.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
start=$(date +%s)

ff() { ffmpeg -nostdin -v error -y "$@"; }
X264="-c:v libx264 -preset ultrafast -crf 30 -pix_fmt yuv420p"
A="-f lavfi -i sine=frequency=300:sample_rate=44100"

# name w h rate seconds [extra args...]: testsrc2 + tone, h264/aac
clip() {
    n=$1 w=$2 h=$3 r=$4 d=$5; shift 5
    ff -f lavfi -i "testsrc2=size=${w}x${h}:rate=$r" $A -t "$d" $X264 -c:a aac -b:a 64k -shortest "$@" "$tmp/$n"
}

clip ok_1080p_5s.mp4 1920 1080 30 4
clip ok_720p_8s.mov 1280 720 25 8
# The fake fal server fails a clip titled "noface" as the model fails one
# without a face (face_detection_error).
ff -i "$tmp/ok_720p_8s.mov" -c copy -metadata title=noface "$tmp/noface_720p.mov"
ff -f lavfi -i testsrc2=size=1280x720:rate=25 -frames:v 50 $X264 "$tmp/ok_exact_2s.mp4"
ff -f lavfi -i testsrc2=size=1280x720:rate=25 -frames:v 250 $X264 "$tmp/ok_exact_10s.mp4"
clip small_640x360.mp4 640 360 30 4
clip big_4k_12s.mp4 3840 2160 30 12
clip long_1080p_25s.mp4 1920 1080 30000/1001 25
clip wide_32x9.mp4 3840 1080 25 4
clip tall_9x32.mp4 608 2160 25 4
# 1280x720 coded with a display matrix that turns it upright to 720x1280
# (the ffmpeg CLI would apply transpose=clock).  This ffmpeg has no
# -display_rotation; on a stream copy the mov muxer turns the rotate tag
# into the matrix (ffprobe then prints rotation=-90).
clip phone_flat.mp4 1280 720 30 4
ff -i "$tmp/phone_flat.mp4" -c copy -metadata:s:v:0 rotate=270 "$tmp/rotated_phone.mp4"
rm -f "$tmp/phone_flat.mp4"
clip short_1s.mp4 1280 720 25 1.2
# Variable frame rate: 30 fps then 15 fps, timestamps kept as they are.
ff -f lavfi -i testsrc2=size=1280x720:rate=30 -t 2.5 $X264 "$tmp/vfr_a.mp4"
ff -f lavfi -i testsrc2=size=1280x720:rate=15 -t 2.5 $X264 "$tmp/vfr_b.mp4"
printf "file '%s'\nfile '%s'\n" vfr_a.mp4 vfr_b.mp4 >"$tmp/vfr.txt"
ff -f concat -safe 0 -i "$tmp/vfr.txt" -c copy -video_track_timescale 90000 "$tmp/vfr.mp4"
rm -f "$tmp/vfr_a.mp4" "$tmp/vfr_b.mp4" "$tmp/vfr.txt"
ff -f lavfi -i testsrc2=size=1280x720:rate=25 -t 4 -c:v libx264 -preset ultrafast -pix_fmt yuv420p10le "$tmp/tenbit.mp4"
ff -f lavfi -i testsrc2=size=1280x720:rate=25 -t 4 -c:v libx265 -preset ultrafast -x265-params log-level=none -tag:v hvc1 "$tmp/hevc.mp4"
ff -f lavfi -i testsrc2=size=1440x1080:rate=25 -t 4 $X264 -vf setsar=4/3 "$tmp/anamorphic.mp4"
ff -f lavfi -i testsrc2=size=1280x720:rate=25 -t 4 $X264 "$tmp/noaudio.mp4"
ff -f lavfi -i testsrc2=size=1280x720:rate=25 $A -t 4 $X264 -c:a aac -shortest "$tmp/h264.mkv"
# testsrc2 rounds its size to even numbers: crop to the odd size instead.
ff -f lavfi -i testsrc2=size=1282x722:rate=25 -t 4 -vf format=yuv444p,crop=1281:721:0:0 -c:v libx264 -preset ultrafast -pix_fmt yuv444p "$tmp/odd_1281x721.mp4"
ff -f lavfi -i testsrc2=size=1280x720:rate=30000/1001 -frames:v 150 $X264 "$tmp/billing_5005ms.mp4"
ff -f lavfi -i testsrc2=size=1920x1080:rate=25 -t 3 -c:v prores_ks -profile:v 3 "$tmp/prores.mov"
ff -f lavfi -i testsrc2=size=1280x720:rate=25 $A -t 4 $X264 -c:a aac -shortest "$tmp/clip with spaces ñandú.mp4"

# Audio.
tone() { echo "sine=frequency=$1:sample_rate=$2:duration=$3"; }
ff -f lavfi -i "$(tone 220 44100 8)" -ac 1 -c:a libmp3lame -b:a 128k "$tmp/speech.mp3"
ff -f lavfi -i "$(tone 220 48000 5)" -ac 2 -c:a pcm_s16le "$tmp/speech.wav"
ff -f lavfi -i "$(tone 220 44100 6)" -c:a aac -b:a 96k "$tmp/speech.m4a"
ff -f lavfi -i "$(tone 330 48000 40)" -ac 2 -c:a pcm_s16le "$tmp/big_40s.wav"
ff -f lavfi -i "nullsrc=size=1200x1200,geq=random(1)*255:128:128" -frames:v 1 "$tmp/cover.png"
ff -f lavfi -i "$(tone 220 44100 6)" -i "$tmp/cover.png" -map 0:a -map 1:v -c:a libmp3lame -b:a 128k \
    -c:v png -disposition:v attached_pic -id3v2_version 3 "$tmp/cover.mp3"
rm -f "$tmp/cover.png"
ff -f lavfi -i "$(tone 220 44100 6)" -c:a libvorbis "$tmp/speech.ogg"
ff -f lavfi -i "$(tone 220 48000 6)" -c:a libopus "$tmp/speech.opus"
ff -f lavfi -i "$(tone 220 44100 6)" -c:a flac "$tmp/speech.flac"
ff -f lavfi -i "$(tone 220 44100 30)" -c:a aac -b:a 64k -f adts "$tmp/raw.aac"
ff -f lavfi -i "$(tone 220 48000 6)" -af "pan=5.1|c0=c0|c1=c0|c2=c0|c3=c0|c4=c0|c5=c0" -c:a pcm_s16le "$tmp/surround51.wav"
ff -f lavfi -i "$(tone 220 48000 1)" -c:a pcm_s16le "$tmp/short_1s.wav"
ff -f lavfi -i "$(tone 220 44100 70)" -ac 1 -c:a libmp3lame -b:a 64k "$tmp/long_70s.mp3"
ff -f lavfi -i testsrc2=size=320x240:rate=25 -f lavfi -i "$(tone 250 48000 7)" -t 7 $X264 -c:a aac "$tmp/dub_mix.mov"
ff -f lavfi -i testsrc2=size=320x240:rate=25 -f lavfi -i "$(tone 250 48000 7)" -t 7 -c:v mpeg2video -c:a pcm_s16le -ar 48000 "$tmp/dub_mix.mxf" 2>/dev/null || rm -f "$tmp/dub_mix.mxf"
ff -f lavfi -i "$(tone 220 48000 2)" -c:a pcm_s16le "$tmp/exact_2s.wav"
ff -f lavfi -i "$(tone 220 44100 60)" -ac 1 -c:a libmp3lame -b:a 64k "$tmp/exact_60s.mp3"

# Long scenes: a picture whose frames can be told apart (its frame number
# burned in, large, over moving test patterns) and a dub of real speech
# (espeak-ng sentences, each time-stretched by sox to fill its slot
# exactly) with silence between the slots.  Pauses are the gaps between
# slots; shot changes are the cut from testsrc2 to testsrc.  Measured as
# dubbatch does (10 ms RMS, 20 dB under the speech level), a pause starts
# up to 60 ms before its slot says, where the voice fades out.
FONT=/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf
NUM="drawtext=fontfile=$FONT:text=%{frame_num}:fontsize=200:fontcolor=white:box=1:boxcolor=black:x=24:y=24"
# scene OUT RATE FRAMES SHOT: testsrc2 up to frame SHOT, testsrc after it
scene() {
    ff -filter_complex "testsrc2=s=1280x720:r=$2,trim=end_frame=$4[a];testsrc=s=1280x720:r=$2,trim=end_frame=$(($3 - $4)),setpts=PTS-STARTPTS[b];[a][b]concat=n=2:v=1:a=0,$NUM" \
        -frames:v "$3" $X264 "$tmp/$1"
}
# speech OUT SECONDS CHANNELS < "start end words" lines: the words fill
# [start, end) exactly; everything else is digital silence.
speech() {
    out=$1 total=$2 ch=$3 at=0 i=0 parts=""
    while read -r a b words; do
        i=$((i + 1))
        gap=$(awk "BEGIN { print $a - $at }")
        sox -n -r 48000 -c 1 "$tmp/.gap$i.wav" trim 0 "$gap"
        espeak-ng -s 130 -w "$tmp/.raw$i.wav" "$words"
        # The voice's own lead-in and tail are cut and its gaps between
        # words held to 80 ms (so the only pauses are the slots' own),
        # then it is stretched to its slot (tempo -s keeps the pitch).
        sox "$tmp/.raw$i.wav" "$tmp/.cut$i.wav" silence -l 1 0.02 0.5% -1 0.08 0.5% reverse silence 1 0.02 0.5% reverse
        len=$(soxi -D "$tmp/.cut$i.wav")
        sox "$tmp/.cut$i.wav" -r 48000 "$tmp/.say$i.wav" tempo -s "$(awk "BEGIN { print $len / ($b - $a) }")" pad 0 0.2 trim 0 "$(awk "BEGIN { print $b - $a }")"
        parts="$parts $tmp/.gap$i.wav $tmp/.say$i.wav"
        at=$b
    done
    sox -n -r 48000 -c 1 "$tmp/.tail.wav" trim 0 "$(awk "BEGIN { print $total - $at }")"
    # shellcheck disable=SC2086
    sox $parts "$tmp/.tail.wav" -c "$ch" "$tmp/$out"
    rm -f "$tmp"/.gap*.wav "$tmp"/.raw*.wav "$tmp"/.cut*.wav "$tmp"/.say*.wav "$tmp/.tail.wav"
}

# long_25s_25: 625 frames at 25 fps; shot change at frame 500 (20.00 s).
# Dub long_25s_25.m4a, AAC 48 kHz stereo, 25.00 s.  Speech 0.30-4.60,
# 5.00-9.70, 10.30-14.60, 15.00-19.60, 20.20-24.70; pauses 4.60-5.00,
# 9.70-10.30, 14.60-15.00, 19.60-20.20 (holding the shot change), and the
# ends.  Cuts at 10.00 and 20.00 s bill 10 + 10 + 5 s.
scene long_25s_25.mp4 25 625 500
speech .long_25s_25.wav 25 2 <<'EOF2'
0.30 4.60 the harbour lights came on one by one across the water
5.00 9.70 as the last ferry of the evening pulled slowly away from the pier
10.30 14.60 a few gulls followed it out past the breakwater and the buoys
15.00 19.60 while the people on the deck waved to the friends they left behind
20.20 24.70 and somewhere in the town a bell rang out the hour of nine
EOF2
ff -i "$tmp/.long_25s_25.wav" -c:a aac -b:a 160k "$tmp/long_25s_25.m4a"
rm -f "$tmp/.long_25s_25.wav"
# long_15s_2997: 448 frames at 30000/1001 (14.948 s), one shot.  Dub
# long_15s_2997.wav, PCM 48 kHz mono, 15.00 s: it runs 0.052 s past the
# picture.  Speech 0.20-4.60, 5.00-9.70, 10.20-14.80; pauses 4.60-5.00,
# 9.70-10.20, and the ends.  10 + 5 s needs the cut on frame 299 (9.977 s).
scene long_15s_2997.mp4 30000/1001 448 448
speech long_15s_2997.wav 15 1 <<'EOF2'
0.20 4.60 she opened the letter with careful fingers and began to read
5.00 9.70 the words were written in a hand she had not seen for many years
10.20 14.80 and by the second page she knew exactly who had sent it to her
EOF2
# long_37s_25: 925 frames at 25 fps; shot change at frame 315 (12.60 s).
# Dub long_37s_25.wav, PCM 48 kHz stereo, 37.00 s.  Speech 0.30-4.00,
# 4.60-8.50, 9.00-12.20, 12.80-24.60 (11.8 s with no pause), 29.60-33.00,
# 33.40-36.60; pauses 4.00-4.60, 8.50-9.00, 12.20-12.80 (holding the shot
# change), 24.60-29.60 (5 s without speech), 33.00-33.40, and the ends;
# the voice makes one more of its own at 2.59-2.80.
scene long_37s_25.mp4 25 925 315
speech long_37s_25.wav 37 2 <<'EOF2'
0.30 4.00 good evening and welcome back to the programme
4.60 8.50 tonight we are travelling north along the coast road
9.00 12.20 to a village that most maps have long forgotten
12.80 24.60 and so the whole village gathered in the square to listen while the old captain told them about the storm that had carried his boat far beyond the islands where nobody had ever sailed before and how he found his way home
29.60 33.00 the captain still lives in the house by the harbour
33.40 36.60 and he will tell the story to anyone who asks him
EOF2

# Bad files.
: >"$tmp/empty.mp4"
# moov at the end (the default), cut at 30%: no index, unusable.
size=$(wc -c <"$tmp/ok_1080p_5s.mp4")
head -c $((size * 3 / 10)) "$tmp/ok_1080p_5s.mp4" >"$tmp/truncated.mp4"
# moov first (faststart), cut at 30%: the index is whole and claims 4 s,
# the samples stop after about 1.2 s.
ff -i "$tmp/ok_1080p_5s.mp4" -c copy -movflags +faststart "$tmp/faststart.mp4"
size=$(wc -c <"$tmp/faststart.mp4")
head -c $((size * 3 / 10)) "$tmp/faststart.mp4" >"$tmp/truncated_faststart.mp4"
rm -f "$tmp/faststart.mp4"
{ printf '\000\000\000\030ftypisom\000\000\002\000isomiso2'; head -c 65536 /dev/urandom; } >"$tmp/corrupt.mp4"
echo "this is a text file, not a video" >"$tmp/notmedia.mp4"
cp "$tmp/notmedia.mp4" "$tmp/notmedia.txt"

# Check that each tricky file is what its name promises.
probe() { ffprobe -v error -of default=nw=1:nk=1 "$@"; }
want() { [ "$2" = "$3" ] || { echo "fixtures.sh: $1: got '$2', want '$3'" >&2; exit 1; }; }
want "rotated_phone rotation" "$(probe -select_streams v:0 -show_entries stream_side_data=rotation "$tmp/rotated_phone.mp4")" "-90"
want "anamorphic SAR" "$(probe -select_streams v:0 -show_entries stream=sample_aspect_ratio "$tmp/anamorphic.mp4")" "4:3"
want "cover art" "$(probe -select_streams v:0 -show_entries stream_disposition=attached_pic "$tmp/cover.mp3")" "1"
want "raw.aac format" "$(probe -show_entries format=format_name "$tmp/raw.aac")" "aac"
want "billing frames" "$(probe -count_frames -select_streams v:0 -show_entries stream=nb_read_frames "$tmp/billing_5005ms.mp4")" "150"
want "exact 10 s frames" "$(probe -count_frames -select_streams v:0 -show_entries stream=nb_read_frames "$tmp/ok_exact_10s.mp4")" "250"
want "odd size" "$(probe -select_streams v:0 -show_entries stream=width,height -of csv=p=0 "$tmp/odd_1281x721.mp4")" "1281,721"
want "long_37s_25 frames" "$(probe -count_frames -select_streams v:0 -show_entries stream=nb_read_frames "$tmp/long_37s_25.mp4")" "925"
want "long_15s_2997 frames" "$(probe -count_frames -select_streams v:0 -show_entries stream=nb_read_frames "$tmp/long_15s_2997.mp4")" "448"
want "long_37s_25 dub length" "$(probe -show_entries stream=duration "$tmp/long_37s_25.wav")" "37.000000"
want "tenbit pix_fmt" "$(probe -select_streams v:0 -show_entries stream=pix_fmt "$tmp/tenbit.mp4")" "yuv420p10le"

ls "$tmp" | sed 's/^/  /' >"$tmp/MANIFEST.txt"
echo "$stamp" >"$tmp/.stamp"
rm -rf "$dest"
mv "$tmp" "$dest"
trap - EXIT
echo "fixtures: $(ls "$dest" | wc -l) files in $dest ($(($(date +%s) - start)) s)"

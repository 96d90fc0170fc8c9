#!/bin/sh
# Benchmark (not a test): dubbatch conform against the ffmpeg CLI doing the
# same work with the same encoder settings (libx264 preset fast, CRF 18,
# maxrate 40M, lanczos scaling; native AAC), on the same machine, one run
# each.  Both use libx264's default thread count.  Prints wall times, the
# ratio (goal <= 1.0), and the PSNR of each output against the source
# scaled the same way (goal: within 0.5 dB of each other).  The remux case
# is also compared with re-encoding the same clip (goal: >= 20x faster).
set -eu
cd "$(dirname "$0")/.."
make -s all
sh scripts/fixtures.sh
bin=$PWD/build/dubbatch
fix=$PWD/tests/fixtures/media
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT

now() { date +%s.%N; }
X264="-c:v libx264 -preset fast -crf 18 -maxrate 40M -bufsize 80M -pix_fmt yuv420p -movflags +faststart"

# psnr OUT SRC FILTER FRAMES: average PSNR of OUT against SRC through FILTER
psnr() {
    ffmpeg -nostdin -v error -i "$1" -i "$2" \
        -lavfi "[1:v]$3[ref];[0:v][ref]psnr=stats_file=-" -frames:v "$4" -f null - 2>/dev/null |
        awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^psnr_avg:/) { split($i, a, ":"); if (a[2] != "inf") { s += a[2]; n++ } } }
             END { if (n) printf "%.2f", s / n; else printf "inf" }'
}

row() { printf '%-34s %8s %8s %7s %9s %9s\n' "$@"; }
row case dubbatch ffmpeg ratio psnr-dub psnr-cli
# video NAME SRC SCALE FPS FRAMES [ffmpeg filter extra]
video() {
    n=$1 src=$fix/$2 vf=$3 frames=$4
    t0=$(now)
    "$bin" conform "$src" -o "$w/$n-dub.mp4" >/dev/null
    t1=$(now)
    ffmpeg -nostdin -v error -y -i "$src" -vf "$vf,format=yuv420p" -frames:v "$frames" -an $X264 "$w/$n-cli.mp4"
    t2=$(now)
    pd=$(psnr "$w/$n-dub.mp4" "$src" "$vf" "$frames")
    pc=$(psnr "$w/$n-cli.mp4" "$src" "$vf" "$frames")
    row "$n" "$(echo "$t1 - $t0" | bc | cut -c1-6)s" "$(echo "$t2 - $t1" | bc | cut -c1-6)s" \
        "$(echo "scale=2; ($t1 - $t0) / ($t2 - $t1)" | bc)" "$pd" "$pc"
}
video "4k 12 s -> 1080p 10 s" big_4k_12s.mp4 "scale=1920:1080:flags=lanczos,setsar=1,fps=30/1" 300
video "640x360 -> 1280x720" small_640x360.mp4 "scale=1280:720:flags=lanczos,setsar=1,fps=30/1" 120
video "1080p 25 s -> 10 s (299 frames)" long_1080p_25s.mp4 "scale=1920:1080:flags=lanczos,setsar=1,fps=30000/1001" 299

t0=$(now)
"$bin" conform --as audio "$fix/big_40s.wav" -o "$w/wav-dub.m4a" >/dev/null
t1=$(now)
ffmpeg -nostdin -v error -y -i "$fix/big_40s.wav" -vn -c:a aac -b:a 192k -ar 48000 -ac 2 -movflags +faststart "$w/wav-cli.m4a"
t2=$(now)
row "40 s 48 kHz wav -> aac m4a" "$(echo "$t1 - $t0" | bc | cut -c1-6)s" "$(echo "$t2 - $t1" | bc | cut -c1-6)s" \
    "$(echo "scale=2; ($t1 - $t0) / ($t2 - $t1)" | bc)" "-" "-"

# A studio-sized clip for the remux case: 8 s of 1080p H.264 in Matroska.
ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=1920x1080:rate=25 -f lavfi -i sine \
    -t 8 -c:v libx264 -preset veryfast -crf 20 -c:a aac "$w/clip.mkv"
t0=$(now)
"$bin" conform "$w/clip.mkv" -o "$w/mkv-dub.mp4" >/dev/null
t1=$(now)
ffmpeg -nostdin -v error -y -i "$w/clip.mkv" -map 0:v:0 -c copy -movflags +faststart "$w/mkv-cli.mp4"
t2=$(now)
ffmpeg -nostdin -v error -y -i "$w/clip.mkv" -an $X264 "$w/mkv-enc.mp4"
t3=$(now)
row "h264 .mkv 1080p 8 s remux" "$(echo "$t1 - $t0" | bc | cut -c1-6)s" "$(echo "$t2 - $t1" | bc | cut -c1-6)s" \
    "$(echo "scale=2; ($t1 - $t0) / ($t2 - $t1)" | bc)" "-" "-"
echo "remux vs re-encoding the same clip: $(echo "scale=1; ($t3 - $t2) / ($t1 - $t0)" | bc)x faster (goal: >= 20x)"

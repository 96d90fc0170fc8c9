#!/bin/sh
# Benchmark (not a test): long scenes of 60 s and 3 min, cut into windows,
# each window conformed, then joined again, the fake's copy mode standing
# in for the model (a window's result is its own slice).  Prints per
# scene: the analysis and planning time, the time to cut the slices, the
# stitch against the ffmpeg CLI concatenating the same windows (concat
# demuxer, stream copy) in the same run, billed seconds against fixed 10 s
# windows, and the frames of drift at the joins (goal 0), read from the
# frame number burned into every frame of the fixture: each frame of the
# stitched picture must match the whole scene conformed, both sides of
# every join (PSNR over 40 dB).
set -eu
cd "$(dirname "$0")/.."
make -s all build/tool_longscene
sh scripts/fixtures.sh >/dev/null
tool=$PWD/build/tool_longscene
fix=$PWD/tests/fixtures/media
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT

now() { date +%s.%N; }
secs() { echo "$2 - $1" | bc | awk '{ printf "%.2f", $1 }'; }

# scene NAME SECONDS: the 37 s fixture (speech with known pauses, a shot
# change, a stretch with none) looped to SECONDS, picture and dub alike.
scene() {
    ffmpeg -nostdin -v error -y -stream_loop -1 -i "$fix/long_37s_25.mp4" -t "$2" \
        -c:v libx264 -preset veryfast -crf 18 -pix_fmt yuv420p "$w/$1.mp4"
    ffmpeg -nostdin -v error -y -stream_loop -1 -i "$fix/long_37s_25.wav" -t "$2" \
        -c:a pcm_s16le "$w/$1.wav"
}

# drift OUT REF JOINS: frames at the joins whose picture is not the
# reference's (PSNR at or under 40 dB), over both sides of every join.
drift() {
    ffmpeg -nostdin -v error -i "$1" -i "$2" -lavfi "[0:v][1:v]psnr=stats_file=$w/psnr.log" \
        -f null - 2>/dev/null
    python3 - "$w/psnr.log" "$3" <<'PY'
import sys
vals = []
for line in open(sys.argv[1]):
    f = dict(kv.split(":", 1) for kv in line.split())
    vals.append(99.0 if f["psnr_avg"] == "inf" else float(f["psnr_avg"]))
joins = [int(x) for x in sys.argv[2].split(",") if x]
near = [vals[k] for b in joins for k in (b - 1, b) if 0 <= k < len(vals)]
print("%d %.1f" % (sum(v <= 40 for v in near), min(near) if near else 99))
PY
}

printf '%-8s %9s %8s %8s %9s %9s %7s %11s %11s %6s\n' scene analyze plan slices \
    stitch ffmpeg ratio billed fixed-10s drift
for spec in 60s:60 3min:180; do
    name=${spec%%:*} len=${spec#*:}
    scene "$name" "$len"
    out=$w/$name.out
    mkdir -p "$out"
    "$tool" "$w/$name.mp4" "$w/$name.wav" "$out" --reference >"$w/$name.facts"
    get() { awk -v k="$1" '$1 == k { $1 = ""; sub(/^ /, ""); print }' "$w/$name.facts"; }
    # The same windows through the ffmpeg CLI, as a user would join them.
    : >"$w/$name.list"
    for f in "$out"/w[0-9][0-9].mp4; do echo "file '$f'" >>"$w/$name.list"; done
    t0=$(now)
    ffmpeg -nostdin -v error -y -f concat -safe 0 -i "$w/$name.list" -c copy "$w/$name-cli.mp4"
    t1=$(now)
    joins=$(python3 -c "import sys
fr = [int(x) for x in sys.argv[1:]]
print(','.join(str(sum(fr[:k + 1])) for k in range(len(fr) - 1)))" \
        $(for f in "$out"/w[0-9][0-9].mp4; do
            ffprobe -v error -select_streams v:0 -count_packets -show_entries stream=nb_read_packets \
                -of csv=p=0 "$f"; done))
    set -- $(drift "$out/picture.mp4" "$out/reference.mp4" "$joins")
    cli=$(secs "$t0" "$t1")
    printf '%-8s %8ss %7ss %7ss %8ss %8ss %7s %5s s/%-4s %5s s %3s (min %s dB)\n' "$name" \
        "$(get analyze_seconds)" "$(get plan_seconds | cut -c1-5)" "$(get slices_seconds)" \
        "$(get stitch_seconds)" "$cli" \
        "$(echo "scale=2; $(get stitch_seconds) / $cli" | bc)" \
        "$(get billed)" "$(get nwindows)w" "$(get fixed_billed)" "$1" "$2"
    echo "         $(get verified); stitch by $( [ "$(get stitch_copied)" = 1 ] && echo 'stream copy' || echo 're-encode')"
done

#!/bin/sh
# Benchmark (not a test): probing speed against what a studio script does,
# and validate's cost on a large manifest.
#
# 1. dubbatch probe, one process for all files, against ffprobe run once per
#    file, on the same 300 files (the good fixtures, repeated).  Goal: at
#    least 30 times the files per second.
# 2. dubbatch validate on 10,000 jobs over 100 distinct files: wall time and
#    peak memory.  Goal: under 30 s and under 200 MB on 2 cores.
set -eu
cd "$(dirname "$0")/.."
make -s all
sh scripts/fixtures.sh
bin=$PWD/build/dubbatch
fix=$PWD/tests/fixtures/media
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

now() { date +%s.%N; }
good="ok_1080p_5s.mp4 ok_720p_8s.mov small_640x360.mp4 big_4k_12s.mp4
long_1080p_25s.mp4 rotated_phone.mp4 vfr.mp4 hevc.mp4 anamorphic.mp4
h264.mkv prores.mov speech.mp3 speech.wav speech.m4a big_40s.wav cover.mp3
speech.ogg raw.aac speech.flac long_70s.mp3"
i=0
while [ $i -lt 300 ]; do
    for f in $good; do
        [ $i -lt 300 ] || break
        ln -s "$fix/$f" "$work/$(printf %03d $i)_$f"
        i=$((i + 1))
    done
done
ls "$work"/* >"$work/list"

t0=$(now)
xargs "$bin" probe <"$work/list" >/dev/null
t1=$(now)
while read -r f; do
    ffprobe -v error -show_format -show_streams -of json "$f" >/dev/null
done <"$work/list"
t2=$(now)
python3 - "$t0" "$t1" "$t2" <<'PY'
import sys
t0, t1, t2 = map(float, sys.argv[1:])
d, f = t1 - t0, t2 - t1
print("probe 300 files (%d CPUs)" % __import__('os').cpu_count())
print("  dubbatch probe (one process): %6.2f s  %7.1f files/s" % (d, 300 / d))
print("  ffprobe once per file:        %6.2f s  %7.1f files/s" % (f, 300 / f))
print("  ratio: dubbatch is %.1fx faster (goal: 30x)" % (f / d))
PY

# 10,000 jobs over 50 videos and 50 audio files (distinct paths).
mkdir "$work/m"
for k in $(seq -w 1 50); do
    ln -s "$fix/ok_1080p_5s.mp4" "$work/m/v$k.mp4"
    ln -s "$fix/speech.mp3" "$work/m/a$k.mp3"
done
python3 - "$work/m/big.yaml" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("version: 1\noutput_dir: out\njobs:\n")
    for i in range(10000):
        f.write("  - id: job%05d\n    video: v%02d.mp4\n    audio: a%02d.mp3\n"
                % (i, i % 50 + 1, (i // 50) % 50 + 1))
PY
/usr/bin/time -f "%e %M" -o "$work/time" "$bin" validate "$work/m/big.yaml" >"$work/out" || true
read -r wall rss <"$work/time"
echo "validate 10,000 jobs over 100 files: ${wall} s wall, peak RSS $((rss / 1024)) MB (goal: < 30 s, < 200 MB)"
tail -2 "$work/out" | sed 's/^/  /'

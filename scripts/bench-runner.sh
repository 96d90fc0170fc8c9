#!/bin/sh
# Benchmark (not a test) of dubbatch run against the fake fal server.
# 1. Overhead: N jobs (1,000 by default; BENCH_JOBS to change) with zero
#    simulated processing time at concurrency 16: wall time, CPU seconds per
#    job and peak RSS, against a script using fal's official JavaScript
#    client (tests/conformance/bench-client.mjs) doing the same uploads,
#    submits, polls, results and downloads against the same fake.  Goal:
#    dubbatch at least 2x faster and under a quarter of the memory.
# 2. Slot use: 100 jobs at concurrency 4, each taking T seconds at the fake:
#    batch wall time against the ideal ceil(100/4) x T.  Goal: within 5%.
set -eu
cd "$(dirname "$0")/.."
make -s all
sh scripts/fixtures.sh
[ -d tests/conformance/node_modules/@fal-ai/client ] ||
    npm ci --prefix tests/conformance --no-audit --no-fund >/dev/null
N=${BENCH_JOBS:-1000}
T=${BENCH_T:-1}
w=$(mktemp -d)
trap 'kill $fake 2>/dev/null; rm -rf "$w"' EXIT
fake=

start_fake() {
    [ -n "$fake" ] && kill "$fake" 2>/dev/null && wait "$fake" 2>/dev/null || true
    rm -f "$w/port"
    python3 scripts/fakefal.py --port-file "$w/port" --output copy "$@" >/dev/null 2>&1 &
    fake=$!
    while [ ! -s "$w/port" ]; do sleep 0.05; done
    FAKE_URL="http://127.0.0.1:$(cat "$w/port")"
    export FAKE_URL FAL_KEY=bench:bench FAL_QUEUE_URL=$FAKE_URL FAL_REST_URL=$FAKE_URL FAL_API_URL=$FAKE_URL
}

# Distinct 2 s dubs (distinct content, so nothing is shared or cached).
python3 - "$w/audio" "$N" <<'PY'
import os, struct, sys
d, n = sys.argv[1], int(sys.argv[2])
os.makedirs(d)
rate, secs = 8000, 2
for i in range(n):
    data = bytes((i * 7 + k) & 0xff for k in range(256)) * (rate * secs * 2 // 256)
    hdr = b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVEfmt " + struct.pack(
        "<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16) + b"data" + struct.pack("<I", len(data))
    open(os.path.join(d, "a%05d.wav" % i), "wb").write(hdr + data)
PY
manifest() {
    { echo "version: 1"; echo "output_dir: $2"; echo "jobs:"
      ls "$w/audio" | head -n "$1" | while read -r a; do
          echo "  - {id: ${a%.wav}, video: $PWD/tests/fixtures/media/ok_720p_8s.mov, audio: $w/audio/$a}"
      done; } >"$3"
}

echo "== overhead: $N jobs, zero processing time, concurrency 16"
manifest "$N" "$w/out-dub" "$w/m.yaml"
start_fake --job-seconds 0 --concurrency 16
/usr/bin/time -f "%e %U %S %M" -o "$w/t-dub" ./build/dubbatch run -q --concurrency 16 --poll-interval 0.05 "$w/m.yaml" >/dev/null 2>&1 || true
start_fake --job-seconds 0 --concurrency 16
mkdir -p "$w/out-js"
/usr/bin/time -f "%e %U %S %M" -o "$w/t-js" node tests/conformance/bench-client.mjs \
    tests/fixtures/media/ok_720p_8s.mov "$w/audio" "$w/out-js" 16 >/dev/null 2>&1 || true
python3 - "$w/t-dub" "$w/t-js" "$N" "$(ls "$w/out-dub" | grep -c mp4)" "$(ls "$w/out-js" | grep -c mp4)" <<'PY'
import sys
def read(p):
    e, u, s, m = open(p).read().split()[-4:]
    return float(e), float(u) + float(s), int(m) / 1024
n = int(sys.argv[3])
d, j = read(sys.argv[1]), read(sys.argv[2])
print("  %-26s %8s %14s %12s %6s" % ("", "wall", "cpu/job", "peak RSS", "done"))
print("  %-26s %7.1fs %12.2fms %10.1fMB %6s" % ("dubbatch run", d[0], d[1] / n * 1000, d[2], sys.argv[4]))
print("  %-26s %7.1fs %12.2fms %10.1fMB %6s" % ("@fal-ai/client script", j[0], j[1] / n * 1000, j[2], sys.argv[5]))
print("  ratio: %.2fx faster, %.2fx the memory (goals: >= 2x, <= 0.25x)" % (j[0] / d[0], d[2] / j[2]))
PY

echo "== slot use: 100 jobs, concurrency 4, T = ${T} s per job"
manifest 100 "$w/out-slots" "$w/s.yaml"
start_fake --job-seconds "$T" --concurrency 4
s0=$(date +%s.%N)
./build/dubbatch run -q --concurrency 4 --poll-interval 0.05 "$w/s.yaml" >/dev/null 2>&1 || true
s1=$(date +%s.%N)
python3 -c "
w = $s1 - $s0; ideal = 25 * $T
print('  wall %.1f s, ideal %.1f s: %.1f%% over (goal: within 5%%)' % (w, ideal, (w / ideal - 1) * 100))"

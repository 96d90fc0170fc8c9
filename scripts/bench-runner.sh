#!/bin/sh
# Benchmark (not a test) of dubbatch run against the fake fal server.
# 1. Overhead: N jobs (1,000 by default; BENCH_JOBS to change) with zero
#    simulated processing time at concurrency 16: wall time, CPU seconds per
#    job and peak RSS, against a script using fal's official JavaScript
#    client (tests/conformance/bench-client.mjs) doing the same uploads,
#    submits, polls, results and downloads against the same fake.  Goal:
#    dubbatch at least 2x faster and under a quarter of the memory
#    (scripts/peakmem.py: peak RSS of the main process, and peak PSS of
#    all processes together).
# 2. Slot use: 100 jobs at concurrency 4, each taking T seconds at the fake:
#    batch wall time against the ideal ceil(100/4) x T.  Goal: within 5%.
set -eu
cd "$(dirname "$0")/.."
make -s all
sh scripts/fixtures.sh
[ -d tests/conformance/node_modules/@fal-ai/client ] ||
    npm ci --prefix tests/conformance --no-audit --no-fund >/dev/null
N=${BENCH_JOBS:-1000}
# Kling takes ~720 s; 10 s keeps the run near four minutes, while the
# fixed cost of noticing a finished job still shows.
T=${BENCH_T:-10}
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
python3 scripts/peakmem.py "$w/t-dub" ./build/dubbatch run -q --concurrency 16 \
    --poll-interval 0.05 "$w/m.yaml" >/dev/null 2>&1 || true
start_fake --job-seconds 0 --concurrency 16
mkdir -p "$w/out-js"
python3 scripts/peakmem.py "$w/t-js" node tests/conformance/bench-client.mjs \
    tests/fixtures/media/ok_720p_8s.mov "$w/audio" "$w/out-js" 16 >/dev/null 2>&1 || true
python3 - "$w/t-dub" "$w/t-js" "$N" "$(ls "$w/out-dub" | grep -c mp4)" "$(ls "$w/out-js" | grep -c mp4)" <<'PY'
import sys
def read(p):
    wall, cpu, hwm, pss, rc = open(p).read().split()
    return float(wall), float(cpu), int(hwm) / 1024, int(pss) / 1024
n = int(sys.argv[3])
d, j = read(sys.argv[1]), read(sys.argv[2])
print("  %-22s %7s %9s %16s %18s %5s" % ("", "wall", "cpu/job", "main process RSS",
                                        "all processes PSS", "done"))
for name, r, done in (("dubbatch run", d, sys.argv[4]),
                      ("@fal-ai/client script", j, sys.argv[5])):
    print("  %-22s %6.1fs %7.2fms %14.1fMB %16.1fMB %5s" % (
        name, r[0], r[1] / n * 1000, r[2], r[3], done))
print("  ratio: %.2fx faster; memory %.2fx (main process), %.2fx (all processes)"
      % (j[0] / d[0], d[2] / j[2], d[3] / j[3]))
print("  goals: >= 2x faster, <= 0.25x the memory.  The main process does what"
      " the script does;\n  the media workers (dubbatch-media) also probe every"
      " input and verify every result,\n  which the script does not do at all.")
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

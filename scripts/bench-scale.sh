#!/bin/sh
# Benchmark (not a test) of start-up at scale: a batch of 10,000 and one of
# 100,000 distinct jobs (BENCH_SIZES to change), made of 10 and 100 short
# clips crossed with 1,000 distinct dubs, as a studio's batch shares its
# files.  Against the fake fal server, whose jobs never finish here, it
# prints per size:
#   - the time from `dubbatch run` to the first submit fal sees, and the
#     runner's peak RSS by then (goals: 2 s at 10,000, 20 s at 100,000);
#   - how long the run takes to exit after SIGINT, in its loop and during
#     start-up (goal: about a second; exit 4 both times);
#   - `dubbatch validate`'s wall time and peak RSS (goal: < 400 MB at
#     100,000 jobs).
set -eu
cd "$(dirname "$0")/.."
make -s all
SIZES=${BENCH_SIZES:-10000 100000}
w=$(mktemp -d)
fake=
trap 'kill $fake 2>/dev/null; rm -rf "$w"' EXIT

python3 scripts/fakefal.py --port-file "$w/port" --output copy \
    --job-seconds 100000 >/dev/null 2>&1 &
fake=$!
while [ ! -s "$w/port" ]; do sleep 0.05; done
URL="http://127.0.0.1:$(cat "$w/port")"
export FAL_KEY=bench:bench FAL_QUEUE_URL=$URL FAL_REST_URL=$URL FAL_API_URL=$URL

# 1,000 distinct 2 s dubs, and clips of 2 s at 720p, each its own colour.
python3 - "$w/audio" <<'PY'
import os, struct, sys
d = sys.argv[1]
os.makedirs(d)
rate, secs = 8000, 2
for i in range(1000):
    data = bytes((i * 7 + k) & 0xff for k in range(256)) * (rate * secs * 2 // 256)
    hdr = b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVEfmt " + struct.pack(
        "<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16) + b"data" + struct.pack("<I", len(data))
    open(os.path.join(d, "a%04d.wav" % i), "wb").write(hdr + data)
PY
mkdir -p "$w/video"
clips() {
    i=$(ls "$w/video" | wc -l)
    while [ "$i" -lt "$1" ]; do
        ffmpeg -v error -f lavfi -i "color=c=0x$(printf '%06x' $((i * 40503 % 16777216))):s=1280x720:d=2:r=25" \
            -c:v libx264 -preset ultrafast -pix_fmt yuv420p "$w/video/v$(printf '%03d' "$i").mp4"
        i=$((i + 1))
    done
}

manifest() { # N FILE
    python3 - "$1" "$w" "$2" <<'PY'
import sys
n, w, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
with open(out, "w") as f:
    f.write("version: 1\noutput_dir: %s/out-%d\njobs:\n" % (w, n))
    for i in range(n):
        f.write("  - {id: j%06d, video: %s/video/v%03d.mp4, audio: %s/audio/a%04d.wav}\n"
                % (i, w, i // 1000, w, i % 1000))
PY
}

submits() {
    curl -s "$URL/__stats" | python3 -c 'import json, sys
print(sum(json.load(sys.stdin)["submissions"].values()))' 2>/dev/null || echo 0
}

now() { python3 -c 'import time; print(time.monotonic())'; }

# Runs the batch in m.yaml until fal sees its first submit; writes the
# start, the moment and the runner's peak RSS then to $w/first, and leaves
# the runner in $pid.
first_submit() {
    curl -s -X POST "$URL/__reset" >/dev/null
    rm -rf "$w/out-$1"
    t0=$(now)
    ./build/dubbatch run -q --poll-interval 5 "$w/m.yaml" >"$w/run.log" 2>&1 &
    pid=$!
    while [ "$(submits)" -eq 0 ] && kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
    t1=$(now)
    rss=$(awk '/VmHWM/ {print int($2 / 1024)}' "/proc/$pid/status" 2>/dev/null || echo "?")
    echo "$t0 $t1 $rss" >"$w/first"
}

# Sends SIGINT to $pid; prints the seconds until it exits and its code.
interrupt() {
    t0=$(now)
    kill -INT "$pid"
    rc=0
    wait "$pid" || rc=$?
    t1=$(now)
    python3 -c 'import sys; print("%.2f s, exit %s" % (float(sys.argv[2]) - float(sys.argv[1]), sys.argv[3]))' \
        "$t0" "$t1" "$rc"
}

printf '%-9s %13s %10s %19s %24s %22s\n' jobs "first submit" "run RSS" \
    "SIGINT in the loop" "SIGINT during start-up" "validate (wall, RSS)"
for n in $SIZES; do
    clips $((n / 1000))
    manifest "$n" "$w/m.yaml"
    first_submit "$n"
    set -- $(cat "$w/first")
    first=$(python3 -c 'import sys; print("%.2f s" % (float(sys.argv[2]) - float(sys.argv[1])))' "$1" "$2")
    rss="$3 MB"
    interrupt >"$w/loop"
    loop=$(cat "$w/loop")
    # Start-up: a signal while the inputs are still being read.
    rm -rf "$w/out-$n"
    ./build/dubbatch run -q "$w/m.yaml" >"$w/run.log" 2>&1 &
    pid=$!
    sleep 0.3
    interrupt >"$w/startup"
    startup=$(cat "$w/startup")
    python3 scripts/peakmem.py "$w/vm" ./build/dubbatch validate "$w/m.yaml" >/dev/null 2>&1 || true
    validate=$(awk '{printf "%.2f s, %d MB", $1, $3 / 1024}' "$w/vm")
    printf '%-9s %13s %10s %19s %24s %22s\n' "$n" "$first" "$rss" "$loop" "$startup" "$validate"
done
echo "goals: first submit within 2 s at 10,000 jobs and 20 s at 100,000;"
echo "       a signal honoured within about a second (exit 4); validate < 400 MB at 100,000"

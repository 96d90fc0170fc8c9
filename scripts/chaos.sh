#!/bin/sh
# Chaos: a batch of distinct jobs against the fake fal server while every
# route fails the way real edges fail (5xx in JSON and in S3's XML, a
# proxy's HTML 502, resets and cuts mid-body, slow bodies, broken JSON,
# expired signed URLs, lost submit replies, submits answered badly after
# fal took them), with the runner killed with SIGKILL at random moments
# and run again until it ends.  Then, from the fake's own counts: every
# job done with a checked output, none failed, every piece of work
# submitted exactly once, nothing partial in the results folder.
#
#   sh scripts/chaos.sh [JOBS [KILLS [SEED]]]     (make chaos: 200 10)
#
# Prints PASS/FAIL lines (tests/integration/chaos.sh runs it with 24 6)
# and the figures.  Needs build/ and the fixtures.
set -u
JOBS=${1:-24}
KILLS=${2:-6}
SEED=${3:-11}
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
DUBBATCH=${DUBBATCH:-$TOP/$BUILD/dubbatch}
FIX="$TOP/tests/fixtures/media"
T=$(mktemp -d "${TMPDIR:-/tmp}/dubchaos.XXXXXX")
FAKE_PID=
trap '[ -n "$FAKE_PID" ] && kill "$FAKE_PID" 2>/dev/null; rm -rf "$T"' EXIT
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1"; shift; for l in "$@"; do echo "  $l"; done; }

# Distinct pieces of work: four clips that fit as they are, times as many
# short dubs as it takes, each its own tone.
mkdir -p "$T/m/dubs"
ln -s "$FIX" "$T/m/media"
set -- ok_1080p_5s.mp4 ok_720p_8s.mov ok_exact_2s.mp4 ok_exact_10s.mp4
ndub=$(( (JOBS + 3) / 4 ))
i=0
while [ $i -lt "$ndub" ]; do
    ffmpeg -nostdin -v error -y -f lavfi \
        -i "sine=frequency=$((200 + 7 * i)):sample_rate=22050:duration=3" \
        -c:a libmp3lame -b:a 48k "$T/m/dubs/d$i.mp3" || exit 2
    i=$((i + 1))
done
{
    echo "version: 1"
    echo "output_dir: out"
    echo "concurrency: 4"
    echo "jobs:"
    n=0
    while [ $n -lt "$JOBS" ]; do
        eval "clip=\${$((n % 4 + 1))}"
        printf '  - {id: c%03d, video: media/%s, audio: dubs/d%d.mp3}\n' \
            "$n" "$clip" $((n / 4))
        n=$((n + 1))
    done
} >"$T/m/chaos.yaml"

# Every fault kind on every route, a few percent each.
faults=""
for route in submit status result cancel initiate list; do
    for kind in 500 502 503 503ingress 504 429 html502 drop reset badjson; do
        faults="$faults --fault $route:$kind:p=0.02"
    done
done
for route in upload cdn; do
    for kind in 500 503 xml500 xml503 xmltimeout html502 drop reset expired; do
        faults="$faults --fault $route:$kind:p=0.02"
    done
done
faults="$faults --fault cdn:truncate:p=0.05 --fault cdn:slowbody:p=0.05:rate=4000000"
faults="$faults --fault submit:lost:p=0.1 --fault submit:html502:p=0.03:after"
faults="$faults --fault status:slow:p=0.02:delay=0.3"
# shellcheck disable=SC2086
python3 "$TOP/scripts/fakefal.py" --port-file "$T/port" --job-seconds 0.3 \
    --concurrency 4 --output copy --seed "$SEED" $faults >"$T/fake.log" 2>&1 &
FAKE_PID=$!
i=0
while [ ! -s "$T/port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
URL="http://127.0.0.1:$(cat "$T/port")"
export FAL_KEY="chaos:secret" FAL_QUEUE_URL="$URL" FAL_REST_URL="$URL" FAL_API_URL="$URL"
export DUBBATCH_TEST_BACKOFF_MS=20,400
# exec: sent to the background, the function's subshell becomes the
# runner, so $! is the runner itself (else a kill stops only the subshell
# and the runner goes on); in the foreground it runs in ( ).
run() {
    exec "$DUBBATCH" run -q --poll-interval 0.05 --media-jobs 2 --retry-for 60s \
        "$T/m/chaos.yaml" >>"$T/runs.log" 2>&1
}

start=$(date +%s)
# SIGKILL at moments drawn from the seed, spread over the batch's life.
kills=$(python3 -c "import random, sys
r = random.Random(int(sys.argv[1]))
print(' '.join('%.2f' % r.uniform(0.3, 2.5 + int(sys.argv[2]) / 12) for _ in range(int(sys.argv[3]))))" \
    "$SEED" "$JOBS" "$KILLS")
for delay in $kills; do
    run &
    pid=$!
    sleep "$delay"
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
done
# Then run again until it ends: exit 4 means work remains for a later run.
runs=0
rc=4
while [ "$rc" -eq 4 ] && [ $runs -lt 10 ]; do
    (run)
    rc=$?
    runs=$((runs + 1))
done
secs=$(($(date +%s) - start))

[ "$rc" -eq 0 ] && pass "chaos: the last run ends with every job done (exit 0)" ||
    fail "chaos: the last run ends with every job done (exit 0)" "exit $rc after $runs runs" \
        "$(tail -20 "$T/runs.log")"
curl -s "$URL/__stats" >"$T/stats.json"
python3 - "$T/m/out" "$T/stats.json" "$JOBS" "$KILLS" "$runs" "$secs" <<'PY'
import json, os, subprocess, sys
out, stats, jobs, kills, runs, secs = sys.argv[1:]
jobs = int(jobs)
rep = json.load(open(os.path.join(out, "report.json")))
st = json.load(open(stats))
states = {}
for j in rep["jobs"]:
    states[j["state"]] = states.get(j["state"], 0) + 1
def check(name, ok, why=""):
    print(("PASS " if ok else "FAIL ") + name + ("" if ok else "\n  " + why))
done = states.get("DONE", 0)
check("chaos: %d/%d jobs DONE" % (done, jobs), done == jobs, str(states))
check("chaos: 0 FAILED", states.get("FAILED", 0) == 0,
      "; ".join("%s: %s" % (j["id"], j.get("reason")) for j in rep["jobs"]
                if j["state"] == "FAILED")[:1500])
bad = []
for j in rep["jobs"]:
    p = os.path.join(out, j["id"] + ".mp4")
    r = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0",
                        "-show_entries", "stream=codec_name", "-of",
                        "csv=p=0", p], capture_output=True, text=True)
    if r.returncode or not r.stdout.strip():
        bad.append(j["id"])
check("chaos: every output is a real video", not bad, " ".join(bad[:20]))
subs = st["submissions"]
twice = {k: n for k, n in subs.items() if n != 1}
check("chaos: every piece of work submitted exactly once (%d works, %d "
      "submissions)" % (len(subs), sum(subs.values())),
      len(subs) == jobs and not twice, json.dumps(twice)[:1500])
extra = [f for f in os.listdir(out)
         if not (f.endswith(".mp4") or f in ("report.json", "report.csv",
                                             "index.html", "thumbs", "audio",
                                             ".dubbatch"))]
check("chaos: nothing partial in the results folder", not extra, str(extra))
check("chaos: the key never reached storage or the CDN",
      st["violations"] == [], str(st["violations"])[:500])
tot = rep["totals"]
codes = st["status_codes"]
injected = sum(n for route in codes.values() for c, n in route.items()
               if not c.startswith("2") and c != "404")
print("chaos figures: %d jobs, %d SIGKILLs then %s runs, %s s; %d/%d DONE, "
      "%d FAILED; %d submissions for %d pieces of work (%d duplicates); "
      "%d faults injected by the fake; the report counts %d outlasted, costing "
      "%.0f s" % (jobs, int(kills), runs, secs, done, jobs,
                  states.get("FAILED", 0), sum(subs.values()), len(subs),
                  st["duplicates"], injected, tot["faults"],
                  tot["fault_seconds"]))
PY

# dubbatch run against the fake fal server: the happy path for both
# endpoints, resume, kill -9 at random points, a lost submit reply, SIGINT,
# the lock, the budget, an edited manifest, model failures, and inputs that
# are rejected never reaching fal.
. "$TOP/tests/lib.sh"

KEY="run:s3cr3t-canary-$$"
M="$T/m"
mkdir -p "$M"
ln -s "$FIX" "$M/media"

start() {
    [ -n "${FAKE_PID:-}" ] && kill "$FAKE_PID" 2>/dev/null && wait "$FAKE_PID" 2>/dev/null
    fakefal_start --key "$KEY" --job-seconds "${JOBSEC:-0.3}" --output copy "$@"
    export FAL_KEY="$KEY" FAL_QUEUE_URL="$FAKE_URL" FAL_REST_URL="$FAKE_URL" FAL_API_URL="$FAKE_URL"
}
run() { "$DUBBATCH" run --poll-interval 0.05 --media-jobs 2 "$@"; }

cat >"$M/a2v.yaml" <<'EOF'
version: 1
output_dir: out
concurrency: 2
jobs:
  - id: fits
    video: media/ok_1080p_5s.mp4
    audio: media/speech.mp3
  - id: conformed
    video: media/small_640x360.mp4
    audio: media/speech.ogg
  - id: portrait
    video: media/rotated_phone.mp4
    audio: media/speech.wav
  - id: twin
    video: media/ok_1080p_5s.mp4
    audio: media/speech.mp3
  - id: broken
    video: media/notmedia.mp4
    audio: media/speech.mp3
EOF

start
expect_exit "a2v batch: exit 1 (one input rejected)" 1 run "$M/a2v.yaml"
for id in fits conformed portrait twin; do
    ffprobe -v error -show_entries stream=codec_type -of csv=p=0 "$M/out/$id.mp4" 2>/dev/null | grep -q video \
        && pass "a2v batch: $id.mp4 is a video" || fail "a2v batch: $id.mp4 is a video"
done
[ ! -e "$M/out/broken.mp4" ] && pass "a2v batch: nothing for the rejected job" || fail "a2v batch: nothing for the rejected job"
ls "$M/out" | grep -q '\.part$' && fail "no .part files left" "$(ls "$M/out")" || pass "no .part files left"
json_true "report: states" "$M/out/report.json" \
    "[j[i]['state'] for i in ('fits','conformed','portrait','twin','broken')] == ['DONE']*4 + ['REJECTED']"
json_true "report: the rejected job says why" "$M/out/report.json" "'not a media file' in j['broken']['reason']"
json_true "report: identical work is shared" "$M/out/report.json" \
    "j['twin'].get('shared_with') == 'fits' and j['twin']['request_id'] == j['fits']['request_id']"
json_true "report: request ids, timings, costs, plans" "$M/out/report.json" \
    "all(j[i]['request_id'] and j[i]['timings']['total_s'] > 0 for i in ('fits','conformed')) and j['conformed']['video_plan'].startswith('scale 640x360') and d['totals']['estimated_cost'] > 0"
contains "report.csv has a row per job" "$M/out/report.csv" '"conformed","DONE"'
stat_is "one submission per distinct job; the rejected input never reached fal" \
    "d['jobs'] == 3 and d['duplicates'] == 0 and all('notmedia' not in k for k in d['submissions'])"
stat_is "no Authorization header reached storage or the CDN" "d['violations'] == []"
[ -s "$M/out/.dubbatch/logs/fits.log" ] && pass "fal's logs are kept per job" || fail "fal's logs are kept per job"

expect_exit "a second run has nothing left to do" 1 run "$M/a2v.yaml"
stat_is "a second run submits and uploads nothing" "d['jobs'] == 3 and d['requests']['submit'] == 3 and d['uploads'] == 6"
expect_exit "status reads the state (exit 1: a job was rejected)" 1 "$DUBBATCH" status "$M/a2v.yaml"
contains "status counts per state" "$T/out" "DONE        4"
contains "status names what needs attention" "$T/out" "broken"

if grep -rlF -- "$KEY" "$M/out" "$T/out" "$T/err" 2>/dev/null | grep -q .; then
    fail "the key appears in no output, report, log or state" "$(grep -rlF -- "$KEY" "$M/out")"
else
    pass "the key appears in no output, report, log or state"
fi

# Text-to-video.
cat >"$M/t2v.yaml" <<'EOF'
version: 1
output_dir: out-t2v
endpoint: text-to-video
jobs:
  - id: hello
    video: media/ok_720p_8s.mov
    text: "Hello from the dubbing room."
    voice_id: uk_man2
EOF
expect_exit "t2v batch, logged for a machine at debug" 0 run -v --log-format json "$M/t2v.yaml"
python3 - "$T/err" >"$T/logcheck" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
moves = [l for l in lines if l.get("event") == "move"]
http = [l for l in lines if l.get("event") == "http"]
media = [l for l in lines if l.get("event") == "media"]
ok = (moves and all(l.get("job") == "hello" and l.get("state") for l in moves)
      and any(l["state"] == "DONE" for l in moves) and http and media
      and any(" submit (try 1)" in l["msg"] for l in http))
print("ok" if ok else "bad %d moves %d http %d media" % (len(moves), len(http), len(media)))
PY
contains "-v --log-format json: moves carry job and state, HTTP calls and media tasks are logged" "$T/logcheck" "ok"
[ -s "$M/out-t2v/hello.mp4" ] && pass "t2v batch: result written" || fail "t2v batch: result written"

# Model failure: fal's own words in the report.
cat >"$M/fail.yaml" <<'EOF'
version: 1
output_dir: out-fail
jobs:
  - id: noface
    video: media/ok_720p_8s.mov
    audio: media/speech.mp3
EOF
start --fault model:faildetail:count=1
expect_exit "a model failure fails the job" 1 run "$M/fail.yaml"
json_true "a model failure is reported with fal's message" "$M/out-fail/report.json" \
    "j['noface']['state'] == 'FAILED' and 'No face detected in the video (face_detection_error)' in j['noface']['reason']"
expect_exit "a job fal failed on these inputs is not paid for again" 1 run "$M/fail.yaml"
contains "the rerun says why, and what to do" "$T/err" "not sent again: fal failed it on these inputs (use --resubmit-failed"
stat_is "a job fal failed: one submission over two runs" "d['requests']['submit'] == 1"
json_true "... and the report says what the rerun did with it" "$M/out-fail/report.json" \
    "j['noface']['state'] == 'FAILED' and 'not sent again' in j['noface']['resumed']"
expect_exit "--resubmit-failed pays for another try" 0 run --resubmit-failed "$M/fail.yaml"
stat_is "--resubmit-failed: a second submission of the same work" \
    "d['requests']['submit'] == 2 and d['duplicates'] == 1"
json_true "... which the report says" "$M/out-fail/report.json" \
    "j['noface']['state'] == 'DONE' and '--resubmit-failed' in j['noface']['resumed']"

# A result of the wrong length (a cut render) is not put in place.
start --fault model:short:count=1
rm -rf "$M/out-fail"
expect_exit "a result cut short fails the job" 1 run "$M/fail.yaml"
json_true "a result cut short: the report gives both lengths" "$M/out-fail/report.json" \
    "j['noface']['state'] == 'FAILED' and 'the result lasts 1.000 s; expected 8.000 s (the video) or' in j['noface']['reason']"
[ ! -e "$M/out-fail/noface.mp4" ] && [ -s "$M/out-fail/.dubbatch/work/noface.unverified.mp4" ] &&
    pass "a result cut short: kept aside, not in the results" ||
    fail "a result cut short: kept aside, not in the results"

# A chatty model: logs that outgrow a status reply do not cost the job.
start --log-lines 12000
rm -rf "$M/out-fail"
expect_exit "logs over the reply cap: the job still finishes" 0 run "$M/fail.yaml"
contains "logs over the reply cap: polled without them" "$T/err" "outgrew a status reply"

# A lost submit reply: reconciled through the listing, never paid twice.
start --fault submit:lost:count=1
rm -rf "$M/out-fail"
expect_exit "lost submit reply: the job still finishes" 0 run "$M/fail.yaml"
contains "lost submit reply: found through the listing" "$T/err" "found request"
stat_is "lost submit reply: one submission" "d['jobs'] == 1 and d['duplicates'] == 0"

# kill -9 at random points, then run again until done: every job done once.
cat >"$M/many.yaml" <<'EOF'
version: 1
output_dir: out-many
concurrency: 3
jobs:
EOF
# Six different dubs of one clip: six distinct jobs.
i=0
for a in speech.mp3 speech.wav speech.m4a exact_2s.wav exact_60s.mp3 cover.mp3; do
    i=$((i + 1))
    printf '  - {id: j%d, video: media/ok_720p_8s.mov, audio: media/%s}\n' "$i" "$a" >>"$M/many.yaml"
done
JOBSEC=0.5 start --fault submit:lost:p=0.2 --seed 7
rounds=0
for delay in 0.7 1.3 0.4 2.1 1.0; do
    "$DUBBATCH" run --poll-interval 0.05 --media-jobs 2 "$M/many.yaml" >/dev/null 2>&1 &
    pid=$!
    sleep "$delay"
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    rounds=$((rounds + 1))
done
expect_exit "after $rounds kill -9s, a final run finishes the batch" 0 run "$M/many.yaml"
json_true "after kill -9s: every job is done" "$M/out-many/report.json" \
    "all(x['state'] == 'DONE' for x in d['jobs']) and len(d['jobs']) == 6"
stat_is "after kill -9s: exactly one submission per job" \
    "d['duplicates'] == 0 and len(d['submissions']) == 6"

# SIGINT: drain, report, exit 4; the next run resumes.
JOBSEC=2 start
rm -rf "$M/out"
"$DUBBATCH" run --poll-interval 0.05 --media-jobs 2 "$M/a2v.yaml" >"$T/int.out" 2>"$T/int.err" &
pid=$!
sleep 2
kill -INT "$pid"
wait "$pid"
rc=$?
[ "$rc" = 4 ] && pass "SIGINT exits 4" || fail "SIGINT exits 4" "exit $rc" "$(tail -5 "$T/int.err")"
[ -s "$M/out/report.json" ] && pass "SIGINT still writes the report" || fail "SIGINT still writes the report"
json_true "the interrupted report says so" "$M/out/report.json" "d['interrupted'] is True"
expect_exit "the run after SIGINT resumes and finishes" 1 run "$M/a2v.yaml"
stat_is "SIGINT and resume: no work submitted twice" "d['duplicates'] == 0 and d['jobs'] == 3"

# Idle media workers are let go: a night of long jobs holds no libav.
JOBSEC=12 start
rm -rf "$M/out-fail"
"$DUBBATCH" run --poll-interval 0.05 --media-jobs 2 "$M/fail.yaml" >/dev/null 2>&1 &
pid=$!
sleep 0.5
busy=$(pgrep -c -P "$pid" || true)
sleep 9
idle=$(pgrep -c -P "$pid" || true)
kill -INT "$pid"
wait "$pid"
[ "$busy" -ge 1 ] && [ "$idle" = 0 ] && pass "idle media workers exit while jobs run at fal" ||
    fail "idle media workers exit while jobs run at fal" "workers at 0.5 s: $busy, at 9.5 s: $idle"

# The lock: a second run on the same folder exits 5 and names the holder.
JOBSEC=3 start
rm -rf "$M/out"
"$DUBBATCH" run --poll-interval 0.05 --media-jobs 2 "$M/a2v.yaml" >/dev/null 2>&1 &
pid=$!
sleep 1
expect_exit "a second run on a busy folder exits 5" 5 run "$M/a2v.yaml"
contains "the lock message names the holder's pid" "$T/err" "(pid $pid)"
expect_exit "cancel refuses while a run holds the folder" 5 "$DUBBATCH" cancel "$M/a2v.yaml"
kill -9 "$pid"
wait "$pid" 2>/dev/null
expect_exit "a stale lock (dead holder) is taken over: cancel" 0 "$DUBBATCH" cancel "$M/a2v.yaml"
contains "cancel names what it cancelled" "$T/out" "cancelled (request"
expect_exit "status after cancel (exit 4: the killed run left work)" 4 "$DUBBATCH" status "$M/out"
contains "status shows the cancelled jobs" "$T/out" "CANCELLED"

# Requests fal no longer knows (404 on cancel): recorded, not a failure.
JOBSEC=5 start
rm -rf "$M/out"
"$DUBBATCH" run --poll-interval 0.05 --media-jobs 2 "$M/a2v.yaml" >/dev/null 2>&1 &
pid=$!
sleep 1.5
kill -9 "$pid"
wait "$pid" 2>/dev/null
start --port "${FAKE_URL##*:}" # the same address, none of those requests
expect_exit "cancel of requests fal no longer knows" 0 "$DUBBATCH" cancel "$M/a2v.yaml"
contains "cancel says fal no longer knows them" "$T/out" "fal no longer knows request"
expect_exit "status after cancelling forgotten requests (exit 4: work left)" 4 "$DUBBATCH" status "$M/out"
contains "forgotten requests are recorded as cancelled" "$T/out" "fal no longer knows the request"

# The budget: work that would pass --max-cost is skipped, not failed.
start
rm -rf "$M/out"
expect_exit "a budget cap skips work" 1 run --max-cost 0.1 "$M/a2v.yaml"
json_true "the budget cap: one job fits, the others are skipped with a reason" "$M/out/report.json" \
    "sorted(j[i]['state'] for i in ('fits', 'conformed', 'portrait')) == ['DONE', 'SKIPPED', 'SKIPPED'] and all('skipped by budget' in j[i]['reason'] for i in ('fits', 'conformed', 'portrait') if j[i]['state'] == 'SKIPPED')"

# An edited manifest redoes only the changed job.
start
rm -rf "$M/out-many"
JOBSEC=0.1 start
run "$M/many.yaml" >/dev/null 2>&1
sed -i 's|{id: j3, video: media/ok_720p_8s.mov|{id: j3, video: media/ok_1080p_5s.mp4|' "$M/many.yaml"
curl -s -X POST "$FAKE_URL/__reset" >/dev/null
expect_exit "an edited manifest runs again" 0 run "$M/many.yaml"
stat_is "only the changed job is submitted again" "d['requests'].get('submit') == 1"

# Faults on the way, through the whole runner: retried, nothing paid twice.
for f in status:500:count=3 status:drop:count=2 result:502:count=2 cdn:truncate:count=1 \
         upload:503:count=2 submit:429:count=2 submit:503ingress:count=1; do
    start --fault "$f"
    rm -rf "$M/out-fail"
    expect_exit "fault $f: the job still finishes" 0 run "$M/fail.yaml"
    stat_is "fault $f: one submission" "d['jobs'] == 1 and d['duplicates'] == 0"
done

# --max-fail: after N failures nothing new starts; the rest is skipped.
cat >"$M/maxfail.yaml" <<'EOF2'
version: 1
output_dir: out-maxfail
concurrency: 1
jobs:
  - {id: modelfail-1, video: media/noface_720p.mov, audio: media/speech.mp3}
  - {id: later-1, video: media/ok_720p_8s.mov, audio: media/speech.wav}
  - {id: later-2, video: media/ok_720p_8s.mov, audio: media/speech.m4a}
EOF2
start
expect_exit "--max-fail 1 stops starting work" 1 run --max-fail 1 "$M/maxfail.yaml"
json_true "--max-fail: the failure and the skipped jobs are reported" "$M/out-maxfail/report.json" \
    "j['modelfail-1']['state'] == 'FAILED' and j['later-2']['state'] == 'SKIPPED' and '--max-fail 1' in j['later-2']['reason']"

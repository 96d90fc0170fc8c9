# Paid work is never lost and never paid twice: each way a run can fail
# after fal has the work, and what the next run does with it, asserted
# from the fake's own count of submissions per piece of work.
. "$TOP/tests/lib.sh"

KEY="resume:s3cr3t-$$"
M="$T/m"
mkdir -p "$M"
ln -s "$FIX" "$M/media"
export DUBBATCH_TEST_BACKOFF_MS=20,200

start() {
    [ -n "${FAKE_PID:-}" ] && kill "$FAKE_PID" 2>/dev/null && wait "$FAKE_PID" 2>/dev/null
    fakefal_start --key "$KEY" --job-seconds "${JOBSEC:-0.3}" --output copy "$@"
    export FAL_KEY="$KEY" FAL_QUEUE_URL="$FAKE_URL" FAL_REST_URL="$FAKE_URL" FAL_API_URL="$FAKE_URL"
}
faults() { curl -s -X POST -d "$1" "$FAKE_URL/__faults" >/dev/null; }
run() { "$DUBBATCH" run --poll-interval 0.05 --media-jobs 2 --retry-for 3s "$@"; }
# at_fal N: waits (up to 10 s) until the fake holds N requests.
at_fal() {
    i=0
    while [ $i -lt 100 ] && [ "$(fakefal_stats | python3 -c 'import json,sys; print(json.load(sys.stdin)["jobs"])')" -lt "$1" ]; do
        sleep 0.1; i=$((i + 1))
    done
}
one_submission() { stat_is "$1" "d['requests'].get('submit', 0) == ${2:-1} and d['duplicates'] == 0"; }
# manifest NAME OUTDIR N: N distinct jobs (one clip, N dubs).
manifest() {
    { echo "version: 1"; echo "output_dir: $2"; echo "jobs:"; } >"$M/$1.yaml"
    set -- "$1" "$2" "$3" speech.mp3 speech.wav speech.m4a exact_2s.wav cover.mp3
    n=0
    while [ $n -lt "$3" ]; do
        eval "a=\${$((n + 4))}"
        printf '  - {id: j%d, video: media/ok_720p_8s.mov, audio: media/%s}\n' "$n" "$a" >>"$M/$1.yaml"
        n=$((n + 1))
    done
}

# A 2xx submit with a cut body while fal's listing shows nothing: fal has
# the work, so it is never sent again; the job waits for the listing.
manifest one out-one 1
start --fault submit:badjson:count=1 --fault list:empty:p=1
expect_exit "a cut 200 on submit with an empty listing: work remains (exit 4)" 4 run "$M/one.yaml"
contains "... the job waits, and says why" "$T/err" "fal accepted the submit, but its listing does not show the request yet; not sent again"
one_submission "... submitted once, whatever the listing says"
faults '[]'
expect_exit "the next run finds the request and finishes" 0 run "$M/one.yaml"
one_submission "... still one submission"
json_true "... and the report counts the faults it outlasted" "$M/out-one/report.json" \
    "j['j0']['state'] == 'DONE' and j['j0']['faults'] > 0 and d['totals']['faults'] > 0"

# Seven 502s on status are outlasted within the run (an eighth meets the
# preflight's status call, which warns and goes on).
rm -rf "$M/out-one"
start --fault status:502:count=8
expect_exit "seven 502s on status: the job still finishes in the run" 0 run "$M/one.yaml"
one_submission "seven 502s on status: one submission"
contains "the run's last line counts the faults" "$T/err" "7 transient faults outlasted"
# A status that fails past --retry-for: the job waits, bound to its request.
rm -rf "$M/out-one"
start --fault status:html502:p=1
expect_exit "status failing past --retry-for: work remains (exit 4)" 4 run "$M/one.yaml"
contains "... waiting, with fal's request id" "$T/err" "waiting for a later run (QUEUED, "
json_true "... the report says it is waiting, not failed" "$M/out-one/report.json" \
    "j['j0']['state'] == 'QUEUED' and 'HTTP 502' in j['j0']['waiting'] and j['j0']['request_id']"
faults '[]'
expect_exit "... and the next run takes it up from its request" 0 run "$M/one.yaml"
one_submission "... without submitting it again"

# A 500 on the result after a clean COMPLETED is the edge, not the model.
rm -rf "$M/out-one"
start --fault result:500:count=4 --fault cdn:xml503:count=2 --fault cdn:reset:count=1
expect_exit "500s on the result after COMPLETED, storage XML and a reset on the CDN" 0 run "$M/one.yaml"
one_submission "... one submission"

# Expired links: the CDN refuses the result's URL, a fresh one is fetched.
rm -rf "$M/out-one"
start --fault cdn:expired:count=1
expect_exit "an expired CDN link: the result is fetched again" 0 run "$M/one.yaml"
stat_is "... the result asked for twice, submitted once" "d['requests']['result'] == 2 and d['requests']['submit'] == 1"

# The state database lost after a finished batch: nothing is paid again.
manifest three out-three 3
start
expect_exit "a batch of three finishes" 0 run "$M/three.yaml"
rm -f "$M/out-three/.dubbatch/state.db" "$M/out-three/.dubbatch/state.db-wal" "$M/out-three/.dubbatch/state.db-shm"
expect_exit "with state.db deleted, a rerun finishes from fal's listing" 0 run "$M/three.yaml"
contains "... it says it is looking, before submitting" "$T/err" "looking in fal's listing for requests already sent"
stat_is "state.db deleted after a finished batch: 0 extra submissions" \
    "d['requests']['submit'] == 3 and d['duplicates'] == 0"
json_true "... every job done again, with its request" "$M/out-three/report.json" \
    "all(x['state'] == 'DONE' and x['request_id'] for x in d['jobs'])"

# ... and lost mid-batch, with requests in flight.
rm -rf "$M/out-three"
JOBSEC=2 start
"$DUBBATCH" run --poll-interval 0.05 --media-jobs 2 "$M/three.yaml" >/dev/null 2>&1 &
pid=$!
at_fal 3
kill -9 "$pid"; wait "$pid" 2>/dev/null
rm -f "$M/out-three/.dubbatch/state.db" "$M/out-three/.dubbatch/state.db-wal" "$M/out-three/.dubbatch/state.db-shm"
expect_exit "state.db lost with three requests at fal: the rerun finishes" 0 run "$M/three.yaml"
stat_is "... by taking up the three requests, none sent twice" \
    "d['requests']['submit'] == 3 and d['duplicates'] == 0 and d['jobs'] == 3"

# A database with garbage in its pages is a clear error, not a crash.
cp -r "$M/out-three" "$M/out-bad"
sed -i 's/out-three/out-bad/' "$M/three.yaml"
dd if=/dev/urandom of="$M/out-bad/.dubbatch/state.db" bs=512 seek=3 count=8 conv=notrunc 2>/dev/null
expect_exit "a state.db with garbage pages: exit 2" 2 run "$M/three.yaml"
contains "... naming the file and what to do" "$T/err" "out-bad/.dubbatch/state.db' is damaged"
contains "... which is to move it aside" "$T/err" "move it aside and run again"
ls "$M/out-bad" | grep -q 'tmp' && fail "... and no temporary report is left" "$(ls "$M/out-bad")" ||
    pass "... and no temporary report is left"
sed -i 's/out-bad/out-three/' "$M/three.yaml"

# A full disk and a read-only folder, on a small tmpfs.
D="$M/disk"
mkdir -p "$D"
if ! mount -t tmpfs -o size=24m tmpfs "$D" 2>/dev/null; then
    skip "a full disk and a read-only folder" "cannot mount a tmpfs here (not root, or no CAP_SYS_ADMIN)"
else
    cleanup_mount() { umount "$D" 2>/dev/null; test_cleanup; }
    trap cleanup_mount EXIT
    manifest disk "$D/out" 2
    JOBSEC=1.5 start
    run "$M/disk.yaml" >"$T/disk1.out" 2>"$T/disk1.err" &
    pid=$!
    at_fal 2
    # Fill the disk, then give back a little: enough for state.db, not for
    # a result of a few megabytes.
    dd if=/dev/zero of="$D/filler" bs=64k 2>/dev/null
    truncate -s -256k "$D/filler"
    wait "$pid"
    rc=$?
    [ "$rc" = 4 ] && pass "a full disk during the download: work remains (exit 4)" ||
        fail "a full disk during the download: work remains (exit 4)" "exit $rc" "$(tail -5 "$T/disk1.err")"
    contains "... the message says no space, and where" "$T/disk1.err" "No space left on device"
    contains "... naming the path" "$T/disk1.err" "$D/out/.dubbatch/work/"
    rm -f "$D/filler"
    expect_exit "with space again, the next run finishes" 0 run "$M/disk.yaml"
    one_submission "a full disk: nothing submitted again" 2

    # Read-only: killed with requests at fal, then the folder is mounted
    # read-only (a remount is refused while a run holds files open).
    rm -rf "$D/out"
    JOBSEC=2 start
    "$DUBBATCH" run --poll-interval 0.05 --media-jobs 2 "$M/disk.yaml" >/dev/null 2>&1 &
    pid=$!
    at_fal 2
    kill -9 "$pid"; wait "$pid" 2>/dev/null
    mount -o remount,ro "$D"
    expect_exit "a read-only results folder: a clear error (exit 2)" 2 run "$M/disk.yaml"
    contains "... naming the path" "$T/err" "$D/out/.dubbatch"
    mount -o remount,rw "$D"
    expect_exit "writable again, the next run finishes" 0 run "$M/disk.yaml"
    one_submission "a read-only folder: nothing submitted again" 2
fi

# Fail fast on configuration: a key fal refuses, a host that is not there
# or a base URL that is not fal's stops a run before its first upload
# (exit 2, naming the URL and what to check); an edge failing for the
# moment does not.  dubbatch doctor makes the same checks, and the local
# ones, without a run.
. "$TOP/tests/lib.sh"

KEY="preflight:s3cr3t-$$"
M="$T/m"
mkdir -p "$M"
ln -s "$FIX" "$M/media"
export DUBBATCH_TEST_BACKOFF_MS=20,200
cat >"$M/one.yaml" <<'EOF'
version: 1
output_dir: out
jobs:
  - {id: fits, video: media/ok_1080p_5s.mp4, audio: media/speech.mp3}
EOF
start() {
    [ -n "${FAKE_PID:-}" ] && kill "$FAKE_PID" 2>/dev/null && wait "$FAKE_PID" 2>/dev/null
    fakefal_start --key "$KEY" --job-seconds 0.2 --output copy "$@"
    export FAL_KEY="$KEY" FAL_QUEUE_URL="$FAKE_URL" FAL_REST_URL="$FAKE_URL" FAL_API_URL="$FAKE_URL"
}
run() { "$DUBBATCH" run --poll-interval 0.05 --media-jobs 2 "$@" "$M/one.yaml"; }
nothing_spent() {
    stat_is "$1: nothing uploaded or submitted" \
        "d['requests'].get('initiate', 0) == 0 and d['requests'].get('submit', 0) == 0"
}

start
FAL_KEY="preflight:wrong" expect_exit "a key fal refuses stops the run: exit 2" 2 run
contains "a refused key: names the URL" "$T/err" "at $FAKE_URL refused the key"
contains "a refused key: says what to check" "$T/err" "check FAL_KEY or --key-file"
lacks "a refused key: the key is not printed" "$T/err" "wrong"
nothing_spent "a refused key"
[ ! -e "$M/out/fits.mp4" ] && pass "a refused key: no job ran" || fail "a refused key: no job ran"

expect_exit "an unreachable queue stops the run: exit 2" 2 run --fal-queue-url http://127.0.0.1:9
contains "an unreachable queue: names it and the flag" "$T/err" \
    "cannot reach fal's queue at http://127.0.0.1:9"
contains "an unreachable queue: the flag to check" "$T/err" "--fal-queue-url (FAL_QUEUE_URL)"
nothing_spent "an unreachable queue"

# A signal while the run still waits for the network at start-up (thirty
# first backoffs: 30 s here) ends it there and then.
env -u DUBBATCH_TEST_BACKOFF_MS "$DUBBATCH" run --poll-interval 0.05 --media-jobs 2 \
    --fal-queue-url http://127.0.0.1:9 "$M/one.yaml" >"$T/out" 2>"$T/err" &
pid=$!
sleep 1
kill -INT "$pid"
( sleep 10; kill -9 "$pid" 2>/dev/null ) &
guard=$!
wait "$pid"
rc=$?
kill "$guard" 2>/dev/null
[ "$rc" -eq 4 ] && pass "SIGINT during start-up: exit 4 at once" ||
    fail "SIGINT during start-up: exit 4 at once" "exit $rc" "$(cat "$T/err")"
contains "... saying nothing was sent" "$T/err" "signal during start-up: nothing was sent"

expect_exit "a base URL that is not fal's stops the run: exit 2" 2 run --fal-api-url "$FAKE_URL/nope"
contains "a wrong base URL: names the URL" "$T/err" "$FAKE_URL/nope is not fal's platform API"
nothing_spent "a wrong base URL"

# A 503 on the preflight's status call is fal failing for now: the run goes
# on, says so, and ends done.
start --fault status:503:count=1
expect_exit "an edge failing for the moment does not stop the run" 0 run
contains "... and the run says it went on" "$T/err" "failing for now"
stat_is "... with one submission" "d['requests'].get('submit', 0) == 1"

# doctor: the same checks, and the local ones.
start
expect_exit "doctor on a good setup: exit 0" 0 "$DUBBATCH" doctor "$M/one.yaml"
contains "doctor: the libraries" "$T/out" "SQLite"
contains "doctor: the media worker answers" "$T/out" "dubbatch-media answers"
contains "doctor: the key's source" "$T/out" "key from FAL_KEY"
contains "doctor: the queue answers" "$T/out" "queue: $FAKE_URL answers"
contains "doctor: the output folder and its free space" "$T/out" "GB free"
contains "doctor: the tally" "$T/out" "0 bad"
nothing_spent "doctor"
FAL_KEY="preflight:wrong" expect_exit "doctor with a refused key: exit 2" 2 "$DUBBATCH" doctor
contains "doctor with a refused key: says so" "$T/out" "refused the key"
printf '%s\n' "$KEY" >"$T/key"
chmod 644 "$T/key"
expect_exit "doctor with a key file others can read: exit 2" 2 "$DUBBATCH" doctor --key-file "$T/key"
contains "doctor: the key file's mode" "$T/out" "chmod 600"
chmod 600 "$T/key"
expect_exit "doctor --key-file: exit 0" 0 env -u FAL_KEY "$DUBBATCH" doctor --key-file "$T/key"
contains "doctor --key-file: named as the source" "$T/out" "key from $T/key"
expect_exit "doctor without a key: exit 2" 2 env -u FAL_KEY -u FAL_KEY_ID -u FAL_KEY_SECRET \
    "$DUBBATCH" doctor
contains "doctor without a key: where one comes from" "$T/out" "FAL_KEY"
expect_exit "doctor on an invalid manifest: exit 3" 3 "$DUBBATCH" doctor "$T/nosuch.yaml"

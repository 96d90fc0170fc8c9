# The command line as a Unix tool: every verb's help, README.md's option
# tables against each verb's --help and its parser, status's exit codes,
# and cancel, which needs a key only when something is in flight.
. "$TOP/tests/lib.sh"

OPTS="$TOP/tests/cli_options.py"

verbs=$(python3 "$OPTS" verbs "$DUBBATCH")
[ -n "$verbs" ] && pass "dubbatch --help lists the verbs" || fail "dubbatch --help lists the verbs"
for v in $verbs; do
    for h in -h --help; do
        expect_exit "$v $h: exit 0" 0 "$DUBBATCH" "$v" "$h"
        contains "$v $h: its usage on stdout" "$T/out" "usage: dubbatch $v "
    done
    "$DUBBATCH" "$v" --help >"$T/verb.help" 2>&1
    "$DUBBATCH" help "$v" >"$T/help.verb" 2>&1
    cmp -s "$T/verb.help" "$T/help.verb" && pass "dubbatch help $v is $v --help" ||
        fail "dubbatch help $v is $v --help" "$(head -3 "$T/help.verb")"
done
expect_exit "dubbatch help: exit 0" 0 "$DUBBATCH" help
contains "dubbatch help: the verbs" "$T/out" "verbs:"
expect_exit "help of an unknown verb: exit 2" 2 "$DUBBATCH" help nosuch
contains "help of an unknown verb: says so" "$T/err" "unknown verb 'nosuch'"
expect_exit "no verb: exit 2" 2 "$DUBBATCH"
expect_exit "an unknown option: exit 2" 2 "$DUBBATCH" status --nosuch "$T"
contains "an unknown option: the usage on stderr" "$T/err" "usage: dubbatch status"
expect_exit "--version" 0 "$DUBBATCH" --version
contains "--version: the version" "$T/out" "dubbatch "

# README.md's options, both ways, and each one taken by its verb.
python3 "$OPTS" readme-check "$DUBBATCH" "$TOP" "$T"

# status: 0 when every job is done, 1 when failed or rejected jobs are
# all that is left, 4 while work remains.
KEY="cli:s3cr3t-$$"
M="$T/m"
mkdir -p "$M"
ln -s "$FIX" "$M/media"
cat >"$M/done.yaml" <<'EOF'
version: 1
output_dir: out-done
jobs:
  - {id: fits, video: media/ok_1080p_5s.mp4, audio: media/speech.mp3}
EOF
cat >"$M/rejected.yaml" <<'EOF'
version: 1
output_dir: out-rejected
jobs:
  - {id: fits, video: media/ok_1080p_5s.mp4, audio: media/speech.mp3}
  - {id: broken, video: media/notmedia.mp4, audio: media/speech.mp3}
EOF
fakefal_start --key "$KEY" --job-seconds 0.2 --output copy
export FAL_QUEUE_URL="$FAKE_URL" FAL_REST_URL="$FAKE_URL" FAL_API_URL="$FAKE_URL"
FAL_KEY="$KEY" "$DUBBATCH" run --poll-interval 0.05 --media-jobs 2 "$M/done.yaml" >/dev/null 2>&1
FAL_KEY="$KEY" "$DUBBATCH" run --poll-interval 0.05 --media-jobs 2 "$M/rejected.yaml" >/dev/null 2>&1
expect_exit "status: every job done: exit 0" 0 "$DUBBATCH" status "$M/done.yaml"
contains "status: every job done: the count" "$T/out" "DONE        1"
expect_exit "status of the folder: every job done: exit 0" 0 "$DUBBATCH" status "$M/out-done"
expect_exit "status: a rejected job: exit 1" 1 "$DUBBATCH" status "$M/rejected.yaml"
contains "status: a rejected job: named" "$T/out" "broken"
printf '  - {id: added, video: media/ok_720p_8s.mov, audio: media/speech.mp3}\n' >>"$M/done.yaml"
expect_exit "status: a job added to the manifest is work that remains: exit 4" 4 \
    "$DUBBATCH" status "$M/done.yaml"
contains "status: the added job counts as NEW" "$T/out" "NEW         1"
expect_exit "status of the folder: only the jobs recorded there" 0 "$DUBBATCH" status "$M/out-done"
expect_exit "status: no batch has run there: exit 2" 2 "$DUBBATCH" status "$M"
contains "status: no batch has run there: says so" "$T/err" "no batch has run in"

# cancel with nothing in flight: no key wanted.
expect_exit "cancel with nothing in flight needs no key" 0 \
    env -u FAL_KEY -u FAL_KEY_ID -u FAL_KEY_SECRET "$DUBBATCH" cancel "$M/out-done"
contains "cancel with nothing in flight: says so" "$T/out" "nothing is in flight at fal"

# A job at fal after a kill -9: status says work remains and names the
# request; cancel wants the key then, and takes it from --key-file.
kill "$FAKE_PID"
wait "$FAKE_PID" 2>/dev/null
fakefal_start --key "$KEY" --job-seconds 60 --output copy
export FAL_QUEUE_URL="$FAKE_URL" FAL_REST_URL="$FAKE_URL" FAL_API_URL="$FAKE_URL"
cat >"$M/slow.yaml" <<'EOF'
version: 1
output_dir: out-slow
jobs:
  - {id: slow, video: media/ok_1080p_5s.mp4, audio: media/speech.mp3}
EOF
FAL_KEY="$KEY" "$DUBBATCH" run --poll-interval 0.05 --media-jobs 1 "$M/slow.yaml" >/dev/null 2>&1 &
pid=$!
i=0
until "$DUBBATCH" status "$M/slow.yaml" 2>/dev/null | grep -Eq '(QUEUED|RUNNING) +request [0-9a-f]'; do
    i=$((i + 1))
    [ $i -gt 200 ] && break
    sleep 0.1
done
kill -9 "$pid"
wait "$pid" 2>/dev/null
expect_exit "status: a job in flight: exit 4" 4 "$DUBBATCH" status "$M/slow.yaml"
contains "status: a job in flight: its request" "$T/out" "request "
expect_exit "cancel with a job in flight and no key: exit 2" 2 \
    env -u FAL_KEY -u FAL_KEY_ID -u FAL_KEY_SECRET "$DUBBATCH" cancel "$M/slow.yaml"
contains "cancel with no key: says where a key comes from" "$T/err" "FAL_KEY"
printf '%s\n' "$KEY" >"$T/key"
chmod 600 "$T/key"
expect_exit "cancel --key-file and the --fal-*-url flags" 0 \
    env -u FAL_KEY -u FAL_QUEUE_URL -u FAL_REST_URL -u FAL_API_URL "$DUBBATCH" cancel \
    --key-file "$T/key" --fal-queue-url "$FAKE_URL" --fal-rest-url "$FAKE_URL" \
    --fal-api-url "$FAKE_URL" "$M/slow.yaml"
contains "cancel: the request is cancelled" "$T/out" "slow: cancelled (request"
expect_exit "status: a cancelled job and nothing left: exit 1" 1 "$DUBBATCH" status "$M/slow.yaml"
contains "status: the cancelled job" "$T/out" "CANCELLED"

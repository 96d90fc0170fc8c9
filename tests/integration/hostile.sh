# Hostile neighbours and files: links planted in the output folder lead
# nowhere, the media workers never hold the key, a FIFO as the key file
# fails at once.
. "$TOP/tests/lib.sh"

KEY="hostile:s3cr3t-$$"
M="$T/m"
mkdir -p "$M"
ln -s "$FIX" "$M/media"
export DUBBATCH_TEST_BACKOFF_MS=20,200
cat >"$M/one.yaml" <<'EOF'
version: 1
output_dir: out
jobs:
  - {id: one, video: media/ok_1080p_5s.mp4, audio: media/speech.mp3}
EOF
fakefal_start --key "$KEY" --job-seconds 1.5 --output copy
export FAL_KEY="$KEY" FAL_QUEUE_URL="$FAKE_URL" FAL_REST_URL="$FAKE_URL" FAL_API_URL="$FAKE_URL"

# Links where dubbatch will write: the result, the reports, the page, the
# job's log, a poster.
mkdir -p "$M/out/.dubbatch/logs" "$M/out/thumbs"
for v in result report csv page log; do echo precious >"$T/victim-$v"; done
ln -s "$T/victim-result" "$M/out/one.mp4"
ln -s "$T/victim-report" "$M/out/report.json"
ln -s "$T/victim-csv" "$M/out/report.csv"
ln -s "$T/victim-page" "$M/out/index.html"
ln -s "$T/victim-log" "$M/out/.dubbatch/logs/one.log"

"$DUBBATCH" run --poll-interval 0.05 --media-jobs 2 "$M/one.yaml" >"$T/run.out" 2>&1 &
pid=$!
# The workers' environment, read while they run.
i=0
seen=""
while kill -0 "$pid" 2>/dev/null && [ $i -lt 200 ]; do
    for w in $(pgrep -P "$pid" 2>/dev/null); do
        [ -r "/proc/$w/environ" ] || continue
        tr '\0' '\n' <"/proc/$w/environ" >"$T/env.$w" 2>/dev/null && seen="$seen $w"
    done
    sleep 0.05
    i=$((i + 1))
done
wait "$pid"
rc=$?
[ "$rc" -eq 0 ] && pass "a run with links planted in its folder ends done" ||
    fail "a run with links planted in its folder ends done" "exit $rc" "$(tail -5 "$T/run.out")"
bad=""
for v in result report csv page log; do
    [ "$(cat "$T/victim-$v")" = precious ] || bad="$bad $v"
done
[ -z "$bad" ] && pass "no file a planted link points at was written" ||
    fail "no file a planted link points at was written" "overwritten:$bad"
for f in one.mp4 report.json report.csv index.html; do
    [ -f "$M/out/$f" ] && [ ! -L "$M/out/$f" ] || bad="$bad $f"
done
[ -z "$bad" ] && pass "the results are files of their own, not links" ||
    fail "the results are files of their own, not links" "$bad"
leftover=$(find "$M/out" -name '*.tmp.*' | head -3)
[ -z "$leftover" ] && pass "no temporary file is left" || fail "no temporary file is left" "$leftover"
if [ -n "$seen" ]; then
    cat $(for w in $seen; do echo "$T/env.$w"; done) >"$T/env.all"
    lacks "the media workers' environment holds no fal key" "$T/env.all" "FAL_KEY="
    lacks "... nor the key itself" "$T/env.all" "s3cr3t"
    contains "... but the rest of the environment" "$T/env.all" "PATH="
else
    fail "the media workers' environment holds no fal key" "no worker was seen while the run lasted"
fi

mkfifo "$T/key.fifo"
chmod 600 "$T/key.fifo"
expect_exit "a FIFO as the key file fails at once: exit 2" 2 \
    timeout 10 "$DUBBATCH" doctor --key-file "$T/key.fifo"
contains "... saying it is not a regular file" "$T/out" "is not a regular file"

# A CDN that trickles (1.5 KB/s, neither stalled nor broken): the download
# is bounded by --download-timeout, a fresh link is asked for, and the job
# ends done, paid once.  A SIGTERM in such a download leaves nothing
# beside the results and exits 4.
cat >"$M/slow.yaml" <<'EOF2'
version: 1
output_dir: out-slow
jobs:
  - {id: slow, video: media/ok_1080p_5s.mp4, audio: media/speech.mp3}
EOF2
curl -s -X POST -d '["cdn:slowbody:count=1:rate=1500"]' "$FAKE_URL/__faults" >/dev/null
curl -s -X POST "$FAKE_URL/__reset" >/dev/null
expect_exit "a trickling CDN: the download is bounded and the job ends done" 0 \
    "$DUBBATCH" run --poll-interval 0.05 --media-jobs 2 --download-timeout 2s "$M/slow.yaml"
contains "... after asking fal for a fresh link" "$T/err" "asking fal for a fresh link"
stat_is "... with one submission and the result read twice" \
    'sum(d["submissions"].values()) == 1 and d["requests"].get("result", 0) == 2'
[ -f "$M/out-slow/slow.mp4" ] && pass "... and its result in place" ||
    fail "... and its result in place" "$(ls -a "$M/out-slow")"

rm -rf "$M/out-slow"
curl -s -X POST -d '["cdn:slowbody:count=1:rate=1500"]' "$FAKE_URL/__faults" >/dev/null
"$DUBBATCH" run --poll-interval 0.05 --media-jobs 2 "$M/slow.yaml" >"$T/run.out" 2>&1 &
pid=$!
i=0
until [ "$(fakefal_stats | python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"].get("cdn", 0))' 2>/dev/null)" -ge 1 ] 2>/dev/null; do
    i=$((i + 1)); [ $i -gt 300 ] && break; sleep 0.1
done
sleep 0.5
kill -TERM "$pid"
wait "$pid"
rc=$?
[ "$rc" -eq 4 ] && pass "SIGTERM in a slow download: exit 4" ||
    fail "SIGTERM in a slow download: exit 4" "exit $rc" "$(tail -5 "$T/run.out")"
partial=$(cd "$M/out-slow" && ls -A | grep -v -e '^\.dubbatch$' -e '^report' -e '^index.html$' -e '^thumbs$' -e '^audio$')
[ -z "$partial" ] && pass "... and nothing partial beside the results" ||
    fail "... and nothing partial beside the results" "$partial"

# An input swapped between its probe and its upload (while the upload is
# being initiated): for another file, then for a FIFO.  The job fails
# naming the change, nothing is submitted, the FIFO hangs nothing.
mkdir -p "$T/in"
for swap in file fifo; do
    rm -rf "$M/out-swap" "$T/in/v.mp4"
    cp "$FIX/ok_1080p_5s.mp4" "$T/in/v.mp4"
    cat >"$M/swap.yaml" <<EOF2
version: 1
output_dir: out-swap
jobs:
  - {id: swapped, video: $T/in/v.mp4, audio: media/speech.mp3}
EOF2
    curl -s -X POST "$FAKE_URL/__reset" >/dev/null
    curl -s -X POST -d '["initiate:slow:count=2:delay=3"]' "$FAKE_URL/__faults" >/dev/null
    timeout 60 "$DUBBATCH" run --poll-interval 0.05 --media-jobs 2 "$M/swap.yaml" >"$T/swap.out" 2>&1 &
    pid=$!
    # The uploads start as the job is CONFORMED; their initiate takes 3 s.
    i=0
    until grep -q "swapped: CONFORMED" "$T/swap.out" || [ $i -gt 300 ]; do
        i=$((i + 1)); sleep 0.05
    done
    sleep 1
    if [ "$swap" = file ]; then
        cp "$FIX/ok_720p_8s.mov" "$T/in/v.new" && mv "$T/in/v.new" "$T/in/v.mp4"
    else
        rm "$T/in/v.mp4" && mkfifo "$T/in/v.mp4"
    fi
    wait "$pid"
    rc=$?
    [ "$rc" -eq 1 ] && pass "an input swapped for a $swap before its upload: the job fails (exit 1)" ||
        fail "an input swapped for a $swap before its upload: the job fails (exit 1)" "exit $rc" "$(tail -5 "$T/swap.out")"
    if [ "$swap" = file ]; then
        contains "... saying it changed after it was probed" "$T/swap.out" "changed after it was probed (it is another file now)"
    else
        contains "... saying it is not a regular file" "$T/swap.out" "is not a regular file"
    fi
    stat_is "... and nothing is submitted" 'sum(d["submissions"].values()) == 0'
done

# What a killed run left half-written is swept by the next one (which
# holds the lock): temporaries beside the results and partial downloads;
# a link with such a name is neither followed nor removed.
sed 's/output_dir: out$/output_dir: out-sweep/' "$M/one.yaml" >"$M/sweep.yaml"
mkdir -p "$M/out-sweep/.dubbatch/work"
echo half >"$M/out-sweep/one.mp4.tmp.0123456789abcdef"
echo half >"$M/out-sweep/.dubbatch/work/one.part.Ab12Cd"
echo precious >"$T/victim-sweep"
ln -s "$T/victim-sweep" "$M/out-sweep/two.mp4.tmp.fedcba9876543210"
curl -s -X POST "$FAKE_URL/__reset" >/dev/null
expect_exit "a run after a killed one ends done" 0 \
    "$DUBBATCH" run --poll-interval 0.05 --media-jobs 2 "$M/sweep.yaml"
[ ! -e "$M/out-sweep/one.mp4.tmp.0123456789abcdef" ] &&
    [ ! -e "$M/out-sweep/.dubbatch/work/one.part.Ab12Cd" ] &&
    pass "... and the temporaries a killed run left are gone" ||
    fail "... and the temporaries a killed run left are gone" "$(ls -aR "$M/out-sweep" | head -20)"
[ -L "$M/out-sweep/two.mp4.tmp.fedcba9876543210" ] && [ "$(cat "$T/victim-sweep")" = precious ] &&
    pass "... while a link with such a name is left as it is" ||
    fail "... while a link with such a name is left as it is"

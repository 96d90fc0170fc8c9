# The results page of a real batch, in a real browser (Debian's chromium,
# headless, driven by playwright-core): a card per job with the right
# state, posters that load, videos that exist, an injected <script> shown
# as text, filtering, a phone-sized screen, and JavaScript off.  The
# screenshots stay in tests/out/ for a person to look at.
. "$TOP/tests/lib.sh"

if [ ! -x /usr/bin/chromium ]; then
    skip "results page" "chromium is not installed (scripts/deps.sh installs it)"
    exit 0
fi
C="$TOP/tests/conformance"
if [ ! -d "$C/node_modules/playwright-core" ]; then
    npm ci --prefix "$C" --no-audit --no-fund >"$T/npm.log" 2>&1 || {
        skip "results page" "npm could not install playwright-core: $(tail -1 "$T/npm.log")"
        exit 0
    }
fi

M="$T/m"
mkdir -p "$M"
ln -s "$FIX" "$M/media"
cat >"$M/page.yaml" <<'EOF2'
version: 1
output_dir: out
jobs:
  - id: done-1
    video: media/ok_1080p_5s.mp4
    audio: media/speech.mp3
  - id: done-portrait
    video: media/rotated_phone.mp4
    audio: media/speech.wav
  - id: modelfail
    video: media/noface_720p.mov
    audio: media/speech.m4a
  - id: not-media
    video: media/notmedia.mp4
    audio: media/speech.mp3
  - id: injected
    video: "media/<script>window.__pwned=1</script>.mp4"
    audio: media/speech.mp3
EOF2
# The fake fails a clip titled "noface" (fal's face_detection_error).
fakefal_start --job-seconds 0.2 --output copy
export FAL_KEY=page:test FAL_QUEUE_URL="$FAKE_URL" FAL_REST_URL="$FAKE_URL" FAL_API_URL="$FAKE_URL"
expect_exit "the batch runs (some jobs fail or are rejected)" 1 \
    "$DUBBATCH" run --poll-interval 0.05 "$M/page.yaml"
[ -s "$M/out/index.html" ] && pass "run writes index.html" || fail "run writes index.html"
rm -f "$M/out/index.html"
expect_exit "dubbatch report rebuilds it" 0 "$DUBBATCH" report "$M/page.yaml"
contains "report prints the page's path" "$T/out" "index.html"
# The page reads report.json a job at a time; any JSON layout will do.
cp "$M/out/index.html" "$T/one-line.html"
python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); json.dump(d, open(sys.argv[1], "w"), indent=3)' "$M/out/report.json"
expect_exit "report rebuilds the page from a re-indented report.json" 0 "$DUBBATCH" report "$M/out"
cmp -s "$T/one-line.html" "$M/out/index.html" && pass "the same page from either layout" ||
    fail "the same page from either layout" "$(diff "$T/one-line.html" "$M/out/index.html" | head -5)"
mkdir -p "$T/bad/.dubbatch"
: >"$T/bad/.dubbatch/state.db"
printf '{"manifest": "x", "jobs": [{"id": "a"} {"id": "b"}]}' >"$T/bad/report.json"
expect_exit "a report.json that is not JSON is refused" 2 "$DUBBATCH" report "$T/bad"
contains "and the refusal names it" "$T/err" "report.json' is not a report"
cat >"$T/expected.json" <<'EOF2'
{"done-1": "DONE", "done-portrait": "DONE", "modelfail": "FAILED",
 "not-media": "REJECTED", "injected": "REJECTED"}
EOF2
mkdir -p "$TOP/tests/out"
cp "$M/out/index.html" "$TOP/tests/out/page.html"
node "$C/page-check.mjs" "$M/out/index.html" "$T/expected.json" "$TOP/tests/out"

# The folder is self-contained: moved elsewhere, its players still play.
mv "$M/out" "$T/moved"
ls "$T/moved/audio" | grep -q . && pass "the dubs are in the results folder" ||
    fail "the dubs are in the results folder" "$(ls "$T/moved")"
grep -o 'src="[^"]*"' "$T/moved/index.html" | sed 's/^src="//; s/"$//' | while read -r src; do
    [ -e "$T/moved/$src" ] || echo "$src"
done >"$T/missing"
[ ! -s "$T/missing" ] && pass "moved elsewhere, every poster, video and dub still resolves" ||
    fail "moved elsewhere, every poster, video and dub still resolves" "$(cat "$T/missing")"
# A rerun with nothing left to do keeps each job's plan and cost.
mv "$T/moved" "$M/out"
"$DUBBATCH" run --poll-interval 0.05 "$M/page.yaml" >/dev/null 2>&1
json_true "a rerun keeps the plans and costs of jobs done earlier" "$M/out/report.json" \
    "j['done-1']['video_plan'] == 'as is' and j['done-1']['cost'] > 0 and d['totals']['estimated_cost'] > 0 and d['totals']['sent_cost'] > 0"

# Long scenes, run for real: a 37 s scene with a 37 s dub is cut at the
# dub's pauses into windows that are jobs of their own, each submitted
# once (also across a kill -9), and comes back as one 37 s file with the
# studio's audio, frame for frame the source (the fake in copy mode
# returns each window's own frames).
. "$TOP/tests/lib.sh"

KEY="long:s3cr3t-$$"
M="$T/m"
mkdir -p "$M"
ln -s "$FIX" "$M/media"
export DUBBATCH_TEST_BACKOFF_MS=20,200
start() {
    [ -n "${FAKE_PID:-}" ] && kill "$FAKE_PID" 2>/dev/null && wait "$FAKE_PID" 2>/dev/null
    fakefal_start --key "$KEY" --job-seconds "${JOBSEC:-0.2}" --output copy "$@"
    export FAL_KEY="$KEY" FAL_QUEUE_URL="$FAKE_URL" FAL_REST_URL="$FAKE_URL" FAL_API_URL="$FAKE_URL"
}
run() { "$DUBBATCH" run --poll-interval 0.05 --media-jobs 2 "$@"; }
cat >"$M/scene.yaml" <<'EOF'
version: 1
output_dir: out
jobs:
  - {id: s37, video: media/long_37s_25.mp4, audio: media/long_37s_25.wav, long: segment}
EOF

start
expect_exit "a 37 s scene: the run ends done" 0 run "$M/scene.yaml"
OUT="$M/out/s37.mp4"
json_true "a 37 s scene: the report says DONE, with its windows" "$M/out/report.json" \
    "j['s37']['state'] == 'DONE' and len(j['s37']['windows']) >= 4"
json_true "a 37 s scene: each window sent is a job of its own, DONE, with its request id" "$M/out/report.json" \
    "all(w['job'] == 's37~w%02d' % (k + 1) and w['state'] == 'DONE' and w['request_id'] for k, w in enumerate(j['s37']['windows']) if w['sent'])"
json_true "a 37 s scene: a window with no speech is not a job" "$M/out/report.json" \
    "all(('job' in w) == w['sent'] for w in j['s37']['windows']) and not any('~' in x for x in j)"
json_true "a 37 s scene: billed as its windows" "$M/out/report.json" \
    "j['s37']['billed_seconds'] == sum(w['billed_seconds'] for w in j['s37']['windows'])"
sent=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sum(w["sent"] for x in d["jobs"] if x["id"]=="s37" for w in x["windows"]))' "$M/out/report.json")
stat_is "a 37 s scene: one submission per window sent ($sent)" \
    "d['requests'].get('submit', 0) == $sent and d['duplicates'] == 0"
contains "the page: a strip of the scene's windows under its player" "$M/out/index.html" \
    '<div class="windows" aria-label="windows"><span class="w-done"'
contains "the page: a window with no speech is shown as not sent" "$M/out/index.html" \
    'no speech, not sent'
probe() { ffprobe -v error -select_streams "$1" -count_frames -show_entries "$2" -of csv=p=0 "$OUT"; }
[ "$(probe v:0 stream=nb_read_frames)" = 925 ] && pass "the delivered scene has the source's 925 frames" ||
    fail "the delivered scene has the source's 925 frames" "$(probe v:0 stream=nb_read_frames)"
[ "$(probe v:0 stream=r_frame_rate)" = 25/1 ] && pass "... at the source's 25 fps" ||
    fail "... at the source's 25 fps" "$(probe v:0 stream=r_frame_rate)"
adur=$(ffprobe -v error -select_streams a:0 -show_entries stream=duration -of csv=p=0 "$OUT")
python3 -c "import sys; sys.exit(0 if abs(float('$adur') - 37.0) <= 0.04 else 1)" &&
    pass "... with the dub as long as the picture, within a frame" ||
    fail "... with the dub as long as the picture, within a frame" "audio $adur s"
# The studio's audio, not the model's: the fake's copy mode returns the
# window slices, whose audio is silent; the delivered track is the dub.
ffmpeg -nostdin -hide_banner -i "$OUT" -map 0:a:0 -af volumedetect -f null - 2>&1 |
    grep mean_volume >"$T/vol"
grep -q "mean_volume: -[1-4][0-9]" "$T/vol" && pass "... and it is the studio's dub, not silence" ||
    fail "... and it is the studio's dub, not silence" "$(cat "$T/vol")"
# Frame for frame the source, on both sides of every join.
ffmpeg -nostdin -v error -i "$OUT" -i "$FIX/long_37s_25.mp4" \
    -lavfi "[0:v][1:v]psnr=stats_file=$T/psnr.log" -f null - 2>/dev/null
python3 - "$T/psnr.log" "$M/out/report.json" >"$T/psnr.out" <<'PY'
import json, sys
vals = []
for line in open(sys.argv[1]):
    f = dict(kv.split(":", 1) for kv in line.split())
    v = f["psnr_avg"]
    vals.append(float("inf") if v == "inf" else float(v))
rep = {x["id"]: x for x in json.load(open(sys.argv[2]))["jobs"]}
joins = [w["start_frame"] for w in rep["s37"]["windows"][1:]]
around = [vals[k] for b in joins for k in (b - 1, b) if 0 <= k < len(vals)]
print(len(vals), min(vals), min(around) if around else "none")
sys.exit(0 if len(vals) == 925 and min(vals) > 40 and around and min(around) > 40 else 1)
PY
[ $? -eq 0 ] && pass "every frame matches the source over 40 dB PSNR, joins included ($(cat "$T/psnr.out"))" ||
    fail "every frame matches the source over 40 dB PSNR, joins included" "$(cat "$T/psnr.out")"

expect_exit "status: the scene is done (exit 0)" 0 "$DUBBATCH" status "$M/scene.yaml"
contains "status: the scene counts as one job, DONE" "$T/out" "DONE        1"

# kill -9 while the windows are at fal, then again: no window twice.
JOBSEC=1.5 start
rm -rf "$M/out"
"$DUBBATCH" run --poll-interval 0.05 --media-jobs 2 "$M/scene.yaml" >/dev/null 2>&1 &
pid=$!
i=0
until [ "$(fakefal_stats | python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"].get("submit", 0))' 2>/dev/null)" -ge 2 ] 2>/dev/null; do
    i=$((i + 1)); [ $i -gt 300 ] && break; sleep 0.1
done
kill -9 "$pid"
wait "$pid" 2>/dev/null
expect_exit "after a kill -9 with windows at fal, the rerun ends done" 0 run "$M/scene.yaml"
stat_is "... and no window was submitted twice" "d['requests'].get('submit', 0) == $sent and d['duplicates'] == 0"
expect_exit "a third run has nothing to do" 0 run "$M/scene.yaml"
stat_is "... and submits nothing" "d['requests'].get('submit', 0) == $sent"

# A window fal fails fails its scene, with the window named.
start --fault model:fail:count=1
rm -rf "$M/out"
expect_exit "a failed window fails the scene: exit 1" 1 run "$M/scene.yaml"
json_true "... the scene's reason names the window" "$M/out/report.json" \
    "j['s37']['state'] == 'FAILED' and 's37~w' in j['s37']['reason']"
[ ! -e "$M/out/s37.mp4" ] && pass "... and nothing is delivered" || fail "... and nothing is delivered"
expect_exit "status: the failed scene (exit 1)" 1 "$DUBBATCH" status "$M/scene.yaml"
contains "status: the scene is FAILED" "$T/out" "FAILED      1"

# long: trim and reject keep their meaning in a run.
cat >"$M/trim.yaml" <<'EOF'
version: 1
output_dir: out-trim
jobs:
  - {id: t25, video: media/long_25s_25.mp4, audio: media/long_25s_25.m4a, long: trim}
  - {id: r25, video: media/long_25s_25.mp4, audio: media/long_25s_25.m4a, long: reject}
EOF
start
expect_exit "long: trim and long: reject: exit 1 (one rejected)" 1 run "$M/trim.yaml"
json_true "long: trim delivers the first 10 s, long: reject refuses" "$M/out-trim/report.json" \
    "j['t25']['state'] == 'DONE' and 'windows' not in j['t25'] and j['r25']['state'] == 'REJECTED'"

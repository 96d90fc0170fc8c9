# dubbatch validate and dubbatch probe on the generated fixtures: verdicts,
# messages, exit codes, JSON, and a media worker that crashes or hangs.
. "$TOP/tests/lib.sh"

M="$T/m"
mkdir -p "$M"
ln -s "$FIX" "$M/media"


cat >"$M/mixed.yaml" <<'EOF'
version: 1
output_dir: out
jobs:
  - id: ok
    video: media/ok_1080p_5s.mp4
    audio: media/speech.mp3
  - id: big
    video: media/big_4k_12s.mp4
    audio: media/big_40s.wav
    long: trim
  - id: long
    video: media/long_1080p_25s.mp4
    audio: media/speech.mp3
    long: trim
  - id: wide
    video: media/wide_32x9.mp4
    audio: media/speech.mp3
    fit: reject
  - id: phone
    video: media/rotated_phone.mp4
    audio: media/cover.mp3
  - id: short
    video: media/short_1s.mp4
    audio: media/raw.aac
  - id: ogg
    video: media/ok_720p_8s.mov
    audio: media/speech.ogg
  - id: text
    video: media/notmedia.mp4
    audio: media/speech.mp3
  - id: empty
    video: media/empty.mp4
    audio: media/speech.mp3
  - id: missing
    video: media/nope.mp4
    audio: media/speech.mp3
  - id: cut
    video: media/truncated.mp4
    audio: media/speech.mp3
  - id: cutfast
    video: media/truncated_faststart.mp4
    audio: media/speech.mp3
  - id: mix
    video: media/ok_1080p_5s.mp4
    audio: media/dub_mix.mov
EOF

expect_exit "validate exits 1 when some jobs are rejected" 1 "$DUBBATCH" validate "$M/mixed.yaml"
cp "$T/out" "$T/mixed.txt"
contains "compliant job is accepted as is" "$T/mixed.txt" "video: as is | audio: as is"
contains "4k clip: scale and trim by frames" "$T/mixed.txt" \
    "scale 3840x2160 -> 1920x1080; trim 12.00 s -> 10.00 s (300 frames)"
contains "big wav is encoded to fit" "$T/mixed.txt" "encode AAC"
contains "29.97 fps clip trims to 299 frames" "$T/mixed.txt" "(299 frames)"
contains "32:9 with fit: reject says why" "$T/mixed.txt" "cannot fit 720..1920 px on both sides"
contains "phone clip is rotated upright" "$T/mixed.txt" "rotate 90 (1280x720 coded -> 720x1280 upright)"
contains "cover art is dropped" "$T/mixed.txt" "drop cover art"
contains "short clip loops to 2 s" "$T/mixed.txt" "loop 1.20 s -> 2.00 s"
contains "raw aac duration is measured" "$T/mixed.txt" "raw aac duration is an estimate"
contains "ogg is transcoded" "$T/mixed.txt" "vorbis in ogg is not accepted"
contains "a text file is not media" "$T/mixed.txt" "notmedia.mp4' is not a media file"
contains "an empty file says so" "$T/mixed.txt" "empty.mp4' is empty (0 bytes)"
contains "a missing file says so" "$T/mixed.txt" "nope.mp4' does not exist"
contains "a cut-off mp4 says so" "$T/mixed.txt" "truncated.mp4' is truncated"
contains "a cut-off faststart mp4, whose index is whole, is rejected with where it stops" \
    "$T/mixed.txt" "truncated_faststart.mp4' is truncated: media data stops at 1.2 s of 4.0 s"
contains "audio in a video container is extracted" "$T/mixed.txt" "extract the first audio stream from mov"
contains "totals line" "$T/mixed.txt" "13 jobs:"
contains "cost estimate" "$T/mixed.txt" "estimated cost: \$"

expect_exit "validate --json" 1 "$DUBBATCH" validate --json "$M/mixed.yaml"
cp "$T/out" "$T/mixed.json"
json_true "json lists every job in manifest order" "$T/mixed.json" \
    "[j['id'] for j in d['jobs']][:3] == ['ok','big','long'] and len(d['jobs']) == 13"
json_true "json verdicts" "$T/mixed.json" \
    "{j['id']: j['verdict'] for j in d['jobs']}['wide'] == 'reject' and {j['id']: j['verdict'] for j in d['jobs']}['ok'] == 'accept'"
json_true "json totals add up" "$T/mixed.json" \
    "d['totals']['accept'] + d['totals']['conform'] + d['totals']['reject'] == 13 and d['totals']['reject'] == 6"
json_true "json carries the planned frame count" "$T/mixed.json" \
    "[j for j in d['jobs'] if j['id']=='long'][0]['video_steps']['frames'] == 299"
json_true "json names the steps and their reasons in words, not numbers" "$T/mixed.json" \
    "[j for j in d['jobs'] if j['id']=='long'][0]['video_steps']['step'] == 'encode' and 'trim' in [j for j in d['jobs'] if j['id']=='long'][0]['video_steps']['why']"

cat >"$M/good.yaml" <<'EOF'
version: 1
jobs:
  - video: media/ok_1080p_5s.mp4
    audio: media/speech.mp3
  - video: media/ok_720p_8s.mov
    audio: media/speech.wav
  - video: "media/clip with spaces ñandú.mp4"
    audio: media/speech.m4a
EOF
expect_exit "validate exits 0 when every job can run" 0 "$DUBBATCH" validate "$M/good.yaml"
contains "a name with spaces and accents works" "$T/out" "clip_with_spaces"

cat >"$M/bad.yaml" <<'EOF'
version: 1
jobs:
  - vidoe: media/ok_1080p_5s.mp4
    audio: media/speech.mp3
  - video: media/ok_1080p_5s.mp4
EOF
expect_exit "invalid manifest exits 3" 3 "$DUBBATCH" validate "$M/bad.yaml"
contains "error names file:line:col and suggests" "$T/err" "bad.yaml:3:5: jobs[1]: unknown key 'vidoe'; did you mean 'video'?"
contains "all errors at once" "$T/err" "bad.yaml:5:5: jobs[2]: missing 'audio'"
contains "nothing ran" "$T/err" "nothing was run"

expect_exit "usage error exits 2" 2 "$DUBBATCH" validate
expect_exit "unknown option exits 2" 2 "$DUBBATCH" validate --frobnicate "$M/good.yaml"
expect_exit "validate --help exits 0" 0 "$DUBBATCH" validate --help

# The fault seam: a worker that crashes on one file fails that job alone.
DUBBATCH_FAULT_CRASH=ok_720p_8s expect_exit "a crashing worker fails one job" 1 \
    "$DUBBATCH" validate "$M/good.yaml"
contains "crash is reported with the signal" "$T/out" "media worker crashed (killed by signal"
contains "the other jobs still run" "$T/out" "2 as is"
DUBBATCH_FAULT_HANG=ok_720p_8s expect_exit "a hanging worker is killed" 1 \
    "$DUBBATCH" validate --media-timeout 2 "$M/good.yaml"
contains "hang is reported as a timeout" "$T/out" "timed out after 2.0 s (killed)"

# probe: the facts that most files lie about.
"$DUBBATCH" probe "$FIX/rotated_phone.mp4" "$FIX/anamorphic.mp4" "$FIX/cover.mp3" \
    "$FIX/raw.aac" "$FIX/vfr.mp4" "$FIX/ok_1080p_5s.mp4" "$FIX/h264.mkv" >"$T/probe.json"
json_true "probe: rotation gives the display size" "$T/probe.json" \
    "d[0]['facts']['video']['rotation'] == 90 and (d[0]['facts']['video']['display_w'], d[0]['facts']['video']['display_h']) == (720, 1280)"
json_true "probe: SAR gives the display width" "$T/probe.json" \
    "d[1]['facts']['video']['display_w'] == 1920 and d[1]['facts']['video']['coded_w'] == 1440"
json_true "probe: cover art is never the video" "$T/probe.json" \
    "d[2]['facts']['has_cover'] == 1 and 'video' not in d[2]['facts']"
json_true "probe: raw aac duration is measured, not guessed" "$T/probe.json" \
    "d[3]['facts']['duration_estimated'] == 1 and abs(d[3]['facts']['audio']['duration'] - 30.0) < 0.1"
json_true "probe: variable frame rate is detected" "$T/probe.json" \
    "d[4]['facts']['video']['vfr'] == 1 and d[5]['facts']['video']['vfr'] == 0"
json_true "probe: container by content" "$T/probe.json" \
    "d[6]['facts']['container_short'] == 'mkv' and d[5]['facts']['container_short'] == 'mp4'"
expect_exit "probe exits 1 when a file fails" 1 "$DUBBATCH" probe "$FIX/notmedia.mp4"
cp "$FIX/ok_1080p_5s.mp4" "$T/renamed.wav"
"$DUBBATCH" probe "$T/renamed.wav" >"$T/renamed.json"
json_true "probe: container is read from content, not the name" "$T/renamed.json" \
    "d[0]['facts']['container_short'] == 'mp4'"

# Long scenes (long: segment): the windows validate plans from each
# scene's dub and picture, against the pauses the fixtures were spoken
# with (scripts/fixtures.sh).
cat >"$M/long.yaml" <<'EOF2'
version: 1
output_dir: out-long
defaults: {long: segment}
jobs:
  - {id: s25, video: media/long_25s_25.mp4, audio: media/long_25s_25.m4a}
  - {id: s15, video: media/long_15s_2997.mp4, audio: media/long_15s_2997.wav}
  - {id: s37, video: media/long_37s_25.mp4, audio: media/long_37s_25.wav}
  - {id: t25, video: media/long_25s_25.mp4, audio: media/long_25s_25.m4a, long: trim}
  - {id: r25, video: media/long_25s_25.mp4, audio: media/long_25s_25.m4a, long: reject}
EOF2
expect_exit "long scenes: validate exits 1 (one rejected)" 1 "$DUBBATCH" validate "$M/long.yaml"
contains "long scenes: the windows and why each ends there" "$T/out" \
    "windows: 0.00-10.00 s pause, 10.00-20.00 s shot change, 20.00-25.00 s end"
contains "long scenes: billed against fixed windows" "$T/out" \
    "3 windows, 25 s billed, \$0.350 (fixed 10 s windows: 25 s, \$0.350)"
contains "long scenes: a span of 10 s with no pause is said" "$T/out" \
    "quietest 20 ms (no pause)"
contains "long scenes: a window with no speech is not sent" "$T/out" "(no speech, not sent)"
contains "long scenes: dub past the picture is named" "$T/out" \
    "the dub runs 0.05 s past the picture"
contains "long: reject refuses with the reason" "$T/out" "over the 10 s limit"
"$DUBBATCH" validate --json "$M/long.yaml" >"$T/long.json"
json_true "long scenes --json: 10 + 10 + 5 s, on frames 250 and 500" "$T/long.json" \
    "[(w['start_frame'], w['frames'], w['billed_seconds']) for w in j['s25']['windows']] == [(0, 250, 10), (250, 250, 10), (500, 125, 5)] and j['s25']['windows_billed_seconds'] == 25"
json_true "long scenes --json: 29.97 fps cut on frame 299" "$T/long.json" \
    "[w['frames'] for w in j['s15']['windows']] == [299, 149]"
json_true "long scenes --json: windows cover the 37 s scene's 925 frames exactly, 2-10 s each" "$T/long.json" \
    "sum(w['frames'] for w in j['s37']['windows']) == 925 and all(a['start_frame'] + a['frames'] == b['start_frame'] for a, b in zip(j['s37']['windows'], j['s37']['windows'][1:])) and all(50 <= w['frames'] <= 250 for w in j['s37']['windows'])"
json_true "long scenes --json: every boundary in a pause, or said to be the quietest" "$T/long.json" \
    "all(w['cut'] == 'quietest 20 ms (no pause)' or w['cut'] == 'end' or any(a <= w['end'] <= b for a, b in [(4.0, 4.6), (8.5, 9.0), (12.2, 12.8), (24.6, 29.6), (33.0, 33.4)]) for w in j['s37']['windows'])"
json_true "long scenes --json: the silent stretch is not sent, and what it saved is said" "$T/long.json" \
    "[w['sent'] for w in j['s37']['windows']].count(False) == 1 and j['s37']['silent_billed_seconds_saved'] > 0"
json_true "long: trim plans no windows" "$T/long.json" "'windows' not in j['t25']"

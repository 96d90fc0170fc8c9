# Manifests as users meet them: the JSON Schema and the README printed from
# the table validate checks by (and a JSON Schema validator agreeing with
# validate on good and bad manifests), the output folder rule, messages,
# dubbatch init on folders of media, and a CSV manifest run against the fake
# fal server.
. "$TOP/tests/lib.sh"

M="$T/m"
mkdir -p "$M"
ln -s "$FIX" "$M/media"
V() { "$DUBBATCH" validate --media-jobs 1 "$@"; }

# ---- One source of truth -------------------------------------------------
"$DUBBATCH" schema >"$T/schema.json"
if cmp -s "$T/schema.json" "$TOP/manifests/schema.json"; then
    pass "manifests/schema.json is what 'dubbatch schema' prints"
else
    fail "manifests/schema.json is what 'dubbatch schema' prints" \
        "run: build/dubbatch schema >manifests/schema.json" \
        "$(diff "$T/schema.json" "$TOP/manifests/schema.json" | head -20)"
fi
"$DUBBATCH" schema --markdown >"$T/keys.md"
python3 -c 'import sys; sys.exit(0 if open(sys.argv[1]).read() in open(sys.argv[2]).read() else 1)' \
    "$T/keys.md" "$TOP/README.md" &&
    pass "the README's table of keys and limits is what 'dubbatch schema --markdown' prints" ||
    fail "the README's table of keys and limits is what 'dubbatch schema --markdown' prints" \
        "$(head -c 1500 "$T/keys.md")"

# Debian's python3-jsonschema and python3-yaml (scripts/deps.sh), not
# whatever another Python has.
PY=/usr/bin/python3
if $PY -c 'import jsonschema, yaml; jsonschema.Draft202012Validator' 2>/dev/null; then
    $PY -c 'import json, jsonschema; jsonschema.Draft202012Validator.check_schema(json.load(open("'"$T/schema.json"'")))' \
        && pass "the schema is a valid draft 2020-12 JSON Schema" \
        || fail "the schema is a valid draft 2020-12 JSON Schema"
    cat >"$T/verdict.py" <<'EOF'
import json, sys, yaml, jsonschema
schema = json.load(open(sys.argv[1]))
doc = yaml.safe_load(open(sys.argv[2], encoding="utf-8"))
errs = list(jsonschema.Draft202012Validator(schema).iter_errors(doc))
print("valid" if not errs else "invalid: " + errs[0].message[:200])
EOF
    n=0
    # case NAME good|bad YAML: the schema and validate must both say so.
    case_is() {
        n=$((n + 1))
        printf '%s' "$3" >"$M/case$n.yaml"
        schema_says=$($PY "$T/verdict.py" "$T/schema.json" "$M/case$n.yaml" 2>&1)
        V "$M/case$n.yaml" >"$T/case.out" 2>"$T/case.err"
        if [ $? -eq 3 ]; then validate_says=invalid; else validate_says=valid; fi
        want=valid; [ "$2" = bad ] && want=invalid
        case "$schema_says" in "$want"*) s_ok=1 ;; *) s_ok=0 ;; esac
        if [ $s_ok -eq 1 ] && [ "$validate_says" = "$want" ]; then
            pass "schema and validate agree: $1 ($want)"
        else
            fail "schema and validate agree: $1 (want $want)" "schema: $schema_says" \
                "validate: $validate_says: $(head -c 600 "$T/case.err")"
        fi
    }
    J='version: 1
jobs:
'
    A='video: media/ok_1080p_5s.mp4'
    case_is "a minimal audio-to-video job" good "$J  - {$A, audio: media/speech.mp3}
"
    case_is "text-to-video with a voice" good 'version: 1
endpoint: text-to-video
jobs:
  - {video: media/ok_720p_8s.mov, text: "Hello there", voice_id: uk_man2, voice_language: en, voice_speed: 1.5}
'
    case_is "audio from defaults" good "version: 1
defaults: {audio: media/speech.mp3, fit: crop}
jobs:
  - {$A}
"
    case_is "pricing per endpoint" good "version: 1
pricing: {rate: 0.0028, increment: 5, text-to-video: {rate: 0.01}}
concurrency: 40
jobs:
  - {$A, audio: media/speech.mp3}
"
    case_is "long: segment and delivery choices" good "$J  - {$A, audio: media/speech.mp3, long: segment, long_audio: reject, deliver_audio: model, deliver_container: mov}
"
    case_is "long_video, the older spelling" good "$J  - {$A, audio: media/speech.mp3, long_video: reject}
"
    case_is "a numbered id and output folder" good "version: 1
output_dir: 2024
jobs:
  - {id: 7, $A, audio: media/speech.mp3}
"
    case_is "a job with no audio" bad "$J  - {$A}
"
    case_is "an http:// input" bad "$J  - {video: 'http://example.com/a.mp4', audio: media/speech.mp3}
"
    case_is "a file:// input" bad "$J  - {video: 'file:///etc/passwd', audio: media/speech.mp3}
"
    case_is "a data: input" bad "$J  - {video: 'data:video/mp4;base64,AAAA', audio: media/speech.mp3}
"
    case_is "concurrency 1001" bad "version: 1
concurrency: 1001
jobs:
  - {$A, audio: media/speech.mp3}
"
    case_is "concurrency 0" bad "version: 1
concurrency: 0
jobs:
  - {$A, audio: media/speech.mp3}
"
    case_is "version 2" bad "version: 2
jobs:
  - {$A, audio: media/speech.mp3}
"
    case_is "no version" bad "jobs:
  - {$A, audio: media/speech.mp3}
"
    case_is "a misspelled key" bad "$J  - {vidoe: media/ok_1080p_5s.mp4, audio: media/speech.mp3}
"
    case_is "text in an audio-to-video job" bad "$J  - {$A, audio: media/speech.mp3, text: hi}
"
    case_is "voice_speed in an audio-to-video job" bad "$J  - {$A, audio: media/speech.mp3, voice_speed: 1.2}
"
    case_is "audio in a text-to-video job" bad 'version: 1
endpoint: text-to-video
jobs:
  - {video: media/ok_720p_8s.mov, audio: media/speech.mp3, text: hi, voice_id: uk_man2}
'
    case_is "text-to-video without a voice" bad 'version: 1
endpoint: text-to-video
jobs:
  - {video: media/ok_720p_8s.mov, text: hi}
'
    case_is "long: segment for text-to-video" bad 'version: 1
endpoint: text-to-video
jobs:
  - {video: media/ok_720p_8s.mov, text: hi, voice_id: uk_man2, long: segment}
'
    case_is "long and long_video together" bad "$J  - {$A, audio: media/speech.mp3, long: trim, long_video: reject}
"
    case_is "voice_speed 2.5" bad 'version: 1
endpoint: text-to-video
jobs:
  - {video: media/ok_720p_8s.mov, text: hi, voice_id: uk_man2, voice_speed: 2.5}
'
    case_is "text of 121 characters" bad "version: 1
endpoint: text-to-video
jobs:
  - {video: media/ok_720p_8s.mov, voice_id: uk_man2, text: \"$(printf '%0121d' 0)\"}
"
    case_is "an unknown voice" bad 'version: 1
endpoint: text-to-video
jobs:
  - {video: media/ok_720p_8s.mov, text: hi, voice_id: uk_man3}
'
    case_is "a NUL in a path" bad "$J  - {video: \"media/ok_1080p_5s.mp4\\0junk\", audio: media/speech.mp3}
"
    case_is "an id with a slash" bad "$J  - {id: ../x, $A, audio: media/speech.mp3}
"
    case_is "an id as a default" bad "version: 1
defaults: {id: x}
jobs:
  - {$A, audio: media/speech.mp3}
"
    case_is "an empty job list" bad "version: 1
jobs: []
"
    case_is "a fit word that does not exist" bad "$J  - {$A, audio: media/speech.mp3, fit: stretch}
"
    case_is "a rate with an unknown key" bad "version: 1
pricing: {rate: 0.01, step: 5}
jobs:
  - {$A, audio: media/speech.mp3}
"
else
    skip "schema and validate agree on a table of manifests" "python3-jsonschema or python3-yaml is not installed for /usr/bin/python3 (scripts/deps.sh installs them)"
fi

# ---- Messages ------------------------------------------------------------
expect_exit "a missing manifest exits 3" 3 V "$M/nope.yaml"
[ "$(grep -c 'No such file or directory' "$T/err")" -eq 1 ] &&
    pass "a missing manifest's cause is printed once" ||
    fail "a missing manifest's cause is printed once" "$(cat "$T/err")"
expect_exit "a missing manifest: run exits 3 too" 3 env FAL_KEY=a:b "$DUBBATCH" run "$M/nope.yaml"
[ "$(grep -c 'No such file or directory' "$T/err")" -eq 1 ] &&
    pass "run prints a missing manifest's cause once" ||
    fail "run prints a missing manifest's cause once" "$(cat "$T/err")"

printf 'version: 2\njobs:\n  - {video: media/ok_1080p_5s.mp4, audio: media/speech.mp3}\n' >"$M/v2.yaml"
expect_exit "version 2 is refused" 3 V "$M/v2.yaml"
contains "version 2: one error saying what is wrong" "$T/err" "v2.yaml:1:10: version: must be 1, not 2"
lacks "version 2: no second error calling it missing" "$T/err" "missing 'version"

printf 'version: 1\njobs:\n  - {id: "a\\e]0;pwned\\a\\nb", video: media/ok_1080p_5s.mp4, audio: media/speech.mp3}\n' >"$M/esc.yaml"
expect_exit "an id with control characters is refused" 3 V "$M/esc.yaml"
contains "control characters in a message are escaped" "$T/err" "id 'a\\x1b]0;pwned\\x07\\nb' may only use"
if tr -d '\n' <"$T/err" | grep -q "$(printf '\033')"; then
    fail "no raw ESC reaches the terminal" "$(cat -v "$T/err")"
else
    pass "no raw ESC reaches the terminal"
fi

# demo.yaml writes to ../demo-out: printed clean, and inside the batch's
# folder (the one holding the manifest and its media), so no flag is asked.
mkdir -p "$T/repo/manifests"
ln -s "$FIX" "$T/repo/media"
sed 's#\.\./tests/fixtures/media/#../media/#' "$TOP/manifests/demo.yaml" >"$T/repo/manifests/demo.yaml"
expect_exit "the demo manifest validates without a flag" 1 V --json "$T/repo/manifests/demo.yaml"
json_true "inputs are printed as clean paths" "$T/out" \
    "all('/../' not in x['video'] and x['video'].startswith('$T/repo/media/') for x in d['jobs'])"
cat >"$T/repo/manifests/outside.yaml" <<'EOF'
version: 1
output_dir: ../../elsewhere
jobs:
  - {video: ../media/ok_1080p_5s.mp4, audio: ../media/speech.mp3}
EOF
expect_exit "an output folder outside the batch's folder is refused" 3 V "$T/repo/manifests/outside.yaml"
contains "the refusal says where and what to do" "$T/err" \
    "outside.yaml:2:13: output_dir: '$T/elsewhere' is outside the batch's folder '$(cd "$T/repo" && pwd -P)'; give --output-dir-ok to write there"
expect_exit "--output-dir-ok accepts it" 0 V --output-dir-ok "$T/repo/manifests/outside.yaml"
printf 'version: 1\noutput_dir: /etc\njobs:\n  - {video: ../media/ok_1080p_5s.mp4, audio: ../media/speech.mp3}\n' >"$T/repo/manifests/etc.yaml"
expect_exit "output_dir: /etc is refused" 3 V "$T/repo/manifests/etc.yaml"
contains "output_dir: /etc names the system folder" "$T/err" "output_dir: '/etc' is in a system folder (/etc)"
ln -s /usr/share "$T/repo/manifests/share"
printf 'version: 1\noutput_dir: share/out\njobs:\n  - {video: ../media/ok_1080p_5s.mp4, audio: ../media/speech.mp3}\n' >"$T/repo/manifests/link.yaml"
expect_exit "a link into a system folder is refused" 3 V "$T/repo/manifests/link.yaml"
contains "the link is followed in the message" "$T/err" "leads to '/usr/share/out', which is in a system folder (/usr)"
expect_exit "run refuses it as well" 3 env FAL_KEY=a:b "$DUBBATCH" run "$T/repo/manifests/etc.yaml"

# ---- dubbatch init ---------------------------------------------------------
S="$T/studio"
mkdir -p "$S/clips" "$S/dubs/fr" "$S/dubs/de" "$S/manifests"
ln -s "$FIX/ok_1080p_5s.mp4" "$S/clips/sc01.mp4"
ln -s "$FIX/ok_720p_8s.mov" "$S/clips/SC02.mov"
ln -s "$FIX/small_640x360.mp4" "$S/clips/sc03 take 2.mp4"
cp "$FIX/notmedia.txt" "$S/clips/notes.txt"
ln -s "$FIX/speech.wav" "$S/dubs/fr/sc01.wav"
ln -s "$FIX/speech.mp3" "$S/dubs/fr/sc02.mp3"
ln -s "$FIX/speech.m4a" "$S/dubs/fr/sc03 take 2.m4a"
ln -s "$FIX/dub_mix.mov" "$S/dubs/de/sc01.mov"
ln -s "$FIX/speech.ogg" "$S/dubs/de/extra.ogg"
ln -s "$FIX/ok_1080p_5s.mp4" "$S/clips/sc04 a.mp4"
ln -s "$FIX/ok_1080p_5s.mp4" "$S/clips/sc04_a.mp4"
ln -s "$FIX/speech.wav" "$S/dubs/fr/sc04 a.wav"
(cd "$S" && "$DUBBATCH" init clips dubs/fr dubs/de -o manifests/season.yaml) >"$T/out" 2>"$T/err"
[ $? -eq 0 ] && pass "init writes a manifest" || fail "init writes a manifest" "$(cat "$T/err")"
contains "init pairs by name, one job per language" "$S/manifests/season.yaml" "- id: sc01.fr"
contains "init: the second language" "$S/manifests/season.yaml" "- id: sc01.de"
contains "init: names are matched ignoring case" "$S/manifests/season.yaml" "- id: SC02.fr"
contains "init: paths are relative to the manifest" "$S/manifests/season.yaml" 'audio: "../dubs/fr/sc01.wav"'
contains "init: names with spaces are quoted" "$S/manifests/season.yaml" 'video: "../clips/sc03 take 2.mp4"'
contains "init lists a clip without a dub in some language" "$T/err" "../clips/SC02.mov: no dub in de"
contains "init lists a dub without a clip" "$T/err" "../dubs/de/extra.ogg: no clip of the same name"
contains "init lists files that are not media" "$T/err" "../clips/notes.txt: not a video file name"
contains "init lists clips whose names would make one id" "$T/err" "../clips/sc04 a.mp4: another clip's name makes the same job id"
contains "init: the manifest keeps the list as comments" "$S/manifests/season.yaml" "#   ../dubs/de/extra.ogg: no clip of the same name"
expect_exit "validate accepts what init wrote" 0 V "$S/manifests/season.yaml"
contains "init's manifest: every job can run" "$T/out" "4 jobs: "
expect_exit "init does not replace a manifest without --force" 2 \
    sh -c "cd '$S' && '$DUBBATCH' init clips dubs -o manifests/season.yaml"
(cd "$S" && "$DUBBATCH" init clips dubs --force -o manifests/season.yaml) >/dev/null 2>&1
contains "a folder of language folders stands for each" "$S/manifests/season.yaml" "- id: sc01.de"
mkdir -p "$S/empty"
expect_exit "init with nothing to pair exits 1" 1 sh -c "cd '$S' && '$DUBBATCH' init empty dubs"

# ---- CSV manifests -------------------------------------------------------
printf 'video,audio,id,fit\n"media/ok_1080p_5s.mp4",media/speech.mp3,a,\nmedia/ok_1080p_5s.mp4,media/speech.wav,b,stretch\n\n,,,\nmedia/ok_1080p_5s.mp4,media/speech.m4a,c,"pad"\nmedia/ok_1080p_5s.mp4,media/speech.ogg,"d\n",crop\n' >"$M/jobs.csv"
expect_exit "a CSV manifest with errors exits 3" 3 V "$M/jobs.csv"
contains "CSV errors name the line" "$T/err" "jobs.csv:3: jobs[2].fit: 'stretch' is not one of pad|crop|reject"
contains "CSV: a quoted field may hold a line break" "$T/err" "jobs.csv:7: jobs[4].id: id 'd\\n' may only use"
printf 'video,vidoe\nmedia/ok_1080p_5s.mp4,x\n' >"$M/typo.csv"
expect_exit "a CSV manifest with an unknown column exits 3" 3 V "$M/typo.csv"
contains "an unknown column gets a suggestion" "$T/err" "typo.csv:1: header: unknown key 'vidoe'; did you mean 'video'?"

# manifests/demo.yaml as CSV, through a run against the fake fal server.
KEY="csv:s3cr3t-$$"
$PY - "$TOP/manifests/demo.yaml" "$M/demo.csv" <<'EOF' 2>/dev/null
import csv, sys, yaml
d = yaml.safe_load(open(sys.argv[1]))
with open(sys.argv[2], "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["id", "video", "audio"])
    for j in d["jobs"]:
        w.writerow([j["id"]] + [j[k].replace("../tests/fixtures/media/", "media/")
                                for k in ("video", "audio")])
EOF
if [ -s "$M/demo.csv" ]; then
    fakefal_start --key "$KEY" --job-seconds 0.3 --output copy
    export FAL_KEY="$KEY" FAL_QUEUE_URL="$FAKE_URL" FAL_REST_URL="$FAKE_URL" FAL_API_URL="$FAKE_URL"
    expect_exit "the demo batch as CSV runs (one input rejected on purpose)" 1 \
        "$DUBBATCH" run --poll-interval 0.05 --media-jobs 2 "$M/demo.csv"
    json_true "the CSV demo: every job done but the one that is not a video" "$M/demo-out/report.json" \
        "len(d['jobs']) == 6 and [x['state'] for x in d['jobs']].count('DONE') == 5 and j['not-a-video']['state'] == 'REJECTED'"
    [ -s "$M/demo-out/uhd-too-long.mp4" ] && pass "the CSV demo: results land in <name>-out" ||
        fail "the CSV demo: results land in <name>-out" "$(ls "$M/demo-out")"
    expect_exit "status reads a CSV manifest (exit 1: one job rejected)" 1 "$DUBBATCH" status "$M/demo.csv"
else
    skip "the demo batch as CSV" "python3-yaml is not installed for /usr/bin/python3 (scripts/deps.sh installs it)"
fi

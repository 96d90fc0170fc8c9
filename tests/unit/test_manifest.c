/*
 * manifest: good and bad manifests (YAML and CSV) as text, and the exact
 * errors they get; hostile nesting; where results may go.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "manifest.h"
#include "outdir.h"
#include "test.h"

static char dir[] = "/tmp/dubmanifest.XXXXXX";

/* Loads text as dir/name with flags; returns manifest_load_flags' result
 * and fills m and errors (one line per problem). */
static int load_as(const char *name, unsigned flags, const char *text,
                   size_t len, struct manifest *m, struct buf *errors)
{
    char *path = xasprintf("%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    struct dub_err e;
    int rc;

    fwrite(text, 1, len, f);
    fclose(f);
    buf_reset(errors);
    rc = manifest_load_flags(path, flags, m, errors, &e);
    free(path);
    return rc;
}

static int load_flags(unsigned flags, const char *text, struct manifest *m,
                      struct buf *errors)
{
    return load_as("m.yaml", flags, text, strlen(text), m, errors);
}

static int load(const char *text, struct manifest *m, struct buf *errors)
{
    return load_flags(0, text, m, errors);
}

struct bad {
    const char *name;
    const char *yaml;
    const char *error; /* substring of the errors */
};

static const struct bad bad_cases[] = {
    {"misspelled job key gets a suggestion",
     "version: 1\njobs:\n  - vidoe: a.mp4\n    audio: a.mp3\n",
     "m.yaml:3:5: jobs[1]: unknown key 'vidoe'; did you mean 'video'?"},
    {"misspelled top key gets a suggestion",
     "version: 1\nconcurency: 3\njobs:\n  - video: a.mp4\n    audio: a.mp3\n",
     "m.yaml:2:1: unknown key 'concurency'; did you mean 'concurrency'?"},
    {"unknown key without a near match",
     "version: 1\njobs:\n  - video: a.mp4\n    audio: a.mp3\n    colour: red\n",
     "m.yaml:5:5: jobs[1]: unknown key 'colour'\n"},
    {"missing audio for audio-to-video",
     "version: 1\njobs:\n  - video: a.mp4\n", "m.yaml:3:5: jobs[1]: missing 'audio'"},
    {"missing version", "jobs:\n  - video: a.mp4\n    audio: a.mp3\n",
     "version: missing 'version: 1'"},
    {"wrong version",
     "version: 2\njobs:\n  - video: a.mp4\n    audio: a.mp3\n",
     "m.yaml:1:10: version: must be 1, not 2\n"},
    {"bad endpoint",
     "version: 1\nendpoint: video-to-video\njobs:\n  - video: a.mp4\n",
     "m.yaml:2:11: endpoint: 'video-to-video' is not one of "
     "audio-to-video|text-to-video"},
    {"duplicate ids",
     "version: 1\njobs:\n  - {id: x, video: a.mp4, audio: a.mp3}\n"
     "  - {id: x, video: b.mp4, audio: b.mp3}\n",
     "m.yaml:4:5: id: duplicate id 'x' (first used by the job at line 3)"},
    {"id with a slash",
     "version: 1\njobs:\n  - {id: ../x, video: a.mp4, audio: a.mp3}\n",
     "id '../x' may only use letters"},
    {"fit policy word",
     "version: 1\njobs:\n  - {video: a.mp4, audio: a.mp3, fit: stretch}\n",
     "jobs[1].fit: 'stretch' is not one of pad|crop|reject"},
    {"concurrency must be a number",
     "version: 1\nconcurrency: lots\njobs:\n  - {video: a.mp4, audio: a.mp3}\n",
     "m.yaml:2:14: concurrency: expected a whole number"},
    {"http is refused",
     "version: 1\njobs:\n  - {video: 'http://x/a.mp4', audio: a.mp3}\n",
     "only local paths and https:// URLs are allowed"},
    {"file URLs are refused",
     "version: 1\njobs:\n  - {video: 'file:///etc/passwd', audio: a.mp3}\n",
     "only local paths and https:// URLs are allowed"},
    {"empty job list", "version: 1\njobs: []\n", "the list is empty"},
    {"jobs must be a list", "version: 1\njobs: {video: a.mp4}\n",
     "jobs: expected a list of jobs"},
    {"invalid YAML has a position",
     "version: 1\njobs:\n  - video: [a.mp4\n", "m.yaml:4:1: invalid YAML"},
    {"text over 120 characters",
     "version: 1\nendpoint: text-to-video\njobs:\n  - video: a.mp4\n"
     "    voice_id: uk_man2\n    text: \"0123456789012345678901234567890123456"
     "789012345678901234567890123456789012345678901234567890123456789012345678"
     "901234567890\"\n",
     "text is 121 characters, over the 120 limit"},
    {"unknown voice gets a suggestion",
     "version: 1\nendpoint: text-to-video\njobs:\n"
     "  - {video: a.mp4, text: hi, voice_id: uk_man3}\n",
     "voice_id 'uk_man3' is not a published voice; did you mean"},
    {"voice speed range",
     "version: 1\nendpoint: text-to-video\njobs:\n"
     "  - {video: a.mp4, text: hi, voice_id: uk_man2, voice_speed: 2.5}\n",
     "jobs[1].voice_speed: 2.5 is out of range 0.8..2"},
    {"voice language",
     "version: 1\nendpoint: text-to-video\njobs:\n"
     "  - {video: a.mp4, text: hi, voice_id: uk_man2, voice_language: fr}\n",
     "jobs[1].voice_language: 'fr' is not one of zh|en"},
    {"audio in a text-to-video job",
     "version: 1\nendpoint: text-to-video\njobs:\n"
     "  - {video: a.mp4, audio: a.mp3, text: hi, voice_id: uk_man2}\n",
     "'audio' belongs to audio-to-video"},
    {"an id is not a default",
     "version: 1\ndefaults: {id: x}\njobs:\n  - {video: a.mp4, audio: a.mp3}\n",
     "defaults.id: an id cannot be a default"},
    {"a NUL in a string is an error, not a cut",
     "version: 1\njobs:\n  - {video: \"ok.mp4\\0junk\", audio: a.mp3}\n",
     "m.yaml:3:13: jobs[1].video: 'ok.mp4\\0...' holds a NUL character\n"},
    {"control characters in an id are escaped",
     "version: 1\njobs:\n"
     "  - {id: \"x\\e[2Jy\\nz\", video: a.mp4, audio: a.mp3}\n",
     "id 'x\\x1b[2Jy\\nz' may only use"},
    {"control characters in a key are escaped",
     "version: 1\njobs:\n  - {\"vid\\x1beo\": a.mp4, audio: a.mp3}\n",
     "unknown key 'vid\\x1beo'"},
    {"a key given twice",
     "version: 1\njobs:\n  - {video: a.mp4, audio: a.mp3, video: b.mp4}\n",
     "m.yaml:3:34: jobs[1]: duplicate key 'video' (first at line 3)"},
    {"long with its older spelling",
     "version: 1\njobs:\n  - {video: a.mp4, audio: a.mp3, long: trim, "
     "long_video: reject}\n",
     "jobs[1]: 'long_video' is the older spelling of 'long', given at line 3; "
     "keep one"},
    {"segment is for audio-to-video",
     "version: 1\nendpoint: text-to-video\njobs:\n"
     "  - {video: a.mp4, text: hi, voice_id: uk_man2, long: segment}\n",
     "jobs[1].long: 'segment' is for audio-to-video; text-to-video takes "
     "trim|reject"},
    {"deliver_audio words",
     "version: 1\njobs:\n"
     "  - {video: a.mp4, audio: a.mp3, deliver_audio: mix}\n",
     "jobs[1].deliver_audio: 'mix' is not one of original|model"},
    {"deliver_container words",
     "version: 1\ndefaults: {deliver_container: mkv}\njobs:\n"
     "  - {video: a.mp4, audio: a.mp3}\n",
     "defaults.deliver_container: 'mkv' is not one of mp4|mov"},
    {"a text-to-video key in an audio-to-video job",
     "version: 1\njobs:\n  - {video: a.mp4, audio: a.mp3, voice_speed: 1.2}\n",
     "'voice_speed' belongs to text-to-video; this manifest's endpoint is "
     "audio-to-video"},
    {"a job key at the top",
     "version: 1\nvideo: a.mp4\njobs:\n  - {video: a.mp4, audio: a.mp3}\n",
     "m.yaml:2:1: unknown key 'video' here; it belongs in a job"},
    {"an alias to nothing",
     "version: 1\njobs:\n  - {video: *nope, audio: a.mp3}\n",
     "m.yaml:3:13: invalid YAML: alias '*nope' names no complete anchor"},
    {"two documents", "version: 1\njobs: []\n---\nversion: 1\n",
     "m.yaml:3:1: a second YAML document"},
    {"the other endpoint's pricing is checked too",
     "version: 1\npricing: {text-to-video: {rate: lots}}\njobs:\n"
     "  - {video: a.mp4, audio: a.mp3}\n",
     "pricing.text-to-video.rate: expected a number"},
};

static void bad_manifests(void)
{
    struct buf errors = {0};
    struct manifest m;
    size_t i;

    for (i = 0; i < DUB_ARRAY_LEN(bad_cases); i++) {
        int rc = load(bad_cases[i].yaml, &m, &errors);
        int found = errors.data && strstr(errors.data, bad_cases[i].error);

        test_cond(bad_cases[i].name, rc < 0 && found);
        if (rc == 0 || !found)
            printf("  errors:\n%s  want: %s\n", errors.data ? errors.data : "",
                   bad_cases[i].error);
        manifest_release(&m);
    }
    buf_release(&errors);
}

static void all_errors_at_once(void)
{
    struct buf errors = {0};
    struct manifest m;
    int lines = 0;
    const char *p;

    load("version: 1\njobs:\n  - {vidoe: a.mp4, audio: a.mp3}\n"
         "  - {video: b.mp4, fit: wide}\n  - {video: c.mp4, audio: c.mp3, "
         "long_audio: cut}\n",
         &m, &errors);
    for (p = errors.data; p && *p; p++)
        lines += *p == '\n';
    test_cond("every error of a manifest is reported at once", lines >= 4);
    manifest_release(&m);
    buf_release(&errors);
}

static void billion_laughs(void)
{
    struct buf text = {0}, errors = {0};
    struct manifest m;
    int i, k;

    buf_puts(&text, "version: 1\nx0: &a0 [lol, lol]\n");
    for (i = 1; i < 40; i++) {
        buf_printf(&text, "x%d: &a%d [", i, i);
        for (k = 0; k < 9; k++)
            buf_printf(&text, "%s*a%d", k ? ", " : "", i - 1);
        buf_puts(&text, "]\n");
    }
    buf_puts(&text, "jobs: *a39\n");
    test_cond("a billion-laughs manifest is refused",
              load(text.data, &m, &errors) < 0 &&
                  strstr(errors.data, "YAML aliases; refusing"));
    manifest_release(&m);
    buf_release(&text);
    buf_release(&errors);
}

/* "jobs: [[[...]]]": refused at the line and column where nesting passes
 * the limit, whatever the file's size; a value given wrong is one error. */
static void hostile_nesting(void)
{
    static const size_t depths[] = {200000, 4000000}; /* 400 KB, 8 MB */
    struct buf errors = {0};
    struct manifest m;
    size_t i, k;

    for (i = 0; i < DUB_ARRAY_LEN(depths); i++) {
        size_t n = depths[i], len = 11 + 6 + 2 * n + 1;
        char *text = xmalloc(len + 1), *p = text, name[96];
        char want[96];

        p += snprintf(p, len + 1, "version: 1\njobs: ");
        for (k = 0; k < n; k++)
            *p++ = '[';
        for (k = 0; k < n; k++)
            *p++ = ']';
        *p++ = '\n';
        snprintf(name, sizeof(name), "%zu KB of nested brackets are refused "
                 "with file:line:col", (size_t)(p - text) / 1000);
        /* The root mapping is the first level, so the 32nd bracket. */
        snprintf(want, sizeof(want), "m.yaml:2:%d: nested more than %d "
                 "levels deep", 7 + MANIFEST_MAX_DEPTH - 1,
                 MANIFEST_MAX_DEPTH);
        test_cond(name, load_as("m.yaml", 0, text, (size_t)(p - text), &m,
                                &errors) < 0 &&
                            strstr(errors.data, want) &&
                            !strchr(strchr(errors.data, '\n') + 1, '\n'));
        if (!strstr(errors.data, want))
            printf("  errors: %.300s\n  want: %s\n", errors.data, want);
        manifest_release(&m);
        free(text);
    }
    test_cond("a value given wrong is not also missing",
              load("version: 1\njobs:\n  - {video: \"a\\0b\", audio: a.mp3}\n",
                   &m, &errors) < 0 &&
                  !strstr(errors.data, "missing"));
    manifest_release(&m);
    buf_release(&errors);
}

static void policies(void)
{
    struct buf errors = {0};
    struct manifest m;
    int rc;

    rc = load("version: 1\ndefaults: {long: segment, deliver_audio: model}\n"
              "jobs:\n  - {video: a.mp4, audio: a.mp3}\n"
              "  - {video: b.mp4, audio: a.mp3, long_video: reject, "
              "deliver_container: mov, deliver_audio: original}\n"
              "  - {video: c.mp4, audio: a.mp3, long: trim}\n",
              &m, &errors);
    test_cond("policy keys load", rc == 0);
    if (rc == 0) {
        test_cond("long: segment, from defaults",
                  m.jobs[0].policy.long_video == PLAN_LONG_SEGMENT &&
                      m.jobs[0].policy.deliver_audio == PLAN_DELIVER_MODEL &&
                      m.jobs[0].policy.deliver_container ==
                          PLAN_CONTAINER_MP4);
        test_cond("long_video is the older spelling of long",
                  m.jobs[1].policy.long_video == PLAN_LONG_REJECT &&
                      m.jobs[1].policy.deliver_container ==
                          PLAN_CONTAINER_MOV &&
                      m.jobs[1].policy.deliver_audio == PLAN_DELIVER_ORIGINAL);
        test_cond("a job's own long wins over defaults",
                  m.jobs[2].policy.long_video == PLAN_LONG_TRIM);
    }
    manifest_release(&m);
    rc = load("version: 1\njobs:\n  - {video: a.mp4, audio: a.mp3}\n", &m,
              &errors);
    test_cond("the defaults: a long scene in windows, the original sound, "
              "mp4",
              rc == 0 && m.jobs[0].policy.long_video == PLAN_LONG_SEGMENT &&
                  m.jobs[0].policy.long_audio == PLAN_LONG_TRIM &&
                  m.jobs[0].policy.deliver_audio == PLAN_DELIVER_ORIGINAL &&
                  m.jobs[0].policy.deliver_container == PLAN_CONTAINER_MP4 &&
                  m.concurrency == 2 && m.pricing.rate == 0.014 &&
                  m.pricing.increment == 5 &&
                  strcmp(m.jobs[0].voice_language, "en") == 0 &&
                  m.jobs[0].voice_speed == 1.0);
    manifest_release(&m);
    rc = load("version: 1\nendpoint: text-to-video\njobs:\n"
              "  - {video: a.mp4, text: hi, voice_id: uk_man2}\n",
              &m, &errors);
    test_cond("a text-to-video result's sound is the model's",
              rc == 0 && m.jobs[0].policy.deliver_audio == PLAN_DELIVER_MODEL);
    test_cond("text-to-video has no dub to cut at: it trims by default",
              rc == 0 && m.jobs[0].policy.long_video == PLAN_LONG_TRIM);
    manifest_release(&m);
    rc = load("version: 1\npricing: {rate: 0.01, audio-to-video: {rate: 0.02},"
              " text-to-video: {rate: 0.03}}\njobs:\n"
              "  - {video: a.mp4, audio: a.mp3}\n",
              &m, &errors);
    test_cond("the manifest's own endpoint's rate applies",
              rc == 0 && m.pricing.rate == 0.02);
    manifest_release(&m);
    buf_release(&errors);
}

static void output_folder(void)
{
    static const struct {
        const char *path;
        int system;
    } sys[] = {
        {"/", 1},          {"/etc", 1},          {"/etc/dub", 1},
        {"/usr/local/x", 1}, {"/lib64", 1},      {"/var/lib/x", 1},
        {"/var/tmp/x", 0}, {"/library", 0},      {"/srv/dub/out", 0},
        {"/tmp/x", 0},     {"/home/u", 1},       {"/home", 1},
        {"/home/u/out", 0}, {"/mnt/data/out", 0},
    };
    const char *home = getenv("HOME");
    char *saved = home ? xstrdup(home) : NULL, why[256], *text;
    struct buf errors = {0};
    struct manifest m;
    size_t i;
    int rc;

    setenv("HOME", "/home/u", 1);
    for (i = 0; i < DUB_ARRAY_LEN(sys); i++) {
        char name[96];

        snprintf(name, sizeof(name), "%s %s a system folder", sys[i].path,
                 sys[i].system ? "is" : "is not");
        test_cond(name, outdir_system(sys[i].path, why, sizeof(why)) ==
                            sys[i].system);
    }
    if (saved)
        setenv("HOME", saved, 1);
    free(saved);

    rc = load_flags(MANIFEST_CHECK_OUTPUT,
                 "version: 1\noutput_dir: results\njobs:\n"
                 "  - {video: a.mp4, audio: a.mp3}\n", &m, &errors);
    test_cond("results beside the manifest need no flag", rc == 0);
    manifest_release(&m);
    text = xasprintf("version: 1\noutput_dir: %s/data/out\njobs:\n"
                     "  - {video: clips/a.mp4, audio: a.mp3}\n", dir);
    rc = load_as("m.yaml", MANIFEST_CHECK_OUTPUT, text, strlen(text), &m,
                 &errors);
    test_cond("an absolute path under the manifest's folder needs no flag",
              rc == 0);
    manifest_release(&m);
    free(text);
    rc = load_flags(MANIFEST_CHECK_OUTPUT,
                 "version: 1\noutput_dir: /etc\njobs:\n"
                 "  - {video: a.mp4, audio: a.mp3}\n", &m, &errors);
    test_cond("output_dir: /etc asks for --output-dir-ok",
              rc < 0 && strstr(errors.data,
                               "m.yaml:2:13: output_dir: '/etc' is in a "
                               "system folder (/etc); give --output-dir-ok"));
    manifest_release(&m);
    rc = load_flags(0,
                 "version: 1\noutput_dir: /etc\njobs:\n"
                 "  - {video: a.mp4, audio: a.mp3}\n", &m, &errors);
    test_cond("without the check (status, --output-dir-ok) it loads",
              rc == 0 && strcmp(m.output_dir, "/etc") == 0);
    manifest_release(&m);
    rc = load_flags(MANIFEST_CHECK_OUTPUT,
                 "version: 1\noutput_dir: ../elsewhere\njobs:\n"
                 "  - {video: a.mp4, audio: a.mp3}\n", &m, &errors);
    test_cond("a folder outside the batch's folder asks for the flag",
              rc < 0 && strstr(errors.data, "is outside the batch's folder"));
    manifest_release(&m);
    rc = load_flags(MANIFEST_CHECK_OUTPUT,
                 "version: 1\noutput_dir: ../elsewhere\njobs:\n"
                 "  - {video: ../media/a.mp4, audio: a.mp3}\n", &m, &errors);
    test_cond("inputs beside the manifest's folder widen the batch's folder",
              rc == 0);
    test_cond("the output folder is a clean path",
              rc == 0 && !strstr(m.output_dir, "..") &&
                  strstr(m.output_dir, "/elsewhere"));
    manifest_release(&m);
    buf_release(&errors);
}

static void csv_manifests(void)
{
    static const char good[] =
        "\xef\xbb\xbfVideo, Audio ,id,fit,long\r\n"
        "clips/a.mp4,dubs/a.wav,a,,\r\n"
        "\"clips/b, \"\"the\"\" take.mp4\",dubs/b.wav,b,crop,segment\r\n"
        ",,,,\r\n"
        "\r\n"
        "  clips/c.mp4  ,dubs/c.wav,,\"pad\",\r\n";
    static const char semi[] = "video;audio\nclips/a.mp4;dubs/a.wav\n";
    static const char tts[] =
        "video,text,voice_id\nclips/a.mp4,\"Hello, there\",uk_man2\n";
    static const char bad[] =
        "video,audio,fit\nclips/a.mp4,dubs/a.wav,wide\n"
        "clips/b.mp4,\"dubs/b.wav\nx\",pad,extra\n";
    static const char broken[] = "video,audio\nclips/a.mp4,dubs/a.wav\n"
                                 "clips/c.mp4,\"c.wav\"x\n";
    struct buf errors = {0};
    struct manifest m;
    int rc;

    rc = load_as("jobs.csv", 0, good, sizeof(good) - 1, &m, &errors);
    test_cond("a CSV manifest loads", rc == 0);
    if (rc < 0)
        printf("%s", errors.data);
    test_cond("CSV: a BOM, header case and spaces, CRLF, empty rows",
              rc == 0 && m.njobs == 3);
    test_cond("CSV: quoted commas and doubled quotes",
              rc == 0 &&
                  strstr(m.jobs[1].video, "/clips/b, \"the\" take.mp4") &&
                  m.jobs[1].policy.fit == PLAN_FIT_CROP &&
                  m.jobs[1].policy.long_video == PLAN_LONG_SEGMENT);
    test_cond("CSV: paths relative to the CSV's folder, unquoted ones trimmed",
              rc == 0 && util_starts_with(m.jobs[2].video, dir) &&
                  strstr(m.jobs[2].video, "/clips/c.mp4") &&
                  m.jobs[2].video[strlen(m.jobs[2].video) - 1] == '4');
    test_cond("CSV: an empty cell is the default; ids from file names",
              rc == 0 && m.jobs[0].policy.fit == PLAN_FIT_PAD &&
                  strcmp(m.jobs[2].id, "c") == 0);
    test_cond("CSV: the results go to <name>-out",
              rc == 0 && strstr(m.output_dir, "/jobs-out"));
    manifest_release(&m);
    rc = load_as("m.csv", 0, semi, sizeof(semi) - 1, &m, &errors);
    test_cond("CSV: semicolons when the header has no comma",
              rc == 0 && m.njobs == 1 && strstr(m.jobs[0].audio, "dubs/a.wav"));
    manifest_release(&m);
    rc = load_as("t.csv", 0, tts, sizeof(tts) - 1, &m, &errors);
    test_cond("CSV: a text column means text-to-video",
              rc == 0 && m.endpoint == PLAN_T2V &&
                  strcmp(m.jobs[0].text, "Hello, there") == 0);
    manifest_release(&m);
    rc = load_as("jobs.csv", 0, bad, sizeof(bad) - 1, &m, &errors);
    test_cond("CSV errors name the line",
              rc < 0 && strstr(errors.data, "jobs.csv:2: jobs[1].fit: 'wide' "
                                            "is not one of pad|crop|reject"));
    test_cond("CSV: a value in a column the header does not name",
              rc < 0 && strstr(errors.data, "jobs.csv:4: a value in column 4"));
    manifest_release(&m);
    rc = load_as("jobs.csv", 0, broken, sizeof(broken) - 1, &m, &errors);
    test_cond("CSV: text after a closing quote is refused at its line",
              rc < 0 && strstr(errors.data, "jobs.csv:3: invalid CSV: text "
                                            "after the closing quote"));
    manifest_release(&m);
    rc = load_as("e.csv", 0, "", 0, &m, &errors);
    test_cond("CSV: an empty file says what the first row is for",
              rc < 0 && strstr(errors.data, "e.csv:1: empty; a CSV manifest's "
                                            "first row names its columns"));
    manifest_release(&m);
    rc = load_as("n.csv", 0, "video,audio\na\0b.mp4,c.wav\n", 24, &m, &errors);
    test_cond("CSV: a NUL in a cell is an error",
              rc < 0 && strstr(errors.data, "n.csv:2: video: 'a\\0...' holds a "
                                            "NUL character"));
    manifest_release(&m);
    rc = load_as("both.csv", 0, "video,audio,text\na.mp4,b.wav,hi\n", 32, &m,
                 &errors);
    test_cond("CSV: audio and text columns together are refused",
              rc < 0 && strstr(errors.data, "both.csv:1: header: columns for "
                                            "both audio-to-video"));
    manifest_release(&m);
    buf_release(&errors);
}

static void good_manifest(void)
{
    struct buf errors = {0};
    struct manifest m;
    int rc;

    rc = load("version: 1\noutput_dir: results\nconcurrency: 4\n"
              "pricing: {rate: 0.0028, increment: 5}\n"
              "defaults:\n  fit: crop\n  long_audio: reject\n"
              "jobs:\n"
              "  - video: clips/intro.mp4\n    audio: dub/intro_fr.wav\n"
              "  - id: custom.id-1\n    video: https://cdn.example/v.mp4\n"
              "    audio: /abs/a.mp3\n    fit: pad\n"
              "  - video: clips/intro.mp4\n    audio: dub/intro_de.wav\n"
              "  - {video: 'clips/clip with spaces \xc3\xb1" "and\xc3\xba" ".mp4', "
              "audio: a.mp3}\n",
              &m, &errors);
    test_cond("a good manifest loads", rc == 0);
    if (rc < 0) {
        printf("%s", errors.data);
        manifest_release(&m);
        buf_release(&errors);
        return;
    }
    test_cond("four jobs", m.njobs == 4);
    test_cond("concurrency and pricing are read",
              m.concurrency == 4 && m.pricing.rate == 0.0028 &&
                  m.pricing.increment == 5);
    test_cond("output_dir is relative to the manifest",
              strcmp(m.output_dir, dir) > 0 && strstr(m.output_dir, "/results"));
    test_cond("paths are relative to the manifest",
              util_starts_with(m.jobs[0].video, dir) &&
                  strstr(m.jobs[0].video, "/clips/intro.mp4"));
    test_cond("https inputs and absolute paths stay as written",
              strcmp(m.jobs[1].video, "https://cdn.example/v.mp4") == 0 &&
                  strcmp(m.jobs[1].audio, "/abs/a.mp3") == 0);
    test_cond("explicit ids are kept", strcmp(m.jobs[1].id, "custom.id-1") == 0);
    test_str("a shared video adds the audio name to the id", m.jobs[0].id,
             "intro_intro_fr");
    test_str("the second dub of the same clip gets its own id", m.jobs[2].id,
             "intro_intro_de");
    test_str("names with spaces and accents become safe ids", m.jobs[3].id,
             "clip_with_spaces___and__");
    test_cond("defaults apply, and jobs override them",
              m.jobs[0].policy.fit == PLAN_FIT_CROP &&
                  m.jobs[1].policy.fit == PLAN_FIT_PAD &&
                  m.jobs[0].policy.long_audio == PLAN_LONG_REJECT);
    manifest_release(&m);

    rc = load("version: 1\nendpoint: text-to-video\njobs:\n"
              "  - video: a.mp4\n    voice_id: genshin_klee2\n"
              "    text: \"\xe4\xbd\xa0\xe5\xa5\xbd\"\n    voice_language: zh\n"
              "    voice_speed: 1.5\n",
              &m, &errors);
    test_cond("a text-to-video manifest loads",
              rc == 0 && m.endpoint == PLAN_T2V &&
                  strcmp(m.jobs[0].voice_language, "zh") == 0 &&
                  m.jobs[0].voice_speed == 1.5);
    manifest_release(&m);
    buf_release(&errors);
}

int main(void)
{
    char *cmd;

    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    bad_manifests();
    all_errors_at_once();
    billion_laughs();
    hostile_nesting();
    policies();
    output_folder();
    csv_manifests();
    good_manifest();
    cmd = xasprintf("rm -rf '%s'", dir);
    if (system(cmd) != 0)
        printf("FAIL cleanup of %s\n", dir);
    free(cmd);
    return test_report();
}

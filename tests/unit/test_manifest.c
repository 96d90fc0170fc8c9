/*
 * manifest: good and bad manifests as text, and the exact errors they get.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "manifest.h"
#include "test.h"

static char dir[] = "/tmp/dubmanifest.XXXXXX";

/* Loads text as dir/m.yaml; returns manifest_load's result and fills m and
 * errors (one line per problem). */
static int load(const char *text, struct manifest *m, struct buf *errors)
{
    char *path = xasprintf("%s/m.yaml", dir);
    FILE *f = fopen(path, "w");
    struct dub_err e;
    int rc;

    fputs(text, f);
    fclose(f);
    buf_reset(errors);
    rc = manifest_load(path, m, errors, &e);
    free(path);
    return rc;
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
     "m.yaml:1:10: version: 2 is out of range 1..1"},
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
    good_manifest();
    cmd = xasprintf("rm -rf '%s'", dir);
    if (system(cmd) != 0)
        printf("FAIL cleanup of %s\n", dir);
    free(cmd);
    return test_report();
}

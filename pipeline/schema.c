/*
 * schema: the table of manifest keys, and the look-ups the manifest
 * reader makes in it; schemadoc.c prints it as the JSON Schema and
 * Markdown.
 */
#include "schemaint.h"

#include <stdlib.h>
#include <string.h>

#include "manifest.h"

/* Word keys are stored through an int: each enum must be one. */
_Static_assert(sizeof(enum plan_fit) == sizeof(int), "enum size");
_Static_assert(sizeof(enum plan_short) == sizeof(int), "enum size");
_Static_assert(sizeof(enum plan_long) == sizeof(int), "enum size");
_Static_assert(sizeof(enum plan_deliver_audio) == sizeof(int), "enum size");
_Static_assert(sizeof(enum plan_container) == sizeof(int), "enum size");
_Static_assert(sizeof(enum plan_endpoint) == sizeof(int), "enum size");

/* From kling-lipsync-api.md, text-to-video voice_id. */
static const char *const schema_voices[] = {
    "genshin_vindi2", "zhinen_xuesheng", "AOT", "ai_shatang", "genshin_klee2",
    "genshin_kirara", "ai_kaiya", "oversea_male1", "ai_chenjiahao_712",
    "girlfriend_4_speech02", "chat1_female_new-3", "chat_0407_5-1",
    "cartoon-boy-07", "uk_boy1", "cartoon-girl-01", "PeppaPig_platform",
    "ai_huangzhong_712", "ai_huangyaoshi_712", "ai_laoguowang_712",
    "chengshu_jiejie", "you_pingjing", "calm_story1", "uk_man2",
    "laopopo_speech02", "heainainai_speech02", "reader_en_m-v1",
    "commercial_lady_en_f-v1", "tiyuxi_xuedi", "tiexin_nanyou",
    "girlfriend_1_speech02", "girlfriend_2_speech02", "zhuxi_speech02",
    "uk_oldman3", "dongbeilaotie_speech02", "chongqingxiaohuo_speech02",
    "chuanmeizi_speech02", "chaoshandashu_speech02",
    "ai_taiwan_man2_speech02", "xianzhanggui_speech02",
    "tianjinjiejie_speech02", "diyinnansang_DB_CN_M_04-v2", "yizhipiannan-v1",
    "guanxiaofang-v2", "tianmeixuemei-v1", "daopianyansang-v1", "mengwa-v1",
};

/* Words in the order of the enum they are stored as. */
const char *const schema_endpoints[] = {"audio-to-video", "text-to-video"};
static const char *const schema_fit[] = {"pad", "crop", "reject"};
static const char *const schema_short[] = {"loop", "freeze", "reject"};
static const char *const schema_long[] = {"trim", "reject", "segment"};
static const char *const schema_langs[] = {"zh", "en"};
static const char *const schema_deliver[] = {"original", "model"};
static const char *const schema_containers[] = {"mp4", "mov"};

#define W(list) list, {DUB_ARRAY_LEN(list), DUB_ARRAY_LEN(list)}
#define TOP(f) offsetof(struct manifest, f)
#define JOB(f) offsetof(struct manifest_job, f)
#define PRICE(f) offsetof(struct plan_pricing, f)

static const struct schema_key schema_table[] = {
    {"version", SCHEMA_TOP, SCHEMA_INT, SCHEMA_ANY, 0, 1, 1, NULL, {0, 0},
     NULL, NULL, TOP(version), "must be `{max}`"},
    {"output_dir", SCHEMA_TOP, SCHEMA_STRING, SCHEMA_ANY, 0, 0, 0, NULL,
     {0, 0}, NULL, NULL, TOP(output_dir),
     "results folder, relative to the manifest (default `<name>-out` beside "
     "it); outside the batch's folder or in a system folder only with "
     "`--output-dir-ok` (the README's *Where results may go*)"},
    {"endpoint", SCHEMA_TOP, SCHEMA_WORD, SCHEMA_ANY, 0, 0, 0,
     W(schema_endpoints), "audio-to-video", NULL, TOP(endpoint),
     "`audio-to-video` (default) or `text-to-video`"},
    {"concurrency", SCHEMA_TOP, SCHEMA_INT, SCHEMA_ANY, 0, 1, 1000, NULL,
     {0, 0}, "2", NULL, TOP(concurrency),
     "jobs holding a remote slot at once, {min}..{max} (default {default}, a "
     "new fal account's limit; accounts go up to 40, and fal queues anything "
     "above an account's limit)"},
    {"pricing", SCHEMA_TOP, SCHEMA_PRICING, SCHEMA_ANY, 0, 0, 0, NULL, {0, 0},
     NULL, NULL, 0,
     "`{rate, increment}`; or one such mapping per endpoint name, of which "
     "the manifest's own applies"},
    {"rate", SCHEMA_PRICE, SCHEMA_NUMBER, SCHEMA_ANY, 0, 0, 1000, NULL,
     {0, 0}, "0.014", NULL, PRICE(rate),
     "USD per billed second, {min}..{max} (default {default}; see *Cost*)"},
    {"increment", SCHEMA_PRICE, SCHEMA_NUMBER, SCHEMA_ANY, 0, 0.001, 3600,
     NULL, {0, 0}, "5", NULL, PRICE(increment),
     "the billing step in seconds, {min}..{max} (default {default})"},
    {"defaults", SCHEMA_TOP, SCHEMA_DEFAULTS, SCHEMA_ANY, 0, 0, 0, NULL,
     {0, 0}, NULL, NULL, 0,
     "job keys applied to every job (any but `id`); a job's own win"},
    {"jobs", SCHEMA_TOP, SCHEMA_JOBS, SCHEMA_ANY, 0, 0, 0, NULL, {0, 0}, NULL,
     NULL, 0, "the list of jobs, at least one"},
    {"id", SCHEMA_JOB, SCHEMA_ID, SCHEMA_ANY, 0, 0, 100, NULL, {0, 0}, NULL,
     NULL, JOB(id),
     "`[A-Za-z0-9._-]`, not starting with `.` or `-`, unique, at most {max} "
     "characters. When absent it is the video's file name; when two jobs "
     "share a video (one clip, several languages) the audio's name is "
     "added"},
    {"video", SCHEMA_JOB, SCHEMA_INPUT, SCHEMA_ANY, SCHEMA_ANY, 0, 0, NULL,
     {0, 0}, NULL, NULL, JOB(video),
     "the clip: a path relative to the manifest, or an `https://` URL"},
    {"audio", SCHEMA_JOB, SCHEMA_INPUT, SCHEMA_A2V, SCHEMA_A2V, 0, 0, NULL,
     {0, 0}, NULL, NULL, JOB(audio),
     "audio-to-video: any media file with an audio stream (a dubbed mix "
     "delivered as .mp4/.mov/.mxf is fine: its first audio stream is "
     "extracted); a path or an `https://` URL"},
    {"text", SCHEMA_JOB, SCHEMA_TEXT, SCHEMA_T2V, SCHEMA_T2V, 0, 0, NULL,
     {0, 0}, NULL, NULL, JOB(text),
     "text-to-video: what the voice says, {min}..{max} Unicode characters"},
    {"voice_id", SCHEMA_JOB, SCHEMA_VOICE, SCHEMA_T2V, SCHEMA_T2V, 0, 0,
     W(schema_voices), NULL, NULL, JOB(voice_id),
     "text-to-video: one of Kling's published voices (listed in "
     "`manifests/schema.json`)"},
    {"voice_language", SCHEMA_JOB, SCHEMA_NAME, SCHEMA_T2V, 0, 0, 0,
     W(schema_langs), "en", NULL, JOB(voice_language),
     "text-to-video: `en` (default) or `zh`"},
    {"voice_speed", SCHEMA_JOB, SCHEMA_SPEED, SCHEMA_T2V, 0, 0, 0, NULL,
     {0, 0}, "1", NULL, JOB(voice_speed),
     "text-to-video: {min}..{max} (default {default})"},
    {"fit", SCHEMA_JOB, SCHEMA_WORD, SCHEMA_ANY, 0, 0, 0, W(schema_fit),
     "pad", NULL, JOB(policy.fit),
     "when no scale can fit both sides into {side_min}..{side_max} px "
     "(aspect outside {aspect_min}..{aspect_max}): `pad` (default, black "
     "bars), `crop` (centre), `reject`"},
    {"short_video", SCHEMA_JOB, SCHEMA_WORD, SCHEMA_ANY, 0, 0, 0,
     W(schema_short), "loop", NULL, JOB(policy.short_video),
     "video under {video_min} s: `loop` (default), `freeze` (hold the last "
     "frame), `reject`"},
    {"long", SCHEMA_JOB, SCHEMA_WORD, SCHEMA_ANY, 0, 0, 0, schema_long,
     {3, 2}, "segment", NULL, JOB(policy.long_video),
     "video over the limit ({video_max} s; {t2v_video_max} s for "
     "text-to-video): for audio-to-video `segment` (default: windows cut at "
     "the dub's pauses, run as jobs of their own and stitched; see *Long "
     "scenes*), `trim` (by frame count; text-to-video's default) or "
     "`reject`"},
    {"long_video", SCHEMA_JOB, SCHEMA_WORD, SCHEMA_ANY, 0, 0, 0, NULL, {0, 0},
     NULL, "long", JOB(policy.long_video), "the older spelling of `long`"},
    {"long_audio", SCHEMA_JOB, SCHEMA_WORD, SCHEMA_A2V, 0, 0, 0, schema_long,
     {2, 2}, "trim", NULL, JOB(policy.long_audio),
     "audio-to-video: audio over {audio_max} s: `trim` (default) or "
     "`reject`"},
    {"deliver_audio", SCHEMA_JOB, SCHEMA_WORD, SCHEMA_A2V, 0, 0, 0,
     W(schema_deliver), "original", NULL, JOB(policy.deliver_audio),
     "audio-to-video: the sound of the delivered video, `original` "
     "(default: the dubbed track at its own quality, muxed without "
     "re-encoding where the container allows) or `model` (the model's); a "
     "dub given as a URL is delivered as `model`"},
    {"deliver_container", SCHEMA_JOB, SCHEMA_WORD, SCHEMA_ANY, 0, 0, 0,
     W(schema_containers), "mp4", NULL, JOB(policy.deliver_container),
     "the delivered file's container: `mp4` (default) or `mov` (which "
     "holds PCM as it is; MP4 gets it as AAC)"},
};

_Static_assert(DUB_ARRAY_LEN(schema_table) <= SCHEMA_MAX_KEYS, "keys");

const struct schema_key *schema_keys(size_t *n)
{
    *n = DUB_ARRAY_LEN(schema_table);
    return schema_table;
}

const struct schema_key *schema_find(enum schema_place place,
                                     const char *name,
                                     const struct schema_key **real)
{
    size_t i;

    for (i = 0; i < DUB_ARRAY_LEN(schema_table); i++) {
        const struct schema_key *k = &schema_table[i];

        if (k->place != place || strcmp(k->name, name) != 0)
            continue;
        if (real)
            *real = k->alias_of ? schema_find(place, k->alias_of, NULL) : k;
        return k;
    }
    return NULL;
}

const char *schema_nearest(const char *word, const char *const *cands,
                           size_t n)
{
    size_t i, best_d = (size_t)-1, limit = strlen(word) / 3 + 1;
    const char *best = NULL;

    if (limit > 3)
        limit = 3;
    for (i = 0; i < n; i++) {
        size_t d = util_edit_distance(word, cands[i]);

        if (d < best_d) {
            best_d = d;
            best = cands[i];
        }
    }
    return best_d <= limit ? best : NULL;
}

const char *schema_suggest(enum schema_place place, const char *word)
{
    const char *names[DUB_ARRAY_LEN(schema_table)];
    size_t i, n = 0;

    for (i = 0; i < DUB_ARRAY_LEN(schema_table); i++)
        if (schema_table[i].place == place)
            names[n++] = schema_table[i].name;
    return schema_nearest(word, names, n);
}

void schema_unknown(enum schema_place place, const char *word,
                    struct buf *msg)
{
    const char *near = schema_suggest(place, word);

    buf_printf(msg, "unknown key '%s'", word);
    if (near)
        buf_printf(msg, "; did you mean '%s'?", near);
    else if (place == SCHEMA_TOP && schema_find(SCHEMA_JOB, word, NULL))
        buf_puts(msg, " here; it belongs in a job, or in 'defaults:' for "
                      "every job");
    else if (place != SCHEMA_TOP && schema_find(SCHEMA_TOP, word, NULL))
        buf_puts(msg, " here; it belongs at the top of a YAML manifest");
}

int schema_id_char(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

void schema_id_safe(char *s)
{
    for (; *s; s++)
        if (!schema_id_char((unsigned char)*s))
            *s = '_';
}

void schema_range(const struct schema_key *k, double *lo, double *hi)
{
    const struct plan_limits *t2v = plan_limits_get(PLAN_T2V);

    *lo = k->min;
    *hi = k->max;
    if (k->type == SCHEMA_TEXT) {
        *lo = 1;
        *hi = t2v->text_max;
    } else if (k->type == SCHEMA_SPEED) {
        *lo = t2v->speed_min;
        *hi = t2v->speed_max;
    }
}

/*
 * schema: the table of manifest keys, and the JSON Schema and Markdown
 * printed from it.
 */
#include "schema.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

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
static const char *const schema_endpoints[] = {"audio-to-video",
                                               "text-to-video"};
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

void schema_doc(const struct schema_key *k, struct buf *out)
{
    const struct plan_limits *a2v = plan_limits_get(PLAN_A2V);
    const struct plan_limits *t2v = plan_limits_get(PLAN_T2V);
    const char *p = k->doc;
    double lo, hi;

    schema_range(k, &lo, &hi);
    {
        const struct {
            const char *name;
            double v;
        } tok[] = {
            {"min", lo},
            {"max", hi},
            {"side_min", a2v->side_min},
            {"side_max", a2v->side_max},
            {"aspect_min", (double)a2v->side_min / a2v->side_max},
            {"aspect_max", (double)a2v->side_max / a2v->side_min},
            {"video_min", a2v->video_min},
            {"video_max", a2v->video_max},
            {"t2v_video_max", t2v->video_max},
            {"audio_max", a2v->audio_max},
        };

        while (*p) {
            const char *end = p[0] == '{' ? strchr(p, '}') : NULL;
            size_t len = end ? (size_t)(end - p - 1) : 0, i;

            for (i = 0; end && i < DUB_ARRAY_LEN(tok); i++)
                if (strlen(tok[i].name) == len &&
                    strncmp(p + 1, tok[i].name, len) == 0)
                    break;
            if (end && i < DUB_ARRAY_LEN(tok)) {
                buf_printf(out, "%.4g", tok[i].v);
                p = end + 1;
            } else if (end && len == 7 && strncmp(p + 1, "default", 7) == 0) {
                buf_puts(out, k->def ? k->def : "none");
                p = end + 1;
            } else {
                buf_append(out, p++, 1);
            }
        }
    }
}

/* ==== JSON Schema ======================================================== */

/* Strings a manifest cannot hold: NUL anywhere; for inputs, any scheme
 * but https (design.md section 9). */
#define SCHEMA_NO_NUL "^[^\\u0000]+$"
#define SCHEMA_INPUT_RE \
    "^(https://[^\\u0000]+|(?!data:)(?![\\s\\S]*://)[^\\u0000]+)$"
#define SCHEMA_ID_RE "^[A-Za-z0-9_][A-Za-z0-9._-]{0,%d}$"

static void schema_describe(cJSON *o, const struct schema_key *k)
{
    struct buf doc = {0};

    schema_doc(k, &doc);
    cJSON_AddStringToObject(o, "description", doc.data);
    buf_release(&doc);
}

static cJSON *schema_words(const struct schema_key *k, size_t n)
{
    cJSON *o = cJSON_CreateObject();

    cJSON_AddItemToObject(o, "enum",
                          cJSON_CreateStringArray(k->words, (int)n));
    return o;
}

static cJSON *schema_string(const char *pattern, double maxlen)
{
    cJSON *o = cJSON_CreateObject();

    cJSON_AddStringToObject(o, "type", "string");
    cJSON_AddNumberToObject(o, "minLength", 1);
    if (maxlen > 0)
        cJSON_AddNumberToObject(o, "maxLength", maxlen);
    cJSON_AddStringToObject(o, "pattern", pattern);
    return o;
}

/* A string, or a bare whole number (YAML reads `id: 7` as one; dubbatch
 * takes it as its text). */
static cJSON *schema_or_number(cJSON *str, int min0)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *any = cJSON_AddArrayToObject(o, "anyOf");
    cJSON *num = cJSON_CreateObject();

    cJSON_AddStringToObject(num, "type", "integer");
    if (min0)
        cJSON_AddNumberToObject(num, "minimum", 0);
    cJSON_AddItemToArray(any, str);
    cJSON_AddItemToArray(any, num);
    return o;
}

static cJSON *schema_fields(int with_id);

/* The most words any endpoint takes. */
static size_t schema_nwords(const struct schema_key *k)
{
    return k->nwords[PLAN_A2V] > k->nwords[PLAN_T2V] ? k->nwords[PLAN_A2V]
                                                     : k->nwords[PLAN_T2V];
}

static cJSON *schema_value(const struct schema_key *key)
{
    const struct schema_key *k = key;
    cJSON *o = NULL, *props;
    char re[64];
    double lo, hi;
    size_t i;

    if (key->alias_of)
        k = schema_find(key->place, key->alias_of, NULL);
    schema_range(k, &lo, &hi);
    switch (k->type) {
    case SCHEMA_INT:
    case SCHEMA_NUMBER:
    case SCHEMA_SPEED:
        o = cJSON_CreateObject();
        if (lo == hi && k->type == SCHEMA_INT) {
            cJSON_AddNumberToObject(o, "const", lo);
            break;
        }
        cJSON_AddStringToObject(o, "type",
                                k->type == SCHEMA_INT ? "integer" : "number");
        cJSON_AddNumberToObject(o, "minimum", lo);
        cJSON_AddNumberToObject(o, "maximum", hi);
        if (k->def)
            cJSON_AddNumberToObject(o, "default", strtod(k->def, NULL));
        break;
    case SCHEMA_WORD:
    case SCHEMA_NAME:
    case SCHEMA_VOICE:
        o = schema_words(k, schema_nwords(k));
        if (k->def)
            cJSON_AddStringToObject(o, "default", k->def);
        break;
    case SCHEMA_STRING:
        o = schema_or_number(schema_string(SCHEMA_NO_NUL, 0), 0);
        break;
    case SCHEMA_INPUT:
        o = schema_string(SCHEMA_INPUT_RE, 0);
        break;
    case SCHEMA_TEXT:
        o = schema_string(SCHEMA_NO_NUL, hi);
        break;
    case SCHEMA_ID:
        snprintf(re, sizeof(re), SCHEMA_ID_RE, (int)hi - 1);
        o = schema_or_number(schema_string(re, 0), 1);
        break;
    case SCHEMA_PRICING:
        o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "type", "object");
        cJSON_AddBoolToObject(o, "additionalProperties", 0);
        props = cJSON_AddObjectToObject(o, "properties");
        for (i = 0; i < DUB_ARRAY_LEN(schema_table); i++)
            if (schema_table[i].place == SCHEMA_PRICE)
                cJSON_AddItemToObject(props, schema_table[i].name,
                                      schema_value(&schema_table[i]));
        for (i = 0; i < DUB_ARRAY_LEN(schema_endpoints); i++)
            cJSON_AddStringToObject(
                cJSON_AddObjectToObject(props, schema_endpoints[i]), "$ref",
                "#/$defs/rate");
        break;
    case SCHEMA_DEFAULTS:
        o = schema_fields(0);
        break;
    case SCHEMA_JOBS:
        o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "type", "array");
        cJSON_AddNumberToObject(o, "minItems", 1);
        cJSON_AddItemToObject(o, "items", schema_fields(1));
        break;
    }
    if (key->alias_of)
        cJSON_AddBoolToObject(o, "deprecated", 1);
    schema_describe(o, key);
    return o;
}

/* The job keys as an object schema: a job's (with_id) or defaults:. */
static cJSON *schema_fields(int with_id)
{
    cJSON *o = cJSON_CreateObject(), *props, *req;
    size_t i;

    cJSON_AddStringToObject(o, "type", "object");
    cJSON_AddBoolToObject(o, "additionalProperties", 0);
    props = cJSON_AddObjectToObject(o, "properties");
    for (i = 0; i < DUB_ARRAY_LEN(schema_table); i++) {
        const struct schema_key *k = &schema_table[i];

        if (k->place != SCHEMA_JOB || (!with_id && k->type == SCHEMA_ID))
            continue;
        cJSON_AddItemToObject(props, k->name, schema_value(k));
        if (!k->alias_of)
            continue;
        /* Both spellings in one place would be two answers. */
        req = cJSON_AddArrayToObject(cJSON_AddObjectToObject(o, "not"),
                                     "required");
        cJSON_AddItemToArray(req, cJSON_CreateString(k->alias_of));
        cJSON_AddItemToArray(req, cJSON_CreateString(k->name));
    }
    return o;
}

/* What one endpoint adds: the keys it does not take are refused, words it
 * does not take are left out, and each key it needs is in defaults: or in
 * every job. */
static cJSON *schema_endpoint(enum plan_endpoint ep)
{
    cJSON *o = cJSON_CreateObject(), *props, *dprops, *jprops, *all;
    size_t i;

    props = cJSON_AddObjectToObject(o, "properties");
    dprops = cJSON_AddObjectToObject(
        cJSON_AddObjectToObject(props, "defaults"), "properties");
    jprops = cJSON_AddObjectToObject(
        cJSON_AddObjectToObject(cJSON_AddObjectToObject(props, "jobs"),
                                "items"),
        "properties");
    all = cJSON_AddArrayToObject(o, "allOf");
    for (i = 0; i < DUB_ARRAY_LEN(schema_table); i++) {
        const struct schema_key *k = &schema_table[i], *real = k;
        cJSON *any, *alt;

        if (k->place != SCHEMA_JOB)
            continue;
        if (k->alias_of)
            real = schema_find(SCHEMA_JOB, k->alias_of, NULL);
        if (!(real->endpoints & (1u << ep))) {
            cJSON_AddItemToObject(dprops, k->name, cJSON_CreateFalse());
            cJSON_AddItemToObject(jprops, k->name, cJSON_CreateFalse());
        } else if (real->words && real->nwords[ep] < schema_nwords(real)) {
            cJSON_AddItemToObject(dprops, k->name,
                                  schema_words(real, real->nwords[ep]));
            cJSON_AddItemToObject(jprops, k->name,
                                  schema_words(real, real->nwords[ep]));
        }
        if (!(k->needed & (1u << ep)))
            continue;
        any = cJSON_AddArrayToObject(alt = cJSON_CreateObject(), "anyOf");
        cJSON_AddItemToArray(all, alt);
        alt = cJSON_CreateObject();
        cJSON_AddItemToArray(any, alt);
        cJSON_AddItemToArray(cJSON_AddArrayToObject(alt, "required"),
                             cJSON_CreateString("defaults"));
        cJSON_AddItemToArray(
            cJSON_AddArrayToObject(
                cJSON_AddObjectToObject(
                    cJSON_AddObjectToObject(alt, "properties"), "defaults"),
                "required"),
            cJSON_CreateString(k->name));
        alt = cJSON_CreateObject();
        cJSON_AddItemToArray(any, alt);
        cJSON_AddItemToArray(
            cJSON_AddArrayToObject(
                cJSON_AddObjectToObject(
                    cJSON_AddObjectToObject(
                        cJSON_AddObjectToObject(alt, "properties"), "jobs"),
                    "items"),
                "required"),
            cJSON_CreateString(k->name));
    }
    return o;
}

/* cJSON indents with tabs and puts one after each colon; the file is
 * indented with two spaces. */
static char *schema_spaces(const char *text)
{
    struct buf out = {0};
    int line_start = 1;

    for (; *text; text++) {
        if (*text == '\t')
            buf_puts(&out, line_start ? "  " : " ");
        else
            buf_append(&out, text, 1);
        if (*text == '\n')
            line_start = 1;
        else if (*text != '\t')
            line_start = 0;
    }
    buf_puts(&out, "\n");
    return buf_detach(&out);
}

char *schema_json(void)
{
    cJSON *root = cJSON_CreateObject(), *props, *req, *defs, *rate, *cond;
    char *text, *spaced;
    size_t i;

    cJSON_AddStringToObject(root, "$schema",
                            "https://json-schema.org/draft/2020-12/schema");
    cJSON_AddStringToObject(root, "$id",
                            "https://dubbatch.invalid/manifest.schema.json");
    cJSON_AddStringToObject(root, "title", "dubbatch manifest");
    cJSON_AddStringToObject(root, "description",
                            "Written by `dubbatch schema` from the table "
                            "dubbatch checks manifests by; do not edit.");
    cJSON_AddStringToObject(root, "type", "object");
    cJSON_AddBoolToObject(root, "additionalProperties", 0);
    req = cJSON_AddArrayToObject(root, "required");
    cJSON_AddItemToArray(req, cJSON_CreateString("version"));
    cJSON_AddItemToArray(req, cJSON_CreateString("jobs"));
    props = cJSON_AddObjectToObject(root, "properties");
    for (i = 0; i < DUB_ARRAY_LEN(schema_table); i++)
        if (schema_table[i].place == SCHEMA_TOP)
            cJSON_AddItemToObject(props, schema_table[i].name,
                                  schema_value(&schema_table[i]));
    defs = cJSON_AddObjectToObject(root, "$defs");
    rate = cJSON_AddObjectToObject(defs, "rate");
    cJSON_AddStringToObject(rate, "type", "object");
    cJSON_AddBoolToObject(rate, "additionalProperties", 0);
    props = cJSON_AddObjectToObject(rate, "properties");
    for (i = 0; i < DUB_ARRAY_LEN(schema_table); i++)
        if (schema_table[i].place == SCHEMA_PRICE)
            cJSON_AddItemToObject(props, schema_table[i].name,
                                  schema_value(&schema_table[i]));
    cond = cJSON_AddObjectToObject(root, "if");
    cJSON_AddItemToArray(cJSON_AddArrayToObject(cond, "required"),
                         cJSON_CreateString("endpoint"));
    cJSON_AddStringToObject(
        cJSON_AddObjectToObject(cJSON_AddObjectToObject(cond, "properties"),
                                "endpoint"),
        "const", schema_endpoints[PLAN_T2V]);
    cJSON_AddItemToObject(root, "then", schema_endpoint(PLAN_T2V));
    cJSON_AddItemToObject(root, "else", schema_endpoint(PLAN_A2V));
    text = cJSON_Print(root);
    cJSON_Delete(root);
    spaced = schema_spaces(text);
    free(text);
    return spaced;
}

/* ==== Markdown =========================================================== */

void schema_markdown(struct buf *out)
{
    static const char *const where[] = {"top", "job", "pricing"};
    size_t i;

    buf_puts(out, "| key | where | meaning |\n|---|---|---|\n");
    for (i = 0; i < DUB_ARRAY_LEN(schema_table); i++) {
        const struct schema_key *k = &schema_table[i];

        buf_printf(out, "| `%s` | %s | ", k->name, where[k->place]);
        schema_doc(k, out);
        buf_puts(out, " |\n");
    }
    buf_printf(out,
               "\nA manifest larger than %d MiB is not read; one nested "
               "more than %d levels deep or with more than %d YAML aliases "
               "is refused at the line where that happens, before anything "
               "more is read.\n",
               MANIFEST_MAX_BYTES >> 20, MANIFEST_MAX_DEPTH,
               MANIFEST_MAX_ALIASES);
}

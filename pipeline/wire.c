/*
 * wire: the worker protocol and facts and plans to and from JSON.  Each
 * struct is described once by a field table (name, type, offset), and one
 * pair of generic functions walks the tables, so adding a field is one
 * line and both directions stay in step.  The tasks of the worker
 * protocol are in wiretask.c; this file has the tables, the replies and
 * the JSON of facts and plans.
 */
#include "wireint.h"
#include "util.h"

#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>


#include <cjson/cJSON.h>

enum wire_type { W_INT, W_I64, W_UINT, W_DBL, W_STR };

struct wire_field {
    const char *name;
    enum wire_type type;
    size_t off;
    size_t size; /* for W_STR: the char array's size */
};

#define F_INT(s, m) {#m, W_INT, offsetof(struct s, m), 0}
#define F_I64(s, m) {#m, W_I64, offsetof(struct s, m), 0}
#define F_UINT(s, m) {#m, W_UINT, offsetof(struct s, m), 0}
#define F_DBL(s, m) {#m, W_DBL, offsetof(struct s, m), 0}
#define F_STR(s, m) {#m, W_STR, offsetof(struct s, m), sizeof(((struct s *)0)->m)}

static const struct wire_field wire_video_fields[] = {
    F_INT(facts_video, index), F_STR(facts_video, codec),
    F_STR(facts_video, profile), F_INT(facts_video, coded_w),
    F_INT(facts_video, coded_h), F_INT(facts_video, sar_num),
    F_INT(facts_video, sar_den), F_INT(facts_video, rotation),
    F_INT(facts_video, display_w), F_INT(facts_video, display_h),
    F_INT(facts_video, fps_num), F_INT(facts_video, fps_den),
    F_INT(facts_video, vfr), F_STR(facts_video, pix_fmt),
    F_INT(facts_video, bit_depth), F_INT(facts_video, hdr),
    F_DBL(facts_video, duration), F_DBL(facts_video, start_time),
    F_I64(facts_video, frames),
    F_I64(facts_video, bit_rate),
};

static const struct wire_field wire_audio_fields[] = {
    F_INT(facts_audio, index), F_STR(facts_audio, codec),
    F_INT(facts_audio, sample_rate), F_INT(facts_audio, channels),
    F_DBL(facts_audio, duration), F_DBL(facts_audio, start_time),
    F_INT(facts_audio, duration_estimated),
    F_I64(facts_audio, bit_rate),
};

static const struct wire_field wire_facts_fields[] = {
    F_STR(facts, container), F_STR(facts, container_short),
    F_I64(facts, size), F_DBL(facts, duration),
    F_INT(facts, duration_estimated), F_INT(facts, nb_audio),
    F_INT(facts, has_cover), F_STR(facts, tag_fingerprint),
    F_STR(facts, tag_request),
};

static const struct wire_field wire_stream_fields[] = {
    F_INT(facts_stream, index), F_STR(facts_stream, kind),
    F_STR(facts_stream, codec), F_INT(facts_stream, attached_pic),
};

static const struct wire_field wire_pv_fields[] = {
    F_INT(plan_video, step), F_UINT(plan_video, why),
    F_INT(plan_video, rotation), F_INT(plan_video, in_w),
    F_INT(plan_video, in_h), F_INT(plan_video, scale_w),
    F_INT(plan_video, scale_h), F_INT(plan_video, out_w),
    F_INT(plan_video, out_h), F_INT(plan_video, fps_num),
    F_INT(plan_video, fps_den), F_I64(plan_video, start),
    F_I64(plan_video, frames),
    F_DBL(plan_video, in_duration), F_DBL(plan_video, duration),
};

static const struct wire_field wire_pa_fields[] = {
    F_INT(plan_audio, step), F_UINT(plan_audio, why),
    F_INT(plan_audio, bitrate), F_INT(plan_audio, sample_rate),
    F_INT(plan_audio, channels), F_DBL(plan_audio, in_duration),
    F_DBL(plan_audio, start),
    F_DBL(plan_audio, duration), F_STR(plan_audio, ext),
};

static const struct wire_field wire_verify_fields[] = {
    F_I64(scene_verify, frames), F_INT(scene_verify, fps_num),
    F_INT(scene_verify, fps_den), F_DBL(scene_verify, picture_seconds),
    F_DBL(scene_verify, audio_seconds),
};

static const struct wire_field wire_stitch_fields[] = {
    F_INT(scene_stitch, copied), F_I64(scene_stitch, frames),
    F_INT(scene_stitch, mended),
};

static const struct wire_field wire_delivery_fields[] = {
    F_DBL(scene_delivery, picture_seconds),
    F_DBL(scene_delivery, audio_seconds), F_DBL(scene_delivery, audio_cut),
    F_DBL(scene_delivery, audio_short), F_INT(scene_delivery, audio_encoded),
    F_STR(scene_delivery, audio_codec),
};

static void wire_put(cJSON *obj, const void *base,
                     const struct wire_field *fl, size_t n)
{
    const char *p = base;
    size_t i;

    for (i = 0; i < n; i++) {
        const void *m = p + fl[i].off;

        switch (fl[i].type) {
        case W_INT:
            cJSON_AddNumberToObject(obj, fl[i].name, *(const int *)m);
            break;
        case W_UINT:
            cJSON_AddNumberToObject(obj, fl[i].name, *(const unsigned *)m);
            break;
        case W_I64:
            cJSON_AddNumberToObject(obj, fl[i].name,
                                    (double)*(const int64_t *)m);
            break;
        case W_DBL:
            cJSON_AddNumberToObject(obj, fl[i].name, *(const double *)m);
            break;
        case W_STR:
            cJSON_AddStringToObject(obj, fl[i].name, (const char *)m);
            break;
        }
    }
}

/* Missing or mistyped fields stay zero: the worker and the main process are
 * the same binary, so a mismatch means a bug, and zero is the safe reading. */
static void wire_get(const cJSON *obj, void *base,
                     const struct wire_field *fl, size_t n)
{
    char *p = base;
    size_t i;

    for (i = 0; i < n; i++) {
        const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, fl[i].name);
        void *m = p + fl[i].off;
        double d;

        if (fl[i].type == W_STR) {
            if (cJSON_IsString(it))
                snprintf((char *)m, fl[i].size, "%s", it->valuestring);
            continue;
        }
        if (!cJSON_IsNumber(it))
            continue;
        d = it->valuedouble;
        /* A number its field cannot hold is mistyped too: the cast would
         * be undefined, and an infinity (1e999) would reach plan.c's
         * arithmetic. */
        switch (fl[i].type) {
        case W_INT:
            if (d > INT_MIN - 1.0 && d < INT_MAX + 1.0)
                *(int *)m = (int)d;
            break;
        case W_UINT:
            if (d > -1.0 && d < UINT_MAX + 1.0)
                *(unsigned *)m = (unsigned)d;
            break;
        case W_I64:
            if (d >= -0x1p63 && d < 0x1p63)
                *(int64_t *)m = (int64_t)d;
            break;
        case W_DBL:
            if (isfinite(d))
                *(double *)m = d;
            break;
        case W_STR: break;
        }
    }
}

cJSON *wire_facts(const struct facts *f)
{
    cJSON *obj = cJSON_CreateObject();
    cJSON *streams = cJSON_AddArrayToObject(obj, "streams");
    int i;

    wire_put(obj, f, wire_facts_fields, DUB_ARRAY_LEN(wire_facts_fields));
    for (i = 0; i < f->nb_streams; i++) {
        cJSON *s = cJSON_CreateObject();

        wire_put(s, &f->streams[i], wire_stream_fields,
                 DUB_ARRAY_LEN(wire_stream_fields));
        cJSON_AddItemToArray(streams, s);
    }
    if (f->has_video)
        wire_put(cJSON_AddObjectToObject(obj, "video"), &f->video,
                 wire_video_fields, DUB_ARRAY_LEN(wire_video_fields));
    if (f->has_audio)
        wire_put(cJSON_AddObjectToObject(obj, "audio"), &f->audio,
                 wire_audio_fields, DUB_ARRAY_LEN(wire_audio_fields));
    return obj;
}

int wire_facts_get(const cJSON *obj, struct facts *f)
{
    const cJSON *it, *s;

    memset(f, 0, sizeof(*f));
    if (!cJSON_IsObject(obj))
        return -1;
    wire_get(obj, f, wire_facts_fields, DUB_ARRAY_LEN(wire_facts_fields));
    it = cJSON_GetObjectItemCaseSensitive(obj, "streams");
    cJSON_ArrayForEach(s, it) {
        if (f->nb_streams >= FACTS_MAX_STREAMS)
            break;
        wire_get(s, &f->streams[f->nb_streams++], wire_stream_fields,
                 DUB_ARRAY_LEN(wire_stream_fields));
    }
    it = cJSON_GetObjectItemCaseSensitive(obj, "video");
    if (cJSON_IsObject(it)) {
        f->has_video = 1;
        wire_get(it, &f->video, wire_video_fields,
                 DUB_ARRAY_LEN(wire_video_fields));
    }
    it = cJSON_GetObjectItemCaseSensitive(obj, "audio");
    if (cJSON_IsObject(it)) {
        f->has_audio = 1;
        wire_get(it, &f->audio, wire_audio_fields,
                 DUB_ARRAY_LEN(wire_audio_fields));
    }
    return 0;
}

cJSON *wire_plan_video(const struct plan_video *v)
{
    cJSON *obj = cJSON_CreateObject();

    wire_put(obj, v, wire_pv_fields, DUB_ARRAY_LEN(wire_pv_fields));
    return obj;
}

int wire_pv_get(const cJSON *obj, struct plan_video *v)
{
    memset(v, 0, sizeof(*v));
    if (!cJSON_IsObject(obj))
        return -1;
    wire_get(obj, v, wire_pv_fields, DUB_ARRAY_LEN(wire_pv_fields));
    return 0;
}

cJSON *wire_plan_audio(const struct plan_audio *a)
{
    cJSON *obj = cJSON_CreateObject();

    wire_put(obj, a, wire_pa_fields, DUB_ARRAY_LEN(wire_pa_fields));
    return obj;
}

int wire_pa_get(const cJSON *obj, struct plan_audio *a)
{
    memset(a, 0, sizeof(*a));
    if (!cJSON_IsObject(obj))
        return -1;
    wire_get(obj, a, wire_pa_fields, DUB_ARRAY_LEN(wire_pa_fields));
    return 0;
}

/* Loudness goes to a tenth of a dB: finer than any threshold the planner
 * uses, and a 3-minute scene stays near 100 KB on the pipe. */
static void wire_analysis_put(cJSON *obj, const struct scene_analysis *a)
{
    cJSON *levels = cJSON_AddArrayToObject(obj, "levels");
    cJSON *shots = cJSON_AddArrayToObject(obj, "shots");
    int i;

    cJSON_AddNumberToObject(obj, "audio_seconds", a->audio_seconds);
    cJSON_AddNumberToObject(obj, "picture_seconds", a->picture_seconds);
    for (i = 0; i < a->nlevels; i++)
        cJSON_AddItemToArray(levels,
                             cJSON_CreateNumber(round(a->levels[i] * 10) / 10));
    for (i = 0; i < a->nshots; i++)
        cJSON_AddItemToArray(shots, cJSON_CreateNumber(a->shots[i]));
}

static void wire_analysis_get(const cJSON *obj, struct scene_analysis *a)
{
    const cJSON *levels = cJSON_GetObjectItemCaseSensitive(obj, "levels");
    const cJSON *shots = cJSON_GetObjectItemCaseSensitive(obj, "shots");
    const cJSON *it;
    int n;

    memset(a, 0, sizeof(*a));
    it = cJSON_GetObjectItemCaseSensitive(obj, "audio_seconds");
    a->audio_seconds = cJSON_IsNumber(it) ? it->valuedouble : 0;
    it = cJSON_GetObjectItemCaseSensitive(obj, "picture_seconds");
    a->picture_seconds = cJSON_IsNumber(it) ? it->valuedouble : 0;
    n = cJSON_GetArraySize(levels);
    if (n > 0)
        a->levels = xcalloc((size_t)n, sizeof(*a->levels));
    cJSON_ArrayForEach(it, levels)
        if (cJSON_IsNumber(it) && a->nlevels < n)
            a->levels[a->nlevels++] = (float)it->valuedouble;
    n = cJSON_GetArraySize(shots);
    if (n > 0)
        a->shots = xcalloc((size_t)n, sizeof(*a->shots));
    cJSON_ArrayForEach(it, shots)
        if (cJSON_IsNumber(it) && a->nshots < n)
            a->shots[a->nshots++] = it->valuedouble;
}

/* ==== The worker protocol =============================================== */

char *wire_print(cJSON *o)
{
    char *text = cJSON_PrintUnformatted(o);

    cJSON_Delete(o);
    if (!text)
        dub_fatal("out of memory");
    return text;
}

const char *wire_str(const cJSON *o, const char *name)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, name);

    return cJSON_IsString(it) ? it->valuestring : NULL;
}

/* A task's or reply's id: a whole number a long holds, else -1. */
long wire_id(const cJSON *o)
{
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(o, "id");

    if (!cJSON_IsNumber(id) || !(id->valuedouble >= -1) ||
        id->valuedouble > 1e15)
        return -1;
    return (long)id->valuedouble;
}

char *wire_reply_line(const struct wire_reply *r)
{
    cJSON *o = cJSON_CreateObject();

    cJSON_AddNumberToObject(o, "id", (double)r->id);
    cJSON_AddBoolToObject(o, "ok", r->ok);
    if (r->has_verify)
        wire_put(cJSON_AddObjectToObject(o, "verify"), &r->verify,
                 wire_verify_fields, DUB_ARRAY_LEN(wire_verify_fields));
    if (!r->ok) {
        cJSON_AddNumberToObject(o, "code", r->err.code);
        cJSON_AddStringToObject(o, "error", r->err.msg);
        return wire_print(o);
    }
    if (r->has_facts)
        cJSON_AddItemToObject(o, "facts", wire_facts(&r->facts));
    if (r->sha256[0])
        cJSON_AddStringToObject(o, "sha256", r->sha256);
    if (r->has_delivery)
        wire_put(cJSON_AddObjectToObject(o, "delivery"), &r->delivery,
                 wire_delivery_fields, DUB_ARRAY_LEN(wire_delivery_fields));
    if (r->has_analysis)
        wire_analysis_put(cJSON_AddObjectToObject(o, "analysis"),
                          &r->analysis);
    if (r->has_stitch) {
        cJSON *s = cJSON_AddObjectToObject(o, "stitch");
        cJSON *got = cJSON_AddArrayToObject(s, "got");
        int i;

        wire_put(s, &r->stitch, wire_stitch_fields,
                 DUB_ARRAY_LEN(wire_stitch_fields));
        for (i = 0; i < r->stitch.nparts; i++)
            cJSON_AddItemToArray(got,
                                 cJSON_CreateNumber((double)r->stitch.got[i]));
    }
    return wire_print(o);
}

int wire_reply_parse(const char *line, struct wire_reply *r)
{
    cJSON *o = cJSON_Parse(line);
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(o, "code");
    const cJSON *it;
    const char *s;

    memset(r, 0, sizeof(*r));
    if (!cJSON_IsObject(o)) {
        cJSON_Delete(o);
        return -1;
    }
    r->id = wire_id(o);
    r->ok = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "ok"));
    if (!r->ok) {
        s = wire_str(o, "error");
        dub_errf(&r->err, cJSON_IsNumber(code) && code->valuedouble > DUB_OK &&
                                  code->valuedouble <= DUB_EINTERNAL
                              ? (enum dub_code)code->valueint
                              : DUB_EMEDIA,
                 "%s", s && *s ? s : "media task failed");
    }
    r->has_facts = wire_facts_get(cJSON_GetObjectItemCaseSensitive(o, "facts"),
                                  &r->facts) == 0;
    s = wire_str(o, "sha256");
    if (s && strlen(s) == 64)
        memcpy(r->sha256, s, 65);
    it = cJSON_GetObjectItemCaseSensitive(o, "delivery");
    if (cJSON_IsObject(it)) {
        r->has_delivery = 1;
        wire_get(it, &r->delivery, wire_delivery_fields,
                 DUB_ARRAY_LEN(wire_delivery_fields));
    }
    it = cJSON_GetObjectItemCaseSensitive(o, "stitch");
    if (cJSON_IsObject(it)) {
        const cJSON *g;

        r->has_stitch = 1;
        wire_get(it, &r->stitch, wire_stitch_fields,
                 DUB_ARRAY_LEN(wire_stitch_fields));
        cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(it, "got"))
            if (cJSON_IsNumber(g) && r->stitch.nparts < SCENE_MAX_PARTS)
                r->stitch.got[r->stitch.nparts++] = (int64_t)g->valuedouble;
    }
    it = cJSON_GetObjectItemCaseSensitive(o, "verify");
    if (cJSON_IsObject(it)) {
        r->has_verify = 1;
        wire_get(it, &r->verify, wire_verify_fields,
                 DUB_ARRAY_LEN(wire_verify_fields));
    }
    it = cJSON_GetObjectItemCaseSensitive(o, "analysis");
    if (cJSON_IsObject(it)) {
        r->has_analysis = 1;
        wire_analysis_get(it, &r->analysis);
    }
    cJSON_Delete(o);
    return 0;
}

void wire_reply_release(struct wire_reply *r)
{
    scene_analysis_release(&r->analysis);
    r->has_analysis = 0;
}

char *wire_facts_text(const struct facts *f)
{
    return wire_print(wire_facts(f));
}

char *wire_plan_text(const struct plan *p, int audio)
{
    return wire_print(audio ? wire_plan_audio(&p->audio)
                            : wire_plan_video(&p->video));
}

/*
 * wire: the worker protocol's tasks: a struct wire_task to one JSON line
 * and back, each op's arguments checked on the way in.  The field tables,
 * the replies and the JSON of facts and plans are in wire.c.
 */
#include "wireint.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

static const char *const wire_op_names[WIRE_NOPS] = {
    [WIRE_PROBE] = "probe", [WIRE_HASH] = "hash", [WIRE_THUMB] = "thumb",
    [WIRE_CONFORM] = "conform", [WIRE_DELIVER] = "deliver",
    [WIRE_ANALYZE] = "analyze", [WIRE_STITCH] = "stitch",
    [WIRE_VERIFY] = "verify",
};

const char *wire_op_name(enum wire_op op)
{
    return (unsigned)op < WIRE_NOPS ? wire_op_names[op] : "task";
}

static char *wire_dup(const cJSON *o, const char *name)
{
    const char *s = wire_str(o, name);

    return s ? xstrdup(s) : NULL;
}

static double wire_num(const cJSON *o, const char *name)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, name);

    return cJSON_IsNumber(it) ? it->valuedouble : 0;
}

/* A stitch's parts and the scene's plan. */
static int wire_parts_get(const cJSON *o, struct wire_task *t,
                          struct dub_err *e)
{
    const cJSON *parts = cJSON_GetObjectItemCaseSensitive(o, "parts"), *p;
    int n = cJSON_GetArraySize(parts);

    if (!cJSON_IsArray(parts) || n < 1 || n > SCENE_MAX_PARTS ||
        wire_pv_get(cJSON_GetObjectItemCaseSensitive(o, "plan"), &t->pv) < 0)
        return dub_errf(e, DUB_EINTERNAL, "malformed stitch task");
    t->parts = xcalloc((size_t)n, sizeof(*t->parts));
    cJSON_ArrayForEach(p, parts) {
        const char *path = wire_str(p, "path");

        if (!path)
            return dub_errf(e, DUB_EINTERNAL, "stitch task: a part without "
                            "a path");
        t->parts[t->nparts].path = xstrdup(path);
        t->parts[t->nparts++].frames = (int64_t)wire_num(p, "frames");
    }
    return 0;
}

char *wire_task_line(const struct wire_task *t)
{
    cJSON *o = cJSON_CreateObject();
    char *text, *line;

    cJSON_AddNumberToObject(o, "id", (double)t->id);
    cJSON_AddStringToObject(o, "op", wire_op_names[t->op]);
    /* A conform names its input "in", as it always has. */
    if (t->path)
        cJSON_AddStringToObject(o, t->op == WIRE_CONFORM ? "in" : "path",
                                t->path);
    if (t->out)
        cJSON_AddStringToObject(o, "out", t->out);
    if (t->op == WIRE_THUMB) {
        cJSON_AddNumberToObject(o, "at", t->at);
        cJSON_AddNumberToObject(o, "max_w", t->max_w);
    }
    if (t->op == WIRE_CONFORM) {
        cJSON_AddStringToObject(o, "kind", t->audio ? "audio" : "video");
        cJSON_AddItemToObject(o, "facts", wire_facts(&t->facts));
        cJSON_AddItemToObject(o, "plan", t->audio ? wire_plan_audio(&t->pa)
                                                  : wire_plan_video(&t->pv));
    }
    if (t->op == WIRE_ANALYZE && t->dub)
        cJSON_AddStringToObject(o, "dub", t->dub);
    if (t->op == WIRE_STITCH) {
        cJSON *parts = cJSON_AddArrayToObject(o, "parts");
        int i;

        for (i = 0; i < t->nparts; i++) {
            cJSON *p = cJSON_CreateObject();

            cJSON_AddStringToObject(p, "path", t->parts[i].path);
            cJSON_AddNumberToObject(p, "frames", (double)t->parts[i].frames);
            cJSON_AddItemToArray(parts, p);
        }
        cJSON_AddItemToObject(o, "plan", wire_plan_video(&t->pv));
    }
    if (t->op == WIRE_VERIFY) {
        cJSON_AddNumberToObject(o, "frames", (double)t->frames);
        cJSON_AddNumberToObject(o, "fps_num", t->fps_num);
        cJSON_AddNumberToObject(o, "fps_den", t->fps_den);
        cJSON_AddNumberToObject(o, "audio_seconds", t->audio_seconds);
    }
    if (t->op == WIRE_DELIVER) {
        if (t->dub)
            cJSON_AddStringToObject(o, "dub", t->dub);
        cJSON_AddBoolToObject(o, "model_audio", t->model_audio);
        cJSON_AddBoolToObject(o, "mov", t->mov);
        if (t->fingerprint)
            cJSON_AddStringToObject(o, "fingerprint", t->fingerprint);
        if (t->request)
            cJSON_AddStringToObject(o, "request", t->request);
    }
    text = wire_print(o);
    line = xasprintf("%s\n", text);
    free(text);
    return line;
}

/* The op's own arguments, after the path: a deliver's dub, a stitch's
 * parts, a verify's scene, an analyze's dub, an output where the op
 * writes one, and a conform's facts and plan. */
static int wire_task_args(const cJSON *o, struct wire_task *t,
                          const char *kind, struct dub_err *e)
{
    if (t->op == WIRE_DELIVER) {
        t->dub = wire_dup(o, "dub");
        t->model_audio =
            cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "model_audio"));
        t->mov = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "mov"));
        t->fingerprint = wire_dup(o, "fingerprint");
        t->request = wire_dup(o, "request");
        if (!t->model_audio && !t->dub)
            return dub_errf(e, DUB_EINTERNAL, "deliver task without a dub");
    }
    if (t->op == WIRE_STITCH && wire_parts_get(o, t, e) < 0)
        return -1;
    if (t->op == WIRE_VERIFY) {
        t->frames = (int64_t)wire_num(o, "frames");
        t->fps_num = (int)wire_num(o, "fps_num");
        t->fps_den = (int)wire_num(o, "fps_den");
        t->audio_seconds = wire_num(o, "audio_seconds");
        if (t->frames <= 0 || t->fps_num <= 0 || t->fps_den <= 0)
            return dub_errf(e, DUB_EINTERNAL, "verify task without a scene");
    }
    if (t->op == WIRE_ANALYZE) {
        t->dub = wire_dup(o, "dub");
        if (!t->dub)
            return dub_errf(e, DUB_EINTERNAL, "analyze task without a dub");
    }
    if ((t->op == WIRE_THUMB || t->op == WIRE_CONFORM ||
         t->op == WIRE_DELIVER || t->op == WIRE_STITCH) && !t->out)
        return dub_errf(e, DUB_EINTERNAL, "%s task without an output",
                        wire_op_names[t->op]);
    if (t->op == WIRE_CONFORM &&
        (!kind ||
         wire_facts_get(cJSON_GetObjectItemCaseSensitive(o, "facts"),
                        &t->facts) < 0 ||
         (t->audio ? wire_pa_get(cJSON_GetObjectItemCaseSensitive(o, "plan"),
                                 &t->pa)
                   : wire_pv_get(cJSON_GetObjectItemCaseSensitive(o, "plan"),
                                 &t->pv)) < 0))
        return dub_errf(e, DUB_EINTERNAL, "malformed conform task");
    return 0;
}

int wire_task_parse(const char *line, struct wire_task *t, struct dub_err *e)
{
    cJSON *o = cJSON_Parse(line);
    const char *op = wire_str(o, "op"), *kind;
    const cJSON *n;
    int i, rc = -1;

    memset(t, 0, sizeof(*t));
    t->id = wire_id(o);
    if (!cJSON_IsObject(o) || !op) {
        dub_errf(e, DUB_EINTERNAL, "malformed media task");
        goto out;
    }
    for (i = 0; i < WIRE_NOPS && strcmp(wire_op_names[i], op) != 0; i++)
        ;
    if (i == WIRE_NOPS) {
        struct buf name = {0};

        buf_put_clean(&name, op);
        dub_errf(e, DUB_EINTERNAL, "unknown media task '%.40s'",
                 name.data ? name.data : "");
        buf_release(&name);
        goto out;
    }
    t->op = (enum wire_op)i;
    t->path = wire_dup(o, t->op == WIRE_CONFORM ? "in" : "path");
    /* A stitch's files are its parts; its messages name the output. */
    if (t->op == WIRE_STITCH && !t->path)
        t->path = wire_dup(o, "out");
    t->out = wire_dup(o, "out");
    t->at = 1.0;
    t->max_w = 480;
    /* Bounded here: thumb.c multiplies the time into libav's units. */
    n = cJSON_GetObjectItemCaseSensitive(o, "at");
    if (cJSON_IsNumber(n) && n->valuedouble >= 0 && n->valuedouble < 1e6)
        t->at = n->valuedouble;
    n = cJSON_GetObjectItemCaseSensitive(o, "max_w");
    if (cJSON_IsNumber(n) && n->valuedouble >= 16 && n->valuedouble <= 8192)
        t->max_w = n->valueint;
    kind = wire_str(o, "kind");
    t->audio = kind && strcmp(kind, "audio") == 0;
    if (!t->path) {
        dub_errf(e, DUB_EINTERNAL, "%s task without a path", wire_op_names[i]);
        goto out;
    }
    if (wire_task_args(o, t, kind, e) < 0)
        goto out;
    rc = 0;
out:
    cJSON_Delete(o);
    return rc;
}

void wire_task_release(struct wire_task *t)
{
    free((char *)t->path);
    free((char *)t->out);
    free((char *)t->dub);
    free((char *)t->fingerprint);
    free((char *)t->request);
    while (t->nparts > 0)
        free((char *)t->parts[--t->nparts].path);
    free(t->parts);
    t->parts = NULL;
    t->path = t->out = t->dub = t->fingerprint = t->request = NULL;
}

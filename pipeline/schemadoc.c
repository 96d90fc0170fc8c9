/*
 * schema: what the table of manifest keys is printed as for people and
 * tools: each key's text, the manifest's JSON Schema and the README's
 * Markdown table.  The table itself is in schema.c.
 */
#include "schemaint.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "manifest.h"

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
    size_t i, nkeys;
    const struct schema_key *keys = schema_keys(&nkeys);

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
        for (i = 0; i < nkeys; i++)
            if (keys[i].place == SCHEMA_PRICE)
                cJSON_AddItemToObject(props, keys[i].name,
                                      schema_value(&keys[i]));
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
    size_t i, nkeys;
    const struct schema_key *keys = schema_keys(&nkeys);

    cJSON_AddStringToObject(o, "type", "object");
    cJSON_AddBoolToObject(o, "additionalProperties", 0);
    props = cJSON_AddObjectToObject(o, "properties");
    for (i = 0; i < nkeys; i++) {
        const struct schema_key *k = &keys[i];

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
    size_t i, nkeys;
    const struct schema_key *keys = schema_keys(&nkeys);

    props = cJSON_AddObjectToObject(o, "properties");
    dprops = cJSON_AddObjectToObject(
        cJSON_AddObjectToObject(props, "defaults"), "properties");
    jprops = cJSON_AddObjectToObject(
        cJSON_AddObjectToObject(cJSON_AddObjectToObject(props, "jobs"),
                                "items"),
        "properties");
    all = cJSON_AddArrayToObject(o, "allOf");
    for (i = 0; i < nkeys; i++) {
        const struct schema_key *k = &keys[i], *real = k;
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
    size_t i, nkeys;
    const struct schema_key *keys = schema_keys(&nkeys);

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
    for (i = 0; i < nkeys; i++)
        if (keys[i].place == SCHEMA_TOP)
            cJSON_AddItemToObject(props, keys[i].name,
                                  schema_value(&keys[i]));
    defs = cJSON_AddObjectToObject(root, "$defs");
    rate = cJSON_AddObjectToObject(defs, "rate");
    cJSON_AddStringToObject(rate, "type", "object");
    cJSON_AddBoolToObject(rate, "additionalProperties", 0);
    props = cJSON_AddObjectToObject(rate, "properties");
    for (i = 0; i < nkeys; i++)
        if (keys[i].place == SCHEMA_PRICE)
            cJSON_AddItemToObject(props, keys[i].name,
                                  schema_value(&keys[i]));
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
    size_t i, nkeys;
    const struct schema_key *keys = schema_keys(&nkeys);

    buf_puts(out, "| key | where | meaning |\n|---|---|---|\n");
    for (i = 0; i < nkeys; i++) {
        const struct schema_key *k = &keys[i];

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

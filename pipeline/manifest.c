/*
 * manifest: reads the YAML manifest with libyaml's document loader and
 * walks the node tree by the schema.
 *
 * The walk is driven by what the schema expects, never by what the document
 * nests, and the loader keeps aliases as shared nodes instead of copying
 * them, so a document cannot make the walk explode.  A separate event pass
 * still caps the number of aliases, so an abusive file gets a clear refusal
 * rather than a pile of type errors.
 */
#define _POSIX_C_SOURCE 200809L
#include "manifest.h"

#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

/* From kling-lipsync-api.md, text-to-video voice_id. */
static const char *const manifest_voices[] = {
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

static const char *const manifest_top_keys[] = {
    "version", "output_dir", "endpoint", "concurrency", "pricing", "defaults",
    "jobs",
};

static const char *const manifest_job_keys[] = {
    "id", "video", "audio", "text", "voice_id", "voice_language",
    "voice_speed", "fit", "short_video", "long_video", "long_audio",
};

static const char *const manifest_pricing_keys[] = {"rate", "increment"};

/* Default billing: fal's model page reading, $0.014 per second rounded up
 * to 5 s steps.  kling-lipsync-api.md reads $0.014 per 5 s step, five times
 * less; the higher figure is the default so a budget never underestimates
 * (design.md section 6). */
#define MANIFEST_DEFAULT_RATE 0.014
#define MANIFEST_DEFAULT_INCREMENT 5.0
#define MANIFEST_DEFAULT_CONCURRENCY 2
#define MANIFEST_MAX_CONCURRENCY 1000
#define MANIFEST_MAX_ID 100

struct manifest_ctx {
    const char *path;
    yaml_document_t *doc;
    struct buf *errors;
    int nerrors;
};

static void manifest_err(struct manifest_ctx *c, const yaml_node_t *n,
                         const char *field, const char *fmt, ...)
    DUB_PRINTF(4, 5);

static void manifest_err(struct manifest_ctx *c, const yaml_node_t *n,
                         const char *field, const char *fmt, ...)
{
    va_list ap;
    char msg[512];

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (n)
        buf_printf(c->errors, "%s:%lu:%lu: ", c->path,
                   (unsigned long)n->start_mark.line + 1,
                   (unsigned long)n->start_mark.column + 1);
    else
        buf_printf(c->errors, "%s: ", c->path);
    if (field && *field)
        buf_printf(c->errors, "%s: ", field);
    buf_printf(c->errors, "%s\n", msg);
    c->nerrors++;
}

static const char *manifest_suggest(const char *word,
                                    const char *const *cands, size_t n)
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

static void manifest_unknown(struct manifest_ctx *c, const yaml_node_t *key,
                             const char *where, const char *word,
                             const char *const *cands, size_t n)
{
    const char *s = manifest_suggest(word, cands, n);

    if (s)
        manifest_err(c, key, where, "unknown key '%s'; did you mean '%s'?",
                     word, s);
    else
        manifest_err(c, key, where, "unknown key '%s'", word);
}

static yaml_node_t *manifest_node(struct manifest_ctx *c, int i)
{
    return yaml_document_get_node(c->doc, i);
}

static const char *manifest_scalar(const yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value
                                            : NULL;
}

static int manifest_is_null(const yaml_node_t *n)
{
    const char *s = manifest_scalar(n);

    return !n || (s && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
                  (!*s || strcmp(s, "~") == 0 || strcmp(s, "null") == 0));
}

/* A string field: a scalar, not null, not empty. */
static int manifest_string(struct manifest_ctx *c, const yaml_node_t *n,
                           const char *field, char **out)
{
    const char *s = manifest_scalar(n);

    if (!s || manifest_is_null(n)) {
        manifest_err(c, n, field, "expected a non-empty string");
        return -1;
    }
    free(*out);
    *out = xstrdup(s);
    return 0;
}

static int manifest_number(struct manifest_ctx *c, const yaml_node_t *n,
                           const char *field, double lo, double hi,
                           double *out)
{
    const char *s = manifest_scalar(n);
    double v;

    if (!s || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
        util_parse_double(s, &v) < 0) {
        manifest_err(c, n, field, "expected a number");
        return -1;
    }
    if (v < lo || v > hi) {
        manifest_err(c, n, field, "%s is out of range %g..%g", s, lo, hi);
        return -1;
    }
    *out = v;
    return 0;
}

static int manifest_int(struct manifest_ctx *c, const yaml_node_t *n,
                        const char *field, long lo, long hi, int *out)
{
    const char *s = manifest_scalar(n);
    long v;

    if (!s || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
        util_parse_long(s, LONG_MIN, LONG_MAX, &v) < 0) {
        manifest_err(c, n, field, "expected a whole number");
        return -1;
    }
    if (v < lo || v > hi) {
        manifest_err(c, n, field, "%ld is out of range %ld..%ld", v, lo, hi);
        return -1;
    }
    *out = (int)v;
    return 0;
}

/* One of a fixed set of words; the index into words goes to out. */
static int manifest_choice(struct manifest_ctx *c, const yaml_node_t *n,
                           const char *field, const char *const *words,
                           size_t nwords, int *out)
{
    const char *s = manifest_scalar(n);
    struct buf all = {0};
    size_t i;

    for (i = 0; s && i < nwords; i++) {
        if (strcmp(s, words[i]) == 0) {
            *out = (int)i;
            return 0;
        }
    }
    for (i = 0; i < nwords; i++)
        buf_printf(&all, "%s%s", i ? "|" : "", words[i]);
    manifest_err(c, n, field, "'%s' is not one of %s", s ? s : "(not a word)",
                 all.data);
    buf_release(&all);
    return -1;
}

static const char *const manifest_fit_words[] = {"pad", "crop", "reject"};
static const char *const manifest_short_words[] = {"loop", "freeze", "reject"};
static const char *const manifest_long_words[] = {"trim", "reject"};
static const char *const manifest_lang_words[] = {"zh", "en"};

/* Sets one per-job field from a key/value pair; used for defaults: too. */
static void manifest_job_field(struct manifest_ctx *c, const yaml_node_t *key,
                               const yaml_node_t *val, const char *where,
                               int in_defaults, struct manifest_job *j)
{
    const char *k = manifest_scalar(key);
    char field[160];
    int v;

    snprintf(field, sizeof(field), "%s.%s", where, k ? k : "?");
    if (!k) {
        manifest_err(c, key, where, "keys must be plain words");
    } else if (strcmp(k, "id") == 0) {
        if (in_defaults)
            manifest_err(c, key, field, "an id cannot be a default");
        else
            manifest_string(c, val, field, &j->id);
    } else if (strcmp(k, "video") == 0) {
        manifest_string(c, val, field, &j->video);
    } else if (strcmp(k, "audio") == 0) {
        manifest_string(c, val, field, &j->audio);
    } else if (strcmp(k, "text") == 0) {
        manifest_string(c, val, field, &j->text);
    } else if (strcmp(k, "voice_id") == 0) {
        manifest_string(c, val, field, &j->voice_id);
    } else if (strcmp(k, "voice_language") == 0) {
        if (manifest_choice(c, val, field, manifest_lang_words, 2, &v) == 0) {
            free(j->voice_language);
            j->voice_language = xstrdup(manifest_lang_words[v]);
        }
    } else if (strcmp(k, "voice_speed") == 0) {
        manifest_number(c, val, field, 0.8, 2.0, &j->voice_speed);
    } else if (strcmp(k, "fit") == 0) {
        if (manifest_choice(c, val, field, manifest_fit_words, 3, &v) == 0)
            j->policy.fit = (enum plan_fit)v;
    } else if (strcmp(k, "short_video") == 0) {
        if (manifest_choice(c, val, field, manifest_short_words, 3, &v) == 0)
            j->policy.short_video = (enum plan_short)v;
    } else if (strcmp(k, "long_video") == 0) {
        if (manifest_choice(c, val, field, manifest_long_words, 2, &v) == 0)
            j->policy.long_video = (enum plan_long)v;
    } else if (strcmp(k, "long_audio") == 0) {
        if (manifest_choice(c, val, field, manifest_long_words, 2, &v) == 0)
            j->policy.long_audio = (enum plan_long)v;
    } else {
        manifest_unknown(c, key, where, k, manifest_job_keys,
                         DUB_ARRAY_LEN(manifest_job_keys));
    }
}

static void manifest_job_map(struct manifest_ctx *c, const yaml_node_t *map,
                             const char *where, int in_defaults,
                             struct manifest_job *j)
{
    yaml_node_pair_t *pair;

    if (!map || map->type != YAML_MAPPING_NODE) {
        manifest_err(c, map, where, "expected a mapping of job fields");
        return;
    }
    for (pair = map->data.mapping.pairs.start;
         pair < map->data.mapping.pairs.top; pair++)
        manifest_job_field(c, manifest_node(c, pair->key),
                           manifest_node(c, pair->value), where, in_defaults,
                           j);
}

static void manifest_job_copy(struct manifest_job *dst,
                              const struct manifest_job *src)
{
    *dst = *src;
    dst->id = NULL;
    dst->video = src->video ? xstrdup(src->video) : NULL;
    dst->audio = src->audio ? xstrdup(src->audio) : NULL;
    dst->text = src->text ? xstrdup(src->text) : NULL;
    dst->voice_id = src->voice_id ? xstrdup(src->voice_id) : NULL;
    dst->voice_language =
        src->voice_language ? xstrdup(src->voice_language) : NULL;
}

static void manifest_job_release(struct manifest_job *j)
{
    free(j->id);
    free(j->video);
    free(j->audio);
    free(j->text);
    free(j->voice_id);
    free(j->voice_language);
    memset(j, 0, sizeof(*j));
}

int manifest_voice_known(const char *voice_id)
{
    size_t i;

    for (i = 0; i < DUB_ARRAY_LEN(manifest_voices); i++)
        if (strcmp(manifest_voices[i], voice_id) == 0)
            return 1;
    return 0;
}

static int manifest_id_ok(const char *id)
{
    const char *p;

    if (!*id || strlen(id) > MANIFEST_MAX_ID || id[0] == '.' || id[0] == '-')
        return 0;
    for (p = id; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-'))
            return 0;
    return 1;
}

/* An id from a file name: disallowed characters become '_'. */
static char *manifest_id_from(const char *path)
{
    const char *q = strrchr(path, '?');
    char *trimmed = q ? xstrndup(path, (size_t)(q - path)) : xstrdup(path);
    char *stem = util_stem(trimmed);
    char *p;

    free(trimmed);
    for (p = stem; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-'))
            *p = '_';
    if (stem[0] == '.' || stem[0] == '-' || !stem[0]) {
        char *fixed = xasprintf("job%s", stem);

        free(stem);
        stem = fixed;
    }
    if (strlen(stem) > MANIFEST_MAX_ID)
        stem[MANIFEST_MAX_ID] = '\0';
    return stem;
}

/* A local path is resolved against the manifest's folder; a URL must be
 * https (design.md section 9). */
static void manifest_input(struct manifest_ctx *c, const yaml_node_t *at,
                           const char *field, const char *dir, char **path)
{
    char *resolved;

    if (util_starts_with(*path, "https://"))
        return;
    if (strstr(*path, "://") || util_starts_with(*path, "data:")) {
        manifest_err(c, at, field,
                     "'%s': only local paths and https:// URLs are allowed",
                     *path);
        return;
    }
    resolved = util_path_join(dir, *path);
    free(*path);
    *path = resolved;
}

static void manifest_check_job(struct manifest_ctx *c, struct manifest *m,
                               const yaml_node_t *at, const char *where,
                               struct manifest_job *j)
{
    char field[160];

    snprintf(field, sizeof(field), "%s", where);
    if (j->id && !manifest_id_ok(j->id))
        manifest_err(c, at, where,
                     "id '%s' may only use letters, digits, '.', '_' and '-' "
                     "(not first) and at most %d characters",
                     j->id, MANIFEST_MAX_ID);
    if (!j->video)
        manifest_err(c, at, field, "missing 'video'");
    else
        manifest_input(c, at, where, m->dir, &j->video);
    if (m->endpoint == PLAN_A2V) {
        if (!j->audio)
            manifest_err(c, at, field, "missing 'audio' (audio-to-video)");
        else
            manifest_input(c, at, where, m->dir, &j->audio);
        if (j->text || j->voice_id)
            manifest_err(c, at, field,
                         "'text' and 'voice_id' belong to text-to-video; "
                         "this manifest's endpoint is audio-to-video");
        return;
    }
    if (j->audio)
        manifest_err(c, at, field,
                     "'audio' belongs to audio-to-video; this manifest's "
                     "endpoint is text-to-video");
    if (!j->text) {
        manifest_err(c, at, field, "missing 'text' (text-to-video)");
    } else {
        long n = util_utf8_len(j->text);

        if (n < 0)
            manifest_err(c, at, field, "text is not valid UTF-8");
        else if (n > plan_limits_get(PLAN_T2V)->text_max)
            manifest_err(c, at, field,
                         "text is %ld characters, over the %d limit", n,
                         plan_limits_get(PLAN_T2V)->text_max);
        else if (n == 0)
            manifest_err(c, at, field, "text is empty");
    }
    if (!j->voice_id) {
        manifest_err(c, at, field, "missing 'voice_id' (text-to-video)");
    } else if (!manifest_voice_known(j->voice_id)) {
        const char *s = manifest_suggest(j->voice_id, manifest_voices,
                                         DUB_ARRAY_LEN(manifest_voices));

        manifest_err(c, at, field,
                     "voice_id '%s' is not a published voice%s%s%s",
                     j->voice_id, s ? "; did you mean '" : "", s ? s : "",
                     s ? "'?" : " (see the README for the list)");
    }
}

static void manifest_pricing(struct manifest_ctx *c, const yaml_node_t *map,
                             struct manifest *m, const char *where);

static void manifest_pricing_pair(struct manifest_ctx *c,
                                  const yaml_node_t *key,
                                  const yaml_node_t *val, struct manifest *m,
                                  const char *where)
{
    const char *k = manifest_scalar(key);
    enum plan_endpoint ep;
    char field[96];

    snprintf(field, sizeof(field), "%s.%s", where, k ? k : "?");
    if (k && strcmp(k, "rate") == 0) {
        manifest_number(c, val, field, 0, 1000, &m->pricing.rate);
    } else if (k && strcmp(k, "increment") == 0) {
        manifest_number(c, val, field, 0.001, 3600, &m->pricing.increment);
    } else if (k && plan_endpoint_parse(k, &ep) == 0 &&
               strcmp(where, "pricing") == 0) {
        /* Per-endpoint pricing: only the manifest's own endpoint applies. */
        if (ep == m->endpoint)
            manifest_pricing(c, val, m, field);
    } else {
        manifest_unknown(c, key, where, k ? k : "?", manifest_pricing_keys,
                         DUB_ARRAY_LEN(manifest_pricing_keys));
    }
}

static void manifest_pricing(struct manifest_ctx *c, const yaml_node_t *map,
                             struct manifest *m, const char *where)
{
    yaml_node_pair_t *pair;

    if (!map || map->type != YAML_MAPPING_NODE) {
        manifest_err(c, map, where,
                     "expected a mapping with 'rate' and 'increment'");
        return;
    }
    for (pair = map->data.mapping.pairs.start;
         pair < map->data.mapping.pairs.top; pair++)
        manifest_pricing_pair(c, manifest_node(c, pair->key),
                              manifest_node(c, pair->value), m, where);
}

/* Sort keys for manifest_ids: jobs ordered by one string field, then by
 * position, so the first of equals is the one written first. */
static const struct manifest_job *manifest_sort_base;
static size_t manifest_sort_field;

static int manifest_cmp_field(const void *a, const void *b)
{
    size_t i = *(const size_t *)a, k = *(const size_t *)b;
    const char *x = *(char *const *)((const char *)&manifest_sort_base[i] +
                                     manifest_sort_field);
    const char *y = *(char *const *)((const char *)&manifest_sort_base[k] +
                                     manifest_sort_field);
    int c = strcmp(x ? x : "", y ? y : "");

    return c ? c : (i > k) - (i < k);
}

static size_t *manifest_sorted(const struct manifest *m, size_t field)
{
    size_t *idx = xcalloc(m->njobs, sizeof(*idx));
    size_t i;

    for (i = 0; i < m->njobs; i++)
        idx[i] = i;
    manifest_sort_base = m->jobs;
    manifest_sort_field = field;
    qsort(idx, m->njobs, sizeof(*idx), manifest_cmp_field);
    return idx;
}

/* Gives every job an id and refuses duplicates.  A derived id is the video
 * file's name; when two jobs share a video (one clip, several languages)
 * the audio file's name is added.  Sorting keeps this O(n log n) for large
 * batches. */
static void manifest_ids(struct manifest_ctx *c, struct manifest *m,
                         const yaml_node_t *const *at)
{
    size_t *idx = manifest_sorted(m, offsetof(struct manifest_job, video));
    size_t i;

    for (i = 0; i < m->njobs; i++) {
        struct manifest_job *j = &m->jobs[idx[i]];
        int shared;

        if (j->id || !j->video)
            continue;
        shared = (i > 0 && m->jobs[idx[i - 1]].video &&
                  strcmp(m->jobs[idx[i - 1]].video, j->video) == 0) ||
                 (i + 1 < m->njobs && m->jobs[idx[i + 1]].video &&
                  strcmp(m->jobs[idx[i + 1]].video, j->video) == 0);
        j->id = manifest_id_from(j->video);
        if (shared && j->audio) {
            char *a = manifest_id_from(j->audio);
            char *both = xasprintf("%s_%s", j->id, a);

            free(a);
            free(j->id);
            j->id = both;
        }
    }
    free(idx);
    idx = manifest_sorted(m, offsetof(struct manifest_job, id));
    for (i = 1; i < m->njobs; i++) {
        const struct manifest_job *first = &m->jobs[idx[i - 1]];
        const struct manifest_job *j = &m->jobs[idx[i]];

        if (!j->id || !first->id || strcmp(j->id, first->id) != 0)
            continue;
        manifest_err(c, at[idx[i]], "id",
                     "duplicate id '%s' (first used by the job at line %d); "
                     "give each job a unique id",
                     j->id, first->line);
    }
    free(idx);
}

static void manifest_jobs(struct manifest_ctx *c, const yaml_node_t *seq,
                          const yaml_node_t *defaults, struct manifest *m)
{
    struct manifest_job base = {0};
    const yaml_node_t **at;
    yaml_node_item_t *item;
    size_t n, i = 0;

    base.voice_speed = 1.0;
    if (defaults)
        manifest_job_map(c, defaults, "defaults", 1, &base);
    if (!seq || seq->type != YAML_SEQUENCE_NODE) {
        manifest_err(c, seq, "jobs", "expected a list of jobs");
        manifest_job_release(&base);
        return;
    }
    n = (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
    if (n == 0) {
        manifest_err(c, seq, "jobs", "the list is empty: nothing to do");
        manifest_job_release(&base);
        return;
    }
    m->jobs = xcalloc(n, sizeof(*m->jobs));
    at = xcalloc(n, sizeof(*at));
    for (item = seq->data.sequence.items.start;
         item < seq->data.sequence.items.top; item++, i++) {
        const yaml_node_t *node = manifest_node(c, *item);
        struct manifest_job *j = &m->jobs[i];
        char where[48];

        snprintf(where, sizeof(where), "jobs[%zu]", i + 1);
        manifest_job_copy(j, &base);
        j->line = node ? (int)node->start_mark.line + 1 : 0;
        at[i] = node;
        manifest_job_map(c, node, where, 0, j);
        if (!j->voice_language)
            j->voice_language = xstrdup("en");
        manifest_check_job(c, m, node, where, j);
    }
    m->njobs = n;
    manifest_ids(c, m, at);
    free(at);
    manifest_job_release(&base);
}

static void manifest_top(struct manifest_ctx *c, const yaml_node_t *root,
                         struct manifest *m)
{
    const yaml_node_t *jobs = NULL, *defaults = NULL, *pricing = NULL;
    const yaml_node_t *endpoint = NULL;
    char *out = NULL;
    yaml_node_pair_t *pair;

    if (!root || root->type != YAML_MAPPING_NODE) {
        manifest_err(c, root, NULL,
                     "the manifest must be a mapping with 'version' and "
                     "'jobs'");
        return;
    }
    for (pair = root->data.mapping.pairs.start;
         pair < root->data.mapping.pairs.top; pair++) {
        const yaml_node_t *key = manifest_node(c, pair->key);
        const yaml_node_t *val = manifest_node(c, pair->value);
        const char *k = manifest_scalar(key);

        if (!k)
            manifest_err(c, key, NULL, "keys must be plain words");
        else if (strcmp(k, "version") == 0)
            manifest_int(c, val, "version", 1, 1, &m->version);
        else if (strcmp(k, "output_dir") == 0)
            manifest_string(c, val, "output_dir", &out);
        else if (strcmp(k, "endpoint") == 0)
            endpoint = val;
        else if (strcmp(k, "concurrency") == 0)
            manifest_int(c, val, "concurrency", 1, MANIFEST_MAX_CONCURRENCY,
                         &m->concurrency);
        else if (strcmp(k, "pricing") == 0)
            pricing = val;
        else if (strcmp(k, "defaults") == 0)
            defaults = val;
        else if (strcmp(k, "jobs") == 0)
            jobs = val;
        else
            manifest_unknown(c, key, NULL, k, manifest_top_keys,
                             DUB_ARRAY_LEN(manifest_top_keys));
    }
    if (!m->version)
        manifest_err(c, root, "version", "missing 'version: 1'");
    if (endpoint) {
        const char *s = manifest_scalar(endpoint);

        if (!s || plan_endpoint_parse(s, &m->endpoint) < 0)
            manifest_err(c, endpoint, "endpoint",
                         "'%s' is not one of audio-to-video|text-to-video",
                         s ? s : "(not a word)");
    }
    if (pricing)
        manifest_pricing(c, pricing, m, "pricing");
    if (out) {
        m->output_dir = util_path_join(m->dir, out);
        free(out);
    } else {
        char *stem = util_stem(m->path);
        char *name = xasprintf("%s-out", stem);

        m->output_dir = util_path_join(m->dir, name);
        free(name);
        free(stem);
    }
    if (!jobs)
        manifest_err(c, root, "jobs", "missing 'jobs'");
    else
        manifest_jobs(c, jobs, defaults, m);
}

/* Counts aliases with the event parser, before the loader builds a tree. */
static int manifest_aliases(const char *text, size_t len, struct buf *errors,
                            const char *path, struct dub_err *e)
{
    yaml_parser_t p;
    yaml_event_t ev;
    int aliases = 0, done = 0, rc = 0;

    yaml_parser_initialize(&p);
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    while (!done) {
        if (!yaml_parser_parse(&p, &ev))
            break; /* the loader reports syntax errors with positions */
        if (ev.type == YAML_ALIAS_EVENT && ++aliases > MANIFEST_MAX_ALIASES) {
            buf_printf(errors,
                       "%s:%lu:%lu: more than %d YAML aliases; refusing to "
                       "expand this manifest\n",
                       path, (unsigned long)ev.start_mark.line + 1,
                       (unsigned long)ev.start_mark.column + 1,
                       MANIFEST_MAX_ALIASES);
            rc = dub_errf(e, DUB_EMANIFEST, "'%s' has too many YAML aliases",
                          path);
            done = 1;
        }
        if (ev.type == YAML_STREAM_END_EVENT)
            done = 1;
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&p);
    return rc;
}

int manifest_load(const char *path, struct manifest *m, struct buf *errors,
                  struct dub_err *e)
{
    struct manifest_ctx c = {0};
    struct buf text = {0};
    yaml_parser_t parser;
    yaml_document_t doc;
    int rc = -1;

    memset(m, 0, sizeof(*m));
    m->path = xstrdup(path);
    m->dir = util_dirname(path);
    m->endpoint = PLAN_A2V;
    m->concurrency = MANIFEST_DEFAULT_CONCURRENCY;
    m->pricing.rate = MANIFEST_DEFAULT_RATE;
    m->pricing.increment = MANIFEST_DEFAULT_INCREMENT;

    if (util_read_file(path, MANIFEST_MAX_BYTES, &text, e) < 0) {
        buf_printf(errors, "%s\n", e->msg);
        return -1;
    }
    if (manifest_aliases(text.data, text.len, errors, path, e) < 0) {
        buf_release(&text);
        return -1;
    }
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text.data,
                                 text.len);
    if (!yaml_parser_load(&parser, &doc)) {
        buf_printf(errors, "%s:%lu:%lu: invalid YAML: %s%s%s\n", path,
                   (unsigned long)parser.problem_mark.line + 1,
                   (unsigned long)parser.problem_mark.column + 1,
                   parser.problem ? parser.problem : "syntax error",
                   parser.context ? " " : "",
                   parser.context ? parser.context : "");
        dub_errf(e, DUB_EMANIFEST, "'%s' is not valid YAML", path);
        yaml_parser_delete(&parser);
        buf_release(&text);
        return -1;
    }
    c.path = path;
    c.doc = &doc;
    c.errors = errors;
    manifest_top(&c, yaml_document_get_root_node(&doc), m);
    if (c.nerrors)
        dub_errf(e, DUB_EMANIFEST, "'%s' has %d error%s", path, c.nerrors,
                 c.nerrors == 1 ? "" : "s");
    else
        rc = 0;
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    buf_release(&text);
    return rc;
}

void manifest_release(struct manifest *m)
{
    size_t i;

    for (i = 0; i < m->njobs; i++)
        manifest_job_release(&m->jobs[i]);
    free(m->jobs);
    free(m->path);
    free(m->dir);
    free(m->output_dir);
    memset(m, 0, sizeof(*m));
}

/*
 * manifest: a manifest read into a small node tree (yamltree.c from YAML,
 * csv.c from CSV), then the tree walked by the table of keys.
 *
 * The walk is driven by what the table expects, never by what the document
 * nests, and an alias is a reference to the node it names, never a copy, so
 * a document cannot make the walk explode.  This file holds the document:
 * its values and keys, its top level, pricing and output folder;
 * manifestjob.c reads the jobs: list.
 */
#define _POSIX_C_SOURCE 200809L
#include "manifestint.h"

#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "mtree.h"
#include "outdir.h"
#include "schema.h"
#include "yamltree.h"

/* A key already given in the mapping being read, by the key it stands for. */
struct manifest_seen {
    const struct schema_key *as;
    uint32_t line;
};

/* ==== Values ============================================================= */

static void manifest_set(char **slot, const char *s)
{
    free(*slot);
    *slot = xstrdup(s);
}

static int manifest_id_ok(const char *id, size_t max)
{
    const char *p;

    if (!*id || strlen(id) > max || id[0] == '.' || id[0] == '-')
        return 0;
    for (p = id; *p; p++)
        if (!schema_id_char(*p))
            return 0;
    return 1;
}

/* The index of s among k's words for this manifest's endpoint, or -1 after
 * saying what it could have been. */
static int manifest_word(struct manifest_ctx *c, const struct schema_key *k,
                         uint32_t at, const char *s, const char *field)
{
    enum plan_endpoint ep = c->m->endpoint;
    size_t all = k->nwords[0] > k->nwords[1] ? k->nwords[0] : k->nwords[1];
    struct buf list = {0};
    const char *near;
    size_t i;

    for (i = 0; s && i < all; i++)
        if (strcmp(s, k->words[i]) == 0)
            break;
    if (s && i < k->nwords[ep])
        return (int)i;
    if (k->type == SCHEMA_VOICE) {
        near = schema_nearest(s ? s : "", k->words, all);
        mtree_err(&c->tree, at, field,
                  "voice_id '%s' is not a published voice%s%s%s",
                  s ? s : "(not a word)", near ? "; did you mean '" : "",
                  near ? near : "",
                  near ? "'?" : " (see manifests/schema.json for the list)");
        return -1;
    }
    for (i = 0; i < k->nwords[ep]; i++)
        buf_printf(&list, "%s%s", i ? "|" : "", k->words[i]);
    if (s && i < all)
        mtree_err(&c->tree, at, field, "'%s' is for %s; %s takes %s", s,
                  plan_limits_get((enum plan_endpoint)!ep)->name,
                  plan_limits_get(ep)->name, list.data);
    else
        mtree_err(&c->tree, at, field, "'%s' is not one of %s",
                  s ? s : "(not a word)", list.data);
    buf_release(&list);
    return -1;
}

/* Further rules of a string value; 0 when it may be kept. */
static int manifest_string_ok(struct manifest_ctx *c,
                              const struct schema_key *k, uint32_t at,
                              const char *s, const char *field)
{
    double lo, hi;
    long n;

    schema_range(k, &lo, &hi);
    switch (k->type) {
    case SCHEMA_INPUT:
        if (util_starts_with(s, "https://") && s[8])
            return 0;
        if (!strstr(s, "://") && !util_starts_with(s, "data:"))
            return 0;
        mtree_err(&c->tree, at, field,
                  "'%s': only local paths and https:// URLs are allowed",
                  s);
        return -1;
    case SCHEMA_TEXT:
        n = util_utf8_len(s);
        if (n < 0)
            mtree_err(&c->tree, at, field, "text is not valid UTF-8");
        else if (n > hi)
            mtree_err(&c->tree, at, field,
                      "text is %ld characters, over the %g limit", n, hi);
        return n < 0 || n > hi ? -1 : 0;
    case SCHEMA_ID:
        if (manifest_id_ok(s, (size_t)hi))
            return 0;
        mtree_err(&c->tree, at, field,
                  "id '%s' may only use letters, digits, '.', '_' and '-' "
                  "(not first) and at most %g characters",
                  s, hi);
        return -1;
    default:
        return 0;
    }
}

/* Reads node at as key k's value into base (the struct of k's place). */
static void manifest_value(struct manifest_ctx *c, const struct schema_key *k,
                           uint32_t at, const char *field, void *base)
{
    const struct mtree_node *nd = mtree_get(&c->tree, at);
    const char *s = mtree_text(&c->tree, at);
    char *slot = (char *)base + k->offset;
    double lo, hi, d;
    long v;
    int w;

    if (s && nd->len != strlen(s)) {
        mtree_err(&c->tree, at, field, "'%s\\0...' holds a NUL character", s);
        return;
    }
    schema_range(k, &lo, &hi);
    switch (k->type) {
    case SCHEMA_INT:
        if (!s || !nd->plain || util_parse_long(s, LONG_MIN, LONG_MAX, &v) < 0)
            mtree_err(&c->tree, at, field, "expected a whole number");
        else if (lo == hi && v != lo)
            mtree_err(&c->tree, at, field, "must be %g, not %s", lo, s);
        else if (v < lo || v > hi)
            mtree_err(&c->tree, at, field, "%ld is out of range %g..%g", v, lo,
                      hi);
        else
            *(int *)slot = (int)v;
        break;
    case SCHEMA_NUMBER:
    case SCHEMA_SPEED:
        if (!s || !nd->plain || util_parse_double(s, &d) < 0)
            mtree_err(&c->tree, at, field, "expected a number");
        else if (d < lo || d > hi)
            mtree_err(&c->tree, at, field, "%s is out of range %g..%g", s, lo,
                      hi);
        else
            *(double *)slot = d;
        break;
    case SCHEMA_WORD:
    case SCHEMA_NAME:
    case SCHEMA_VOICE:
        w = manifest_word(c, k, at, s, field);
        if (w >= 0 && k->type == SCHEMA_WORD)
            *(int *)slot = w;
        else if (w >= 0)
            manifest_set((char **)slot, k->words[w]);
        break;
    default:
        if (!s || !*s ||
            (nd->plain && (strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
                           strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0)))
            mtree_err(&c->tree, at, field, "expected a non-empty string");
        else if (manifest_string_ok(c, k, at, s, field) == 0)
            manifest_set((char **)slot, s);
        break;
    }
}

/* Fills base with the table's defaults for place. */
void manifest_defaults(enum schema_place place, void *base)
{
    size_t i, n, w;
    const struct schema_key *keys = schema_keys(&n);

    for (i = 0; i < n; i++) {
        const struct schema_key *k = &keys[i];
        char *slot = (char *)base + k->offset;

        if (k->place != place || !k->def || k->alias_of)
            continue;
        if (k->type == SCHEMA_INT)
            *(int *)slot = (int)strtol(k->def, NULL, 10);
        else if (k->type == SCHEMA_NUMBER || k->type == SCHEMA_SPEED)
            *(double *)slot = strtod(k->def, NULL);
        else if (k->type == SCHEMA_NAME)
            manifest_set((char **)slot, k->def);
        for (w = 0; k->type == SCHEMA_WORD && w < k->nwords[0]; w++)
            if (strcmp(k->words[w], k->def) == 0)
                *(int *)slot = (int)w;
    }
}

/* ==== Keys =============================================================== */

/* The key at node at in place, its real key (an older spelling resolved)
 * in *real; NULL, after saying why, for one to skip. */
static const struct schema_key *
manifest_key(struct manifest_ctx *c, enum schema_place place, uint32_t at,
             const char *where, struct manifest_seen *seen,
             const struct schema_key **real)
{
    const char *s = mtree_text(&c->tree, at);
    const struct schema_key *k, *all;
    struct manifest_seen *sn;
    size_t n;

    if (!s || mtree_get(&c->tree, at)->len != strlen(s)) {
        mtree_err(&c->tree, at, where, "keys must be plain words");
        return NULL;
    }
    k = schema_find(place, s, real);
    if (!k) {
        struct buf msg = {0};

        schema_unknown(place, s, &msg);
        mtree_err(&c->tree, at, where, "%s", msg.data);
        buf_release(&msg);
        return NULL;
    }
    all = schema_keys(&n);
    sn = &seen[*real - all];
    if (sn->as == k) {
        mtree_err(&c->tree, at, where, "duplicate key '%s' (first at line %lu)",
                  s, (unsigned long)sn->line);
        return NULL;
    }
    if (sn->as) {
        mtree_err(&c->tree, at, where,
                  "'%s' is %s '%s', given at line %lu; keep one", s,
                  k->alias_of ? "the older spelling of" : "also written as",
                  sn->as->name, (unsigned long)sn->line);
        return NULL;
    }
    sn->as = k;
    sn->line = c->tree.nodes[at].line;
    return k;
}

/* Sets one per-job key from a key/value pair; used for defaults: too. */
static void manifest_field(struct manifest_ctx *c, uint32_t key, uint32_t val,
                           const char *where, int in_defaults,
                           struct manifest_seen *seen, struct manifest_job *j)
{
    enum plan_endpoint ep = c->m->endpoint;
    const struct schema_key *k, *real;
    char field[160];

    k = manifest_key(c, SCHEMA_JOB, key, where, seen, &real);
    if (!k)
        return;
    snprintf(field, sizeof(field), "%s.%s", where, k->name);
    if (in_defaults && real->type == SCHEMA_ID)
        mtree_err(&c->tree, key, field, "an id cannot be a default");
    else if (!(real->endpoints & (1u << ep)))
        mtree_err(&c->tree, key, where,
                  "'%s' belongs to %s; this manifest's endpoint is %s",
                  k->name, plan_limits_get((enum plan_endpoint)!ep)->name,
                  plan_limits_get(ep)->name);
    else
        manifest_value(c, real, val, field, j);
}

/* Reads a job mapping (or defaults:) into j; returns the keys it gives,
 * right or wrong, as bits by table index. */
uint32_t manifest_fields(struct manifest_ctx *c, uint32_t map,
                         const char *where, int in_defaults,
                         struct manifest_job *j)
{
    const struct mtree_node *nd = mtree_get(&c->tree, map);
    struct manifest_seen seen[SCHEMA_MAX_KEYS] = {{0}};
    uint32_t k, v, given = 0;
    size_t i;

    if (!nd || nd->kind != MTREE_MAP) {
        mtree_err(&c->tree, map, where, "expected a mapping of job fields");
        return 0;
    }
    for (k = mtree_first(&c->tree, map); k; k = mtree_next(&c->tree, v)) {
        v = mtree_next(&c->tree, k);
        manifest_field(c, k, v, where, in_defaults, seen, j);
    }
    for (i = 0; i < SCHEMA_MAX_KEYS; i++)
        if (seen[i].as)
            given |= 1u << i;
    return given;
}

static void manifest_pricing(struct manifest_ctx *c, uint32_t map,
                             const char *where, struct plan_pricing *into,
                             int nested)
{
    const struct mtree_node *nd = mtree_get(&c->tree, map);
    struct manifest_seen seen[SCHEMA_MAX_KEYS] = {{0}};
    uint32_t k, v, own = 0;
    char field[96];

    if (!nd || nd->kind != MTREE_MAP) {
        mtree_err(&c->tree, map, where,
                  "expected a mapping with 'rate' and 'increment'");
        return;
    }
    for (k = mtree_first(&c->tree, map); k; k = mtree_next(&c->tree, v)) {
        const char *s = mtree_text(&c->tree, k);
        const struct schema_key *key, *real;
        enum plan_endpoint ep;

        v = mtree_next(&c->tree, k);
        snprintf(field, sizeof(field), "%s.%s", where, s ? s : "?");
        if (s && !nested && plan_endpoint_parse(s, &ep) == 0) {
            struct plan_pricing other = *into;

            /* The manifest's own endpoint's rate wins; the other is only
             * checked. */
            if (ep == c->m->endpoint)
                own = v;
            else
                manifest_pricing(c, v, field, &other, 1);
            continue;
        }
        key = manifest_key(c, SCHEMA_PRICE, k, where, seen, &real);
        if (key)
            manifest_value(c, real, v, field, into);
    }
    if (own) {
        snprintf(field, sizeof(field), "%s.%s", where,
                 plan_limits_get(c->m->endpoint)->name);
        manifest_pricing(c, own, field, into, 1);
    }
}

/* ==== The output folder ================================================== */

static void manifest_output(struct manifest_ctx *c, unsigned flags)
{
    struct manifest *m = c->m;
    char **local = xcalloc(2 * m->njobs + 1, sizeof(*local));
    char *joined, *tree;
    char why[PATH_MAX + 200];
    size_t i, n = 0;

    if (m->output_dir) {
        joined = util_path_join(m->dir, m->output_dir);
    } else {
        char *stem = util_stem(m->path);
        char *name = xasprintf("%s-out", stem);

        joined = util_path_join(m->dir, name);
        free(name);
        free(stem);
    }
    free(m->output_dir);
    m->output_dir = util_path_clean(joined);
    free(joined);
    if (!(flags & MANIFEST_CHECK_OUTPUT) || c->tree.nerrors) {
        free(local);
        return;
    }
    for (i = 0; i < m->njobs; i++) {
        if (m->jobs[i].video && !util_starts_with(m->jobs[i].video, "https://"))
            local[n++] = m->jobs[i].video;
        if (m->jobs[i].audio && !util_starts_with(m->jobs[i].audio, "https://"))
            local[n++] = m->jobs[i].audio;
    }
    tree = outdir_tree(m->dir, local, n);
    if (outdir_check(m->output_dir, tree, why, sizeof(why)) < 0)
        mtree_err(&c->tree, c->out_at, "output_dir",
                  "'%s'%s %s; give --output-dir-ok to write there",
                  m->output_dir,
                  c->out_at ? "" : " (the default, beside the manifest)",
                  why);
    free(tree);
    free(local);
}

static void manifest_top(struct manifest_ctx *c, unsigned flags)
{
    struct manifest_seen seen[SCHEMA_MAX_KEYS] = {{0}};
    uint32_t root = c->tree.root, k, v, jobs = 0, defaults = 0, pricing = 0;
    const struct mtree_node *nd = mtree_get(&c->tree, root);
    size_t nkeys;
    const struct schema_key *all = schema_keys(&nkeys);

    if (!nd || nd->kind != MTREE_MAP) {
        mtree_err(&c->tree, root, NULL,
                  "the manifest must be a mapping with 'version' and "
                  "'jobs'");
        return;
    }
    for (k = mtree_first(&c->tree, root); k; k = mtree_next(&c->tree, v)) {
        const struct schema_key *key, *real;

        v = mtree_next(&c->tree, k);
        key = manifest_key(c, SCHEMA_TOP, k, NULL, seen, &real);
        if (!key)
            continue;
        if (real->type == SCHEMA_PRICING)
            pricing = v;
        else if (real->type == SCHEMA_DEFAULTS)
            defaults = v;
        else if (real->type == SCHEMA_JOBS)
            jobs = v;
        else
            manifest_value(c, real, v, real->name, c->m);
        if (strcmp(real->name, "output_dir") == 0)
            c->out_at = v;
    }
    if (!seen[schema_find(SCHEMA_TOP, "version", NULL) - all].as)
        mtree_err(&c->tree, root, "version", "missing 'version: 1'");
    if (pricing)
        manifest_pricing(c, pricing, "pricing", &c->m->pricing, 0);
    if (!jobs)
        mtree_err(&c->tree, root, "jobs", "missing 'jobs'");
    else
        manifest_jobs(c, jobs, defaults);
    manifest_output(c, flags);
}

/* ==== Loading ============================================================ */

int manifest_load_flags(const char *path, unsigned flags, struct manifest *m,
                        struct buf *errors, struct dub_err *e)
{
    struct manifest_ctx c = {0};
    struct buf text = {0}, name = {0};
    char ext[8];
    int rc;

    memset(m, 0, sizeof(*m));
    m->path = xstrdup(path);
    m->dir = util_dirname(path);
    manifest_defaults(SCHEMA_TOP, m);
    manifest_defaults(SCHEMA_PRICE, &m->pricing);
    buf_put_clean(&name, path);
    if (util_read_file(path, MANIFEST_MAX_BYTES, &text, e) < 0) {
        /* The cause is the one line; the summary does not repeat it. */
        buf_put_clean(errors, e->msg);
        buf_puts(errors, "\n");
        dub_errf(e, DUB_EMANIFEST, "'%s' was not read", name.data);
        buf_release(&name);
        return -1;
    }
    c.m = m;
    mtree_init(&c.tree, path, errors);
    util_ext(path, ext, sizeof(ext));
    if (strcmp(ext, "csv") == 0)
        rc = csv_manifest(text.data, text.len, &c.tree);
    else
        rc = yamltree_read(text.data, text.len, &c.tree);
    if (rc == 0)
        manifest_top(&c, flags);
    if (c.tree.nerrors > MANIFEST_MAX_ERRORS)
        buf_printf(errors, "%s: %d more errors not shown\n", name.data,
                   c.tree.nerrors - MANIFEST_MAX_ERRORS);
    if (c.tree.stop)
        dub_errf(e, DUB_EMANIFEST, "'%s' %s", name.data, c.tree.stop);
    else if (c.tree.nerrors)
        dub_errf(e, DUB_EMANIFEST, "'%s' has %d error%s", name.data,
                 c.tree.nerrors, c.tree.nerrors == 1 ? "" : "s");
    rc = c.tree.nerrors ? -1 : 0;
    mtree_release(&c.tree);
    buf_release(&text);
    buf_release(&name);
    return rc;
}

int manifest_load(const char *path, struct manifest *m, struct buf *errors,
                  struct dub_err *e)
{
    return manifest_load_flags(path, 0, m, errors, e);
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

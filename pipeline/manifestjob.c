/*
 * manifest: the jobs: list read into struct manifest_job, each started
 * from defaults:, checked for its needed keys, its local inputs resolved,
 * and every job given a unique id (derived from its files when not given).
 */
#define _POSIX_C_SOURCE 200809L
#include "manifestint.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "mtree.h"
#include "schema.h"

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

void manifest_job_release(struct manifest_job *j)
{
    free(j->id);
    free(j->video);
    free(j->audio);
    free(j->text);
    free(j->voice_id);
    free(j->voice_language);
    free(j->window_of);
    memset(j, 0, sizeof(*j));
}

/* An id from a file name: disallowed characters become '_'. */
static char *manifest_id_from(const char *path)
{
    const char *q = strrchr(path, '?');
    char *trimmed = q ? xstrndup(path, (size_t)(q - path)) : xstrdup(path);
    char *stem = util_stem(trimmed);
    const struct schema_key *k = schema_find(SCHEMA_JOB, "id", NULL);

    free(trimmed);
    schema_id_safe(stem);
    if (stem[0] == '.' || stem[0] == '-' || !stem[0]) {
        char *fixed = xasprintf("job%s", stem);

        free(stem);
        stem = fixed;
    }
    if (strlen(stem) > (size_t)k->max)
        stem[(size_t)k->max] = '\0';
    return stem;
}

/* Needed keys present, local inputs resolved against the manifest's
 * folder. */
static void manifest_check_job(struct manifest_ctx *c, uint32_t at,
                               const char *where, uint32_t given,
                               struct manifest_job *j)
{
    enum plan_endpoint ep = c->m->endpoint;
    size_t i, n;
    const struct schema_key *keys = schema_keys(&n);

    for (i = 0; i < n; i++) {
        const struct schema_key *k = &keys[i];
        char **slot = (char **)((char *)j + k->offset);

        if (k->place != SCHEMA_JOB || k->alias_of)
            continue;
        /* A key given wrong has had its error already. */
        if ((k->needed & (1u << ep)) && !(given & (1u << i))) {
            if (k->needed == SCHEMA_ANY)
                mtree_err(&c->tree, at, where, "missing '%s'", k->name);
            else
                mtree_err(&c->tree, at, where, "missing '%s' (%s)", k->name,
                          plan_limits_get(ep)->name);
        }
        if (k->type == SCHEMA_INPUT && *slot &&
            !util_starts_with(*slot, "https://")) {
            char *joined = util_path_join(c->m->dir, *slot);

            free(*slot);
            *slot = util_path_clean(joined);
            free(joined);
        }
    }
    /* A text-to-video result has no dubbed track to keep: its sound is the
     * model's speech. */
    if (ep == PLAN_T2V)
        j->policy.deliver_audio = PLAN_DELIVER_MODEL;
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
static void manifest_ids(struct manifest_ctx *c, const uint32_t *at)
{
    struct manifest *m = c->m;
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
        mtree_err(&c->tree, at[idx[i]], "id",
                  "duplicate id '%s' (first used by the job at line %d); "
                  "give each job a unique id",
                  j->id, first->line);
    }
    free(idx);
}

void manifest_jobs(struct manifest_ctx *c, uint32_t seq, uint32_t defaults)
{
    const struct mtree_node *nd = mtree_get(&c->tree, seq);
    struct manifest *m = c->m;
    struct manifest_job base = {0};
    uint32_t *at, item, given = 0;
    size_t i = 0;

    manifest_defaults(SCHEMA_JOB, &base);
    /* The table's default is audio-to-video's; text-to-video has no dub to
     * cut a scene at, and trims. */
    if (m->endpoint == PLAN_T2V && base.policy.long_video == PLAN_LONG_SEGMENT)
        base.policy.long_video = PLAN_LONG_TRIM;
    if (defaults)
        given = manifest_fields(c, defaults, "defaults", 1, &base);
    if (!nd || nd->kind != MTREE_SEQ) {
        mtree_err(&c->tree, seq, "jobs", "expected a list of jobs");
    } else if (nd->count == 0) {
        mtree_err(&c->tree, seq, "jobs", "the list is empty: nothing to do");
    } else {
        m->jobs = xcalloc(nd->count, sizeof(*m->jobs));
        at = xcalloc(nd->count, sizeof(*at));
        for (item = mtree_first(&c->tree, seq); item;
             item = mtree_next(&c->tree, item), i++) {
            struct manifest_job *j = &m->jobs[i];
            char where[48];

            snprintf(where, sizeof(where), "jobs[%zu]", i + 1);
            manifest_job_copy(j, &base);
            j->line = (int)c->tree.nodes[item].line;
            at[i] = item;
            manifest_check_job(c, item, where,
                               given | manifest_fields(c, item, where, 0, j),
                               j);
        }
        m->njobs = i;
        manifest_ids(c, at);
        free(at);
    }
    manifest_job_release(&base);
}

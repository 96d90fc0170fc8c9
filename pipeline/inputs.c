/*
 * inputs: distinct input files, probed once.  Sorted array plus binary
 * search: simple, and a manifest's paths are known before any lookup.
 */
#include "inputs.h"

#include <stdlib.h>
#include <string.h>

#include "manifest.h"
#include "media.h"
#include "wire.h"

static int inputs_cmp(const void *a, const void *b)
{
    return strcmp(((const struct inputs_file *)a)->path,
                  ((const struct inputs_file *)b)->path);
}

static int inputs_path_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void inputs_collect(struct inputs *in, const struct manifest *m)
{
    const char **add = xcalloc(m->njobs * 2 + 1, sizeof(*add));
    size_t i, k = 0, n = 0;

    for (i = 0; i < m->njobs; i++) {
        const char *p[2] = {m->jobs[i].video, m->jobs[i].audio};
        int t;

        for (t = 0; t < 2; t++)
            if (p[t] && !inputs_find(in, p[t]))
                add[k++] = p[t];
    }
    qsort(add, k, sizeof(*add), inputs_path_cmp);
    for (i = 0; i < k; i++)
        if (!n || strcmp(add[n - 1], add[i]) != 0)
            add[n++] = add[i];
    in->files = xrealloc(in->files, (in->n + n + 1) * sizeof(*in->files));
    for (i = 0; i < n; i++) {
        memset(&in->files[in->n + i], 0, sizeof(*in->files));
        in->files[in->n + i].path = xstrdup(add[i]);
    }
    in->n += n;
    if (n)
        qsort(in->files, in->n, sizeof(*in->files), inputs_cmp);
    free(add);
}

static void inputs_done(void *arg, const struct wire_reply *r)
{
    struct inputs_file *f = arg;

    if (!r->ok) {
        f->err = r->err;
        return;
    }
    if (!r->has_facts) {
        dub_errf(&f->err, DUB_EWORKER, "media worker sent no facts for '%s'",
                 f->path);
        return;
    }
    f->facts = r->facts;
    f->ok = 1;
}

static void inputs_hashed(void *arg, const struct wire_reply *r)
{
    struct inputs_file *f = arg;

    if (r->ok)
        memcpy(f->sha256, r->sha256, sizeof(f->sha256));
}

void inputs_probe(struct inputs *in, struct media_pool *pool, int hash)
{
    size_t i;

    unsigned char *fresh = xcalloc(in->n + 1, 1);

    for (i = 0; i < in->n; i++) {
        if (in->files[i].asked)
            continue;
        in->files[i].asked = fresh[i] = 1;
        /* Which file it is, before anything reads it: the upload and the
         * conform check that they read that very one. */
        if (!util_starts_with(in->files[i].path, "https://"))
            in->files[i].has_id = fileid_of(in->files[i].path,
                                            &in->files[i].id) == 0;
        media_probe(pool, in->files[i].path, inputs_done, &in->files[i]);
    }
    media_pool_drain(pool);
    for (i = 0; hash && i < in->n; i++)
        if (fresh[i] && in->files[i].ok &&
            !util_starts_with(in->files[i].path, "https://"))
            media_hash(pool, in->files[i].path, inputs_hashed, &in->files[i]);
    media_pool_drain(pool);
    free(fresh);
}

const struct inputs_file *inputs_find(const struct inputs *in,
                                      const char *path)
{
    struct inputs_file key = {0};

    if (!in->n)
        return NULL;
    key.path = (char *)path;
    return bsearch(&key, in->files, in->n, sizeof(*in->files), inputs_cmp);
}

void inputs_release(struct inputs *in)
{
    size_t i;

    for (i = 0; i < in->n; i++)
        free(in->files[i].path);
    free(in->files);
    memset(in, 0, sizeof(*in));
}

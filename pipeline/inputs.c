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

void inputs_collect(struct inputs *in, const struct manifest *m)
{
    size_t i, k = 0;

    memset(in, 0, sizeof(*in));
    in->files = xcalloc(m->njobs * 2 + 1, sizeof(*in->files));
    for (i = 0; i < m->njobs; i++) {
        if (m->jobs[i].video)
            in->files[k++].path = m->jobs[i].video;
        if (m->jobs[i].audio)
            in->files[k++].path = m->jobs[i].audio;
    }
    qsort(in->files, k, sizeof(*in->files), inputs_cmp);
    for (i = 0; i < k; i++) {
        if (in->n && strcmp(in->files[in->n - 1].path, in->files[i].path) == 0)
            continue;
        in->files[in->n].path = xstrdup(in->files[i].path);
        in->n++;
    }
    for (i = in->n; i < k; i++)
        in->files[i].path = NULL;
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

    for (i = 0; i < in->n; i++)
        media_probe(pool, in->files[i].path, inputs_done, &in->files[i]);
    media_pool_drain(pool);
    for (i = 0; hash && i < in->n; i++)
        if (in->files[i].ok && !util_starts_with(in->files[i].path, "https://"))
            media_hash(pool, in->files[i].path, inputs_hashed, &in->files[i]);
    media_pool_drain(pool);
}

const struct inputs_file *inputs_find(const struct inputs *in,
                                      const char *path)
{
    struct inputs_file key = {0};

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

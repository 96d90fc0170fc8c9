/*
 * prep: conforms one input through the media workers, with a cache, and
 * checks the result against the same limits as any input.
 *
 *   key = sha256(the input's content hash, kind, plan) -> work/<key>.<ext>
 *     exists: probe it (a cached file is re-checked, never trusted blind)
 *     missing: conform it (the worker probes the result)
 *   -> plan the result again: it must be accepted as it is
 *
 * The key names the conformed content by how it is made, so it also names
 * its upload: the cache of uploads and fal's file name use it.
 *
 * Asynchronous: prep_start() returns at once and done() runs from inside
 * media_pool_handle() when the chain ends, so it fits the runner's loop;
 * validate drains the pool instead.
 */
#ifndef DUB_PREP_H
#define DUB_PREP_H

#include "facts.h"
#include "plan.h"
#include "util.h"

struct inputs_file;
struct media_pool;

enum prep_kind { PREP_VIDEO, PREP_AUDIO };

struct prep;
typedef void prep_fn(struct prep *p, void *arg);

struct prep {
    /* Set by prep_setup(); borrowed, must outlive the chain. */
    const struct inputs_file *in; /* probed (and hashed) */
    enum prep_kind kind;
    const struct plan *plan;     /* its video or audio part is used */
    const struct plan_limits *lim;
    const struct plan_policy *pol;
    prep_fn *done;
    void *arg;
    char key[65];                /* the conformed file's content key */
    char *out;                   /* the conformed file (owned; prep_release) */

    /* Filled by the chain. */
    int ok;
    int cached;                  /* the work file already existed */
    struct facts result;
    struct dub_err err;
    struct media_pool *pool;
};

/* Fills p for conforming in by plan into workdir (<output_dir>/.dubbatch/
 * work); done is called when prep_start()'s chain ends. */
void prep_setup(struct prep *p, const struct inputs_file *in,
                enum prep_kind kind, const struct plan *plan,
                const struct plan_limits *lim, const struct plan_policy *pol,
                const char *workdir, prep_fn *done, void *arg);
void prep_start(struct media_pool *pool, struct prep *p);
void prep_release(struct prep *p);

#endif

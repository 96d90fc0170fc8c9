/*
 * prep: conforms one input through the media workers, with a cache, and
 * checks the result against the same limits as any input.
 *
 *   hash the input -> key = sha256(input hash, plan) -> work/<key>.<ext>
 *     exists: probe it (a cached file is re-checked, never trusted blind)
 *     missing: conform it (the worker probes the result)
 *   -> plan the result again: it must be accepted as it is
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

struct media_pool;

enum prep_kind { PREP_VIDEO, PREP_AUDIO };

struct prep {
    /* Set by the caller; borrowed, must outlive the chain. */
    const char *in;
    const struct facts *facts;   /* of in */
    enum prep_kind kind;
    const struct plan *plan;     /* its video or audio part is used */
    const struct plan_limits *lim;
    const struct plan_policy *pol;
    const char *workdir;         /* <output_dir>/.dubbatch/work */
    void (*done)(struct prep *p, void *arg);
    void *arg;

    /* Filled by the chain. */
    int ok;
    int cached;                  /* the work file already existed */
    char in_sha[65];
    char *out;                   /* the conformed file (owned; prep_release) */
    struct facts result;
    struct dub_err err;
    struct media_pool *pool;
};

void prep_start(struct media_pool *pool, struct prep *p);
void prep_release(struct prep *p);

#endif

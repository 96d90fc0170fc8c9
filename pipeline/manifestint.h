/*
 * manifestint: what the two files of the manifest module share
 * (manifest.c, manifestjob.c); not for other modules, which use
 * manifest.h.
 */
#ifndef DUB_MANIFESTINT_H
#define DUB_MANIFESTINT_H

#include <stdint.h>

#include "manifest.h"
#include "mtree.h"
#include "schema.h"

struct manifest_ctx {
    struct mtree tree;   /* and the errors */
    struct manifest *m;
    uint32_t out_at;     /* the output_dir value, for its error */
};

/* Fills base with the table's defaults for place (manifest.c). */
void manifest_defaults(enum schema_place place, void *base);
/* Reads a job mapping (or defaults:) into j; returns the keys it gives,
 * right or wrong, as bits by table index (manifest.c). */
uint32_t manifest_fields(struct manifest_ctx *c, uint32_t map,
                         const char *where, int in_defaults,
                         struct manifest_job *j);
/* Reads the jobs: list at seq into c->m, each job started from the
 * defaults: mapping (0 for none) (manifestjob.c). */
void manifest_jobs(struct manifest_ctx *c, uint32_t seq, uint32_t defaults);

#endif

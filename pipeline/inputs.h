/*
 * inputs: the distinct input files of a manifest, probed once each through
 * the media workers.  Ten thousand jobs often share a hundred files.
 */
#ifndef DUB_INPUTS_H
#define DUB_INPUTS_H

#include <stddef.h>

#include "facts.h"
#include "fileid.h"
#include "util.h"

struct manifest;
struct media_pool;

struct inputs_file {
    char *path;
    int asked;          /* handed to a worker (inputs_probe) */
    int ok;             /* probed */
    struct facts facts; /* when ok */
    struct dub_err err; /* when not */
    char sha256[65];    /* its content, when asked and readable ("" else) */
    struct fileid id;   /* the file the path named when it was probed ... */
    int has_id;         /* ... for a local one that could be read */
};

struct inputs {
    struct inputs_file *files; /* sorted by path */
    size_t n;
};

/* Adds the manifest's distinct video and audio paths that in does not
 * hold yet (in zeroed before the first call); what in knows is kept, so a
 * manifest rewritten with long scenes' windows costs only its new files. */
void inputs_collect(struct inputs *in, const struct manifest *m);
/* Probes every file not asked yet through pool, and with hash also hashes
 * each one that probed (the content is what names work and its uploads);
 * returns when all are done. */
void inputs_probe(struct inputs *in, struct media_pool *pool, int hash);
/* The entry for path, or NULL. */
const struct inputs_file *inputs_find(const struct inputs *in,
                                      const char *path);
void inputs_release(struct inputs *in);

#endif

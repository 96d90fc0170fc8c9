/*
 * batchdir: the results folder that status, report and cancel are pointed
 * at, by its manifest or directly, and the batch recorded in it.
 */
#ifndef DUB_BATCHDIR_H
#define DUB_BATCHDIR_H

#include "manifest.h"

/* Both owned; released by batchdir_release(). */
struct batchdir {
    char *dir;          /* the output folder */
    int has_manifest;   /* 1 when found through a manifest, held in m */
    struct manifest m;
};

/*
 * Finds the folder arg names (a manifest, or a folder) and checks that a
 * batch has run there.  Returns 0, or after printing why the exit code to
 * end with: EXIT_MANIFEST for a manifest that cannot be read, EXIT_USAGE
 * for a folder where no batch has run.
 */
int batchdir_find(struct batchdir *o, const char *arg);
void batchdir_release(struct batchdir *o);

#endif

/*
 * outdir: the results folder that status, report and cancel are pointed
 * at, by its manifest or directly, and the batch recorded in it.
 */
#ifndef DUB_OUTDIR_H
#define DUB_OUTDIR_H

#include "manifest.h"

/* Both owned; released by outdir_release(). */
struct outdir {
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
int outdir_find(struct outdir *o, const char *arg);
void outdir_release(struct outdir *o);

#endif

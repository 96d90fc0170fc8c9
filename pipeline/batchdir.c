/*
 * batchdir: MANIFEST|OUTPUT_DIR, the argument of the verbs that look at a
 * batch after (or while) it runs.
 */
#define _POSIX_C_SOURCE 200809L
#include "batchdir.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"

int batchdir_find(struct batchdir *o, const char *arg)
{
    struct stat st;
    struct buf errors = {0};
    struct dub_err e = {0};
    char *dot, *db;
    int rc = EXIT_DONE;

    memset(o, 0, sizeof(*o));
    if (stat(arg, &st) == 0 && S_ISDIR(st.st_mode)) {
        o->dir = xstrdup(arg);
    } else {
        /* Anything but a folder is taken for a manifest, so a mistyped
         * name is reported as the manifest it was meant to be. */
        if (manifest_load(arg, &o->m, &errors, &e) < 0) {
            fputs(errors.data ? errors.data : "", stderr);
            buf_release(&errors);
            manifest_release(&o->m);
            return EXIT_MANIFEST;
        }
        buf_release(&errors);
        o->has_manifest = 1;
        o->dir = xstrdup(o->m.output_dir);
    }
    dot = util_path_join(o->dir, ".dubbatch");
    db = util_path_join(dot, "state.db");
    if (stat(db, &st) < 0) {
        fprintf(stderr, "dubbatch: no batch has run in '%s'\n", o->dir);
        batchdir_release(o);
        rc = EXIT_USAGE;
    }
    free(db);
    free(dot);
    return rc;
}

void batchdir_release(struct batchdir *o)
{
    if (o->has_manifest)
        manifest_release(&o->m);
    free(o->dir);
    memset(o, 0, sizeof(*o));
}

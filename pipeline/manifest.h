/*
 * manifest: the batch description, YAML or CSV -> struct manifest.
 *
 * yamltree.c reads the YAML (the only file that includes yaml.h).  The
 * keys, their types and limits are the table in schema.c.  Every problem is reported with file:line
 * (and :column for YAML) and the field, all at once, with a suggestion for
 * a misspelled key.  Paths come out resolved against the manifest's folder
 * and clean ("manifests/../out" is "out").  A file whose name ends in .csv
 * is read as CSV: a header row naming job keys, one job per row.
 */
#ifndef DUB_MANIFEST_H
#define DUB_MANIFEST_H

#include <stddef.h>

#include "plan.h"
#include "util.h"

/* Largest manifest read, most YAML aliases and deepest YAML nesting allowed
 * in it: a "billion laughs" or a "[[[[..." document is refused at the line
 * where it crosses the limit, before anything more is read. */
#define MANIFEST_MAX_BYTES (16 << 20)
#define MANIFEST_MAX_ALIASES 256
#define MANIFEST_MAX_DEPTH 32
/* Errors listed before the rest are only counted. */
#define MANIFEST_MAX_ERRORS 100

struct manifest_job {
    char *id;
    char *video;          /* local path (resolved) or https:// URL */
    char *audio;          /* audio-to-video only */
    char *text;           /* text-to-video only */
    char *voice_id;
    char *voice_language; /* "en" when not given */
    double voice_speed;   /* 1.0 when not given */
    struct plan_policy policy;
    int line;             /* where the job starts in the manifest */
    char *window_of;      /* a long scene's window (scenes.h): the scene's
                             id; NULL for a job of the manifest's own */
};

struct manifest {
    char *path;           /* the manifest file as given */
    char *dir;            /* its folder, for relative paths */
    int version;
    char *output_dir;     /* resolved */
    enum plan_endpoint endpoint;
    int concurrency;      /* remote slots; 2 when not given */
    struct plan_pricing pricing;
    struct manifest_job *jobs;
    size_t njobs;
};

enum manifest_flags {
    /* Refuse an output folder outside the batch's folder or in a system
     * folder (outdir.h): run and validate, unless --output-dir-ok. */
    MANIFEST_CHECK_OUTPUT = 1 << 0,
};

/*
 * Loads path.  On failure returns -1; errors gets one line per problem
 * ("m.yaml:12:5: jobs[3]: unknown key 'vidoe'; did you mean 'video'?"),
 * with control characters escaped, and e a summary.  m is released by
 * manifest_release() either way.  manifest_load() checks no flags: for
 * reading a batch that has run (status, cancel, report).
 */
int manifest_load_flags(const char *path, unsigned flags, struct manifest *m,
                        struct buf *errors, struct dub_err *e);
int manifest_load(const char *path, struct manifest *m, struct buf *errors,
                  struct dub_err *e);
void manifest_release(struct manifest *m);
void manifest_job_release(struct manifest_job *j);

#endif

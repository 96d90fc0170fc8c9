/*
 * manifest: the YAML batch description -> struct manifest.
 *
 * The only file that includes yaml.h.  Every problem is reported with
 * file:line:column and the field, all at once, with a suggestion for a
 * misspelled key.  Paths come out resolved against the manifest's folder.
 */
#ifndef DUB_MANIFEST_H
#define DUB_MANIFEST_H

#include <stddef.h>

#include "plan.h"
#include "util.h"

/* Largest manifest read, and most YAML aliases allowed in it: a "billion
 * laughs" document is refused before it is walked. */
#define MANIFEST_MAX_BYTES (16 << 20)
#define MANIFEST_MAX_ALIASES 256

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

/*
 * Loads path.  On failure returns -1; errors gets one line per problem
 * ("m.yaml:12:5: jobs[3].vidoe: unknown key; did you mean 'video'?") and e
 * a summary.  m is released by manifest_release() either way.
 */
int manifest_load(const char *path, struct manifest *m, struct buf *errors,
                  struct dub_err *e);
void manifest_release(struct manifest *m);

/* The published voice ids of the text-to-video endpoint. */
int manifest_voice_known(const char *voice_id);

#endif

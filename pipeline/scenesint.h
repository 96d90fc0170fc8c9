/*
 * scenesint: what the two files of the scenes module share (scenes.c,
 * before the run; scenesjoin.c, after it): a scene and its windows.  Not
 * for other modules, which use scenes.h.
 */
#ifndef DUB_SCENESINT_H
#define DUB_SCENESINT_H

#include "job.h"
#include "report.h"
#include "scenes.h"

struct scene_window {
    struct scene *s;
    int k;
    char *id;            /* "<scene>~w01"; also silent ones, for names */
    char *video, *audio; /* the slices in the work folder */
    struct dub_err err;  /* cutting the slices failed */
    /* After the run, from its job's row. */
    enum job_state at;
    char *request_id, *result;
    char why[512];
};

struct scene {
    struct manifest_job mj;     /* as the manifest gave it; owned */
    const struct plan_limits *lim;
    struct facts vf, af;
    int vok, aok;
    char vhash[65], ahash[65];
    struct dub_err err;         /* set: the scene failed before its run */
    struct scenes_job an;
    struct plan whole;          /* the whole scene conformed, untrimmed */
    struct scene_window *w;     /* an.plan.n */
    /* After the run: where the scene stands, as a job state (it is not a
     * job: its windows are). */
    enum job_state stage;
    char reason[1280];
    char *requests;             /* the windows' request ids, comma separated */
    char *stitched, *output;
    struct state_job row;       /* what the report shows for the scene */
    struct plan shown;          /* the whole plan, billed as its windows */
    struct report_window *rw;   /* per window, for the report */
};

#endif

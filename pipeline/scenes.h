/*
 * scenes: the windows of a long scene, planned from its analysis.  The
 * dub's loudness and the picture's shot changes are measured in a media
 * worker (media_analyze); window.c turns them into windows.  validate
 * prints the plan; the run does not cut scenes yet (design.md 6a): it
 * trims them, and says so.
 */
#ifndef DUB_SCENES_H
#define DUB_SCENES_H

#include "facts.h"
#include "media.h"
#include "plan.h"
#include "window.h"

/* One scene; fill the inputs, then scenes_start().  Owns plan. */
struct scenes_job {
    const char *video, *audio;        /* the files, as the manifest names */
    const struct facts *vf;           /* the video's probe */
    const struct plan_limits *lim;
    const struct plan_pricing *price;
    int done, ok;
    struct dub_err err;               /* when !ok: the analysis failed */
    struct window_plan plan;          /* when ok */
};

/* 1 when the job's scene is cut into windows: audio-to-video with a dub,
 * long: segment, and a picture over the endpoint's limit. */
int scenes_wanted(const struct plan_limits *lim, const struct plan_policy *pol,
                  const struct facts *video, const struct facts *audio);

/* Queues the analysis; the plan is there once the pool has drained. */
void scenes_start(struct media_pool *pool, struct scenes_job *s);
void scenes_release(struct scenes_job *s);

#endif

/*
 * scenes: a long scene's analysis, in a worker, then its windows.
 */
#include "scenes.h"

#include <math.h>
#include <string.h>

#include "wire.h"

int scenes_wanted(const struct plan_limits *lim, const struct plan_policy *pol,
                  const struct facts *video, const struct facts *audio)
{
    return lim->needs_audio && audio && video->has_video &&
           pol->long_video == PLAN_LONG_SEGMENT &&
           video->video.duration > lim->video_max;
}

static void scenes_analyzed(void *arg, const struct wire_reply *r)
{
    struct scenes_job *s = arg;
    const struct facts_video *v = &s->vf->video;
    struct window_scene scene = {0};

    s->done = 1;
    if (!r->ok || !r->has_analysis) {
        s->err = r->err;
        return;
    }
    scene.fps_num = v->fps_num > 0 ? v->fps_num : 25;
    scene.fps_den = v->fps_den > 0 ? v->fps_den : 1;
    /* A header without a frame count: the duration at the rate, as the
     * conform that makes the scene's frames counts them. */
    scene.frames = v->frames > 0 ? v->frames
                                 : llround(v->duration * scene.fps_num /
                                           scene.fps_den);
    scene.a = &r->analysis;
    window_plan_make(&scene, s->lim, s->price, &s->plan);
    s->ok = 1;
}

void scenes_start(struct media_pool *pool, struct scenes_job *s)
{
    s->done = s->ok = 0;
    memset(&s->plan, 0, sizeof(s->plan));
    media_analyze(pool, s->video, s->audio, scenes_analyzed, s);
}

void scenes_release(struct scenes_job *s)
{
    if (s->ok)
        window_plan_release(&s->plan);
    s->ok = 0;
}

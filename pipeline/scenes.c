/*
 * scenes: a long scene's analysis and windows, and its slices as child
 * jobs; the join after the run is scenesjoin.c (scenes.h says the whole
 * flow).  Each phase queues its media tasks for every scene, then drains
 * the pool: scenes are few, and their media work is what takes the time.
 */
#define _POSIX_C_SOURCE 200809L
#include "scenesint.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "inputs.h"
#include "job.h"
#include "log.h"
#include "report.h"
#include "wire.h"

/* ==== Analysis and windows ============================================== */

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

/* ==== Before the run: probes, windows, slices =========================== */

static void scenes_fail(struct scene *s, const char *fmt, ...) DUB_PRINTF(2, 3);

static void scenes_fail(struct scene *s, const char *fmt, ...)
{
    va_list ap;

    if (s->err.msg[0])
        return;
    s->err.code = DUB_EMEDIA;
    va_start(ap, fmt);
    vsnprintf(s->err.msg, sizeof(s->err.msg), fmt, ap);
    va_end(ap);
}

/*
 * The plan of one window: the whole scene's steps (size, rate, format),
 * from the window's first frame for its count, always encoded; the dub
 * from the same instant for as long, padded with silence past its end.
 */
static void scenes_slice_plan(const struct scene *s, const struct window *w,
                              struct plan *out)
{
    const struct plan_video *pv = &s->whole.video;
    double fps = (double)pv->fps_num / pv->fps_den;

    *out = s->whole;
    out->video.step = PLAN_ENCODE;
    out->video.why |= PLAN_V_SLICE;
    out->video.why &= ~(unsigned)PLAN_V_TRIM;
    out->video.start = w->start;
    out->video.frames = w->end - w->start;
    out->video.duration = (w->end - w->start) / fps;
    out->audio.step = PLAN_ENCODE;
    out->audio.why |= PLAN_A_SLICE;
    out->audio.why &= ~(unsigned)(PLAN_A_TRIM | PLAN_A_PAD);
    out->audio.start = w->start / fps;
    out->audio.duration = out->video.duration;
    snprintf(out->audio.ext, sizeof(out->audio.ext), "m4a");
}

static void scenes_sliced(void *arg, const struct wire_reply *r)
{
    struct scene_window *sw = arg;

    if (!r->ok && !sw->err.msg[0])
        sw->err = r->err;
}

/* A slice's name holds what it is cut from (both inputs' content) and
 * where, so a changed input never meets an old slice. */
static char *scenes_slice_name(const struct scene *s, const char *workdir,
                               const struct window *w, const char *ext)
{
    return xasprintf("%s/%s.%.8s%.8s.%lld-%lld.%s", workdir, s->mj.id,
                     s->vhash, s->ahash, (long long)w->start,
                     (long long)w->end, ext);
}

static void scenes_slice(struct scene *s, struct media_pool *pool,
                         const char *workdir)
{
    int k;

    s->w = xcalloc((size_t)s->an.plan.n + 1, sizeof(*s->w));
    for (k = 0; k < s->an.plan.n; k++) {
        const struct window *w = &s->an.plan.w[k];
        struct scene_window *sw = &s->w[k];
        struct plan p;

        sw->s = s;
        sw->k = k;
        sw->id = xasprintf("%s~w%02d", s->mj.id, k + 1);
        sw->video = scenes_slice_name(s, workdir, w, "mp4");
        sw->audio = scenes_slice_name(s, workdir, w, "m4a");
        scenes_slice_plan(s, w, &p);
        if (access(sw->video, F_OK) < 0)
            media_conform(pool, s->mj.video, &s->vf, &p, 0, sw->video,
                          scenes_sliced, sw);
        if (!w->silent && access(sw->audio, F_OK) < 0)
            media_conform(pool, s->mj.audio, &s->af, &p, 1, sw->audio,
                          scenes_sliced, sw);
    }
}

/* The scene's own steps, with no limit on its length: what every slice
 * shares. */
static void scenes_plan_whole(struct scene *s, const struct plan_pricing *pr)
{
    struct plan_limits lim = *s->lim;
    struct plan_policy pol = s->mj.policy;

    lim.video_max = lim.audio_max = 1e9;
    lim.video_max_bytes = lim.audio_max_bytes = INT64_MAX;
    pol.long_video = pol.long_audio = PLAN_LONG_TRIM;
    plan_make(&lim, &pol, pr, &s->vf, &s->af, &s->whole);
    if (s->whole.verdict == PLAN_REJECT)
        scenes_fail(s, "%s", s->whole.reason);
}

/* The child job of window sw, owned by the manifest. */
static void scenes_child(const struct scene *s, const struct scene_window *sw,
                         struct manifest_job *c)
{
    memset(c, 0, sizeof(*c));
    c->id = xstrdup(sw->id);
    c->video = xstrdup(sw->video);
    c->audio = xstrdup(sw->audio);
    c->policy = s->mj.policy;
    c->policy.long_video = PLAN_LONG_TRIM;
    c->line = s->mj.line;
    c->window_of = xstrdup(s->mj.id);
}

/* m's jobs with each expanded scene replaced by its windows' jobs. */
static void scenes_rewrite(struct scenes *sc, struct manifest *m,
                           const unsigned char *is_scene)
{
    struct manifest_job *jobs;
    size_t i, n = 0, cap = m->njobs + 1, k = 0;
    int w;

    for (i = 0; i < sc->n; i++)
        cap += sc->s[i].err.msg[0] ? 0 : (size_t)sc->s[i].an.plan.n;
    jobs = xcalloc(cap, sizeof(*jobs));
    for (i = 0; i < m->njobs; i++) {
        struct scene *s;

        if (!is_scene[i]) {
            jobs[n++] = m->jobs[i];
            continue;
        }
        s = &sc->s[k++];
        for (w = 0; !s->err.msg[0] && w < s->an.plan.n; w++)
            if (!s->an.plan.w[w].silent)
                scenes_child(s, &s->w[w], &jobs[n++]);
    }
    free(m->jobs);
    m->jobs = jobs;
    m->njobs = n;
}

static void scenes_analyse(struct scenes *sc, struct media_pool *pool,
                           const struct manifest *m)
{
    size_t i;

    for (i = 0; i < sc->n; i++) {
        struct scene *s = &sc->s[i];

        scenes_plan_whole(s, &m->pricing);
        if (s->err.msg[0])
            continue;
        s->an.video = s->mj.video;
        s->an.audio = s->mj.audio;
        s->an.vf = &s->vf;
        s->an.lim = s->lim;
        s->an.price = &m->pricing;
        scenes_start(pool, &s->an);
    }
    media_pool_drain(pool);
}

static void scenes_check_slices(struct scene *s)
{
    int k;

    if (s->err.msg[0])
        return;
    if (!s->an.ok) {
        scenes_fail(s, "the scene could not be analysed: %s", s->an.err.msg);
        return;
    }
    for (k = 0; k < s->an.plan.n; k++)
        if (s->w[k].err.msg[0]) {
            scenes_fail(s, "window %s could not be cut: %s", s->w[k].id,
                        s->w[k].err.msg);
            return;
        }
}

/* Whether mj is a long scene: a segment job with a dub whose inputs both
 * probed (an unreadable one is a job like any other, and fails as one). */
static int scenes_candidate(const struct plan_limits *lim,
                            const struct inputs *in,
                            const struct manifest_job *mj)
{
    const struct inputs_file *v, *a;

    if (!lim->needs_audio || !mj->audio ||
        mj->policy.long_video != PLAN_LONG_SEGMENT)
        return 0;
    v = inputs_find(in, mj->video);
    a = inputs_find(in, mj->audio);
    return v && v->ok && a && a->ok &&
           scenes_wanted(lim, &mj->policy, &v->facts, &a->facts);
}

static void scenes_take(struct scene *s, const struct manifest_job *mj,
                        const struct plan_limits *lim, const struct inputs *in)
{
    const struct inputs_file *v = inputs_find(in, mj->video);
    const struct inputs_file *a = inputs_find(in, mj->audio);

    s->mj = *mj;
    s->lim = lim;
    s->stage = JOB_NEW;
    s->vf = v->facts;
    s->af = a->facts;
    s->vok = s->aok = 1;
    /* The slices are named by their sources' content. */
    memcpy(s->vhash, v->sha256, sizeof(s->vhash));
    memcpy(s->ahash, a->sha256, sizeof(s->ahash));
    if (!s->vhash[0])
        scenes_fail(s, "video: '%s' could not be read to its end", mj->video);
    else if (!s->ahash[0])
        scenes_fail(s, "audio: '%s' could not be read to its end", mj->audio);
}

void scenes_expand(struct scenes *sc, struct manifest *m,
                   const struct inputs *in, struct media_pool *pool,
                   const char *workdir)
{
    const struct plan_limits *lim = plan_limits_get(m->endpoint);
    unsigned char *cand = xcalloc(m->njobs + 1, 1);
    size_t i, n = 0;

    memset(sc, 0, sizeof(*sc));
    /* From the facts the run has already: nothing is probed twice, and
     * a batch without long scenes pays one pass over its jobs. */
    for (i = 0; i < m->njobs; i++)
        n += cand[i] = (unsigned char)scenes_candidate(lim, in, &m->jobs[i]);
    sc->s = xcalloc(n + 1, sizeof(*sc->s));
    for (i = 0; i < m->njobs; i++)
        if (cand[i])
            scenes_take(&sc->s[sc->n++], &m->jobs[i], lim, in);
    scenes_analyse(sc, pool, m);
    for (i = 0; i < sc->n; i++)
        if (!sc->s[i].err.msg[0] && sc->s[i].an.ok)
            scenes_slice(&sc->s[i], pool, workdir);
    media_pool_drain(pool);
    for (i = 0; i < sc->n; i++) {
        scenes_check_slices(&sc->s[i]);
        if (sc->s[i].err.msg[0]) {
            sc->s[i].stage = JOB_FAILED;
            snprintf(sc->s[i].reason, sizeof(sc->s[i].reason), "%s",
                     sc->s[i].err.msg);
            log_error(sc->s[i].mj.id, "%s", sc->s[i].reason);
        } else {
            log_info(sc->s[i].mj.id, "a long scene in %d windows",
                     sc->s[i].an.plan.n);
        }
    }
    scenes_rewrite(sc, m, cand);
    free(cand);
}

void scenes_free(struct scenes *sc)
{
    size_t i;
    int k;

    for (i = 0; i < sc->n; i++) {
        struct scene *s = &sc->s[i];

        for (k = 0; s->w && k < s->an.plan.n; k++) {
            free(s->w[k].id);
            free(s->w[k].video);
            free(s->w[k].audio);
            free(s->w[k].request_id);
            free(s->w[k].result);
        }
        free(s->rw);
        free(s->w);
        scenes_release(&s->an);
        free(s->requests);
        free(s->stitched);
        free(s->output);
        manifest_job_release(&s->mj);
    }
    free(sc->s);
    memset(sc, 0, sizeof(*sc));
}

/*
 * scenes: a long scene's analysis and windows, its slices as child jobs,
 * and the join after the run (scenes.h says the whole flow).  Each phase
 * queues its media tasks for every scene, then drains the pool: scenes are
 * few, and their media work is what takes the time.
 */
#define _POSIX_C_SOURCE 200809L
#include "scenes.h"

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

/* ==== After the run: stitch, deliver, verify ============================ */

/* Each sent window's row, as this run left it. */
static void scenes_read(struct scene *s, struct state *st)
{
    int k;

    for (k = 0; k < s->an.plan.n; k++) {
        struct scene_window *sw = &s->w[k];
        struct state_job j = {0};
        struct dub_err e = {0};

        if (s->an.plan.w[k].silent)
            continue;
        sw->at = JOB_NEW;
        if (state_job_load(st, sw->id, &j, &e) > 0) {
            sw->at = j.state;
            free(sw->request_id);
            sw->request_id = j.request_id ? xstrdup(j.request_id) : NULL;
            free(sw->result);
            sw->result = j.output ? xstrdup(j.output) : NULL;
            snprintf(sw->why, sizeof(sw->why), "%s", j.error ? j.error : "");
        }
        state_job_release(&j);
    }
}

/* Where the scene stands from its windows: all DONE (0, parts filled),
 * one that will not be (1, the scene's reason says which), or work that
 * remains (-1; the scene stands where its least advanced window does). */
static int scenes_windows(struct scene *s, struct scene_part *parts)
{
    const struct window_plan *p = &s->an.plan;
    double spf = (double)p->fps_den / p->fps_num;
    struct buf ids = {0};
    int k, rc = 0;

    for (k = 0; k < p->n; k++) {
        const struct window *w = &p->w[k];
        struct scene_window *sw = &s->w[k];

        parts[k].frames = w->end - w->start;
        parts[k].path = sw->video;
        if (w->silent)
            continue;
        if (!job_is_final(sw->at)) {
            rc = rc ? rc : -1;
            if (sw->at < s->stage)
                s->stage = sw->at;
        } else if (sw->at != JOB_DONE || !sw->result) {
            snprintf(s->reason, sizeof(s->reason),
                     "window %s (%.2f-%.2f s) ended %s: %s", sw->id,
                     w->start * spf, w->end * spf, job_state_name(sw->at),
                     sw->why[0] ? sw->why : "no reason");
            rc = 1;
        } else {
            parts[k].path = sw->result;
            if (sw->request_id)
                buf_printf(&ids, "%s%s", ids.len ? "," : "", sw->request_id);
        }
    }
    free(s->requests);
    s->requests = ids.data ? ids.data : xstrdup("");
    return rc;
}

static void scenes_stitched(void *arg, const struct wire_reply *r)
{
    struct scene *s = arg;

    if (!r->ok) {
        /* The worker's own messages name the step; a lost worker's do not. */
        const char *step = strncmp(r->err.msg, "stitch", 6) ? "stitch: " : "";

        s->stage = JOB_FAILED;
        snprintf(s->reason, sizeof(s->reason), "%s%s", step, r->err.msg);
    }
}

static void scenes_delivered(void *arg, const struct wire_reply *r)
{
    struct scene *s = arg;

    if (!r->ok) {
        s->stage = JOB_FAILED;
        snprintf(s->reason, sizeof(s->reason), "deliver: %s", r->err.msg);
    } else if (r->has_delivery && r->delivery.audio_cut > 0.001) {
        log_warn(s->mj.id, "the dub runs %.2f s past the picture: cut",
                 r->delivery.audio_cut);
    }
}

static void scenes_verified(void *arg, const struct wire_reply *r)
{
    struct scene *s = arg;

    if (!r->ok) {
        s->stage = JOB_FAILED;
        snprintf(s->reason, sizeof(s->reason), "the delivered scene is off: %s",
                 r->err.msg);
    }
}

/* A scene delivered by an earlier run is recorded in state.db's meta table
 * under "scene:<id>", with what it was made from (both inputs' content):
 * the same inputs and the file still there, it is not joined again. */
static char *scenes_meta_key(const struct scene *s)
{
    return xasprintf("scene:%s", s->mj.id);
}

static char *scenes_meta_value(const struct scene *s)
{
    return xasprintf("%s %s", s->vhash, s->ahash);
}

/* Phase 0: a scene delivered before stays DONE; one whose windows are all
 * DONE is stitched; the others wait or fail. */
static void scenes_join(struct scene *s, struct state *st,
                        struct media_pool *pool, const char *output_dir,
                        const char *workdir)
{
    struct scene_part *parts;
    struct dub_err e = {0};
    char *key = scenes_meta_key(s), *value = scenes_meta_value(s);
    char *done = NULL;

    s->output = xasprintf("%s/%s.%s", output_dir, s->mj.id,
                          s->mj.policy.deliver_container == PLAN_CONTAINER_MOV
                              ? "mov" : "mp4");
    if (state_meta_get(st, key, &done, &e) > 0 && strcmp(done, value) == 0 &&
        access(s->output, F_OK) == 0)
        s->stage = JOB_DONE;
    free(done);
    free(value);
    free(key);
    if (s->stage == JOB_DONE)
        return;
    s->stage = JOB_DOWNLOADED;
    parts = xcalloc((size_t)s->an.plan.n + 1, sizeof(*parts));
    switch (scenes_windows(s, parts)) {
    case 1:
        s->stage = JOB_FAILED;
        break;
    case -1:
        break;
    default:
        s->stitched = xasprintf("%s/%s.stitched.mp4", workdir, s->mj.id);
        media_stitch(pool, parts, s->an.plan.n, &s->whole.video, s->stitched,
                     scenes_stitched, s);
    }
    free(parts);
}

/* Phase 1: the stitched picture with the studio's dub, into the results. */
static void scenes_deliver(struct scene *s, struct media_pool *pool)
{
    struct media_delivery d = {0};

    d.picture = s->stitched;
    d.dub = s->mj.audio;
    d.model_audio = s->mj.policy.deliver_audio == PLAN_DELIVER_MODEL;
    d.mov = s->mj.policy.deliver_container == PLAN_CONTAINER_MOV;
    d.request = s->requests;
    d.out = s->output;
    media_deliver(pool, &d, scenes_delivered, s);
}

/* Phase 2: the source's frames at its rate, and the dub over as much of
 * the picture as it covers. */
static void scenes_verify(struct scene *s, struct media_pool *pool)
{
    const struct window_plan *p = &s->an.plan;
    int64_t frames = p->w[p->n - 1].end;
    double picture = frames * (double)p->fps_den / p->fps_num;

    media_verify(pool, s->output, frames, p->fps_num, p->fps_den,
                 fmin(s->af.audio.duration, picture), scenes_verified, s);
}

/* A scene that came through all three: DONE, and recorded so. */
static void scenes_record(struct scene *s, struct state *st)
{
    struct dub_err e = {0};
    char *key = scenes_meta_key(s), *value = scenes_meta_value(s);

    s->stage = JOB_DONE;
    unlink(s->stitched);
    if (state_meta_set(st, key, value, &e) < 0)
        log_warn(s->mj.id, "%s", e.msg);
    free(value);
    free(key);
    log_info(s->mj.id, "delivered: %d windows stitched into %s",
             s->an.plan.n, s->output);
}

void scenes_finish(struct scenes *sc, struct state *st,
                   struct media_pool *pool, const char *output_dir,
                   const char *workdir)
{
    size_t i;
    int phase;

    for (i = 0; i < sc->n; i++)
        if (sc->s[i].w)
            scenes_read(&sc->s[i], st);
    /* Stitch, then deliver, then verify: one phase for every scene at
     * once, the pool drained between. */
    for (phase = 0; phase < 3; phase++) {
        for (i = 0; i < sc->n; i++) {
            struct scene *s = &sc->s[i];

            if (s->stage == JOB_FAILED || s->stage == JOB_DONE)
                continue;
            if (phase == 0)
                scenes_join(s, st, pool, output_dir, workdir);
            else if (s->stage == JOB_DOWNLOADED && s->stitched)
                (phase == 1 ? scenes_deliver : scenes_verify)(s, pool);
        }
        media_pool_drain(pool);
    }
    for (i = 0; i < sc->n; i++)
        if (sc->s[i].stage == JOB_DOWNLOADED && sc->s[i].stitched)
            scenes_record(&sc->s[i], st);
}

void scenes_rows(const struct scenes *sc, struct report_job *rows, int *open,
                 int *failed)
{
    size_t i;
    int k;

    *open = *failed = 0;
    for (i = 0; i < sc->n; i++) {
        struct scene *s = &sc->s[i];
        struct state_job *row = &s->row;

        memset(row, 0, sizeof(*row));
        row->id = s->mj.id;
        row->state = s->stage;
        row->request_id = s->requests && s->requests[0] ? s->requests : NULL;
        row->output = s->stage == JOB_DONE ? s->output : NULL;
        row->error = s->reason[0] ? s->reason : NULL;
        memset(&rows[i], 0, sizeof(rows[i]));
        rows[i].mj = &s->mj;
        rows[i].video = s->vok ? &s->vf : NULL;
        rows[i].audio = s->aok ? &s->af : NULL;
        rows[i].st = row;
        rows[i].state = job_state_name(s->stage);
        rows[i].reason = row->error;
        rows[i].windows = s->an.ok ? &s->an.plan : NULL;
        if (s->an.ok && s->whole.verdict != PLAN_REJECT) {
            s->shown = s->whole;
            s->shown.billed_seconds = s->an.plan.billed;
            s->shown.cost = s->an.plan.cost;
            rows[i].plan = &s->shown;
        }
        if (s->w) {
            free(s->rw);
            s->rw = xcalloc((size_t)s->an.plan.n + 1, sizeof(*s->rw));
            for (k = 0; k < s->an.plan.n; k++) {
                if (s->an.plan.w[k].silent)
                    continue;
                s->rw[k].id = s->w[k].id;
                s->rw[k].state = job_state_name(s->w[k].at);
                s->rw[k].request_id = s->w[k].request_id;
            }
            rows[i].wins = s->rw;
        }
        *open += !job_is_final(s->stage);
        *failed += s->stage == JOB_FAILED;
    }
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

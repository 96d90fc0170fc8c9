/*
 * scenesjoin: a long scene after the run.  Each scene whose windows are
 * all DONE is joined: the windows' results (and the source's slices for
 * silent windows) stitched frame-exact, delivered with the studio's dub
 * into <scene>.mp4, verified, and recorded; a failed window fails its
 * scene, named.  Also the scenes' rows in the report.  Each phase queues
 * its media tasks for every scene, then drains the pool.
 */
#define _POSIX_C_SOURCE 200809L
#include "scenesint.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "job.h"
#include "log.h"
#include "report.h"
#include "wire.h"

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

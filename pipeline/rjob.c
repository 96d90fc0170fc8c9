/*
 * rjob: moving jobs, keeping the counters, and the queues where the loop
 * finds work.
 */
#define _POSIX_C_SOURCE 200809L
#include "rjob.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "log.h"
#include "manifest.h"
#include "remote.h"

/* ==== Moves ============================================================= */

static int rjob_holds_slot(const struct rjob *j, enum job_state s)
{
    return job_is_remote(s) && !j->leader;
}

/* A job no longer counted as open: final, or parked for a later run. */
static void rjob_close(struct rjob *j)
{
    if (!j->parked) {
        j->parked = 1;
        j->run->open--;
    }
}

void rjob_move(struct rjob *j, enum job_state to, const char *detail)
{
    struct runner *run = j->run;
    enum job_state from = j->st.state;
    struct dub_err e = {0};
    struct rjob *f;

    if (state_job_move(run->st, &j->st, to, detail, &e) < 0) {
        log_error(j->mj->id, "%s", e.msg);
        rjob_stop(run, EXIT_USAGE, &e);
        return;
    }
    run->count[from]--;
    run->count[to]++;
    if (rjob_holds_slot(j, from) && !rjob_holds_slot(j, to)) {
        run->remote--;
        /* A freed slot is refilled at once. */
        if (run->slots) {
            struct rjob *w = run->slots;

            run->slots = w->next;
            if (!run->slots)
                run->slots_tail = NULL;
            w->where = RJOB_NOWHERE;
            rjob_ready(w);
        }
    } else if (!rjob_holds_slot(j, from) && rjob_holds_slot(j, to)) {
        run->remote++;
    }
    if (j->ahead && (job_is_remote(to) || job_is_final(to))) {
        j->ahead = 0;
        run->ahead--;
    }
    if (to == JOB_FAILED)
        run->failures++;
    if (to == JOB_DONE && !j->leader && j->st.submitted_at >= run->started_at) {
        run->spent_ms += (double)(j->st.finished_at - j->st.submitted_at);
        run->timed++;
    }
    if (to == JOB_FAILED)
        log_ev(LOG_ERROR, j->mj->id, "FAILED", "move", "failed: %s",
               detail ? detail : "");
    else if (to == JOB_REJECTED || to == JOB_SKIPPED)
        log_ev(LOG_WARN, j->mj->id, job_state_name(to), "move", "%s: %s",
               job_state_name(to), detail ? detail : "");
    else
        log_ev(LOG_INFO, j->mj->id, job_state_name(to), "move", "%s%s%s",
               job_state_name(to), detail ? ": " : "", detail ? detail : "");
    if (!job_is_final(to)) {
        rjob_ready(j);
        return;
    }
    rjob_close(j);
    /* The jobs it served finish with it. */
    for (f = j->followers; f; f = f->next_follower)
        rjob_ready(f);
}

/* Copies first: why and type may be the job's own strings. */
void rjob_fail(struct rjob *j, enum job_state to, const char *why)
{
    char *copy = xstrdup(why);

    free(j->st.error);
    j->st.error = copy;
    rjob_move(j, to, copy);
}

void rjob_fal_failed(struct rjob *j, const char *error_type, const char *why)
{
    char *copy = error_type ? xstrdup(error_type) : NULL;

    free(j->st.error_type);
    j->st.error_type = copy;
    j->st.fal_failed = 1;
    rjob_fail(j, JOB_FAILED, why);
}

void rjob_park(struct rjob *j, const char *fmt, ...)
{
    va_list ap;
    char why[1024];

    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    free(j->st.waiting);
    j->st.waiting = xstrdup(why);
    rjob_save(j);
    if (!j->parked)
        j->run->waiting++;
    rjob_close(j);
    log_ev(LOG_WARN, j->mj->id, job_state_name(j->st.state), "wait",
           "waiting for a later run (%s, %s): %s",
           job_state_name(j->st.state),
           j->st.request_id ? j->st.request_id : "not at fal", why);
}

void rjob_save(struct rjob *j)
{
    struct dub_err e = {0};

    if (state_job_save(j->run->st, &j->st, &e) < 0)
        rjob_stop(j->run, EXIT_USAGE, &e);
}

void rjob_commit(struct runner *run)
{
    struct dub_err e = {0};

    if (state_commit(run->st, &e) < 0 || state_begin(run->st, &e) < 0)
        rjob_stop(run, EXIT_USAGE, &e);
}

void rjob_stop(struct runner *run, int code, const struct dub_err *e)
{
    if (run->stop_code)
        return; /* the first cause is the one to tell */
    run->stopping = 1;
    run->stop_code = code;
    run->fatal = *e;
}

/* ==== Faults and local retries ========================================== */

void rjob_faults(struct rjob *j, const struct remote_result *r)
{
    if (!r->faults)
        return;
    j->st.faults += r->faults;
    j->st.fault_ms += r->fault_ms;
    j->run->faults += r->faults;
    j->run->fault_ms += r->fault_ms;
}

int rjob_again(struct rjob *j)
{
    struct runner *run = j->run;
    int64_t now = util_mono_ms();
    double u = (double)rand() / ((double)RAND_MAX + 1.0);
    int64_t wait = fal_backoff_ms(j->tries, run->o.backoff_ms,
                                  run->o.backoff_cap_ms, u);

    if (!j->trouble)
        j->trouble = now;
    j->tries++;
    j->st.faults++;
    run->faults++;
    if (now + wait - j->trouble > run->o.retry_for_ms)
        return 0;
    j->st.fault_ms += wait;
    run->fault_ms += wait;
    rjob_later(j, wait);
    return 1;
}

void rjob_settled(struct rjob *j)
{
    j->trouble = 0;
    j->tries = 0;
}

/* ==== Queues ============================================================ */

static int rjob_before(const struct rjob *a, const struct rjob *b)
{
    return a->due < b->due;
}

static void rjob_heap_set(struct runner *run, int i, struct rjob *j)
{
    run->heap[i] = j;
    j->heap = i;
}

static void rjob_heap_up(struct runner *run, int i)
{
    struct rjob *j = run->heap[i];

    while (i > 0 && rjob_before(j, run->heap[(i - 1) / 2])) {
        rjob_heap_set(run, i, run->heap[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    rjob_heap_set(run, i, j);
}

static void rjob_heap_down(struct runner *run, int i)
{
    struct rjob *j = run->heap[i];

    for (;;) {
        int c = 2 * i + 1;

        if (c >= run->nheap)
            break;
        if (c + 1 < run->nheap && rjob_before(run->heap[c + 1], run->heap[c]))
            c++;
        if (!rjob_before(run->heap[c], j))
            break;
        rjob_heap_set(run, i, run->heap[c]);
        i = c;
    }
    rjob_heap_set(run, i, j);
}

static void rjob_heap_remove(struct rjob *j)
{
    struct runner *run = j->run;
    int i = j->heap;
    struct rjob *last;

    if (i < 0)
        return;

    j->heap = -1;
    if (i == --run->nheap)
        return;
    last = run->heap[run->nheap];
    rjob_heap_set(run, i, last);
    rjob_heap_down(run, i);
    rjob_heap_up(run, last->heap);
}

void rjob_ready(struct rjob *j)
{
    struct runner *run = j->run;

    if (j->parked || j->busy)
        return;
    if (j->where == RJOB_READY)
        j->due = 0;
    if (j->where != RJOB_NOWHERE)
        return;
    rjob_heap_remove(j);
    j->due = 0;
    j->where = RJOB_READY;
    j->next = NULL;
    if (run->ready_tail)
        run->ready_tail->next = j;
    else
        run->ready = j;
    run->ready_tail = j;
}

void rjob_later(struct rjob *j, int64_t ms)
{
    struct runner *run = j->run;
    int64_t due = util_mono_ms() + (ms > 0 ? ms : 0);

    /* A job already in the ready queue is moved to the heap when it
     * comes up (rjob_next). */
    if (j->where == RJOB_READY)
        j->due = due;
    if (j->parked || j->where != RJOB_NOWHERE)
        return;
    rjob_heap_remove(j);
    j->due = due;
    j->heap = run->nheap++;
    run->heap[j->heap] = j;
    rjob_heap_up(run, j->heap);
}

void rjob_wait_slot(struct rjob *j)
{
    struct runner *run = j->run;

    if (j->where != RJOB_NOWHERE)
        return;
    j->where = RJOB_SLOT;
    j->next = NULL;
    if (run->slots_tail)
        run->slots_tail->next = j;
    else
        run->slots = j;
    run->slots_tail = j;
}

void rjob_begin(struct rjob *j)
{
    j->busy++;
    j->run->busy++;
}

void rjob_end(struct rjob *j)
{
    if (j->busy > 0) {
        j->busy--;
        j->run->busy--;
    }
}

void rjob_idle(struct rjob *j)
{
    rjob_end(j);
    rjob_ready(j);
}

struct rjob *rjob_next(struct runner *run)
{
    int64_t now = util_mono_ms();
    struct rjob *j;

    while (run->nheap && run->heap[0]->due <= now) {
        j = run->heap[0];
        rjob_heap_remove(j);
        rjob_ready(j);
    }
    while ((j = run->ready)) {
        run->ready = j->next;
        if (!run->ready)
            run->ready_tail = NULL;
        j->where = RJOB_NOWHERE;
        j->next = NULL;
        if (j->due <= now)
            return j;
        rjob_later(j, j->due - now);
    }
    return NULL;
}

int64_t rjob_timeout(struct runner *run)
{
    int64_t left;

    if (run->ready)
        return 0;
    if (!run->nheap)
        return -1;
    left = run->heap[0]->due - util_mono_ms();
    return left > 0 ? left : 0;
}

/* ==== Small shared facts ================================================ */

char *rjob_output_path(const struct rjob *j)
{
    /* A window's result waits in the work folder for its scene's join. */
    char *base = util_path_join(j->mj->window_of ? j->run->workdir
                                                 : j->run->m->output_dir,
                                j->mj->id);
    char *path = xasprintf("%s.%s", base,
                           j->mj->policy.deliver_container == PLAN_CONTAINER_MOV
                               ? "mov" : "mp4");

    free(base);
    return path;
}

char *rjob_payload(const struct rjob *j)
{
    const struct manifest_job *mj = j->mj;
    struct fal_input in;

    in.video_url = j->st.video_url;
    in.audio_url = j->st.audio_url;
    in.text = mj->text;
    in.voice_id = mj->voice_id;
    in.voice_language = mj->voice_language;
    in.voice_speed = mj->voice_speed;
    return fal_payload(j->run->lim->payload, &in);
}

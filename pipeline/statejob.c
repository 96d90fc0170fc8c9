/*
 * state: the jobs' rows, and the one function that moves a job.
 */
#define _POSIX_C_SOURCE 200809L
#include "stateint.h"

#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

/* -1 when the row names no state this dubbatch knows: guessing NEW would
 * resubmit a job that may be at fal. */
static int state_job_read(struct state *s, sqlite3_stmt *st,
                          struct state_job *j, struct dub_err *e)
{
    const unsigned char *name = sqlite3_column_text(st, 2);

    memset(j, 0, sizeof(*j));
    j->id = state_col_text(st, 0);
    if (!name || job_state_parse((const char *)name, &j->state) < 0) {
        dub_errf(e, DUB_ESTATE, "state database '%s': job '%.100s' is in an "
                 "unknown state '%.40s': " STATE_DAMAGED_ADVICE, s->path,
                 j->id ? j->id : "?", name ? (const char *)name : "");
        free(j->id);
        j->id = NULL;
        return -1;
    }
    j->fingerprint = state_col_text(st, 1);
    j->attempts = sqlite3_column_int(st, 3);
    j->endpoint = state_col_text(st, 4);
    j->payload = state_col_text(st, 5);
    j->video_url = state_col_text(st, 6);
    j->audio_url = state_col_text(st, 7);
    j->request_id = state_col_text(st, 8);
    j->status_url = state_col_text(st, 9);
    j->response_url = state_col_text(st, 10);
    j->cancel_url = state_col_text(st, 11);
    j->output_url = state_col_text(st, 12);
    j->output = state_col_text(st, 13);
    j->output_size = sqlite3_column_int64(st, 14);
    j->shared_with = state_col_text(st, 15);
    j->error = state_col_text(st, 16);
    j->cost = sqlite3_column_double(st, 17);
    j->created_at = sqlite3_column_int64(st, 18);
    j->submitted_at = sqlite3_column_int64(st, 19);
    j->queued_at = sqlite3_column_int64(st, 20);
    j->started_at = sqlite3_column_int64(st, 21);
    j->completed_at = sqlite3_column_int64(st, 22);
    j->finished_at = sqlite3_column_int64(st, 23);
    j->acked = sqlite3_column_int(st, 24);
    j->output_bytes = sqlite3_column_int64(st, 25);
    j->error_type = state_col_text(st, 26);
    j->fal_failed = sqlite3_column_int(st, 27);
    j->waiting = state_col_text(st, 28);
    j->faults = sqlite3_column_int(st, 29);
    j->fault_ms = sqlite3_column_int64(st, 30);
    j->resumed = state_col_text(st, 31);
    return 0;
}

int state_job_load(struct state *s, const char *id, struct state_job *j,
                   struct dub_err *e)
{
    int rc;

    sqlite3_reset(s->job_get);
    sqlite3_bind_text(s->job_get, 1, id, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(s->job_get);
    if (rc == SQLITE_ROW) {
        rc = state_job_read(s, s->job_get, j, e);
        sqlite3_reset(s->job_get);
        return rc < 0 ? -1 : 1;
    }
    sqlite3_reset(s->job_get);
    if (rc == SQLITE_DONE)
        return 0;
    return state_fail(s, e, "cannot load a job");
}

static int state_put(struct state *s, const struct state_job *j,
                     struct dub_err *e)
{
    sqlite3_stmt *st = s->job_put;

    sqlite3_clear_bindings(st);
    state_bind_text(st, 1, j->id);
    state_bind_text(st, 2, j->fingerprint);
    state_bind_text(st, 3, job_state_name(j->state));
    sqlite3_bind_int(st, 4, j->attempts);
    state_bind_text(st, 5, j->endpoint);
    state_bind_text(st, 6, j->payload);
    state_bind_text(st, 7, j->video_url);
    state_bind_text(st, 8, j->audio_url);
    state_bind_text(st, 9, j->request_id);
    state_bind_text(st, 10, j->status_url);
    state_bind_text(st, 11, j->response_url);
    state_bind_text(st, 12, j->cancel_url);
    state_bind_text(st, 13, j->output_url);
    state_bind_text(st, 14, j->output);
    sqlite3_bind_int64(st, 15, j->output_size);
    state_bind_text(st, 16, j->shared_with);
    state_bind_text(st, 17, j->error);
    sqlite3_bind_double(st, 18, j->cost);
    state_bind_time(st, 19, j->created_at);
    state_bind_time(st, 20, j->submitted_at);
    state_bind_time(st, 21, j->queued_at);
    state_bind_time(st, 22, j->started_at);
    state_bind_time(st, 23, j->completed_at);
    state_bind_time(st, 24, j->finished_at);
    sqlite3_bind_int(st, 25, j->acked);
    state_bind_time(st, 26, j->output_bytes);
    state_bind_text(st, 27, j->error_type);
    sqlite3_bind_int(st, 28, j->fal_failed);
    state_bind_text(st, 29, j->waiting);
    sqlite3_bind_int(st, 30, j->faults);
    sqlite3_bind_int64(st, 31, j->fault_ms);
    state_bind_text(st, 32, j->resumed);
    sqlite3_bind_int64(st, STATE_JOB_NCOLS + 1, s->next_seq);
    if (state_step_done(s, st, "cannot save a job", e) < 0)
        return -1;
    /* An update keeps the row's first seq; counting every save only
     * leaves gaps, and the order stays first-seen. */
    s->next_seq++;
    return 0;
}

static int state_event(struct state *s, const char *id, enum job_state from,
                       enum job_state to, const char *detail,
                       struct dub_err *e)
{
    sqlite3_stmt *st = s->event_put;

    sqlite3_clear_bindings(st);
    state_bind_text(st, 1, id);
    sqlite3_bind_int64(st, 2, util_now_ms());
    state_bind_text(st, 3, from == JOB_NSTATES ? NULL : job_state_name(from));
    state_bind_text(st, 4, job_state_name(to));
    state_bind_text(st, 5, detail);
    return state_step_done(s, st, "cannot save an event", e);
}

/* Saves j and, when from is given (not JOB_NSTATES, or a first record),
 * the event, in one transaction of their own unless one is open. */
static int state_write(struct state *s, const struct state_job *j,
                       int event, enum job_state from, const char *detail,
                       struct dub_err *e)
{
    int own_tx = !s->in_tx;

    if (own_tx && state_begin(s, e) < 0)
        return -1;
    if (state_put(s, j, e) < 0 ||
        (event && state_event(s, j->id, from, j->state, detail, e) < 0)) {
        if (own_tx) {
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
            s->in_tx = 0;
        }
        return -1;
    }
    return own_tx ? state_commit(s, e) : 0;
}

/* The one assignment of a job's state. */
static void state_set(struct state_job *j, enum job_state to)
{
    j->state = to;
}

int state_job_move(struct state *s, struct state_job *j, enum job_state to,
                   const char *detail, struct dub_err *e)
{
    enum job_state from = j->state;

    if (!job_can_move(from, to))
        return dub_errf(e, DUB_EINTERNAL, "job '%s': refused an illegal move "
                        "%s -> %s (a bug in dubbatch)", j->id,
                        job_state_name(from), job_state_name(to));
    state_set(j, to);
    if (job_is_final(to) && !j->finished_at)
        j->finished_at = util_now_ms();
    if (state_write(s, j, 1, from, detail, e) < 0) {
        state_set(j, from);
        return -1;
    }
    return 0;
}

int state_job_create(struct state *s, struct state_job *j, const char *detail,
                     struct dub_err *e)
{
    state_set(j, JOB_NEW);
    return state_write(s, j, 1, JOB_NSTATES, detail, e);
}

int state_job_restart(struct state *s, struct state_job *j, int attempt,
                      const char *detail, struct dub_err *e)
{
    enum job_state from = j->state;
    char **gone[] = {&j->payload, &j->video_url, &j->audio_url,
                     &j->request_id, &j->status_url, &j->response_url,
                     &j->cancel_url, &j->output_url, &j->output,
                     &j->shared_with, &j->error, &j->error_type, &j->waiting};
    size_t i;

    for (i = 0; i < DUB_ARRAY_LEN(gone); i++) {
        free(*gone[i]);
        *gone[i] = NULL;
    }
    j->attempts += attempt;
    j->acked = j->fal_failed = 0;
    j->output_bytes = j->output_size = 0;
    j->submitted_at = j->queued_at = j->started_at = j->completed_at =
        j->finished_at = 0;
    state_set(j, JOB_NEW);
    return state_write(s, j, 1, from, detail, e);
}

int state_job_revive(struct state *s, struct state_job *j, const char *detail,
                     struct dub_err *e)
{
    enum job_state from = j->state;

    if (from != JOB_FAILED || !j->request_id)
        return dub_errf(e, DUB_EINTERNAL, "job '%s': cannot take up a %s job "
                        "without a request (a bug in dubbatch)", j->id,
                        job_state_name(from));
    free(j->error);
    j->error = NULL;
    j->finished_at = 0;
    state_set(j, j->output_url ? JOB_COMPLETED : JOB_QUEUED);
    if (state_write(s, j, 1, from, detail, e) < 0) {
        state_set(j, from);
        return -1;
    }
    return 0;
}

int state_job_save(struct state *s, const struct state_job *j,
                   struct dub_err *e)
{
    return state_write(s, j, 0, j->state, NULL, e);
}

int state_jobs_all(struct state *s, struct state_job **jobs, size_t *n,
                   struct dub_err *e)
{
    size_t cap = 16;
    int rc;

    *n = 0;
    *jobs = xcalloc(cap, sizeof(**jobs));
    sqlite3_reset(s->jobs_all);
    while ((rc = sqlite3_step(s->jobs_all)) == SQLITE_ROW) {
        if (*n == cap) {
            cap *= 2;
            *jobs = xrealloc(*jobs, cap * sizeof(**jobs));
        }
        if (state_job_read(s, s->jobs_all, &(*jobs)[*n], e) < 0)
            break;
        (*n)++;
    }
    sqlite3_reset(s->jobs_all);
    if (rc != SQLITE_DONE) {
        state_jobs_free(*jobs, *n);
        *jobs = NULL;
        *n = 0;
        return rc == SQLITE_ROW ? -1 : state_fail(s, e, "cannot list jobs");
    }
    return 0;
}

void state_job_release(struct state_job *j)
{
    free(j->id);
    free(j->fingerprint);
    free(j->endpoint);
    free(j->payload);
    free(j->video_url);
    free(j->audio_url);
    free(j->request_id);
    free(j->status_url);
    free(j->response_url);
    free(j->cancel_url);
    free(j->output_url);
    free(j->output);
    free(j->shared_with);
    free(j->error);
    free(j->error_type);
    free(j->waiting);
    free(j->resumed);
    memset(j, 0, sizeof(*j));
}

void state_jobs_free(struct state_job *jobs, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        state_job_release(&jobs[i]);
    free(jobs);
}

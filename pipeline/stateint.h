/*
 * stateint: what the two files of the state module share (state.c,
 * statejob.c); not for other modules, which use state.h.
 */
#ifndef DUB_STATEINT_H
#define DUB_STATEINT_H

#include <sqlite3.h>

#include "state.h"

struct state {
    sqlite3 *db;
    char *path;
    int in_tx;
    int64_t next_seq;  /* insertion order, counted here: a MAX(seq) per
                          insert made start-up quadratic */
    sqlite3_stmt *job_get, *job_put, *event_put, *up_get, *up_put, *jobs_all,
        *event_count, *meta_get, *meta_put;
};

/* Column order of the statements (state.c); statejob.c reads and binds
 * in it. */
#define STATE_JOB_COLS                                                       \
    "id, fingerprint, state, attempts, endpoint, payload, video_url,"        \
    " audio_url, request_id, status_url, response_url, cancel_url,"          \
    " output_url, output, output_size, shared_with, error, cost,"            \
    " created_at, submitted_at, queued_at, started_at, completed_at,"        \
    " finished_at, acked, output_bytes, error_type, fal_failed, waiting,"    \
    " faults, fault_ms, resumed"
#define STATE_JOB_NCOLS 32

/* What to do about a database SQLite cannot read. */
#define STATE_DAMAGED_ADVICE                                                 \
    "move it aside and run again: delivered results are recognised by the "  \
    "tags in their files, and requests in flight are found in fal's "        \
    "listing, so nothing is paid for twice"

/* -1 and e naming the database and what failed (damaged: what to do). */
int state_fail(struct state *s, struct dub_err *e, const char *what);
/* Steps a statement that yields no row, and resets it. */
int state_step_done(struct state *s, sqlite3_stmt *st, const char *what,
                    struct dub_err *e);
/* NULL binds as NULL, and a time of 0 too. */
void state_bind_text(sqlite3_stmt *st, int i, const char *v);
void state_bind_time(sqlite3_stmt *st, int i, int64_t v);
/* A text column copied, or NULL. */
char *state_col_text(sqlite3_stmt *st, int i);

#endif

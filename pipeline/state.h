/*
 * state: the durable record of a batch, in SQLite
 * (<output_dir>/.dubbatch/state.db, WAL).  The only module that includes
 * sqlite3.h (state.c, statejob.c).
 *
 * Tables: jobs (one row per job id), uploads (content hash -> fal URL),
 * events (job, time, from, to, detail) and meta (what the database itself
 * knows: its schema version is PRAGMA user_version).  Writes may be
 * grouped: between state_begin() and state_commit() every save is part of
 * one transaction, so a loop pass costs one disk flush (design.md section
 * 5).  Outside a transaction each save commits on its own.
 *
 * A job's state changes in one place only, state_job_move(), which checks
 * job_can_move() and writes the event row; nothing else assigns it.
 */
#ifndef DUB_STATE_H
#define DUB_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "job.h"
#include "util.h"

struct state;

/*
 * One job's row.  Strings are owned by the struct (NULL when unset) and
 * freed by state_job_release(); times are epoch milliseconds, 0 when unset.
 */
struct state_job {
    char *id;
    char *fingerprint;     /* inputs' hashes + settings + endpoint */
    enum job_state state;  /* read-only outside state_job_move() */
    int attempts;
    char *endpoint;        /* fal endpoint id */
    char *payload;         /* the exact submit body, kept before the POST */
    char *video_url, *audio_url; /* uploaded inputs */
    char *request_id;
    char *status_url, *response_url, *cancel_url;
    int acked;             /* fal answered the submit 2xx: it has the work,
                              even when we could not read which request */
    char *output_url;      /* the result's CDN URL, kept as soon as known */
    int64_t output_bytes;  /* its size as fal announced it; 0: unknown */
    char *output;          /* local path of the verified result */
    int64_t output_size;
    char *shared_with;     /* id of the job whose request serves this one */
    char *error;           /* why FAILED/REJECTED/SKIPPED */
    char *error_type;      /* fal's error_type when fal failed the request */
    int fal_failed;        /* FAILED is fal's word on the request (its
                              status error or its 4xx), not a local cause */
    char *waiting;         /* bound to fal but parked until a later run,
                              and why (no space, fal unreachable), or NULL */
    char *resumed;         /* what the last run that found it did with it
                              (resume.c's words), or NULL */
    int faults;            /* transient faults outlasted, over all runs */
    int64_t fault_ms;      /* ... and the time they cost */
    double cost;           /* estimated USD */
    int64_t created_at, submitted_at, queued_at, started_at, completed_at,
        finished_at;
};

/*
 * Opens (creating) the database under output_dir/.dubbatch, upgrading an
 * older schema in place.  A damaged file, or one written by a newer
 * dubbatch, is refused with a message that names it and says what to do.
 */
int state_open(const char *output_dir, struct state **out, struct dub_err *e);
void state_close(struct state *s);

int state_begin(struct state *s, struct dub_err *e);
int state_commit(struct state *s, struct dub_err *e);

/* 1 and fills j when the job exists, 0 when not, -1 on error (a row that
 * names no known state is an error, not a fresh job). */
int state_job_load(struct state *s, const char *id, struct state_job *j,
                   struct dub_err *e);
/*
 * The transition function: moves j to `to` when job_can_move() allows it,
 * stamps finished_at on a final state, and saves the row with an event
 * (from -> to, detail).  An illegal move is refused (-1, DUB_EINTERNAL)
 * and nothing is written.
 */
int state_job_move(struct state *s, struct state_job *j, enum job_state to,
                   const char *detail, struct dub_err *e);
/* Saves a job seen for the first time, as NEW, with its first event;
 * j holds its id, fingerprint, endpoint and created_at. */
int state_job_create(struct state *s, struct state_job *j,
                     const char *detail, struct dub_err *e);
/*
 * Starts j over as NEW, its request (if it had one) given up: what fal and
 * the disk recorded is cleared; the fault counts are kept, as they are the
 * batch's.  attempt counts it as a new attempt.  Saves with an event.
 */
int state_job_restart(struct state *s, struct state_job *j, int attempt,
                      const char *detail, struct dub_err *e);
/* Takes up again, from its request, a job a run failed locally after fal
 * had the work (the records of dubbatch before schema 2): to COMPLETED
 * when the result's URL is known, else QUEUED.  Only FAILED jobs that
 * hold a request id. */
int state_job_revive(struct state *s, struct state_job *j, const char *detail,
                     struct dub_err *e);
/* Saves j's row as it is (no state change, no event). */
int state_job_save(struct state *s, const struct state_job *j,
                   struct dub_err *e);
/* Every job, in insertion order; free with state_jobs_free(). */
int state_jobs_all(struct state *s, struct state_job **jobs, size_t *n,
                   struct dub_err *e);
void state_jobs_free(struct state_job *jobs, size_t n);
void state_job_release(struct state_job *j);

/* 1 and a URL (caller frees) when the file with this content key was
 * uploaded within max_age_ms. */
int state_upload_find(struct state *s, const char *key, int64_t max_age_ms,
                      char **url, struct dub_err *e);
int state_upload_save(struct state *s, const char *key, const char *url,
                      int64_t size, struct dub_err *e);

/* A value the database keeps about itself (meta table): 1 and *value
 * (caller frees) when set, 0 when not. */
int state_meta_get(struct state *s, const char *key, char **value,
                   struct dub_err *e);
int state_meta_set(struct state *s, const char *key, const char *value,
                   struct dub_err *e);

/* Number of events recorded for a job (for tests and the report). */
int state_event_count(struct state *s, const char *id, struct dub_err *e);

/* The SQLite library's version, for dubbatch doctor. */
const char *state_library_version(void);

#endif

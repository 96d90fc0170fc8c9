/*
 * state: the durable record of a batch, in SQLite
 * (<output_dir>/.dubbatch/state.db, WAL).  The only file that includes
 * sqlite3.h.
 *
 * Tables: jobs (one row per job id), uploads (content hash -> fal URL) and
 * events (job, time, from, to, detail).  Writes may be grouped: between
 * state_begin() and state_commit() every save is part of one transaction,
 * so a loop pass costs one disk flush (design.md section 5).  Outside a
 * transaction each save commits on its own.
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
    enum job_state state;
    int attempts;
    char *endpoint;        /* fal endpoint id */
    char *payload;         /* the exact submit body, kept before the POST */
    char *video_url, *audio_url; /* uploaded inputs */
    char *request_id;
    char *status_url, *response_url, *cancel_url;
    char *output_url;      /* the result's CDN URL, kept as soon as known */
    char *output;          /* local path of the verified result */
    int64_t output_size;
    char *shared_with;     /* id of the job whose request serves this one */
    char *error;           /* why FAILED/REJECTED/SKIPPED */
    double cost;           /* estimated USD */
    int64_t created_at, submitted_at, queued_at, started_at, completed_at,
        finished_at;
};

/* Opens (creating) the database under output_dir/.dubbatch. */
int state_open(const char *output_dir, struct state **out, struct dub_err *e);
void state_close(struct state *s);

int state_begin(struct state *s, struct dub_err *e);
int state_commit(struct state *s, struct dub_err *e);

/* 1 and fills j when the job exists, 0 when not, -1 on error. */
int state_job_load(struct state *s, const char *id, struct state_job *j,
                   struct dub_err *e);
/*
 * Inserts or replaces j's row.  When from differs from j->state an event
 * row (from -> j->state, detail) is written in the same transaction; from
 * is JOB_NSTATES for a job seen for the first time.
 */
int state_job_save(struct state *s, const struct state_job *j,
                   enum job_state from, const char *detail,
                   struct dub_err *e);
/* Every job, in insertion order; free with state_jobs_free(). */
int state_jobs_all(struct state *s, struct state_job **jobs, size_t *n,
                   struct dub_err *e);
void state_jobs_free(struct state_job *jobs, size_t n);
void state_job_release(struct state_job *j);

/* 1 and a URL (caller frees) when sha256 was uploaded within max_age_ms. */
int state_upload_find(struct state *s, const char *sha256, int64_t max_age_ms,
                      char **url, struct dub_err *e);
int state_upload_save(struct state *s, const char *sha256, const char *url,
                      int64_t size, struct dub_err *e);

/* Number of events recorded for a job (for tests and the report). */
int state_event_count(struct state *s, const char *id, struct dub_err *e);

#endif

/*
 * state: SQLite storage for jobs, uploads and events.
 *
 * synchronous=FULL: a crash of the process never loses a commit in WAL
 * mode anyway, but a power cut could drop the last one, and the commit
 * that records SUBMITTING before a paid POST must survive that too.  Group
 * commit keeps the cost to one flush per loop pass.
 */
#define _POSIX_C_SOURCE 200809L
#include "state.h"

#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

struct state {
    sqlite3 *db;
    int in_tx;
    sqlite3_stmt *job_get, *job_put, *event_put, *up_get, *up_put, *jobs_all,
        *event_count;
};

static const char state_schema[] =
    "CREATE TABLE IF NOT EXISTS jobs ("
    " id TEXT PRIMARY KEY, fingerprint TEXT, state TEXT NOT NULL,"
    " attempts INTEGER NOT NULL DEFAULT 0, endpoint TEXT, payload TEXT,"
    " video_url TEXT, audio_url TEXT, request_id TEXT, status_url TEXT,"
    " response_url TEXT, cancel_url TEXT, output_url TEXT, output TEXT,"
    " output_size INTEGER, shared_with TEXT, error TEXT, cost REAL,"
    " created_at INTEGER, submitted_at INTEGER, queued_at INTEGER,"
    " started_at INTEGER, completed_at INTEGER, finished_at INTEGER,"
    " seq INTEGER);"
    "CREATE TABLE IF NOT EXISTS uploads ("
    " sha256 TEXT PRIMARY KEY, file_url TEXT NOT NULL, size INTEGER,"
    " uploaded_at INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS events ("
    " id INTEGER PRIMARY KEY, job TEXT NOT NULL, time INTEGER NOT NULL,"
    " from_state TEXT, to_state TEXT NOT NULL, detail TEXT);"
    "CREATE INDEX IF NOT EXISTS events_job ON events(job);";

/* Column order of SELECT and INSERT below; state_job_bind/read follow it. */
#define STATE_JOB_COLS                                                       \
    "id, fingerprint, state, attempts, endpoint, payload, video_url,"        \
    " audio_url, request_id, status_url, response_url, cancel_url,"          \
    " output_url, output, output_size, shared_with, error, cost,"            \
    " created_at, submitted_at, queued_at, started_at, completed_at,"        \
    " finished_at"

static int state_fail(struct state *s, struct dub_err *e, const char *what)
{
    return dub_errf(e, DUB_ESTATE, "state database: %s: %s", what,
                    sqlite3_errmsg(s->db));
}

static int state_exec(struct state *s, const char *sql, struct dub_err *e)
{
    char *msg = NULL;

    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        dub_errf(e, DUB_ESTATE, "state database: %s", msg ? msg : "error");
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

static int state_prepare(struct state *s, const char *sql, sqlite3_stmt **st,
                         struct dub_err *e)
{
    if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK)
        return state_fail(s, e, "prepare");
    return 0;
}

int state_open(const char *output_dir, struct state **out, struct dub_err *e)
{
    char *dir = util_path_join(output_dir, ".dubbatch");
    char *path = util_path_join(dir, "state.db");
    struct state *s = xcalloc(1, sizeof(*s));
    int rc = -1;

    *out = NULL;
    if (util_mkdirs(dir, e) < 0)
        goto out;
    if (sqlite3_open_v2(path, &s->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                            SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        dub_errf(e, DUB_ESTATE, "cannot open '%s': %s", path,
                 s->db ? sqlite3_errmsg(s->db) : "out of memory");
        goto out;
    }
    /* A reader (dubbatch status) may meet a writer mid-commit. */
    sqlite3_busy_timeout(s->db, 5000);
    if (state_exec(s, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", e) < 0 ||
        state_exec(s, state_schema, e) < 0)
        goto out;
    if (state_prepare(s, "SELECT " STATE_JOB_COLS " FROM jobs WHERE id=?1",
                      &s->job_get, e) < 0 ||
        state_prepare(s,
                      "INSERT INTO jobs (" STATE_JOB_COLS ", seq) VALUES "
                      "(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,"
                      "?16,?17,?18,?19,?20,?21,?22,?23,?24,"
                      " (SELECT COALESCE(MAX(seq),0)+1 FROM jobs))"
                      " ON CONFLICT(id) DO UPDATE SET fingerprint=?2,"
                      " state=?3, attempts=?4, endpoint=?5, payload=?6,"
                      " video_url=?7, audio_url=?8, request_id=?9,"
                      " status_url=?10, response_url=?11, cancel_url=?12,"
                      " output_url=?13, output=?14, output_size=?15,"
                      " shared_with=?16, error=?17, cost=?18, created_at=?19,"
                      " submitted_at=?20, queued_at=?21, started_at=?22,"
                      " completed_at=?23, finished_at=?24",
                      &s->job_put, e) < 0 ||
        state_prepare(s,
                      "INSERT INTO events (job, time, from_state, to_state,"
                      " detail) VALUES (?1,?2,?3,?4,?5)",
                      &s->event_put, e) < 0 ||
        state_prepare(s,
                      "SELECT file_url FROM uploads WHERE sha256=?1 AND"
                      " uploaded_at >= ?2",
                      &s->up_get, e) < 0 ||
        state_prepare(s,
                      "INSERT OR REPLACE INTO uploads (sha256, file_url, size,"
                      " uploaded_at) VALUES (?1,?2,?3,?4)",
                      &s->up_put, e) < 0 ||
        state_prepare(s, "SELECT " STATE_JOB_COLS " FROM jobs ORDER BY seq",
                      &s->jobs_all, e) < 0 ||
        state_prepare(s, "SELECT COUNT(*) FROM events WHERE job=?1",
                      &s->event_count, e) < 0)
        goto out;
    *out = s;
    rc = 0;
out:
    if (rc < 0)
        state_close(s);
    free(path);
    free(dir);
    return rc;
}

void state_close(struct state *s)
{
    if (!s)
        return;
    sqlite3_finalize(s->job_get);
    sqlite3_finalize(s->job_put);
    sqlite3_finalize(s->event_put);
    sqlite3_finalize(s->up_get);
    sqlite3_finalize(s->up_put);
    sqlite3_finalize(s->jobs_all);
    sqlite3_finalize(s->event_count);
    sqlite3_close(s->db);
    free(s);
}

int state_begin(struct state *s, struct dub_err *e)
{
    if (s->in_tx)
        return 0;
    if (state_exec(s, "BEGIN IMMEDIATE", e) < 0)
        return -1;
    s->in_tx = 1;
    return 0;
}

int state_commit(struct state *s, struct dub_err *e)
{
    if (!s->in_tx)
        return 0;
    s->in_tx = 0;
    return state_exec(s, "COMMIT", e);
}

static void state_bind_text(sqlite3_stmt *st, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

static void state_bind_time(sqlite3_stmt *st, int i, int64_t v)
{
    if (v)
        sqlite3_bind_int64(st, i, v);
    else
        sqlite3_bind_null(st, i);
}

static char *state_col_text(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);

    return t ? xstrdup((const char *)t) : NULL;
}

static void state_job_read(sqlite3_stmt *st, struct state_job *j)
{
    const unsigned char *name = sqlite3_column_text(st, 2);

    memset(j, 0, sizeof(*j));
    j->id = state_col_text(st, 0);
    j->fingerprint = state_col_text(st, 1);
    if (!name || job_state_parse((const char *)name, &j->state) < 0)
        j->state = JOB_NEW;
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
}

int state_job_load(struct state *s, const char *id, struct state_job *j,
                   struct dub_err *e)
{
    int rc;

    sqlite3_reset(s->job_get);
    sqlite3_bind_text(s->job_get, 1, id, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(s->job_get);
    if (rc == SQLITE_ROW) {
        state_job_read(s->job_get, j);
        sqlite3_reset(s->job_get);
        return 1;
    }
    sqlite3_reset(s->job_get);
    if (rc == SQLITE_DONE)
        return 0;
    return state_fail(s, e, "load job");
}

static int state_step_done(struct state *s, sqlite3_stmt *st, const char *what,
                           struct dub_err *e)
{
    int rc = sqlite3_step(st);

    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return state_fail(s, e, what);
    return 0;
}

int state_job_save(struct state *s, const struct state_job *j,
                   enum job_state from, const char *detail,
                   struct dub_err *e)
{
    sqlite3_stmt *st = s->job_put;
    int own_tx = !s->in_tx;

    if (own_tx && state_begin(s, e) < 0)
        return -1;
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
    if (state_step_done(s, st, "save job", e) < 0)
        goto fail;
    if (from != j->state) {
        st = s->event_put;
        sqlite3_clear_bindings(st);
        state_bind_text(st, 1, j->id);
        sqlite3_bind_int64(st, 2, util_now_ms());
        state_bind_text(st, 3, from == JOB_NSTATES ? NULL
                                                   : job_state_name(from));
        state_bind_text(st, 4, job_state_name(j->state));
        state_bind_text(st, 5, detail);
        if (state_step_done(s, st, "save event", e) < 0)
            goto fail;
    }
    if (own_tx)
        return state_commit(s, e);
    return 0;
fail:
    if (own_tx) {
        state_exec(s, "ROLLBACK", NULL);
        s->in_tx = 0;
    }
    return -1;
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
        state_job_read(s->jobs_all, &(*jobs)[(*n)++]);
    }
    sqlite3_reset(s->jobs_all);
    if (rc != SQLITE_DONE) {
        state_jobs_free(*jobs, *n);
        *jobs = NULL;
        *n = 0;
        return state_fail(s, e, "list jobs");
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
    memset(j, 0, sizeof(*j));
}

void state_jobs_free(struct state_job *jobs, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        state_job_release(&jobs[i]);
    free(jobs);
}

int state_upload_find(struct state *s, const char *sha256, int64_t max_age_ms,
                      char **url, struct dub_err *e)
{
    int rc;

    *url = NULL;
    sqlite3_reset(s->up_get);
    sqlite3_bind_text(s->up_get, 1, sha256, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s->up_get, 2, util_now_ms() - max_age_ms);
    rc = sqlite3_step(s->up_get);
    if (rc == SQLITE_ROW)
        *url = state_col_text(s->up_get, 0);
    sqlite3_reset(s->up_get);
    if (rc == SQLITE_ROW)
        return 1;
    if (rc == SQLITE_DONE)
        return 0;
    return state_fail(s, e, "find upload");
}

int state_upload_save(struct state *s, const char *sha256, const char *url,
                      int64_t size, struct dub_err *e)
{
    sqlite3_stmt *st = s->up_put;

    sqlite3_bind_text(st, 1, sha256, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, url, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, size);
    sqlite3_bind_int64(st, 4, util_now_ms());
    return state_step_done(s, st, "save upload", e);
}

int state_event_count(struct state *s, const char *id, struct dub_err *e)
{
    int rc, n = 0;

    sqlite3_reset(s->event_count);
    sqlite3_bind_text(s->event_count, 1, id, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(s->event_count);
    if (rc == SQLITE_ROW)
        n = sqlite3_column_int(s->event_count, 0);
    sqlite3_reset(s->event_count);
    if (rc != SQLITE_ROW)
        return state_fail(s, e, "count events");
    return n;
}

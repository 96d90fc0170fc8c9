/*
 * state: the database itself (opening, upgrading, checking, transactions)
 * and its uploads and facts; the jobs' rows are statejob.c.
 *
 * synchronous=FULL: a crash of the process never loses a commit in WAL
 * mode anyway, but a power cut could drop the last one, and the commit
 * that records SUBMITTING before a paid POST must survive that too.  Group
 * commit keeps the cost to one flush per loop pass.
 *
 * The schema has a version (PRAGMA user_version).  An older database is
 * upgraded in place by adding what it lacks; a newer one is refused, so an
 * older dubbatch never misreads a record it does not understand.
 */
#define _POSIX_C_SOURCE 200809L
#include "stateint.h"

#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

/* Version 1 was the first schema, before user_version was set (0). */
#define STATE_SCHEMA_VERSION 2


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

/* Version 2: what a job holds about fal's side after a local failure, why
 * it waits, the faults it outlasted; the database's own facts. */
static const char *const state_v2[] = {
    "ALTER TABLE jobs ADD COLUMN acked INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE jobs ADD COLUMN output_bytes INTEGER",
    "ALTER TABLE jobs ADD COLUMN error_type TEXT",
    "ALTER TABLE jobs ADD COLUMN fal_failed INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE jobs ADD COLUMN waiting TEXT",
    "ALTER TABLE jobs ADD COLUMN faults INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE jobs ADD COLUMN fault_ms INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE jobs ADD COLUMN resumed TEXT",
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)",
    "CREATE INDEX IF NOT EXISTS jobs_seq ON jobs(seq)",
};


int state_fail(struct state *s, struct dub_err *e, const char *what)
{
    int rc = sqlite3_errcode(s->db);

    if (rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB)
        return dub_errf(e, DUB_ESTATE, "state database '%s' is damaged "
                        "(%s: %s): " STATE_DAMAGED_ADVICE, s->path, what,
                        sqlite3_errmsg(s->db));
    return dub_errf(e, DUB_ESTATE, "state database '%s': %s: %s", s->path,
                    what, sqlite3_errmsg(s->db));
}

static int state_exec(struct state *s, const char *sql, struct dub_err *e)
{
    if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return state_fail(s, e, "cannot run a statement");
    return 0;
}

static int state_prepare(struct state *s, const char *sql, sqlite3_stmt **st,
                         struct dub_err *e)
{
    if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK)
        return state_fail(s, e, "cannot read it");
    return 0;
}

/* One integer from a statement that yields one row. */
static int state_int(struct state *s, const char *sql, int64_t *v,
                     struct dub_err *e)
{
    sqlite3_stmt *st;
    int rc;

    if (state_prepare(s, sql, &st, e) < 0)
        return -1;
    rc = sqlite3_step(st);
    *v = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return state_fail(s, e, "cannot read it");
    return 0;
}

/* Every page is read once: a file with garbage in its pages is named as
 * damaged here, before the runner trusts a row of it. */
static int state_check(struct state *s, struct dub_err *e)
{
    sqlite3_stmt *st;
    const unsigned char *t;
    int rc;

    if (state_prepare(s, "PRAGMA quick_check(1)", &st, e) < 0)
        return -1;
    rc = sqlite3_step(st);
    t = rc == SQLITE_ROW ? sqlite3_column_text(st, 0) : NULL;
    if (rc == SQLITE_ROW && t && strcmp((const char *)t, "ok") == 0) {
        sqlite3_finalize(st);
        return 0;
    }
    if (rc == SQLITE_ROW)
        dub_errf(e, DUB_ESTATE, "state database '%s' is damaged (%s): "
                 STATE_DAMAGED_ADVICE, s->path, t ? (const char *)t : "?");
    else
        state_fail(s, e, "cannot check it");
    sqlite3_finalize(st);
    return -1;
}

static int state_upgrade(struct state *s, struct dub_err *e)
{
    int64_t version;
    char sql[64];
    size_t i;

    if (state_int(s, "PRAGMA user_version", &version, e) < 0)
        return -1;
    if (version > STATE_SCHEMA_VERSION)
        return dub_errf(e, DUB_ESTATE,
                        "state database '%s' was written by a newer dubbatch "
                        "(schema %lld; this one knows %d): use that version, "
                        "or a newer one", s->path, (long long)version,
                        STATE_SCHEMA_VERSION);
    if (version == STATE_SCHEMA_VERSION)
        return 0;
    if (state_exec(s, "BEGIN IMMEDIATE", e) < 0)
        return -1;
    if (state_exec(s, state_schema, e) < 0)
        goto fail;
    for (i = 0; version < 2 && i < DUB_ARRAY_LEN(state_v2); i++)
        if (state_exec(s, state_v2[i], e) < 0)
            goto fail;
    snprintf(sql, sizeof(sql), "PRAGMA user_version=%d",
             STATE_SCHEMA_VERSION);
    if (state_exec(s, sql, e) < 0 || state_exec(s, "COMMIT", e) < 0)
        goto fail;
    return 0;
fail:
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return -1;
}

static int state_statements(struct state *s, struct dub_err *e)
{
    return state_prepare(s, "SELECT " STATE_JOB_COLS " FROM jobs WHERE id=?1",
                         &s->job_get, e) < 0 ||
                   state_prepare(
                       s,
                       "INSERT INTO jobs (" STATE_JOB_COLS ", seq) VALUES "
                       "(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,"
                       "?16,?17,?18,?19,?20,?21,?22,?23,?24,?25,?26,?27,?28,"
                       "?29,?30,?31,?32,?33)"
                       " ON CONFLICT(id) DO UPDATE SET fingerprint=?2,"
                       " state=?3, attempts=?4, endpoint=?5, payload=?6,"
                       " video_url=?7, audio_url=?8, request_id=?9,"
                       " status_url=?10, response_url=?11, cancel_url=?12,"
                       " output_url=?13, output=?14, output_size=?15,"
                       " shared_with=?16, error=?17, cost=?18,"
                       " created_at=?19, submitted_at=?20, queued_at=?21,"
                       " started_at=?22, completed_at=?23, finished_at=?24,"
                       " acked=?25, output_bytes=?26, error_type=?27,"
                       " fal_failed=?28, waiting=?29, faults=?30,"
                       " fault_ms=?31, resumed=?32",
                       &s->job_put, e) < 0 ||
                   state_prepare(s,
                                 "INSERT INTO events (job, time, from_state,"
                                 " to_state, detail) VALUES (?1,?2,?3,?4,?5)",
                                 &s->event_put, e) < 0 ||
                   state_prepare(s,
                                 "SELECT file_url FROM uploads WHERE"
                                 " sha256=?1 AND uploaded_at >= ?2",
                                 &s->up_get, e) < 0 ||
                   state_prepare(s,
                                 "INSERT OR REPLACE INTO uploads (sha256,"
                                 " file_url, size, uploaded_at) VALUES"
                                 " (?1,?2,?3,?4)",
                                 &s->up_put, e) < 0 ||
                   state_prepare(s,
                                 "SELECT " STATE_JOB_COLS
                                 " FROM jobs ORDER BY seq",
                                 &s->jobs_all, e) < 0 ||
                   state_prepare(s, "SELECT COUNT(*) FROM events WHERE job=?1",
                                 &s->event_count, e) < 0 ||
                   state_prepare(s, "SELECT value FROM meta WHERE key=?1",
                                 &s->meta_get, e) < 0 ||
                   state_prepare(s,
                                 "INSERT OR REPLACE INTO meta (key, value)"
                                 " VALUES (?1,?2)",
                                 &s->meta_put, e) < 0
               ? -1
               : 0;
}

int state_open(const char *output_dir, struct state **out, struct dub_err *e)
{
    char *dir = util_path_join(output_dir, ".dubbatch");
    struct state *s = xcalloc(1, sizeof(*s));
    int64_t tables, seq;
    int rc = -1;

    *out = NULL;
    s->path = util_path_join(dir, "state.db");
    if (util_mkdirs(dir, e) < 0)
        goto out;
    if (sqlite3_open_v2(s->path, &s->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                            SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        dub_errf(e, DUB_ESTATE, "cannot open '%s': %s", s->path,
                 s->db ? sqlite3_errmsg(s->db) : "out of memory");
        goto out;
    }
    /* A reader (dubbatch status) may meet a writer mid-commit. */
    sqlite3_busy_timeout(s->db, 5000);
    if (state_exec(s, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;",
                   e) < 0 ||
        state_int(s, "SELECT COUNT(*) FROM sqlite_master", &tables, e) < 0 ||
        (tables && state_check(s, e) < 0) || state_upgrade(s, e) < 0 ||
        state_statements(s, e) < 0 ||
        state_int(s, "SELECT COALESCE(MAX(seq), 0) FROM jobs", &seq, e) < 0)
        goto out;
    s->next_seq = seq + 1;
    *out = s;
    rc = 0;
out:
    if (rc < 0)
        state_close(s);
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
    sqlite3_finalize(s->meta_get);
    sqlite3_finalize(s->meta_put);
    sqlite3_close(s->db);
    free(s->path);
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

void state_bind_text(sqlite3_stmt *st, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

void state_bind_time(sqlite3_stmt *st, int i, int64_t v)
{
    if (v)
        sqlite3_bind_int64(st, i, v);
    else
        sqlite3_bind_null(st, i);
}

char *state_col_text(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);

    return t ? xstrdup((const char *)t) : NULL;
}

int state_step_done(struct state *s, sqlite3_stmt *st, const char *what,
                           struct dub_err *e)
{
    int rc = sqlite3_step(st);

    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return state_fail(s, e, what);
    return 0;
}

int state_upload_find(struct state *s, const char *key, int64_t max_age_ms,
                      char **url, struct dub_err *e)
{
    int rc;

    *url = NULL;
    sqlite3_reset(s->up_get);
    sqlite3_bind_text(s->up_get, 1, key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s->up_get, 2, util_now_ms() - max_age_ms);
    rc = sqlite3_step(s->up_get);
    if (rc == SQLITE_ROW)
        *url = state_col_text(s->up_get, 0);
    sqlite3_reset(s->up_get);
    if (rc == SQLITE_ROW)
        return 1;
    if (rc == SQLITE_DONE)
        return 0;
    return state_fail(s, e, "cannot find an upload");
}

int state_upload_save(struct state *s, const char *key, const char *url,
                      int64_t size, struct dub_err *e)
{
    sqlite3_stmt *st = s->up_put;

    sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, url, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, size);
    sqlite3_bind_int64(st, 4, util_now_ms());
    return state_step_done(s, st, "cannot save an upload", e);
}

int state_meta_get(struct state *s, const char *key, char **value,
                   struct dub_err *e)
{
    int rc;

    *value = NULL;
    sqlite3_reset(s->meta_get);
    sqlite3_bind_text(s->meta_get, 1, key, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(s->meta_get);
    if (rc == SQLITE_ROW)
        *value = state_col_text(s->meta_get, 0);
    sqlite3_reset(s->meta_get);
    if (rc == SQLITE_ROW)
        return *value != NULL;
    if (rc == SQLITE_DONE)
        return 0;
    return state_fail(s, e, "cannot read its facts");
}

int state_meta_set(struct state *s, const char *key, const char *value,
                   struct dub_err *e)
{
    sqlite3_bind_text(s->meta_put, 1, key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s->meta_put, 2, value, -1, SQLITE_TRANSIENT);
    return state_step_done(s, s->meta_put, "cannot save its facts", e);
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
        return state_fail(s, e, "cannot count events");
    return n;
}

const char *state_library_version(void)
{
    return sqlite3_libversion();
}

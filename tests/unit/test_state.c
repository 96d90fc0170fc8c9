/*
 * state: a real SQLite database in a temporary folder: the one transition
 * function, restarts, group commit, the caches, and what an upgraded, a
 * newer, a damaged or a hand-edited database does.  (The sqlite3 program
 * makes the odd databases: the tests do not include sqlite3.h.)
 */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state.h"
#include "test.h"

static char dir[] = "/tmp/dubstate.XXXXXX";

static int sh(const char *fmt, ...) DUB_PRINTF(1, 2);

/* Runs a shell command made from fmt. */
static int sh(const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    return system(cmd);
}

static void moves(struct state *s)
{
    struct dub_err e = {0};
    struct state_job j = {0}, got = {0}, *all;
    size_t n;

    j.id = xstrdup("a");
    j.fingerprint = xstrdup("f1");
    j.created_at = 1000;
    test_cond("a new job saves as NEW with its first event",
              state_job_create(s, &j, "new", &e) == 0 && j.state == JOB_NEW &&
                  state_event_count(s, "a", &e) == 1);
    test_cond("a legal move saves",
              state_job_move(s, &j, JOB_PROBED, NULL, &e) == 0 &&
                  state_job_move(s, &j, JOB_CONFORMED, NULL, &e) == 0 &&
                  state_job_move(s, &j, JOB_UPLOADED, NULL, &e) == 0);
    j.payload = xstrdup("{\"video_url\":\"https://x/v.mp4\"}");
    j.submitted_at = 2000;
    test_cond("the durable SUBMITTING record",
              state_job_move(s, &j, JOB_SUBMITTING, "submit", &e) == 0);
    test_cond("an illegal move is refused and names itself",
              state_job_move(s, &j, JOB_DONE, NULL, &e) < 0 &&
                  e.code == DUB_EINTERNAL && strstr(e.msg, "SUBMITTING -> DONE") &&
                  j.state == JOB_SUBMITTING);
    test_cond("it reads back",
              state_job_load(s, "a", &got, &e) == 1 && got.state == JOB_SUBMITTING &&
                  strcmp(got.payload, j.payload) == 0 && got.submitted_at == 2000 &&
                  got.request_id == NULL && got.created_at == 1000);
    state_job_release(&got);
    test_cond("each move is an event, the refused one is not",
              state_event_count(s, "a", &e) == 5);

    j.request_id = xstrdup("r1");
    j.acked = 1;
    j.faults = 3;
    j.fault_ms = 4500;
    free(j.waiting);
    j.waiting = xstrdup("no space left on device");
    test_cond("what fal holds saves without an event",
              state_job_move(s, &j, JOB_QUEUED, NULL, &e) == 0 &&
                  state_job_save(s, &j, &e) == 0 &&
                  state_event_count(s, "a", &e) == 6);
    test_cond("the new columns read back",
              state_job_load(s, "a", &got, &e) == 1 && got.acked == 1 &&
                  got.faults == 3 && got.fault_ms == 4500 &&
                  strcmp(got.waiting, "no space left on device") == 0 &&
                  strcmp(got.request_id, "r1") == 0);
    state_job_release(&got);

    j.error = xstrdup("gave up");
    test_cond("FAILED stamps finished_at",
              state_job_move(s, &j, JOB_FAILED, "gave up", &e) == 0 &&
                  j.finished_at > 0);
    test_cond("a failed job with a request is taken up from it",
              state_job_revive(s, &j, "resumed", &e) == 0 &&
                  j.state == JOB_QUEUED && !j.error && !j.finished_at);
    test_cond("a restart gives the request up, keeps the faults",
              state_job_restart(s, &j, 1, "retry", &e) == 0 &&
                  j.state == JOB_NEW && j.attempts == 1 && !j.request_id &&
                  !j.payload && !j.acked && j.faults == 3);
    test_cond("only failed jobs with a request are revived",
              state_job_revive(s, &j, "resumed", &e) < 0);

    /* Group commit: many saves, one transaction. */
    test_cond("begin", state_begin(s, &e) == 0);
    got.id = "b";
    got.fingerprint = "f2";
    state_job_create(s, &got, NULL, &e);
    got.id = "c";
    state_job_create(s, &got, NULL, &e);
    test_cond("commit", state_commit(s, &e) == 0);
    test_cond("jobs list in first-seen order, whatever was saved since",
              state_jobs_all(s, &all, &n, &e) == 0 && n == 3 &&
                  strcmp(all[0].id, "a") == 0 && strcmp(all[1].id, "b") == 0 &&
                  strcmp(all[2].id, "c") == 0);
    state_jobs_free(all, n);
    state_job_release(&j);
}

static void caches(struct state *s)
{
    struct dub_err e = {0};
    char *url, *v;

    test_cond("an upload is remembered",
              state_upload_save(s, "abc123", "https://cdn/x.mp4", 42, &e) == 0 &&
                  state_upload_find(s, "abc123", 60000, &url, &e) == 1 &&
                  strcmp(url, "https://cdn/x.mp4") == 0);
    free(url);
    test_cond("an unknown key is not",
              state_upload_find(s, "zzz", 60000, &url, &e) == 0 && url == NULL);
    test_cond("the database's own facts",
              state_meta_get(s, "k", &v, &e) == 0 && !v &&
                  state_meta_set(s, "k", "1", &e) == 0 &&
                  state_meta_get(s, "k", &v, &e) == 1 && strcmp(v, "1") == 0);
    free(v);
}

static void odd_databases(void)
{
    struct dub_err e = {0};
    struct state *s;
    struct state_job got = {0};

    /* The first schema, as dubbatch 0.1 wrote it (no user_version). */
    sh("rm -rf '%s/.dubbatch' && mkdir -p '%s/.dubbatch'", dir, dir);
    sh("sqlite3 '%s/.dubbatch/state.db' \"CREATE TABLE jobs (id TEXT PRIMARY "
       "KEY, fingerprint TEXT, state TEXT NOT NULL, attempts INTEGER NOT NULL "
       "DEFAULT 0, endpoint TEXT, payload TEXT, video_url TEXT, audio_url "
       "TEXT, request_id TEXT, status_url TEXT, response_url TEXT, cancel_url "
       "TEXT, output_url TEXT, output TEXT, output_size INTEGER, shared_with "
       "TEXT, error TEXT, cost REAL, created_at INTEGER, submitted_at INTEGER,"
       " queued_at INTEGER, started_at INTEGER, completed_at INTEGER, "
       "finished_at INTEGER, seq INTEGER); INSERT INTO jobs (id, fingerprint, "
       "state, request_id, seq) VALUES ('old', 'f', 'RUNNING', 'r9', 1);\"",
       dir);
    test_cond("a first-schema database is upgraded in place",
              state_open(dir, &s, &e) == 0 &&
                  state_job_load(s, "old", &got, &e) == 1 &&
                  got.state == JOB_RUNNING && strcmp(got.request_id, "r9") == 0 &&
                  got.faults == 0 && !got.waiting);
    state_job_release(&got);
    state_close(s);

    sh("sqlite3 '%s/.dubbatch/state.db' \"UPDATE jobs SET state='LIMBO'\"", dir);
    test_cond("an unknown state is an error, not NEW",
              state_open(dir, &s, &e) == 0 &&
                  state_job_load(s, "old", &got, &e) < 0 &&
                  strstr(e.msg, "unknown state 'LIMBO'"));
    state_close(s);

    sh("sqlite3 '%s/.dubbatch/state.db' 'PRAGMA user_version=99'", dir);
    test_cond("a newer database is refused, with what to do",
              state_open(dir, &s, &e) < 0 && strstr(e.msg, "newer dubbatch") &&
                  strstr(e.msg, "schema 99"));

    sh("rm -rf '%s/.dubbatch' && mkdir -p '%s/.dubbatch'", dir, dir);
    sh("head -c 65536 /dev/urandom > '%s/.dubbatch/state.db'", dir);
    test_cond("a file of garbage is named as damaged, with what to do",
              state_open(dir, &s, &e) < 0 && e.code == DUB_ESTATE &&
                  strstr(e.msg, "state.db") && strstr(e.msg, "move it aside"));
}

int main(void)
{
    struct dub_err e = {0};
    struct state *s;
    struct state_job got = {0};

    if (!mkdtemp(dir))
        return 1;
    test_cond("open creates .dubbatch/state.db", state_open(dir, &s, &e) == 0);
    if (!s) {
        printf("  %s\n", e.msg);
        return test_report();
    }
    test_cond("an unknown job is not found", state_job_load(s, "a", &got, &e) == 0);
    moves(s);
    caches(s);
    state_close(s);
    test_cond("a reopened database keeps everything",
              state_open(dir, &s, &e) == 0 && state_job_load(s, "a", &got, &e) == 1 &&
                  got.state == JOB_NEW && got.attempts == 1);
    state_job_release(&got);
    state_close(s);
    odd_databases();
    if (sh("rm -rf '%s'", dir) != 0)
        printf("FAIL cleanup\n");
    return test_report();
}

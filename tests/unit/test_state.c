/*
 * state: a real SQLite database in a temporary folder.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state.h"
#include "test.h"

int main(void)
{
    char dir[] = "/tmp/dubstate.XXXXXX";
    struct dub_err e = {0};
    struct state *s;
    struct state_job j = {0}, got = {0}, *all;
    size_t n;
    char *url, *cmd;

    if (!mkdtemp(dir))
        return 1;
    test_cond("open creates .dubbatch/state.db", state_open(dir, &s, &e) == 0);
    if (!s) {
        printf("  %s\n", e.msg);
        return test_report();
    }
    test_cond("an unknown job is not found", state_job_load(s, "a", &got, &e) == 0);

    j.id = "a";
    j.state = JOB_UPLOADED;
    j.fingerprint = "f1";
    j.payload = "{\"video_url\":\"https://x/v.mp4\"}";
    j.created_at = 1000;
    test_cond("a new job saves", state_job_save(s, &j, JOB_NSTATES, "new", &e) == 0);
    j.state = JOB_SUBMITTING;
    j.submitted_at = 2000;
    test_cond("a transition saves", state_job_save(s, &j, JOB_UPLOADED, "submit", &e) == 0);
    test_cond("it reads back",
              state_job_load(s, "a", &got, &e) == 1 && got.state == JOB_SUBMITTING &&
                  strcmp(got.payload, j.payload) == 0 && got.submitted_at == 2000 &&
                  got.request_id == NULL && got.created_at == 1000);
    state_job_release(&got);
    test_cond("each transition is an event", state_event_count(s, "a", &e) == 2);

    /* Group commit: many saves, one transaction. */
    test_cond("begin", state_begin(s, &e) == 0);
    j.id = "b";
    j.state = JOB_NEW;
    state_job_save(s, &j, JOB_NSTATES, NULL, &e);
    j.id = "c";
    state_job_save(s, &j, JOB_NSTATES, NULL, &e);
    test_cond("commit", state_commit(s, &e) == 0);
    test_cond("jobs list in first-seen order",
              state_jobs_all(s, &all, &n, &e) == 0 && n == 3 &&
                  strcmp(all[0].id, "a") == 0 && strcmp(all[2].id, "c") == 0);
    state_jobs_free(all, n);

    test_cond("an upload is remembered",
              state_upload_save(s, "abc123", "https://cdn/x.mp4", 42, &e) == 0 &&
                  state_upload_find(s, "abc123", 60000, &url, &e) == 1 &&
                  strcmp(url, "https://cdn/x.mp4") == 0);
    free(url);
    test_cond("an unknown hash is not",
              state_upload_find(s, "zzz", 60000, &url, &e) == 0 && url == NULL);
    state_close(s);

    test_cond("a reopened database keeps everything",
              state_open(dir, &s, &e) == 0 && state_job_load(s, "a", &got, &e) == 1 &&
                  got.state == JOB_SUBMITTING);
    state_job_release(&got);
    state_close(s);
    cmd = xasprintf("rm -rf '%s'", dir);
    if (system(cmd) != 0)
        printf("FAIL cleanup\n");
    free(cmd);
    return test_report();
}

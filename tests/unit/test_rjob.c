/*
 * rjob: the counters the loop and the progress line read, kept where a
 * job moves, and the queues where the loop finds work (a ready FIFO, a
 * timer heap, a queue for remote slots), on a real state database.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "manifest.h"
#include "rjob.h"
#include "test.h"

#define N 4

int main(void)
{
    char dir[] = "/tmp/dubrjob.XXXXXX", *cmd;
    struct manifest m;
    struct manifest_job mj[N];
    struct rjob jobs[N], *a, *b;
    struct runner run;
    struct dub_err e = {0};
    int i;

    if (!mkdtemp(dir))
        return 1;
    log_setup(LOG_QUIET, LOG_TEXT);
    memset(&m, 0, sizeof(m));
    memset(mj, 0, sizeof(mj));
    memset(jobs, 0, sizeof(jobs));
    memset(&run, 0, sizeof(run));
    m.output_dir = dir;
    run.m = &m;
    run.lim = plan_limits_get(PLAN_A2V);
    run.o.concurrency = 1;
    run.o.retry_for_ms = 1000;
    run.o.backoff_ms = 1;
    run.o.backoff_cap_ms = 2;
    run.jobs = jobs;
    run.n = N;
    run.heap = xcalloc(N + 1, sizeof(*run.heap));
    if (state_open(dir, &run.st, &e) < 0) {
        printf("FAIL open: %s\n", e.msg);
        return 1;
    }
    for (i = 0; i < N; i++) {
        char id[8];

        snprintf(id, sizeof(id), "j%d", i);
        mj[i].id = xstrdup(id);
        jobs[i].run = &run;
        jobs[i].mj = &mj[i];
        jobs[i].heap = -1;
        jobs[i].st.id = xstrdup(id);
        state_job_create(run.st, &jobs[i].st, "new", &e);
        run.count[JOB_NEW]++;
    }
    run.open = N;

    rjob_move(&jobs[0], JOB_PROBED, NULL);
    test_cond("a move keeps the counts per state",
              run.count[JOB_NEW] == N - 1 && run.count[JOB_PROBED] == 1);
    test_cond("a job that moved on is ready for its next step",
              rjob_next(&run) == &jobs[0] && rjob_next(&run) == NULL);

    rjob_later(&jobs[1], 40);
    rjob_later(&jobs[2], 5);
    rjob_later(&jobs[3], 20);
    test_cond("nothing is due yet", rjob_next(&run) == NULL &&
                                        rjob_timeout(&run) > 0);
    nanosleep(&(struct timespec){0, 60 * 1000000}, NULL);
    a = rjob_next(&run);
    b = rjob_next(&run);
    test_cond("timers come due earliest first",
              a == &jobs[2] && b == &jobs[3] && rjob_next(&run) == &jobs[1]);
    rjob_later(&jobs[1], 10000);
    rjob_ready(&jobs[1]);
    test_cond("ready overrides a timer", rjob_next(&run) == &jobs[1] &&
                                             run.nheap == 0);

    rjob_move(&jobs[0], JOB_CONFORMED, NULL);
    rjob_move(&jobs[0], JOB_UPLOADED, NULL);
    rjob_move(&jobs[0], JOB_SUBMITTING, NULL);
    while (rjob_next(&run))
        ;
    test_cond("a job at fal holds a slot", run.remote == 1);
    rjob_wait_slot(&jobs[1]);
    test_cond("a job waiting for a slot is not ready", rjob_next(&run) == NULL);
    rjob_fail(&jobs[0], JOB_FAILED, "no");
    test_cond("a failure frees the slot, counts, and closes the job",
              run.remote == 0 && run.failures == 1 && run.open == N - 1 &&
                  jobs[0].parked && run.count[JOB_FAILED] == 1);
    test_cond("the freed slot wakes the job waiting for one",
              rjob_next(&run) == &jobs[1]);
    rjob_park(&jobs[2], "disk full");
    test_cond("a parked job waits for a later run, counted",
              run.waiting == 1 && run.open == N - 2 &&
                  strcmp(jobs[2].st.waiting, "disk full") == 0);
    rjob_ready(&jobs[2]);
    test_cond("a parked job is never stepped again this run",
              rjob_next(&run) == NULL);
    rjob_move(&jobs[3], JOB_QUEUED, "no SUBMITTING record");
    test_cond("a move the table refuses stops the run, and moves nothing",
              run.stop_code && jobs[3].st.state == JOB_NEW &&
                  run.count[JOB_NEW] == 3);

    for (i = 0; i < N; i++) {
        state_job_release(&jobs[i].st);
        free(mj[i].id);
    }
    state_close(run.st);
    free(run.heap);
    cmd = xasprintf("rm -rf '%s'", dir);
    if (system(cmd) != 0)
        printf("FAIL cleanup\n");
    free(cmd);
    return test_report();
}

/*
 * progress: the progress line on a terminal (counts, cost so far, and an
 * ETA from the jobs this run has seen through, spread over the remote
 * slots), and the one line every run ends with.  Both read the counters
 * rjob_move() keeps; neither walks the jobs.
 */
#define _POSIX_C_SOURCE 200809L
#include "rjob.h"

#include <math.h>
#include <stdio.h>

#include "log.h"

void progress_draw(struct runner *run, int final)
{
    const int *c = run->count;
    int left = run->open;
    char eta[32] = "ETA --";

    if (!run->o.progress)
        return;
    if (run->timed && left) {
        double ms = run->spent_ms / run->timed *
                    ceil((double)left / (run->o.concurrency > 0
                                             ? run->o.concurrency
                                             : 1));

        snprintf(eta, sizeof(eta), "ETA %.0fm%02.0fs", floor(ms / 60000),
                 fmod(ms / 1000, 60));
    }
    fprintf(stderr, "\r\033[K%d/%zu done, %d at fal (%d running), %d failed, "
                    "%d rejected, %d waiting, $%.2f, %s%s",
            c[JOB_DONE], run->n,
            c[JOB_SUBMITTING] + c[JOB_QUEUED] + c[JOB_RUNNING] +
                c[JOB_COMPLETED],
            c[JOB_RUNNING], c[JOB_FAILED], c[JOB_REJECTED], run->waiting,
            run->committed_cost, left ? eta : "finished", final ? "\n" : "");
}

void progress_summary(struct runner *run, double seconds)
{
    const int *c = run->count;

    log_write(LOG_INFO, NULL,
              "%zu jobs: %d done, %d failed, %d rejected, %d skipped, "
              "%d cancelled, %d waiting for a later run, %d not finished; "
              "$%.2f sent to fal this run; %d transient faults outlasted "
              "(%.1f s); %.1f s",
              run->n, c[JOB_DONE], c[JOB_FAILED], c[JOB_REJECTED],
              c[JOB_SKIPPED], c[JOB_CANCELLED], run->waiting,
              run->open, run->committed_cost, run->faults,
              run->fault_ms / 1000.0, seconds);
}

/*
 * job: the state machine's legal and illegal moves, from a table.
 */
#include <stdio.h>

#include "job.h"
#include "test.h"

struct move {
    enum job_state from, to;
    int ok;
    const char *why;
};

static const struct move moves[] = {
    {JOB_NEW, JOB_PROBED, 1, "the happy path starts with a probe"},
    {JOB_PROBED, JOB_CONFORMED, 1, "then conform"},
    {JOB_CONFORMED, JOB_UPLOADED, 1, "then upload"},
    {JOB_UPLOADED, JOB_SUBMITTING, 1, "then the durable SUBMITTING record"},
    {JOB_SUBMITTING, JOB_QUEUED, 1, "fal queued it"},
    {JOB_SUBMITTING, JOB_COMPLETED, 1, "adopted at reconcile, already done"},
    {JOB_QUEUED, JOB_RUNNING, 1, "fal started it"},
    {JOB_RUNNING, JOB_QUEUED, 1, "fal requeued it"},
    {JOB_RUNNING, JOB_COMPLETED, 1, "fal finished it"},
    {JOB_COMPLETED, JOB_DOWNLOADED, 1, "result on disk, verified"},
    {JOB_DOWNLOADED, JOB_DONE, 1, "done"},
    {JOB_UPLOADED, JOB_QUEUED, 0, "no way around SUBMITTING"},
    {JOB_CONFORMED, JOB_SUBMITTING, 0, "no submit before upload"},
    {JOB_SUBMITTING, JOB_UPLOADED, 1, "reconcile proved fal never had it"},
    {JOB_QUEUED, JOB_UPLOADED, 0, "a queued request is never resubmitted"},
    {JOB_COMPLETED, JOB_DONE, 0, "no done without the file"},
    {JOB_PROBED, JOB_REJECTED, 1, "rejected before spending"},
    {JOB_SUBMITTING, JOB_REJECTED, 0, "a sent job is not 'rejected'"},
    {JOB_UPLOADED, JOB_SKIPPED, 1, "the budget stops it before submit"},
    {JOB_QUEUED, JOB_SKIPPED, 0, "a job at fal cannot be skipped"},
    {JOB_RUNNING, JOB_FAILED, 1, "anything can fail"},
    {JOB_QUEUED, JOB_CANCELLED, 1, "cancel in flight"},
    {JOB_DONE, JOB_FAILED, 0, "final states stay final"},
    {JOB_FAILED, JOB_PROBED, 0, "a failed job restarts as a new job, not a move"},
    {JOB_NEW, JOB_DONE, 1, "a job served by an identical job's request"},
    {JOB_DOWNLOADED, JOB_COMPLETED, 1, "a checked result lost before delivery"},
    {JOB_UPLOADED, JOB_REJECTED, 0, "an uploaded input was already found to fit"},
    {JOB_DOWNLOADED, JOB_SKIPPED, 0, "paid work is not skipped"},
    {JOB_COMPLETED, JOB_QUEUED, 0, "a completed request does not go back"},
};

int main(void)
{
    size_t i;
    enum job_state s;

    for (i = 0; i < sizeof(moves) / sizeof(moves[0]); i++) {
        char name[160];

        snprintf(name, sizeof(name), "%s -> %s %s: %s",
                 job_state_name(moves[i].from), job_state_name(moves[i].to),
                 moves[i].ok ? "allowed" : "refused", moves[i].why);
        test_cond(name, job_can_move(moves[i].from, moves[i].to) == moves[i].ok);
    }
    test_cond("names round-trip",
              job_state_parse("SUBMITTING", &s) == 0 && s == JOB_SUBMITTING &&
                  job_state_parse("DONE?", &s) < 0);
    test_cond("remote states are SUBMITTING..COMPLETED",
              job_is_remote(JOB_SUBMITTING) && job_is_remote(JOB_COMPLETED) &&
                  !job_is_remote(JOB_UPLOADED) && !job_is_remote(JOB_DOWNLOADED));
    return test_report();
}

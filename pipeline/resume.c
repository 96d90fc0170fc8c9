/*
 * resume: the resume policy.
 */
#include "resume.h"

#include "fal.h"
#include "state.h"

enum resume_action resume_decide(const struct state_job *old, int same_work,
                                 int resubmit_failed, const char **why)
{
    const char *w = NULL;
    enum resume_action a;

    if (!same_work) {
        a = RESUME_REDO;
        w = "inputs or settings changed";
    } else if (old->state == JOB_DONE || old->state == JOB_REJECTED ||
               old->state == JOB_CANCELLED) {
        a = RESUME_KEEP;
    } else if (job_is_remote(old->state) || old->state == JOB_DOWNLOADED) {
        a = RESUME_CONTINUE;
        w = "resumed from its request";
    } else if (old->state != JOB_FAILED && old->state != JOB_SKIPPED) {
        a = RESUME_LOCAL;
        w = "resumed: nothing was sent yet";
    } else if (!old->fal_failed && !old->request_id) {
        a = RESUME_RETRY;
        w = "retry: nothing was paid for";
    } else if (!old->fal_failed) {
        a = RESUME_REVIVE;
        w = "resumed from its request: it failed here, not at fal";
    } else if (fal_error_retryable(old->error_type)) {
        a = RESUME_RESUBMIT;
        w = "submitted again: fal failed the request for a retryable reason";
    } else if (resubmit_failed) {
        a = RESUME_RESUBMIT;
        w = "submitted again: --resubmit-failed";
    } else {
        a = RESUME_HOLD;
        w = "not sent again: fal failed it on these inputs (use "
            "--resubmit-failed to pay for another try)";
    }
    if (why)
        *why = w;
    return a;
}

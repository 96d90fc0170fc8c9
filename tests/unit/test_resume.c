/*
 * resume: the resume policy as one table of saved records -> action.
 */
#include <stdio.h>

#include "resume.h"
#include "state.h"
#include "test.h"

struct row {
    enum job_state state;
    const char *request_id;
    int fal_failed;
    const char *error_type;
    int same_work, resubmit_failed;
    enum resume_action want;
    const char *why;
};

static const struct row rows[] = {
    {JOB_DONE, "r", 0, NULL, 1, 0, RESUME_KEEP, "done stays done"},
    {JOB_REJECTED, NULL, 0, NULL, 1, 0, RESUME_KEEP, "a rejection stands on the same inputs"},
    {JOB_CANCELLED, "r", 0, NULL, 1, 0, RESUME_KEEP, "cancelled stays cancelled"},
    {JOB_DONE, "r", 0, NULL, 0, 0, RESUME_REDO, "changed inputs redo even a done job"},
    {JOB_QUEUED, "r", 0, NULL, 0, 0, RESUME_REDO, "changed inputs give up the request"},
    {JOB_SUBMITTING, NULL, 0, NULL, 1, 0, RESUME_CONTINUE, "an unconfirmed submit is reconciled"},
    {JOB_QUEUED, "r", 0, NULL, 1, 0, RESUME_CONTINUE, "queued: polled by its id"},
    {JOB_RUNNING, "r", 0, NULL, 1, 0, RESUME_CONTINUE, "running: polled by its id"},
    {JOB_COMPLETED, "r", 0, NULL, 1, 0, RESUME_CONTINUE, "completed: fetched, not resent"},
    {JOB_DOWNLOADED, "r", 0, NULL, 1, 0, RESUME_CONTINUE, "checked: delivered"},
    {JOB_NEW, NULL, 0, NULL, 1, 0, RESUME_LOCAL, "not started: the local steps"},
    {JOB_CONFORMED, NULL, 0, NULL, 1, 0, RESUME_LOCAL, "conformed: redone from the cache"},
    {JOB_UPLOADED, NULL, 0, NULL, 1, 0, RESUME_LOCAL, "uploaded, not sent: local steps"},
    {JOB_FAILED, NULL, 0, NULL, 1, 0, RESUME_RETRY, "failed before paying: a new attempt"},
    {JOB_SKIPPED, NULL, 0, NULL, 1, 0, RESUME_RETRY, "skipped by budget: tried again"},
    {JOB_FAILED, "r", 0, NULL, 1, 0, RESUME_REVIVE, "failed here after fal had it: taken up"},
    {JOB_FAILED, "r", 1, "runner_disconnected", 1, 0, RESUME_RESUBMIT, "fal's retryable failure: sent again"},
    {JOB_FAILED, "r", 1, "request_timeout", 1, 0, RESUME_RESUBMIT, "fal's start timeout: sent again"},
    {JOB_FAILED, "r", 1, "face_detection_error", 1, 0, RESUME_HOLD, "fal's 422 on the same inputs: held"},
    {JOB_FAILED, "r", 1, NULL, 1, 0, RESUME_HOLD, "fal's word without a type: held"},
    {JOB_FAILED, "r", 1, "face_detection_error", 1, 1, RESUME_RESUBMIT, "--resubmit-failed pays again"},
    {JOB_FAILED, NULL, 1, NULL, 1, 0, RESUME_HOLD, "a submit fal refused (422) is held too"},
    {JOB_FAILED, "r", 1, "face_detection_error", 0, 0, RESUME_REDO, "new inputs after a 422: redone"},
};

int main(void)
{
    size_t i;

    for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        const struct row *r = &rows[i];
        struct state_job st = {0};
        const char *why = NULL;
        char name[200];
        enum resume_action a;

        st.state = r->state;
        st.request_id = (char *)r->request_id;
        st.fal_failed = r->fal_failed;
        st.error_type = (char *)r->error_type;
        a = resume_decide(&st, r->same_work, r->resubmit_failed, &why);
        snprintf(name, sizeof(name), "%s: %s", job_state_name(r->state),
                 r->why);
        test_cond(name, a == r->want);
        if (a != r->want)
            printf("  got %d (%s)\n", (int)a, why ? why : "");
    }
    return test_report();
}

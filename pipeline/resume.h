/*
 * resume: what a run does with a job an earlier run left in state.db
 * (design.md section 5).  Pure: a saved record in, an action out, so the
 * whole policy is one table in tests/unit/test_resume.c.
 *
 * A request id, once saved, is the job: a job that holds one is resumed
 * from it (status, result, download) whatever state the last run left it
 * in, and is submitted again only when fal itself failed that request for
 * a reason it calls retryable, or when the user asks (--resubmit-failed).
 */
#ifndef DUB_RESUME_H
#define DUB_RESUME_H

struct state_job;

enum resume_action {
    RESUME_KEEP,      /* done, rejected or cancelled: nothing to do */
    RESUME_CONTINUE,  /* at fal: go on from its request id */
    RESUME_REVIVE,    /* failed here after fal had the work (an older
                         dubbatch's record): go on from its request id */
    RESUME_LOCAL,     /* nothing sent yet: redo the local steps (cached) */
    RESUME_RETRY,     /* failed or skipped before anything was paid: a
                         new attempt */
    RESUME_RESUBMIT,  /* fal failed it for a retryable reason, or the user
                         asked: a new, paid request */
    RESUME_HOLD,      /* fal failed it for a reason that would recur on the
                         same inputs: left failed */
    RESUME_REDO,      /* its inputs or settings changed: a new job */
};

/*
 * Decides for old (the saved record); same_work is 1 when its fingerprint
 * is the manifest's job's.  *why (static text, may be NULL) says why, for
 * the event log and the report.
 */
enum resume_action resume_decide(const struct state_job *old, int same_work,
                                 int resubmit_failed, const char **why);

#endif

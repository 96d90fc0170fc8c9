/*
 * job: the job state machine of design.md section 4, as data.
 *
 *   NEW -> PROBED -> CONFORMED -> UPLOADED -> SUBMITTING -> QUEUED/RUNNING
 *       -> COMPLETED -> DOWNLOADED -> DONE
 *   any -> REJECTED (cannot be made to fit; nothing spent)
 *   any -> FAILED   (permanent error or retries exhausted)
 *   any -> SKIPPED  (not submitted: the budget or --max-fail stopped it)
 *   any -> CANCELLED (dubbatch cancel)
 *
 * Pure: names, parsing and which transitions are legal.  The runner moves
 * jobs; state.c stores them.
 */
#ifndef DUB_JOB_H
#define DUB_JOB_H

enum job_state {
    JOB_NEW,
    JOB_PROBED,
    JOB_CONFORMED,
    JOB_UPLOADED,
    JOB_SUBMITTING,  /* the POST may be in flight: never resubmit blindly */
    JOB_QUEUED,
    JOB_RUNNING,
    JOB_COMPLETED,   /* fal says done; the result is not yet downloaded */
    JOB_DOWNLOADED,  /* verified file on disk */
    JOB_DONE,
    JOB_REJECTED,
    JOB_FAILED,
    JOB_SKIPPED,
    JOB_CANCELLED,
    JOB_NSTATES
};

/* "NEW", "PROBED", ... */
const char *job_state_name(enum job_state s);
/* Parses a name; -1 when unknown. */
int job_state_parse(const char *name, enum job_state *out);
/* 1 when a job may move from -> to. */
int job_can_move(enum job_state from, enum job_state to);
/* 1 for DONE, REJECTED, FAILED, SKIPPED, CANCELLED. */
int job_is_final(enum job_state s);
/* 1 when the job holds a request at fal (SUBMITTING..COMPLETED). */
int job_is_remote(enum job_state s);

#endif

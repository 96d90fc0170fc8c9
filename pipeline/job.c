/*
 * job: state names and the legal transitions, as one table.
 */
#include "job.h"

#include <string.h>

static const char *const job_names[JOB_NSTATES] = {
    "NEW", "PROBED", "CONFORMED", "UPLOADED", "SUBMITTING", "QUEUED",
    "RUNNING", "COMPLETED", "DOWNLOADED", "DONE", "REJECTED", "FAILED",
    "SKIPPED", "CANCELLED",
};

#define B(s) (1u << (s))

/*
 * Forward moves only, plus the ends every state can reach.  A job may also
 * start over from NEW (its inputs or settings changed, or a new attempt),
 * which state.c does by restarting the record, not by a transition.
 * QUEUED and RUNNING go back and forth as fal reports them.  There is no
 * way to QUEUED that skips the durable SUBMITTING record, and SUBMITTING
 * returns to UPLOADED only when it is proved that fal never created the
 * request (a complete listing without it, or every try refused before it
 * reached fal), so submitting again cannot pay twice.  A verified result
 * lost before delivery is fetched again (DOWNLOADED -> COMPLETED).  A job
 * served by an identical job's request is done with it, having sent
 * nothing of its own (NEW -> DONE).
 */
static const unsigned job_next[JOB_NSTATES] = {
    [JOB_NEW] = B(JOB_PROBED) | B(JOB_DONE),
    [JOB_PROBED] = B(JOB_CONFORMED),
    [JOB_CONFORMED] = B(JOB_UPLOADED),
    [JOB_UPLOADED] = B(JOB_SUBMITTING),
    [JOB_SUBMITTING] = B(JOB_QUEUED) | B(JOB_RUNNING) | B(JOB_COMPLETED) |
                       B(JOB_UPLOADED),
    [JOB_QUEUED] = B(JOB_RUNNING) | B(JOB_COMPLETED),
    [JOB_RUNNING] = B(JOB_QUEUED) | B(JOB_COMPLETED),
    [JOB_COMPLETED] = B(JOB_DOWNLOADED),
    [JOB_DOWNLOADED] = B(JOB_DONE) | B(JOB_COMPLETED),
};

const char *job_state_name(enum job_state s)
{
    return (unsigned)s < JOB_NSTATES ? job_names[s] : "?";
}

int job_state_parse(const char *name, enum job_state *out)
{
    int i;

    for (i = 0; i < JOB_NSTATES; i++) {
        if (strcmp(job_names[i], name) == 0) {
            *out = (enum job_state)i;
            return 0;
        }
    }
    return -1;
}

/* Groups of states, as sets rather than ranges of the enum. */
#define JOB_FINAL (B(JOB_DONE) | B(JOB_REJECTED) | B(JOB_FAILED) |           \
                   B(JOB_SKIPPED) | B(JOB_CANCELLED))
#define JOB_REMOTE (B(JOB_SUBMITTING) | B(JOB_QUEUED) | B(JOB_RUNNING) |     \
                    B(JOB_COMPLETED))
#define JOB_UNSENT (B(JOB_NEW) | B(JOB_PROBED) | B(JOB_CONFORMED) |          \
                    B(JOB_UPLOADED))

int job_is_final(enum job_state s)
{
    return (unsigned)s < JOB_NSTATES && (JOB_FINAL & B(s));
}

int job_is_remote(enum job_state s)
{
    return (unsigned)s < JOB_NSTATES && (JOB_REMOTE & B(s));
}

int job_can_move(enum job_state from, enum job_state to)
{
    if ((unsigned)from >= JOB_NSTATES || (unsigned)to >= JOB_NSTATES)
        return 0;
    if (job_is_final(from))
        return 0;
    /* Rejection means nothing was spent: only before anything is sent. */
    if (to == JOB_REJECTED)
        return (JOB_UNSENT & ~B(JOB_UPLOADED) & B(from)) != 0;
    /* A job at fal is not skipped: it is already paid for. */
    if (to == JOB_SKIPPED)
        return (JOB_UNSENT & B(from)) != 0;
    if (to == JOB_FAILED || to == JOB_CANCELLED)
        return 1;
    return (job_next[from] & B(to)) != 0;
}

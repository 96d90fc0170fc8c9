/*
 * rjob: the state a run shares between its rooms, in the manner of curl's
 * tool (one parallel-state struct, a comment per field): the record of
 * each job in the run, the run itself, and the few functions every room
 * uses.  Internal to the runner:
 *
 *   runner.c    the loop: pools, timers, signals; report
 *   runload.c   each job's record loaded, resumed, queued
 *   local.c     probe facts, plan, conform, upload       NEW .. UPLOADED
 *   submit.c    submit, reconcile, adoption              .. SUBMITTING .. QUEUED
 *   poll.c      status polls and fal's logs              QUEUED, RUNNING
 *   fetch.c     result, download, verify, deliver        COMPLETED .. DONE
 *   recover.c   a lost database: fal's listing, tags in delivered files
 *   progress.c  the progress line and the run's last line
 *
 * A job moves only through rjob_move() (rjob_fail() and rjob_park() are
 * built on it), which checks the table (state_job_move), writes the event
 * row, and keeps the counters the loop and the progress line read; rooms
 * never rescan the jobs.  Work is found through the ready queue (a job
 * whose next step can start now), the timer heap (a job whose next step is
 * due later), the slot queue (submitted jobs waiting for a remote slot)
 * and the admission cursor (jobs not started, in manifest order).
 */
#ifndef DUB_RJOB_H
#define DUB_RJOB_H

#include <stdint.h>
#include <stdio.h>

#include "fal.h"
#include "inputs.h"
#include "job.h"
#include "plan.h"
#include "runner.h"
#include "state.h"

struct manifest;
struct manifest_job;
struct media_pool;
struct prep;
struct recover;
struct remote;
struct remote_result;

/* Run times of the batch's last finished jobs kept to predict the next. */
#define RJOB_RUNTIMES 8

enum rjob_queue { RJOB_NOWHERE, RJOB_READY, RJOB_SLOT, RJOB_WAITER };

struct rjob {
    struct runner *run;
    const struct manifest_job *mj;
    struct state_job st;      /* the durable record; st.state is read-only */
    const struct inputs_file *vin, *ain;
    char fingerprint[65];
    struct plan plan;         /* made when planned, or again when resumed */
    int planned;
    struct prep *prep[2];     /* conform chains (video, audio), only for
                                 jobs that need one (2.4 KB each) */
    int preps;                /* chains in flight */
    const char *file[2];      /* what to upload: the input or its copy */
    char key[2][65];          /* their content keys: upload cache, name */
    int uploads;              /* uploads in flight */
    int busy;                 /* HTTP calls or media tasks in flight */
    int parked;               /* nothing more this run (final, or waiting
                                 for a later run: st.waiting says why) */
    int ahead;                /* counted in run->ahead (admitted, not yet
                                 holding a slot) */
    enum rjob_queue where;    /* the one queue it is in, if any */
    struct rjob *next;        /* ... and its link there */
    struct rjob *waiters;     /* jobs waiting on this one's upload */
    struct rjob *next_up;     /* run->uploaders: jobs uploading now */
    int64_t due;              /* timer: monotonic ms of the next step */
    int heap;                 /* index in run->heap, -1 when not there */
    int64_t trouble;          /* monotonic ms the current step began to
                                 fail locally (bounded by --retry-for) */
    int tries;                /* local tries of the current step */
    int64_t deadline;         /* --job-timeout, monotonic ms; 0: none */
    int64_t poll_ms;          /* the current poll interval */
    int nlogs;                /* fal log lines already written */
    int nologs;               /* fal's logs outgrew a reply: poll without */
    int refetches;            /* fresh result links asked for this run */
    char *part;               /* the download in progress (work folder) */
    FILE *fout;
    struct rjob *leader;      /* the same work as an earlier job */
    struct rjob *followers;   /* jobs this one serves ... */
    struct rjob *next_follower; /* ... linked by this */
};

struct runner {
    const struct manifest *m;
    const struct plan_limits *lim;
    struct state *st;
    struct remote *r;
    struct media_pool *pool;
    struct runner_opts o;
    struct inputs *in;         /* distinct input files, probed, hashed
                                  (runner_opts.in) */
    struct rjob *jobs;         /* in manifest order */
    size_t n;
    char *dotdir, *workdir, *logdir;

    /* Counters, kept where a job moves (rjob_move, rjob_park). */
    int count[JOB_NSTATES];    /* jobs per state */
    int remote;                /* holding a remote slot (not followers) */
    int ahead;                 /* admitted, not yet holding a slot */
    int open;                  /* neither final nor parked */
    int busy;                  /* with work in flight */
    int failures;              /* FAILED this run */
    int faults;                /* transient faults outlasted this run */
    int64_t fault_ms;          /* ... and the time they cost */
    int waiting;               /* parked for a later run */
    int scenes_open;           /* long scenes not yet joined */
    int scenes_failed;         /* ... and failed (a window, or the join) */
    double committed_cost;     /* estimated USD of the work sent to fal
                                  this run */
    double spent_before;       /* ... and by earlier runs (state.db): the
                                  batch's budget counts both */
    double spent_ms;           /* submit-to-done time of jobs done this run */
    int timed;                 /* ... and how many */
    int64_t runtimes[RJOB_RUNTIMES]; /* ms, IN_PROGRESS to COMPLETED */
    int nruntimes;

    /* Where work is found. */
    struct rjob *ready, *ready_tail;   /* can step now */
    struct rjob *slots, *slots_tail;   /* wait for a remote slot */
    struct rjob **heap;                /* due later, earliest first */
    int nheap;
    size_t admit;                      /* next job to admit */
    struct rjob *uploaders;            /* uploading now (by next_up) */

    struct recover *rec;       /* the lost-database lookup, or NULL */
    int stopping;              /* a signal: start nothing new */
    int stop_code;             /* exit code a fatal stop asks for, or 0 */
    struct dub_err fatal;      /* why the run stopped early */
    int64_t started_at;        /* epoch ms */
};

/* ==== rjob.c: moves, failures, queues ==================================== */

/* Moves j (state_job_move) and keeps the counters; an illegal move or a
 * database failure stops the run (it is logged as what it is). */
void rjob_move(struct rjob *j, enum job_state to, const char *detail);
/* Moves j to a final state (FAILED, REJECTED, SKIPPED) with why. */
void rjob_fail(struct rjob *j, enum job_state to, const char *why);
/* fal's word on the request failed it: kept apart from local failures,
 * as the next run decides by it whether to pay for another try. */
void rjob_fal_failed(struct rjob *j, const char *error_type, const char *why);
/* Parks j until a later run, bound to whatever it holds at fal: its state
 * stays, st.waiting says why. */
void rjob_park(struct rjob *j, const char *fmt, ...) DUB_PRINTF(2, 3);
/* Saves j's record as it is (URLs, counts), inside the pass's
 * transaction. */
void rjob_save(struct rjob *j);
/* Commits the pass so far, then opens the next transaction: what the next
 * step depends on is durable (a SUBMITTING record before its POST). */
void rjob_commit(struct runner *run);
/* Stops the run: nothing new starts, and it exits with code. */
void rjob_stop(struct runner *run, int code, const struct dub_err *e);

/* Adds what a call met on the way to the job's and the run's counts. */
void rjob_faults(struct rjob *j, const struct remote_result *r);
/* A local step failed in a way that may pass (a listing not yet readable,
 * a disk that fills up): 1 and a timer for the next try when the step's
 * --retry-for budget allows it, else 0 (the caller parks the job). */
int rjob_again(struct rjob *j);
/* The step succeeded: its local tries start over. */
void rjob_settled(struct rjob *j);

/* The job's next step can start now. */
void rjob_ready(struct rjob *j);
/* ... or at util_mono_ms() + ms. */
void rjob_later(struct rjob *j, int64_t ms);
/* Waits for a remote slot (woken when one frees). */
void rjob_wait_slot(struct rjob *j);
/* A call or task starts, or ends (busy counts them: an upload of video
 * and audio is two). */
void rjob_begin(struct rjob *j);
void rjob_end(struct rjob *j);
/* A call or task ended and the job steps again. */
void rjob_idle(struct rjob *j);
/* Pops the next job that can step (NULL when none), moving due timers to
 * the ready queue first. */
struct rjob *rjob_next(struct runner *run);
/* Milliseconds until the earliest timer (0: something is ready; -1:
 * nothing waits). */
int64_t rjob_timeout(struct runner *run);

/* The results folder's <id>.mp4 for j (caller frees). */
char *rjob_output_path(const struct rjob *j);
/* j's payload for fal's endpoint (caller frees). */
char *rjob_payload(const struct rjob *j);

/* ==== the steps, one room each ========================================== */

void local_step(struct rjob *j);     /* NEW, PROBED, CONFORMED */
void submit_step(struct rjob *j);    /* UPLOADED, SUBMITTING */
void poll_step(struct rjob *j);      /* QUEUED, RUNNING */
void fetch_step(struct rjob *j);     /* COMPLETED, DOWNLOADED */
void fetch_follow(struct rjob *j);   /* a job served by its leader */

/* recover.c: see recover.h for the lookup submit.c asks. */

/* runload.c: each job's record loaded or made, and where it resumes;
 * then every job queued where its next step will find it. */
void runner_load(struct runner *run);
void runner_queue(struct runner *run);

/* progress.c */
void progress_draw(struct runner *run, int final);
void progress_summary(struct runner *run, double seconds);

#endif

/*
 * runner: the batch, from manifest to finished videos (design.md sections
 * 3-5).  One thread, one loop over libcurl's multi interface, the media
 * worker pipes and a signal pipe; every job's step is committed to the
 * state database before the next one starts.
 */
#ifndef DUB_RUNNER_H
#define DUB_RUNNER_H

struct scenes;

#include <stdint.h>

#include "util.h"

struct manifest;
struct state;
struct remote;
struct media_pool;
struct inputs;

/* A result is some megabytes: ten minutes is a CDN below about 30 KB/s,
 * when another edge (a fresh link) is the better bet. */
#define RUNNER_DOWNLOAD_TIMEOUT_MS (10 * 60 * 1000L)

struct runner_opts {
    int concurrency;        /* jobs holding a remote slot */
    int max_fail;           /* stop starting work after this many; 0: never */
    double max_cost;        /* USD; 0: no cap */
    int64_t job_timeout_ms; /* from submit to result */
    int64_t poll_ms;        /* first status poll interval */
    int64_t poll_max_ms;    /* longest interval between polls */
    int64_t retry_for_ms;   /* how long a step outlasts transient faults */
    long download_timeout_ms; /* bound on one download of a result */
    int64_t backoff_ms;     /* first backoff step, and its cap */
    int64_t backoff_cap_ms;
    int resubmit_failed;    /* pay again for requests fal failed */
    int progress;           /* draw a progress line (a terminal) */
    struct inputs *in;      /* the manifest's files as probed before the
                               scenes were cut; the runner adds the rest */
    struct scenes *scenes;  /* long scenes, whose windows are among the
                               jobs: joined after the loop, reported */
    int64_t started_at;     /* epoch ms the run began (before its scenes
                               were cut); 0: when runner_run starts */
};

/* Runs the batch; returns the exit code (design.md section 8). */
int runner_run(const struct manifest *m, struct state *st, struct remote *r,
               struct media_pool *pool, const struct runner_opts *o);

/* Installs the SIGINT/SIGTERM handlers that feed the loop's self-pipe. */
int runner_signals(struct dub_err *e);

#endif

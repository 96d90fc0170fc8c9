/*
 * media: a pool of media worker processes (probe/worker.c) seen from the
 * main process.  Tasks queue here; at most `workers` run at once, each in
 * its own child, so libav never runs in the main process.  A worker that
 * crashes or outlives the task's time limit is killed, its task fails with
 * a reason, and a fresh worker takes the next task.
 *
 * The pool fits into any poll() loop: media_pool_pollfds() lists the fds to
 * watch, media_pool_handle() consumes what is ready and runs callbacks,
 * media_pool_timeout() says how long the loop may sleep.  media_pool_drain()
 * is that loop for callers with nothing else to do.
 */
#ifndef DUB_MEDIA_H
#define DUB_MEDIA_H

#include <poll.h>
#include <stdint.h>

#include "util.h"

struct cJSON;
struct media_pool;

/*
 * The outcome of one task.  On success reply is the worker's whole reply
 * object (borrowed: valid during the callback only).  On failure err says
 * why: the worker's own error, or a crash or timeout.
 */
struct media_result {
    int ok;
    const struct cJSON *reply;
    struct dub_err err;
};

typedef void media_done_fn(void *arg, const struct media_result *r);

/* Workers run the dubbatch-media program (see media_main.c for why it is
 * not this one).  timeout_ms: per task. */
struct media_pool *media_pool_new(int workers, int64_t timeout_ms);
/* Stops the workers (closing their stdin), waits for them, frees p. */
void media_pool_free(struct media_pool *p);

/*
 * Queues a task.  task is a JSON object with "op" and its arguments; the
 * pool adds "id" and takes ownership.  label names the file in messages
 * ("crashed while probing 'a.mp4'").  done is called exactly once.
 */
void media_pool_submit(struct media_pool *p, struct cJSON *task,
                       const char *label, media_done_fn *done, void *arg);

/* Fills up to max pollfds; returns how many. */
int media_pool_pollfds(struct media_pool *p, struct pollfd *fds, int max);
/* Reads replies from ready fds, reaps dead and late workers, starts queued
 * tasks, runs callbacks. */
void media_pool_handle(struct media_pool *p, const struct pollfd *fds, int n);
/* Milliseconds until the earliest task deadline or idle worker's exit;
 * -1 when no worker is running. */
int media_pool_timeout(struct media_pool *p);
/* Tasks queued or running. */
int media_pool_pending(struct media_pool *p);
/* Runs the pool until no task is left. */
void media_pool_drain(struct media_pool *p);
/* Runs one task to the end (with anything else queued).  On success
 * *reply is the worker's reply, owned by the caller (cJSON_Delete). */
int media_pool_run(struct media_pool *p, struct cJSON *task, const char *label,
                   struct cJSON **reply, struct dub_err *e);

#endif

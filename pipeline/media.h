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

#include "facts.h"
#include "plan.h"
#include "scene.h"
#include "util.h"

struct media_pool;
struct wire_reply;

/*
 * A task's outcome (borrowed: valid during the callback only).  When r->ok
 * is 0, r->err says why: the worker's own error, or a crash or timeout.
 */
typedef void media_fn(void *arg, const struct wire_reply *r);

/* Workers run the dubbatch-media program (see media_main.c for why it is
 * not this one).  timeout_ms: per task. */
struct media_pool *media_pool_new(int workers, int64_t timeout_ms);
/* Stops the workers (closing their stdin), waits for them, frees p. */
void media_pool_free(struct media_pool *p);
/* The worker program the pool starts (borrowed). */
const char *media_pool_program(const struct media_pool *p);

/*
 * The worker's ops, one function each (probe/worker.h has the protocol).
 * Each queues a task and returns at once; done is called exactly once,
 * from inside media_pool_handle() or media_pool_drain().  Messages name
 * the file ("crashed while probing 'a.mp4'").
 */
/* path -> r->facts */
void media_probe(struct media_pool *p, const char *path, media_fn *done,
                 void *arg);
/* path -> r->sha256 */
void media_hash(struct media_pool *p, const char *path, media_fn *done,
                void *arg);
/* A JPEG poster of path's frame nearest at seconds, at most max_w wide. */
void media_thumb(struct media_pool *p, const char *path, const char *out,
                 double at, int max_w, media_fn *done, void *arg);
/* Writes in (with facts f) conformed by the video (audio 0) or audio part
 * of plan to out -> r->facts of out. */
void media_conform(struct media_pool *p, const char *in, const struct facts *f,
                   const struct plan *plan, int audio, const char *out,
                   media_fn *done, void *arg);

/* What media_deliver muxes (probe/deliver.h says how). */
struct media_delivery {
    const char *picture;     /* its video is delivered */
    const char *dub;         /* the studio's audio: its first audio stream */
    int model_audio;         /* 1: the picture's own audio instead of dub */
    int mov;                 /* 1: QuickTime, 0: MP4 */
    const char *fingerprint; /* tags written into out; NULL for none */
    const char *request;     /* fal's request ids, comma separated */
    const char *out;
};
/* Writes the delivered file -> r->facts of out (with its tags) and
 * r->delivery (audio cut or short, encoded). */
void media_deliver(struct media_pool *p, const struct media_delivery *d,
                   media_fn *done, void *arg);

/* The dub's loudness and picture's shot changes -> r->analysis (for
 * window_plan_make). */
void media_analyze(struct media_pool *p, const char *picture, const char *dub,
                   media_fn *done, void *arg);

/* Joins the windows' pictures in order into out (pv: the scene's video
 * plan, for a re-encode) -> r->stitch. */
void media_stitch(struct media_pool *p, const struct scene_part *parts,
                  int n, const struct plan_video *pv, const char *out,
                  media_fn *done, void *arg);
/* Checks a delivered file against its scene (frames, rate, and audio of
 * audio_seconds, 0: the picture's length, within a frame) -> r->verify;
 * r->ok 0 with the reason when it is off. */
void media_verify(struct media_pool *p, const char *path, int64_t frames,
                  int fps_num, int fps_den, double audio_seconds,
                  media_fn *done, void *arg);

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

#endif

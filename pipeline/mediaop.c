/*
 * media: one typed call per op.  Each fills a struct wire_task from its
 * arguments and hands it to media_submit (media.c), which queues it for
 * the next free worker.
 */
#include "mediaint.h"

#include <string.h>

#include "wire.h"

/* An op that takes a file and nothing else. */
static void media_on_file(struct media_pool *p, enum wire_op op,
                          const char *path, media_fn *done, void *arg)
{
    struct wire_task t;

    memset(&t, 0, sizeof(t));
    t.op = op;
    t.path = path;
    media_submit(p, &t, done, arg);
}

void media_probe(struct media_pool *p, const char *path, media_fn *done,
                 void *arg)
{
    media_on_file(p, WIRE_PROBE, path, done, arg);
}

void media_hash(struct media_pool *p, const char *path, media_fn *done,
                void *arg)
{
    media_on_file(p, WIRE_HASH, path, done, arg);
}

void media_thumb(struct media_pool *p, const char *path, const char *out,
                 double at, int max_w, media_fn *done, void *arg)
{
    struct wire_task t;

    memset(&t, 0, sizeof(t));
    t.op = WIRE_THUMB;
    t.path = path;
    t.out = out;
    t.at = at;
    t.max_w = max_w;
    media_submit(p, &t, done, arg);
}

void media_conform(struct media_pool *p, const char *in, const struct facts *f,
                   const struct plan *plan, int audio, const char *out,
                   media_fn *done, void *arg)
{
    struct wire_task t;

    memset(&t, 0, sizeof(t));
    t.op = WIRE_CONFORM;
    t.path = in;
    t.out = out;
    t.facts = *f;
    t.audio = audio;
    t.pv = plan->video;
    t.pa = plan->audio;
    media_submit(p, &t, done, arg);
}

void media_deliver(struct media_pool *p, const struct media_delivery *d,
                   media_fn *done, void *arg)
{
    struct wire_task t;

    memset(&t, 0, sizeof(t));
    t.op = WIRE_DELIVER;
    t.path = d->picture;
    t.dub = d->dub;
    t.model_audio = d->model_audio;
    t.mov = d->mov;
    t.fingerprint = d->fingerprint;
    t.request = d->request;
    t.out = d->out;
    media_submit(p, &t, done, arg);
}

void media_analyze(struct media_pool *p, const char *picture, const char *dub,
                   media_fn *done, void *arg)
{
    struct wire_task t;

    memset(&t, 0, sizeof(t));
    t.op = WIRE_ANALYZE;
    t.path = picture;
    t.dub = dub;
    media_submit(p, &t, done, arg);
}

void media_stitch(struct media_pool *p, const struct scene_part *parts,
                  int n, const struct plan_video *pv, const char *out,
                  media_fn *done, void *arg)
{
    struct wire_task t;

    memset(&t, 0, sizeof(t));
    t.op = WIRE_STITCH;
    t.path = out;
    t.out = out;
    /* The task only borrows them: the line is built at once. */
    t.parts = (struct scene_part *)parts;
    t.nparts = n;
    t.pv = *pv;
    media_submit(p, &t, done, arg);
}

void media_verify(struct media_pool *p, const char *path, int64_t frames,
                  int fps_num, int fps_den, double audio_seconds,
                  media_fn *done, void *arg)
{
    struct wire_task t;

    memset(&t, 0, sizeof(t));
    t.op = WIRE_VERIFY;
    t.path = path;
    t.frames = frames;
    t.fps_num = fps_num;
    t.fps_den = fps_den;
    t.audio_seconds = audio_seconds;
    media_submit(p, &t, done, arg);
}

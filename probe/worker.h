/*
 * worker: the media worker process.  media_main.c (the dubbatch-media
 * program) runs worker_main(); pipeline/media.c starts and feeds these
 * processes.
 *
 * Protocol: one JSON object per line on stdin, one reply line on stdout.
 *   {"id":N,"op":"probe","path":P}
 *     -> {"id":N,"ok":true,"facts":{...}}
 *   {"id":N,"op":"hash","path":P}
 *     -> {"id":N,"ok":true,"sha256":"<hex>"}
 *   {"id":N,"op":"thumb","path":P,"out":Q,"at":SECONDS,"max_w":PX}
 *     -> {"id":N,"ok":true,"out":Q}  (a JPEG poster frame)
 *   {"id":N,"op":"conform","kind":"video"|"audio","in":P,"out":Q,
 *    "facts":{...},"plan":{...}}
 *     -> {"id":N,"ok":true,"facts":{facts of Q}}
 *   any failure -> {"id":N,"ok":false,"code":C,"error":"..."}
 *
 * Fault seams for tests (documented in the README): when the environment
 * names DUBBATCH_FAULT_CRASH or DUBBATCH_FAULT_HANG and a task's path
 * contains that text, the worker crashes with SIGSEGV or hangs.
 */
#ifndef DUB_WORKER_H
#define DUB_WORKER_H

#include "facts.h"
#include "plan.h"
#include "util.h"

struct cJSON;

/* Serves tasks until stdin closes; returns the process exit code. */
int worker_main(void);

enum worker_op { WORKER_PROBE, WORKER_HASH, WORKER_THUMB, WORKER_CONFORM };

/* One task line, read and checked before any of it is run.  The strings
 * point into json; worker_task_release() frees it. */
struct worker_task {
    struct cJSON *json;
    double id;                  /* echoed in the reply; -1 when absent */
    enum worker_op op;
    const char *path;           /* probe, hash, thumb */
    const char *in, *kind;      /* conform ("video" or else audio) */
    const char *out;            /* thumb, conform */
    double at;                  /* thumb: seconds (1 when absent) */
    int max_w;                  /* thumb: pixels (480 when absent) */
    struct facts facts;         /* conform: the input's */
    struct plan_video pv;       /* conform, kind "video" */
    struct plan_audio pa;       /* conform, other kinds */
};

/* 0 when line is a task with every argument its op needs; else -1 and e
 * with the words for the reply.  t is released either way. */
int worker_task_parse(const char *line, struct worker_task *t,
                      struct dub_err *e);
void worker_task_release(struct worker_task *t);

#endif

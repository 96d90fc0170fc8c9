/*
 * worker: serves media tasks in a child process, one at a time, so that a
 * file that crashes or hangs libav fails one task and nothing else
 * (design.md section 3).  The parent (pipeline/media.c) enforces the time
 * limit; the memory limit is set here with setrlimit.
 */
#define _POSIX_C_SOURCE 200809L
#include "worker.h"

#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "analyze.h"
#include "conform.h"
#include "deliver.h"
#include "probe.h"
#include "sha256.h"
#include "stitch.h"
#include "thumb.h"
#include "util.h"
#include "wire.h"

/* Address space per worker.  A 4K decode with a filter graph stays well
 * under 2 GiB; a hostile file that asks for more fails alone. */
#define WORKER_MEMORY_LIMIT ((rlim_t)4 << 30)
/* Longest task line accepted from the parent. */
#define WORKER_MAX_LINE (1 << 20)

static void worker_faults(const char *path)
{
    const char *crash = getenv("DUBBATCH_FAULT_CRASH");
    const char *hang = getenv("DUBBATCH_FAULT_HANG");

    if (!path)
        return;
    if (crash && *crash && strstr(path, crash))
        raise(SIGSEGV);
    if (hang && *hang && strstr(path, hang))
        for (;;)
            pause();
}

static int worker_probe(const struct wire_task *t, struct wire_reply *r,
                        struct dub_err *e)
{
    if (probe_file(t->path, &r->facts, e) < 0)
        return -1;
    r->has_facts = 1;
    return 0;
}

/* Content hashes are computed here rather than in the main process:
 * reading a 100 MB clip would stall every transfer in the event loop. */
static int worker_hash(const struct wire_task *t, struct wire_reply *r,
                       struct dub_err *e)
{
    return sha256_file(t->path, r->sha256, e);
}

static int worker_thumb(const struct wire_task *t, struct wire_reply *r,
                        struct dub_err *e)
{
    return thumb_write(t->path, t->at, t->max_w, t->out, e);
}

/* Conforms one file and probes the result, so the caller can check it
 * against the same limits as any input (design.md section 6). */
static int worker_conform(const struct wire_task *t, struct wire_reply *r,
                          struct dub_err *e)
{
    int rc = t->audio ? conform_audio(t->path, &t->facts, &t->pa, t->out, e)
                      : conform_video(t->path, &t->facts, &t->pv, t->out, e);

    if (rc < 0 || probe_file(t->out, &r->facts, e) < 0)
        return -1;
    r->has_facts = 1;
    return 0;
}

/* Muxes the delivered file and probes it, so the caller sees what a
 * studio will (and the tags a later run recognises). */
static int worker_deliver(const struct wire_task *t, struct wire_reply *r,
                          struct dub_err *e)
{
    struct deliver_spec s = {
        .picture = t->path,
        .audio = t->model_audio ? NULL : t->dub,
        .out = t->out,
        .mov = t->mov,
        .fingerprint = t->fingerprint,
        .request = t->request,
    };

    if (deliver_file(&s, &r->delivery, e) < 0 ||
        probe_file(t->out, &r->facts, e) < 0)
        return -1;
    r->has_delivery = 1;
    r->has_facts = 1;
    return 0;
}

static int worker_analyze(const struct wire_task *t, struct wire_reply *r,
                          struct dub_err *e)
{
    if (analyze_scene(t->path, t->dub, &r->analysis, e) < 0)
        return -1;
    r->has_analysis = 1;
    return 0;
}

static int worker_stitch(const struct wire_task *t, struct wire_reply *r,
                         struct dub_err *e)
{
    if (stitch_parts(t->parts, t->nparts, &t->pv, t->out, &r->stitch, e) < 0)
        return -1;
    r->has_stitch = 1;
    return 0;
}

/* The delivered file against its scene; what was found is sent back also
 * when it is wrong. */
static int worker_verify(const struct wire_task *t, struct wire_reply *r,
                         struct dub_err *e)
{
    if (probe_file(t->path, &r->facts, e) < 0)
        return -1;
    r->has_facts = 1;
    r->has_verify = 1;
    return scene_check(t->path, &r->facts, t->frames, t->fps_num, t->fps_den,
                       t->audio_seconds, &r->verify, e);
}

/* One handler per enum wire_op, in its order. */
static int (*const worker_ops[WIRE_NOPS])(const struct wire_task *,
                                          struct wire_reply *,
                                          struct dub_err *) = {
    [WIRE_PROBE] = worker_probe,
    [WIRE_HASH] = worker_hash,
    [WIRE_THUMB] = worker_thumb,
    [WIRE_CONFORM] = worker_conform,
    [WIRE_DELIVER] = worker_deliver,
    [WIRE_ANALYZE] = worker_analyze,
    [WIRE_STITCH] = worker_stitch,
    [WIRE_VERIFY] = worker_verify,
};

static char *worker_handle(const char *line)
{
    struct wire_task t;
    struct wire_reply r;
    char *out;

    memset(&r, 0, sizeof(r));
    if (wire_task_parse(line, &t, &r.err) == 0) {
        worker_faults(t.path);
        r.ok = worker_ops[t.op](&t, &r, &r.err) == 0;
    }
    r.id = t.id;
    if (!r.ok)
        r.has_facts = r.has_delivery = r.has_analysis = r.has_stitch = 0;
    out = wire_reply_line(&r);
    wire_reply_release(&r);
    wire_task_release(&t);
    return out;
}

int worker_main(void)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;

#if !defined(__SANITIZE_ADDRESS__)
    {
        /* AddressSanitizer reserves terabytes of address space, so the
         * limit is only set in normal builds. */
        struct rlimit rl = {WORKER_MEMORY_LIMIT, WORKER_MEMORY_LIMIT};

        setrlimit(RLIMIT_AS, &rl);
    }
#endif
    /* A worker outlives a kill -9 of its parent only to finish work nobody
     * will collect, racing the next run for the same files: it dies with
     * the parent instead (Linux). */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() == 1)
        return 0;
    probe_quiet();
    signal(SIGINT, SIG_IGN); /* the parent decides when workers stop */
    while ((n = getline(&line, &cap, stdin)) > 0) {
        char *reply;

        if (n > WORKER_MAX_LINE)
            break;
        reply = worker_handle(line);
        if (!reply)
            dub_fatal("out of memory");
        fputs(reply, stdout);
        fputc('\n', stdout);
        fflush(stdout);
        free(reply);
    }
    free(line);
    return 0;
}

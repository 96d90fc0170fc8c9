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

#include <cjson/cJSON.h>

#include "conform.h"
#include "probe.h"
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

static const char *worker_str(const cJSON *task, const char *name)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(task, name);

    return cJSON_IsString(it) ? it->valuestring : NULL;
}

/* Indexed by enum worker_op. */
static const char *const worker_op_names[] = {"probe", "hash", "thumb",
                                              "conform"};

int worker_task_parse(const char *line, struct worker_task *t,
                      struct dub_err *e)
{
    const cJSON *id, *at, *w, *plan;
    const char *op;
    size_t i;

    memset(t, 0, sizeof(*t));
    t->id = -1;
    t->json = cJSON_Parse(line);
    id = cJSON_GetObjectItemCaseSensitive(t->json, "id");
    if (cJSON_IsNumber(id))
        t->id = id->valuedouble;
    op = worker_str(t->json, "op");
    if (!op)
        return dub_errf(e, DUB_EINTERNAL, "malformed media task");
    for (i = 0; i < DUB_ARRAY_LEN(worker_op_names); i++)
        if (strcmp(worker_op_names[i], op) == 0)
            break;
    if (i == DUB_ARRAY_LEN(worker_op_names))
        return dub_errf(e, DUB_EINTERNAL, "unknown media task '%s'", op);
    t->op = (enum worker_op)i;
    t->path = worker_str(t->json, "path");
    t->in = worker_str(t->json, "in");
    t->out = worker_str(t->json, "out");
    t->kind = worker_str(t->json, "kind");
    at = cJSON_GetObjectItemCaseSensitive(t->json, "at");
    w = cJSON_GetObjectItemCaseSensitive(t->json, "max_w");
    t->at = cJSON_IsNumber(at) ? at->valuedouble : 1.0;
    t->max_w = cJSON_IsNumber(w) ? w->valueint : 480;
    switch (t->op) {
    case WORKER_PROBE:
    case WORKER_HASH:
        if (!t->path)
            return dub_errf(e, DUB_EINTERNAL, "%s task without a path", op);
        break;
    case WORKER_THUMB:
        if (!t->path || !t->out)
            return dub_errf(e, DUB_EINTERNAL,
                            "thumb task without path or out");
        break;
    case WORKER_CONFORM:
        plan = cJSON_GetObjectItemCaseSensitive(t->json, "plan");
        if (!t->in || !t->out || !t->kind ||
            wire_facts_parse(cJSON_GetObjectItemCaseSensitive(t->json,
                                                              "facts"),
                             &t->facts) < 0)
            return dub_errf(e, DUB_EINTERNAL, "malformed conform task");
        if ((strcmp(t->kind, "video") == 0
                 ? wire_plan_video_parse(plan, &t->pv)
                 : wire_plan_audio_parse(plan, &t->pa)) < 0)
            return dub_errf(e, DUB_EINTERNAL, "conform task without a plan");
        break;
    }
    return 0;
}

void worker_task_release(struct worker_task *t)
{
    cJSON_Delete(t->json);
    t->json = NULL;
}

static int worker_probe(const struct worker_task *t, cJSON *reply,
                        struct dub_err *e)
{
    struct facts f;

    if (probe_file(t->path, &f, e) < 0)
        return -1;
    cJSON_AddItemToObject(reply, "facts", wire_facts(&f));
    return 0;
}

/* Content hashes are computed here rather than in the main process:
 * reading a 100 MB clip would stall every transfer in the event loop. */
static int worker_hash(const struct worker_task *t, cJSON *reply,
                       struct dub_err *e)
{
    char hex[65];

    if (sha256_file(t->path, hex, e) < 0)
        return -1;
    cJSON_AddStringToObject(reply, "sha256", hex);
    return 0;
}

static int worker_thumb(const struct worker_task *t, cJSON *reply,
                        struct dub_err *e)
{
    if (thumb_write(t->path, t->at, t->max_w, t->out, e) < 0)
        return -1;
    cJSON_AddStringToObject(reply, "out", t->out);
    return 0;
}

/* Conforms one file and probes the result, so the caller can check it
 * against the same limits as any input (design.md section 6). */
static int worker_conform(const struct worker_task *t, cJSON *reply,
                          struct dub_err *e)
{
    struct facts result;
    int rc;

    if (strcmp(t->kind, "video") == 0)
        rc = conform_video(t->in, &t->facts, &t->pv, t->out, e);
    else
        rc = conform_audio(t->in, &t->facts, &t->pa, t->out, e);
    if (rc < 0 || probe_file(t->out, &result, e) < 0)
        return -1;
    cJSON_AddItemToObject(reply, "facts", wire_facts(&result));
    return 0;
}

/* Indexed by enum worker_op. */
static int (*const worker_ops[])(const struct worker_task *t, cJSON *reply,
                                 struct dub_err *e) = {
    worker_probe, worker_hash, worker_thumb, worker_conform,
};

static char *worker_handle(const char *line)
{
    struct worker_task t;
    cJSON *reply = cJSON_CreateObject();
    struct dub_err e = {0};
    char *out;
    int rc = worker_task_parse(line, &t, &e);

    cJSON_AddNumberToObject(reply, "id", t.id);
    if (rc == 0) {
        worker_faults(t.op == WORKER_CONFORM ? t.in : t.path);
        rc = worker_ops[t.op](&t, reply, &e);
    }
    cJSON_AddBoolToObject(reply, "ok", rc == 0);
    if (rc < 0) {
        cJSON_AddNumberToObject(reply, "code", e.code);
        cJSON_AddStringToObject(reply, "error", e.msg);
    }
    out = cJSON_PrintUnformatted(reply);
    cJSON_Delete(reply);
    worker_task_release(&t);
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

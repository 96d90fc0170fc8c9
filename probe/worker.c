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

static int worker_probe(const cJSON *task, cJSON *reply, struct dub_err *e)
{
    const char *path = worker_str(task, "path");
    struct facts f;

    if (!path)
        return dub_errf(e, DUB_EINTERNAL, "probe task without a path");
    worker_faults(path);
    if (probe_file(path, &f, e) < 0)
        return -1;
    cJSON_AddItemToObject(reply, "facts", wire_facts(&f));
    return 0;
}

/* Content hashes are computed here rather than in the main process:
 * reading a 100 MB clip would stall every transfer in the event loop. */
static int worker_hash(const cJSON *task, cJSON *reply, struct dub_err *e)
{
    const char *path = worker_str(task, "path");
    char hex[65];

    if (!path)
        return dub_errf(e, DUB_EINTERNAL, "hash task without a path");
    worker_faults(path);
    if (sha256_file(path, hex, e) < 0)
        return -1;
    cJSON_AddStringToObject(reply, "sha256", hex);
    return 0;
}

static int worker_thumb(const cJSON *task, cJSON *reply, struct dub_err *e)
{
    const char *path = worker_str(task, "path");
    const char *out = worker_str(task, "out");
    const cJSON *at = cJSON_GetObjectItemCaseSensitive(task, "at");
    const cJSON *w = cJSON_GetObjectItemCaseSensitive(task, "max_w");

    if (!path || !out)
        return dub_errf(e, DUB_EINTERNAL, "thumb task without path or out");
    worker_faults(path);
    if (thumb_write(path, cJSON_IsNumber(at) ? at->valuedouble : 1.0,
                    cJSON_IsNumber(w) ? w->valueint : 480, out, e) < 0)
        return -1;
    cJSON_AddStringToObject(reply, "out", out);
    return 0;
}

/* Conforms one file and probes the result, so the caller can check it
 * against the same limits as any input (design.md section 6). */
static int worker_conform(const cJSON *task, cJSON *reply, struct dub_err *e)
{
    const char *in = worker_str(task, "in");
    const char *out = worker_str(task, "out");
    const char *kind = worker_str(task, "kind");
    const cJSON *plan = cJSON_GetObjectItemCaseSensitive(task, "plan");
    struct facts f, result;
    int rc;

    if (!in || !out || !kind ||
        wire_facts_parse(cJSON_GetObjectItemCaseSensitive(task, "facts"), &f) < 0)
        return dub_errf(e, DUB_EINTERNAL, "malformed conform task");
    worker_faults(in);
    if (strcmp(kind, "video") == 0) {
        struct plan_video pv;

        if (wire_plan_video_parse(plan, &pv) < 0)
            return dub_errf(e, DUB_EINTERNAL, "conform task without a plan");
        rc = conform_video(in, &f, &pv, out, e);
    } else {
        struct plan_audio pa;

        if (wire_plan_audio_parse(plan, &pa) < 0)
            return dub_errf(e, DUB_EINTERNAL, "conform task without a plan");
        rc = conform_audio(in, &f, &pa, out, e);
    }
    if (rc < 0 || probe_file(out, &result, e) < 0)
        return -1;
    cJSON_AddItemToObject(reply, "facts", wire_facts(&result));
    return 0;
}

struct worker_op {
    const char *name;
    int (*run)(const cJSON *task, cJSON *reply, struct dub_err *e);
};

static const struct worker_op worker_ops[] = {
    {"probe", worker_probe},
    {"hash", worker_hash},
    {"thumb", worker_thumb},
    {"conform", worker_conform},
};

static char *worker_handle(const char *line)
{
    cJSON *task = cJSON_Parse(line);
    cJSON *reply = cJSON_CreateObject();
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(task, "id");
    const char *op = worker_str(task, "op");
    struct dub_err e = {0};
    char *out;
    size_t i;
    int rc = -1;

    cJSON_AddNumberToObject(reply, "id", cJSON_IsNumber(id) ? id->valuedouble : -1);
    if (!task || !op) {
        dub_errf(&e, DUB_EINTERNAL, "malformed media task");
    } else {
        for (i = 0; i < DUB_ARRAY_LEN(worker_ops); i++)
            if (strcmp(worker_ops[i].name, op) == 0)
                break;
        if (i == DUB_ARRAY_LEN(worker_ops))
            dub_errf(&e, DUB_EINTERNAL, "unknown media task '%s'", op);
        else
            rc = worker_ops[i].run(task, reply, &e);
    }
    cJSON_AddBoolToObject(reply, "ok", rc == 0);
    if (rc < 0) {
        cJSON_AddNumberToObject(reply, "code", e.code);
        cJSON_AddStringToObject(reply, "error", e.msg);
    }
    out = cJSON_PrintUnformatted(reply);
    cJSON_Delete(reply);
    cJSON_Delete(task);
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

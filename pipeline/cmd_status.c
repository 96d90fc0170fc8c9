/*
 * dubbatch status [MANIFEST|OUTPUT_DIR] and dubbatch cancel: read (and for
 * cancel, act on) the state database of a batch.  status is safe while a
 * run is active: it only reads, and SQLite's WAL lets it.
 */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"
#include "fal.h"
#include "falcfg.h"
#include "job.h"
#include "lock.h"
#include "log.h"
#include "manifest.h"
#include "media.h"
#include "opts.h"
#include "page.h"
#include "remote.h"
#include "state.h"

/* The output folder named by a manifest or given directly; caller frees. */
static char *status_dir(const char *arg, int *rc)
{
    struct stat st;
    struct manifest m;
    struct buf errors = {0};
    struct dub_err e = {0};
    char *dir, *db, *dot;

    if (stat(arg, &st) == 0 && S_ISDIR(st.st_mode)) {
        dir = xstrdup(arg);
    } else {
        if (manifest_load(arg, &m, &errors, &e) < 0) {
            fputs(errors.data ? errors.data : "", stderr);
            buf_release(&errors);
            manifest_release(&m);
            *rc = EXIT_MANIFEST;
            return NULL;
        }
        buf_release(&errors);
        dir = xstrdup(m.output_dir);
        manifest_release(&m);
    }
    dot = util_path_join(dir, ".dubbatch");
    db = util_path_join(dot, "state.db");
    free(dot);
    if (stat(db, &st) < 0) {
        fprintf(stderr, "dubbatch: no batch has run in '%s'\n", dir);
        free(db);
        free(dir);
        *rc = EXIT_USAGE;
        return NULL;
    }
    free(db);
    return dir;
}

static int status_open(int argc, char **argv, const char *verb,
                       struct state **st, char **dir)
{
    struct dub_err e = {0};
    int rc = EXIT_USAGE;

    if (argc != 2 || strcmp(argv[1], "--help") == 0) {
        fprintf(argc == 2 ? stdout : stderr,
                "usage: dubbatch %s MANIFEST|OUTPUT_DIR\n", verb);
        return argc == 2 ? EXIT_DONE : EXIT_USAGE;
    }
    *dir = status_dir(argv[1], &rc);
    if (!*dir)
        return rc;
    if (state_open(*dir, st, &e) < 0) {
        fprintf(stderr, "dubbatch: %s\n", e.msg);
        free(*dir);
        return EXIT_USAGE;
    }
    return -1;
}

int cmd_status(int argc, char **argv)
{
    struct state *st;
    struct state_job *jobs;
    struct dub_err e = {0};
    int counts[JOB_NSTATES] = {0}, rc, i;
    size_t n, k;
    char *dir;

    rc = status_open(argc, argv, "status", &st, &dir);
    if (rc >= 0)
        return rc;
    if (state_jobs_all(st, &jobs, &n, &e) < 0) {
        fprintf(stderr, "dubbatch: %s\n", e.msg);
        state_close(st);
        free(dir);
        return EXIT_USAGE;
    }
    for (k = 0; k < n; k++)
        counts[jobs[k].state]++;
    printf("%s: %zu jobs\n", dir, n);
    for (i = 0; i < JOB_NSTATES; i++)
        if (counts[i])
            printf("  %-11s %d\n", job_state_name((enum job_state)i), counts[i]);
    for (k = 0; k < n; k++) {
        const struct state_job *j = &jobs[k];

        if (j->state == JOB_FAILED || j->state == JOB_REJECTED ||
            j->state == JOB_SKIPPED || j->state == JOB_CANCELLED)
            printf("%-24s %-9s %s\n", j->id, job_state_name(j->state),
                   j->error ? j->error : "");
        else if (job_is_remote(j->state))
            printf("%-24s %-9s request %s\n", j->id, job_state_name(j->state),
                   j->request_id ? j->request_id : "(unconfirmed submit)");
    }
    state_jobs_free(jobs, n);
    state_close(st);
    free(dir);
    return opts_close_stdout() < 0 ? EXIT_USAGE : EXIT_DONE;
}

int cmd_report(int argc, char **argv)
{
    struct media_pool *pool;
    struct dub_err e = {0};
    char *dir, *page;
    int rc = EXIT_USAGE;

    if (argc != 2 || strcmp(argv[1], "--help") == 0) {
        fprintf(argc == 2 ? stdout : stderr,
                "usage: dubbatch report MANIFEST|OUTPUT_DIR\n"
                "Rebuilds index.html and its posters from report.json.\n");
        return argc == 2 ? EXIT_DONE : EXIT_USAGE;
    }
    dir = status_dir(argv[1], &rc);
    if (!dir)
        return rc;
    pool = media_pool_new(opts_default_media_jobs(),
                          OPTS_MEDIA_TIMEOUT_MS);
    if (page_write(dir, pool, &e) < 0) {
        fprintf(stderr, "dubbatch: %s\n", e.msg);
        rc = EXIT_USAGE;
    } else {
        page = util_path_join(dir, "index.html");
        printf("%s\n", page);
        free(page);
        rc = EXIT_DONE;
    }
    media_pool_free(pool);
    free(dir);
    return rc;
}

struct cancel_one {
    struct state *st;
    struct state_job *j;
    int *pending;
    int *failed;
};

static void cancel_done(void *arg, const struct remote_result *res)
{
    struct cancel_one *c = arg;
    struct dub_err se = {0};
    const char *detail = "cancelled at fal";
    const char *why = "cancelled by dubbatch cancel";

    (*c->pending)--;
    switch (res->resp ? fal_parse_cancel(res->resp) : FAL_CANCEL_FAILED) {
    case FAL_CANCEL_REQUESTED:
        printf("%s: cancelled (request %s)\n", c->j->id, c->j->request_id);
        break;
    case FAL_CANCEL_DONE:
        /* Too late: the result is paid for and the next run fetches it. */
        printf("%s: already completed at fal; run again to fetch it\n",
               c->j->id);
        return;
    case FAL_CANCEL_GONE:
        /* Nothing left to stop or to fetch: recorded, so no run polls it. */
        detail = why = "fal no longer knows the request";
        printf("%s: fal no longer knows request %s; recorded as cancelled\n",
               c->j->id, c->j->request_id);
        break;
    default:
        fprintf(stderr, "dubbatch: %s: %s\n", c->j->id,
                res->verdict != FAL_OK ? res->err->msg
                                       : "fal refused to cancel the request");
        (*c->failed)++;
        return;
    }
    free(c->j->error);
    c->j->error = xstrdup(why);
    if (state_job_move(c->st, c->j, JOB_CANCELLED, detail, &se) < 0)
        fprintf(stderr, "dubbatch: %s: %s\n", c->j->id, se.msg);
}

int cmd_cancel(int argc, char **argv)
{
    struct state *st;
    struct state_job *jobs;
    struct dub_err e = {0};
    struct falcfg cfg;
    struct remote *r;
    struct cancel_one *ones;
    int rc, lockfd, pending = 0, failed = 0, asked = 0;
    pid_t holder;
    size_t n, k;
    char *dir;

    rc = status_open(argc, argv, "cancel", &st, &dir);
    if (rc >= 0)
        return rc;
    /* A running batch owns its jobs: cancelling under it would race. */
    lockfd = lock_take(dir, &holder, &e);
    if (lockfd < 0) {
        fprintf(stderr, "dubbatch: %s; stop it first (kill -INT %ld)\n", e.msg,
                (long)holder);
        state_close(st);
        free(dir);
        return e.code == DUB_ELOCKED ? EXIT_LOCKED : EXIT_USAGE;
    }
    if (falcfg_load(&cfg, NULL, NULL, NULL, NULL, &e) < 0 ||
        !(r = remote_new(&cfg, &e)) ||
        state_jobs_all(st, &jobs, &n, &e) < 0) {
        fprintf(stderr, "dubbatch: %s\n", e.msg);
        lock_release(lockfd);
        state_close(st);
        free(dir);
        return EXIT_USAGE;
    }
    falcfg_release(&cfg);
    ones = xcalloc(n + 1, sizeof(*ones));
    for (k = 0; k < n; k++) {
        struct http_req req = {0};

        if (!job_is_remote(jobs[k].state) || !jobs[k].cancel_url ||
            jobs[k].state == JOB_COMPLETED)
            continue;
        ones[k].st = st;
        ones[k].j = &jobs[k];
        ones[k].pending = &pending;
        ones[k].failed = &failed;
        req.method = "PUT";
        req.url = jobs[k].cancel_url;
        req.auth = 1;
        pending++;
        asked++;
        if (remote_call(r, FAL_OP_CANCEL, &req, cancel_done, &ones[k],
                        &e) < 0) {
            pending--;
            failed++;
            fprintf(stderr, "dubbatch: %s: %s\n", jobs[k].id, e.msg);
        }
    }
    while (pending > 0)
        remote_poll(r, NULL, 0, 1000);
    if (!asked)
        printf("%s: nothing is in flight at fal\n", dir);
    free(ones);
    remote_free(r);
    state_jobs_free(jobs, n);
    state_close(st);
    lock_release(lockfd);
    free(dir);
    return failed ? EXIT_SOME_FAILED : EXIT_DONE;
}

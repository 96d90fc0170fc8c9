/*
 * dubbatch cancel MANIFEST|OUTPUT_DIR: cancels the jobs in flight at fal
 * and records it.  The state database is read first, so a batch with
 * nothing in flight needs no key.
 */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "fal.h"
#include "falcfg.h"
#include "job.h"
#include "lock.h"
#include "batchdir.h"
#include "opts.h"
#include "remote.h"
#include "state.h"

struct cancel_one {
    struct state *st;
    struct state_job *j;
    int *pending;
    int *failed;
};

static void cancel_usage(FILE *f)
{
    fprintf(f,
            "usage: dubbatch cancel [OPTIONS] MANIFEST|OUTPUT_DIR\n"
            "Cancels the jobs in flight at fal and records them as "
            "CANCELLED; refused while\na run holds the folder.  A job fal "
            "already completed is left for the next run\nto fetch.  The key "
            "is needed only when something is in flight.\n"
            "\n" OPTS_HELP_FAL "\n"
            "Exit 0 when every cancel was taken (or nothing was in flight), "
            "1 when fal\nrefused one, 2 on usage or configuration errors, 3 "
            "when the manifest is\ninvalid, 5 when a run holds the "
            "folder.\n");
}

/* A job at fal that a cancel can still stop. */
static int cancel_wanted(const struct state_job *j)
{
    return job_is_remote(j->state) && j->cancel_url &&
           j->state != JOB_COMPLETED;
}

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

/* Sends every wanted cancel and waits for the answers; the number fal
 * refused. */
static int cancel_all(struct state *st, struct remote *r,
                      struct state_job *jobs, size_t n)
{
    struct cancel_one *ones = xcalloc(n + 1, sizeof(*ones));
    struct dub_err e = {0};
    int pending = 0, failed = 0;
    size_t k;

    for (k = 0; k < n; k++) {
        struct http_req req = {0};

        if (!cancel_wanted(&jobs[k]))
            continue;
        ones[k].st = st;
        ones[k].j = &jobs[k];
        ones[k].pending = &pending;
        ones[k].failed = &failed;
        req.method = "PUT";
        req.url = jobs[k].cancel_url;
        req.auth = 1;
        pending++;
        if (remote_call(r, FAL_OP_CANCEL, &req, cancel_done, &ones[k],
                        &e) < 0) {
            pending--;
            failed++;
            fprintf(stderr, "dubbatch: %s: %s\n", jobs[k].id, e.msg);
        }
    }
    while (pending > 0)
        remote_poll(r, NULL, 0, 1000);
    free(ones);
    return failed;
}

int cmd_cancel(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"key-file", required_argument, NULL, 'k'},
        {"fal-queue-url", required_argument, NULL, 'Q'},
        {"fal-rest-url", required_argument, NULL, 'R'},
        {"fal-api-url", required_argument, NULL, 'A'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct opts_fal fal = {0};
    struct batchdir o;
    struct state *st = NULL;
    struct state_job *jobs = NULL;
    struct dub_err e = {0};
    struct falcfg cfg = {0};
    struct remote *r = NULL;
    int c, rc, lockfd;
    pid_t holder;
    size_t n = 0, k, wanted = 0;

    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'k': case 'Q': case 'R': case 'A':
            opts_fal_take(c, optarg, &fal);
            break;
        case 'h':
            cancel_usage(stdout);
            return EXIT_DONE;
        default:
            cancel_usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (argc - optind != 1) {
        cancel_usage(stderr);
        return EXIT_USAGE;
    }
    rc = batchdir_find(&o, argv[optind]);
    if (rc)
        return rc;
    /* A running batch owns its jobs: cancelling under it would race. */
    lockfd = lock_take(o.dir, &holder, &e);
    if (lockfd < 0) {
        if (e.code == DUB_ELOCKED)
            fprintf(stderr, "dubbatch: %s; stop it first (kill -INT %ld)\n",
                    e.msg, (long)holder);
        else
            fprintf(stderr, "dubbatch: %s\n", e.msg);
        batchdir_release(&o);
        return e.code == DUB_ELOCKED ? EXIT_LOCKED : EXIT_USAGE;
    }
    rc = EXIT_USAGE;
    if (state_open(o.dir, &st, &e) < 0 ||
        state_jobs_all(st, &jobs, &n, &e) < 0)
        goto fail;
    for (k = 0; k < n; k++)
        wanted += cancel_wanted(&jobs[k]);
    if (!wanted) {
        printf("%s: nothing is in flight at fal\n", o.dir);
        rc = EXIT_DONE;
        goto out;
    }
    if (falcfg_load(&cfg, fal.key_file, fal.queue, fal.rest, fal.api,
                    &e) < 0 ||
        !(r = remote_new(&cfg, &e)))
        goto fail;
    rc = cancel_all(st, r, jobs, n) ? EXIT_SOME_FAILED : EXIT_DONE;
    goto out;
fail:
    fprintf(stderr, "dubbatch: %s\n", e.msg);
out:
    remote_free(r);
    falcfg_release(&cfg);
    state_jobs_free(jobs, n);
    state_close(st);
    lock_release(lockfd);
    batchdir_release(&o);
    if (opts_close_stdout() < 0)
        return EXIT_USAGE;
    return rc;
}

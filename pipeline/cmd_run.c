/*
 * dubbatch run MANIFEST: the batch, from manifest to finished videos, with
 * reports; resumable after any interruption (runner.c does the work).
 */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "fal.h"
#include "falcfg.h"
#include "inputs.h"
#include "lock.h"
#include "log.h"
#include "manifest.h"
#include "media.h"
#include "opts.h"
#include "plan.h"
#include "preflight.h"
#include "remote.h"
#include "runner.h"
#include "scenes.h"
#include "state.h"

static void run_usage(FILE *f)
{
    fprintf(f,
            "usage: dubbatch run [OPTIONS] MANIFEST\n"
            "Runs the batch: probe, conform, upload, submit, poll, download, "
            "report.\nRun it again at any time to resume.\n"
            "\n"
            "  --concurrency N      jobs holding a fal slot (manifest, else 2)\n"
            "  --max-fail N         stop starting work after N failures\n"
            "  --max-cost USD       skip work that would pass this estimate\n"
            "  --job-timeout MIN    stop waiting for a request after this (120);\n"
            "                       it waits for the next run, still bound to it\n"
            "  --download-timeout DURATION\n"
            "                       bound on one download of a result (10m);\n"
            "                       then a fresh link is asked for\n"
            "  --retry-for DURATION\n"
            "                       how long one call outlasts transient faults\n"
            "                       (15m; e.g. 90s, 2h)\n"
            "  --resubmit-failed    submit again, and pay again for, requests fal\n"
            "                       failed for a reason that would recur\n"
            "  --poll-interval SEC  first status poll interval (2; grows to 30)\n"
            OPTS_HELP_MEDIA_JOBS OPTS_HELP_MEDIA_TIMEOUT OPTS_HELP_FAL
            "  --log-format text|json\n"
            "                       one line per event, as text (default) or "
            "JSON\n"
            "  -q                   warnings and errors only\n"
            "  -v                   debug lines too\n"
            "  --output-dir-ok      write results outside the batch's folder "
            "or in a\n                       system folder\n"
            "\n"
            "Exit 0 all done, 1 some failed or rejected, 2 usage, 3 invalid "
            "manifest,\n4 interrupted (run again to resume), 5 output "
            "folder in use.\n");
}

/* Long scenes become their windows' jobs, sliced in the work folder; the
 * inputs are probed and hashed once, for the scenes and the runner. */
static int run_scenes(struct manifest *m, struct media_pool *pool,
                      struct inputs *in, struct scenes *sc)
{
    char *dot = util_path_join(m->output_dir, ".dubbatch");
    char *work = util_path_join(dot, "work");
    struct dub_err e = {0};
    int rc = util_mkdirs(work, &e);

    if (rc < 0) {
        fprintf(stderr, "dubbatch: %s\n", e.msg);
    } else {
        inputs_collect(in, m);
        inputs_probe(in, pool, 1);
        scenes_expand(sc, m, in, pool, work);
    }
    free(work);
    free(dot);
    return rc;
}

/*
 * A key fal refuses or a host that is not there stops the run here, before
 * its first job meets the same wall; an edge failing for the moment is left
 * to the run, which outlasts it.  An unreachable host is asked again for
 * thirty first backoffs (30 s by default), as a network coming up at boot
 * takes.
 */
static int run_preflight(const struct falcfg *cfg, const struct manifest *m,
                         const struct runner_opts *o)
{
    struct preflight p;
    struct dub_err e = {0};
    int i;

    if (preflight_fal(cfg, plan_limits_get(m->endpoint)->model,
                      30 * o->backoff_ms, &p, &e) < 0) {
        fprintf(stderr, "dubbatch: %s; nothing was run\n", e.msg);
        return -1;
    }
    for (i = 0; i < PREFLIGHT_HOSTS; i++)
        if (p.host[i].verdict == PREFLIGHT_SHAKY)
            log_warn(NULL, "%s; going on", p.host[i].msg);
    return 0;
}

/* The command line, before anything is opened. */
struct run_args {
    struct runner_opts o;
    struct opts_fal fal;
    struct opts_media med;
    enum log_level level;
    enum log_format fmt;
    int concurrency;
    double poll, timeout_min;
    unsigned flags;
};

static const struct option run_longopts[] = {
    {"concurrency", required_argument, NULL, 'c'},
    {"max-fail", required_argument, NULL, 'F'},
    {"max-cost", required_argument, NULL, 'C'},
    {"job-timeout", required_argument, NULL, 'T'},
    {"retry-for", required_argument, NULL, 'r'},
    {"download-timeout", required_argument, NULL, 'D'},
    {"resubmit-failed", no_argument, NULL, 'S'},
    {"poll-interval", required_argument, NULL, 'P'},
    {"media-jobs", required_argument, NULL, 'j'},
    {"media-timeout", required_argument, NULL, 't'},
    {"key-file", required_argument, NULL, 'k'},
    {"fal-queue-url", required_argument, NULL, 'Q'},
    {"fal-rest-url", required_argument, NULL, 'R'},
    {"fal-api-url", required_argument, NULL, 'A'},
    {"log-format", required_argument, NULL, 'L'},
    {"output-dir-ok", no_argument, NULL, 'O'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int run_log_format(const char *arg, enum log_format *fmt)
{
    if (strcmp(arg, "json") == 0 || strcmp(arg, "text") == 0) {
        *fmt = arg[0] == 'j' ? LOG_JSON : LOG_TEXT;
        return 0;
    }
    fprintf(stderr, "dubbatch: --log-format is text or json, not '%s'\n", arg);
    return -1;
}

/* -1 when the run goes on, else the exit code (help, or a bad option). */
static int run_parse(int argc, char **argv, struct run_args *a)
{
    struct runner_opts *o = &a->o;
    int64_t ms;
    int c;

    memset(a, 0, sizeof(*a));
    a->level = LOG_INFO;
    a->fmt = LOG_TEXT;
    opts_media_init(&a->med);
    a->poll = 2.0;
    a->timeout_min = 120;
    a->flags = MANIFEST_CHECK_OUTPUT;
    while ((c = getopt_long(argc, argv, "hj:qv", run_longopts, NULL)) != -1) {
        switch (c) {
        case 'c':
            if (opts_int("--concurrency", optarg, 1, 1000, &a->concurrency) < 0)
                return EXIT_USAGE;
            break;
        case 'F':
            if (opts_int("--max-fail", optarg, 1, 1000000, &o->max_fail) < 0)
                return EXIT_USAGE;
            break;
        case 'C':
            if (opts_double("--max-cost", optarg, 0.0001, 1e9, &o->max_cost) < 0)
                return EXIT_USAGE;
            break;
        case 'T':
            if (opts_double("--job-timeout", optarg, 0.01, 100000, &a->timeout_min) < 0)
                return EXIT_USAGE;
            break;
        case 'P':
            if (opts_double("--poll-interval", optarg, 0.01, 600, &a->poll) < 0)
                return EXIT_USAGE;
            break;
        case 'r':
            if (opts_duration("--retry-for", optarg, 1000,
                              (int64_t)7 * 24 * 3600 * 1000,
                              &o->retry_for_ms) < 0)
                return EXIT_USAGE;
            break;
        case 'D':
            if (opts_duration("--download-timeout", optarg, 1000,
                              (int64_t)24 * 3600 * 1000, &ms) < 0)
                return EXIT_USAGE;
            o->download_timeout_ms = (long)ms;
            break;
        case 'S':
            o->resubmit_failed = 1;
            break;
        case 'j': case 't':
            if (opts_media_take(c, optarg, &a->med) < 0)
                return EXIT_USAGE;
            break;
        case 'k': case 'Q': case 'R': case 'A':
            opts_fal_take(c, optarg, &a->fal);
            break;
        case 'L':
            if (run_log_format(optarg, &a->fmt) < 0)
                return EXIT_USAGE;
            break;
        case 'q': a->level = LOG_WARN; break;
        case 'v': a->level = LOG_DEBUG; break;
        case 'O':
            a->flags &= ~MANIFEST_CHECK_OUTPUT;
            break;
        case 'h':
            run_usage(stdout);
            return EXIT_DONE;
        default:
            run_usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (argc - optind != 1) {
        run_usage(stderr);
        return EXIT_USAGE;
    }
    return -1;
}

int cmd_run(int argc, char **argv)
{
    struct run_args a;
    struct runner_opts *o = &a.o;
    struct manifest m;
    struct buf errors = {0};
    struct dub_err e = {0};
    struct falcfg cfg;
    struct remote *r = NULL;
    struct media_pool *pool = NULL;
    struct scenes sc = {0};
    struct inputs in = {0};
    struct state *st = NULL;
    pid_t holder;
    int rc, lockfd;

    rc = run_parse(argc, argv, &a);
    if (rc >= 0)
        return rc;
    o->started_at = util_now_ms();
    /* On a terminal a progress line replaces the per-event lines. */
    o->progress = isatty(2) && a.fmt == LOG_TEXT && a.level == LOG_INFO;
    log_setup(o->progress ? LOG_WARN : a.level, a.fmt);
    if (manifest_load_flags(argv[optind], a.flags, &m, &errors, &e) < 0) {
        fputs(errors.data ? errors.data : "", stderr);
        fprintf(stderr, "dubbatch: %s; nothing was run\n", e.msg);
        buf_release(&errors);
        manifest_release(&m);
        return EXIT_MANIFEST;
    }
    buf_release(&errors);
    if (falcfg_load(&cfg, a.fal.key_file, a.fal.queue, a.fal.rest, a.fal.api,
                    &e) < 0) {
        fprintf(stderr, "dubbatch: %s\n", e.msg);
        manifest_release(&m);
        return EXIT_USAGE;
    }
    lockfd = lock_take(m.output_dir, &holder, &e);
    if (lockfd < 0) {
        fprintf(stderr, "dubbatch: %s\n", e.msg);
        falcfg_release(&cfg);
        manifest_release(&m);
        return e.code == DUB_ELOCKED ? EXIT_LOCKED : EXIT_USAGE;
    }
    lock_sweep(m.output_dir);
    o->concurrency = a.concurrency ? a.concurrency : m.concurrency;
    o->job_timeout_ms = (int64_t)(a.timeout_min * 60000);
    o->poll_ms = (int64_t)(a.poll * 1000);
    o->poll_max_ms = o->poll_ms > 30000 ? o->poll_ms : 30000;
    if (!o->retry_for_ms)
        o->retry_for_ms = FAL_RETRY_FOR_MS;
    if (!o->download_timeout_ms)
        o->download_timeout_ms = RUNNER_DOWNLOAD_TIMEOUT_MS;
    opts_backoff(&o->backoff_ms, &o->backoff_cap_ms);
    rc = EXIT_USAGE;
    if (state_open(m.output_dir, &st, &e) < 0 || runner_signals(&e) < 0 ||
        !(r = remote_new(&cfg, &e))) {
        fprintf(stderr, "dubbatch: %s\n", e.msg);
        goto out;
    }
    if (run_preflight(&cfg, &m, o) < 0)
        goto out;
    remote_set_retry(r, o->retry_for_ms, o->backoff_ms, o->backoff_cap_ms);
    pool = media_pool_new(a.med.jobs, a.med.timeout_ms);
    if (run_scenes(&m, pool, &in, &sc) < 0)
        goto out;
    o->in = &in;
    o->scenes = &sc;
    rc = runner_run(&m, st, r, pool, o);
out:
    scenes_free(&sc);
    inputs_release(&in);
    media_pool_free(pool);
    remote_free(r);
    state_close(st);
    lock_release(lockfd);
    falcfg_release(&cfg);
    manifest_release(&m);
    return rc;
}

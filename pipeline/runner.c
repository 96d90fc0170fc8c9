/*
 * runner: the event loop (design.md sections 3-5), and where a run starts
 * and ends: probing the inputs, loading each job's record and deciding
 * where it resumes (runload.c), the loop over libcurl's multi interface,
 * the media worker pipes and a signal pipe, and the reports.  The steps
 * live in rooms of their own (rjob.h lists them).
 *
 * A pass of the loop admits jobs not yet started (in manifest order, a
 * bounded distance ahead of the remote slots), then steps every job whose
 * next step can start now; steps start asynchronous work (a media task,
 * an HTTP call) whose callback records the outcome and readies the job
 * again.  The changes of one pass share one transaction (group commit),
 * except the SUBMITTING record and a request id, which are committed on
 * their own at once: they are what makes a crash between POST and reply
 * recoverable without paying twice.
 */
#define _POSIX_C_SOURCE 200809L
#include "runner.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "log.h"
#include "manifest.h"
#include "media.h"
#include "page.h"
#include "prep.h"
#include "recover.h"
#include "remote.h"
#include "report.h"
#include "rjob.h"
#include "scenes.h"

/* Jobs conformed and uploaded ahead of free remote slots, per slot: a slot
 * that frees is refilled at once without uploading the night's batch hours
 * before it is needed (design.md section 3). */
#define RUNNER_LOOKAHEAD 2
/* After the first signal, how long in-flight calls may take to finish. */
#define RUNNER_DRAIN_MS 30000

static int runner_sigpipe[2] = {-1, -1};
static volatile sig_atomic_t runner_nsignals;
/* Set until the run writes its first record: probing, hashing and cutting
 * scenes can take minutes on a big batch, and nothing of it needs saving,
 * so a signal then ends the process at once (exit 4, as any interrupt). */
static volatile sig_atomic_t runner_starting;

static void runner_on_signal(int sig)
{
    static const char msg[] = "dubbatch: signal during start-up: nothing "
                              "was sent; run again to resume\n";
    int saved = errno;
    char c = (char)sig;

    if (runner_starting) {
        if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0) {
            /* Nowhere to say it: the exit code says it. */
        }
        _exit(EXIT_INTERRUPTED);
    }
    runner_nsignals++;
    if (write(runner_sigpipe[1], &c, 1) < 0) {
        /* The pipe is full: the loop has been told already. */
    }
    errno = saved;
}

int runner_signals(struct dub_err *e)
{
    struct sigaction sa;

    if (pipe(runner_sigpipe) < 0)
        return dub_errf(e, DUB_EINTERNAL, "pipe: %s", strerror(errno));
    fcntl(runner_sigpipe[0], F_SETFL, O_NONBLOCK);
    fcntl(runner_sigpipe[1], F_SETFL, O_NONBLOCK);
    fcntl(runner_sigpipe[0], F_SETFD, FD_CLOEXEC);
    fcntl(runner_sigpipe[1], F_SETFD, FD_CLOEXEC);
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = runner_on_signal;
    sigemptyset(&sa.sa_mask);
    runner_starting = 1;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    return 0;
}

/* ==== The loop ========================================================== */

static int runner_fresh(const struct runner *run)
{
    return !run->stopping &&
           !(run->o.max_fail && run->failures >= run->o.max_fail);
}

/* Admits jobs not yet started while the lookahead has room. */
static void runner_admit(struct runner *run)
{
    int room = run->o.concurrency * RUNNER_LOOKAHEAD;

    while (runner_fresh(run) && run->ahead < room && run->admit < run->n) {
        struct rjob *j = &run->jobs[run->admit++];

        if (j->st.state != JOB_NEW || j->leader || j->parked)
            continue;
        j->ahead = 1;
        run->ahead++;
        rjob_ready(j);
    }
}

/* Gives one job its next step. */
static void runner_step(struct rjob *j)
{
    struct runner *run = j->run;
    int fresh = runner_fresh(run);

    /* After a signal nothing starts: jobs at fal are parked, recorded, and
     * picked up by their request ids next run. */
    if (run->stopping || j->busy || j->parked)
        return;
    if (j->leader) {
        fetch_follow(j);
        return;
    }
    switch (j->st.state) {
    case JOB_NEW:
    case JOB_CONFORMED:
        if (fresh)
            local_step(j);
        break;
    case JOB_UPLOADED:
        if (fresh)
            submit_step(j);
        break;
    case JOB_SUBMITTING:
        submit_step(j);
        break;
    case JOB_QUEUED:
    case JOB_RUNNING:
        poll_step(j);
        break;
    case JOB_COMPLETED:
    case JOB_DOWNLOADED:
        fetch_step(j);
        break;
    default:
        break;
    }
}

/* Jobs never started because of --max-fail end as skipped, with why. */
static void runner_skip_rest(struct runner *run)
{
    char why[96];
    size_t i;

    snprintf(why, sizeof(why), "not started: %d jobs failed (--max-fail %d)",
             run->failures, run->o.max_fail);
    for (i = 0; i < run->n; i++) {
        struct rjob *j = &run->jobs[i];

        if (!j->busy && !j->parked && !j->leader &&
            job_can_move(j->st.state, JOB_SKIPPED))
            rjob_fail(j, JOB_SKIPPED, why);
    }
}

static int runner_wait_ms(struct runner *run)
{
    int64_t t = rjob_timeout(run);
    int k = media_pool_timeout(run->pool);

    if (t < 0 || t > 1000)
        t = 1000;
    if (k >= 0 && k < t)
        t = k;
    return (int)t;
}

/* Submits whose reply is still coming: the one call a stop waits for, as
 * its reply says at once whether fal has the work.  Anything else in
 * flight (uploads, polls, downloads) is dropped and simply redone. */
static int runner_submitting(const struct runner *run)
{
    size_t i;

    for (i = 0; i < run->n; i++)
        if (run->jobs[i].busy && run->jobs[i].st.state == JOB_SUBMITTING)
            return 1;
    return 0;
}

/* Reads the signal pipe; returns 1 when the loop must end now. */
static int runner_signalled(struct runner *run)
{
    char sig[16];

    while (read(runner_sigpipe[0], sig, sizeof(sig)) > 0)
        ;
    if (run->stopping || runner_nsignals > 1) {
        log_warn(NULL, "second signal: stopping now; jobs at fal stay "
                       "recorded and resume next run");
        return 1;
    }
    run->stopping = 1;
    log_warn(NULL, "signal: starting nothing new, waiting only for submits "
                   "in flight; run again to resume");
    return 0;
}

/* Runs until every job is final or parked; returns 1 when a signal came. */
static int runner_loop(struct runner *run)
{
    int64_t drain_until = 0;
    int interrupted = 0, skipped = 0;

    while (run->open > 0 || run->busy > 0) {
        struct pollfd fds[64];
        struct rjob *j;
        int nfd;

        /* Stopping (a signal, or a fatal error): submits in flight may
         * finish, for a while, so their request ids are recorded. */
        if (run->stopping) {
            if (!drain_until)
                drain_until = util_mono_ms() + RUNNER_DRAIN_MS;
            if (!runner_submitting(run) || util_mono_ms() > drain_until)
                break;
        }
        runner_admit(run);
        while ((j = rjob_next(run)))
            runner_step(j);
        if (run->o.max_fail && run->failures >= run->o.max_fail && !skipped &&
            !run->stopping) {
            runner_skip_rest(run);
            skipped = 1;
        }
        rjob_commit(run);
        progress_draw(run, 0);
        if (!run->open && !run->busy)
            break;
        fds[0].fd = runner_sigpipe[0];
        fds[0].events = POLLIN;
        nfd = 1 + media_pool_pollfds(run->pool, fds + 1, 63);
        remote_poll(run->r, fds, nfd, runner_wait_ms(run));
        media_pool_handle(run->pool, fds + 1, nfd - 1);
        rjob_commit(run);
        if (runner_sigpipe[0] >= 0 && (fds[0].revents & POLLIN)) {
            interrupted = 1;
            if (runner_signalled(run))
                break;
        }
    }
    return interrupted;
}

/* ==== The end =========================================================== */

static const char *runner_conformed(const struct prep *p)
{
    return p && p->ok ? p->out : NULL;
}

static void runner_report(struct runner *run, int interrupted)
{
    size_t nsc = run->o.scenes ? run->o.scenes->n : 0;
    struct report_job *rj = xcalloc(run->n + nsc + 1, sizeof(*rj));
    struct report_batch b = {0};
    struct dub_err e = {0};
    size_t i, n = 0;

    for (i = 0; i < run->n; i++) {
        struct rjob *j = &run->jobs[i];
        struct report_job *r = &rj[n];

        /* A window is reported inside its scene's row (scenes_rows). */
        if (j->mj->window_of)
            continue;
        n++;
        /* A job finished in an earlier run is planned again (pure), so the
         * report says what was done to it, whichever run did it. */
        if (!j->planned && j->vin && j->vin->ok && (!j->ain || j->ain->ok)) {
            plan_make(run->lim, &j->mj->policy, &run->m->pricing,
                      &j->vin->facts, j->ain ? &j->ain->facts : NULL,
                      &j->plan);
            j->planned = 1;
        }
        r->mj = j->mj;
        r->video = j->vin && j->vin->ok ? &j->vin->facts : NULL;
        r->audio = j->ain && j->ain->ok ? &j->ain->facts : NULL;
        r->plan = j->planned ? &j->plan : NULL;
        r->st = j->st.id ? &j->st : NULL;
        r->state = job_state_name(j->st.state);
        r->reason = j->st.error;
        r->conformed_video = runner_conformed(j->prep[0]);
        r->conformed_audio = runner_conformed(j->prep[1]);
    }
    if (nsc)
        scenes_rows(run->o.scenes, rj + n, &run->scenes_open,
                    &run->scenes_failed);
    b.manifest = run->m->path;
    b.endpoint = run->lim->name;
    b.started_at = run->started_at;
    b.finished_at = util_now_ms();
    b.interrupted = interrupted;
    b.max_cost = run->o.max_cost;
    /* Interrupted, the page is written at once with the posters it has;
     * the next run or `dubbatch report` makes the rest. */
    if (report_write(run->m->output_dir, &b, rj, n + nsc, &e) < 0 ||
        page_write(run->m->output_dir, interrupted ? NULL : run->pool,
                   &e) < 0)
        log_error(NULL, "%s", e.msg);
    free(rj);
}

static int runner_exit_code(const struct runner *run, int interrupted)
{
    size_t i;

    if (run->stop_code)
        return run->stop_code;
    /* Work remains (interrupted, or waiting for space or for fal): the
     * next run takes it up. */
    if ((interrupted && run->open) || run->waiting || run->open)
        return EXIT_INTERRUPTED;
    if (run->scenes_open)
        return EXIT_INTERRUPTED;
    for (i = 0; i < run->n; i++)
        if (run->jobs[i].st.state != JOB_DONE)
            return EXIT_SOME_FAILED;
    return run->scenes_failed ? EXIT_SOME_FAILED : EXIT_DONE;
}

static void runner_free(struct runner *run)
{
    size_t i;
    int k;

    for (i = 0; i < run->n; i++) {
        struct rjob *j = &run->jobs[i];

        /* A download cut off by the end of the run is not kept. */
        if (j->fout) {
            fclose(j->fout);
            unlink(j->part);
        }
        free(j->part);
        for (k = 0; k < 2; k++) {
            if (j->prep[k])
                prep_release(j->prep[k]);
            free(j->prep[k]);
        }
        state_job_release(&j->st);
    }
    recover_free(run->rec);
    free(run->jobs);
    free(run->heap);
    free(run->dotdir);
    free(run->workdir);
    free(run->logdir);
}

int runner_run(const struct manifest *m, struct state *st, struct remote *r,
               struct media_pool *pool, const struct runner_opts *o)
{
    struct runner run;
    struct dub_err e = {0};
    int rc, interrupted;

    memset(&run, 0, sizeof(run));
    run.m = m;
    run.lim = plan_limits_get(m->endpoint);
    run.st = st;
    run.r = r;
    run.pool = pool;
    run.o = *o;
    run.n = m->njobs;
    run.jobs = xcalloc(run.n + 1, sizeof(*run.jobs));
    run.heap = xcalloc(run.n + 1, sizeof(*run.heap));
    run.started_at = o->started_at ? o->started_at : util_now_ms();
    run.dotdir = util_path_join(m->output_dir, ".dubbatch");
    run.workdir = util_path_join(run.dotdir, "work");
    run.logdir = util_path_join(run.dotdir, "logs");
    if (util_mkdirs(run.logdir, &e) < 0 || util_mkdirs(run.workdir, &e) < 0) {
        log_error(NULL, "%s", e.msg);
        runner_free(&run);
        return EXIT_USAGE;
    }
    log_info(NULL, "%zu jobs, %d remote slots, output in %s", run.n,
             o->concurrency, m->output_dir);
    run.in = o->in;
    /* The windows' slices, when long scenes were cut, are new files. */
    inputs_collect(run.in, m);
    inputs_probe(run.in, pool, 1);
    runner_starting = 0;
    state_begin(st, NULL);
    runner_load(&run);
    runner_queue(&run);
    if (!run.stop_code)
        run.rec = recover_start(&run);
    rjob_commit(&run);
    interrupted = run.stop_code ? 0 : runner_loop(&run);
    state_commit(st, NULL);
    if (o->scenes && !run.stop_code)
        scenes_finish(o->scenes, st, pool, m->output_dir, run.workdir);
    progress_draw(&run, 1);
    if (run.stop_code)
        log_error(NULL, "%s", run.fatal.msg);
    runner_report(&run, interrupted);
    rc = runner_exit_code(&run, interrupted);
    progress_summary(&run, (util_now_ms() - run.started_at) / 1000.0);
    runner_free(&run);
    return rc;
}

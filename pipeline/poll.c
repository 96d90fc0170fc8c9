/*
 * poll: a request at fal, polled until it completes (QUEUED <-> RUNNING
 * -> COMPLETED), with fal's logs kept per job.
 *
 * Polls are spaced at a fortieth of the time waited so far, between the
 * first interval and the cap, with jitter: a result is noticed within
 * about 2.5% of its run time, and a 12-minute job needs about a hundred
 * polls.  Once some jobs have finished, a running job is polled right
 * when the quickest of them says it should be done.
 */
#define _POSIX_C_SOURCE 200809L
#include "rjob.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "log.h"
#include "manifest.h"
#include "remote.h"

#define POLL_SHARE 40

/*
 * The next poll of a running job, given the backoff's delay: jobs of one
 * model take about the same time, so once the batch has seen some finish,
 * a job is polled right when it should be done and then at the shortest
 * interval for a tenth of that time, instead of up to a backoff late.
 * The quickest recent run is the guess: guessing early costs a few polls,
 * guessing late costs slot time.
 */
static int64_t poll_delay(const struct rjob *j, int64_t delay)
{
    const struct runner *run = j->run;
    int64_t expect = INT64_MAX, ran;
    int k, n = run->nruntimes < RJOB_RUNTIMES ? run->nruntimes
                                              : RJOB_RUNTIMES;

    if (!n || j->st.state != JOB_RUNNING || !j->st.started_at)
        return delay;
    for (k = 0; k < n; k++)
        if (run->runtimes[k] < expect)
            expect = run->runtimes[k];
    ran = util_now_ms() - j->st.started_at;
    if (ran < expect && ran + delay > expect)
        return expect - ran;
    if (ran >= expect && ran < expect + expect / 10 && delay > run->o.poll_ms)
        return run->o.poll_ms;
    return delay;
}

static void poll_later(struct rjob *j)
{
    const struct runner *run = j->run;
    double u = (double)rand() / ((double)RAND_MAX + 1.0);
    int64_t waited = util_now_ms() - j->st.queued_at;

    j->poll_ms = waited / POLL_SHARE;
    if (j->poll_ms < run->o.poll_ms)
        j->poll_ms = run->o.poll_ms;
    if (j->poll_ms > run->o.poll_max_ms)
        j->poll_ms = run->o.poll_max_ms;
    rjob_later(j, poll_delay(j, (int64_t)(j->poll_ms * (0.75 + 0.5 * u))));
}

static void poll_logs(struct rjob *j, const struct fal_status *s)
{
    const char *p = s->logs.data;
    char *path;
    int i, fd;

    if (s->nlogs <= j->nlogs || !p)
        return;
    /* fal sends every log line on every poll: skip the ones written.  The
     * first poll of a run rewrites the file, as a resumed run does not
     * know how much of it an earlier one wrote. */
    for (i = 0; i < j->nlogs && p; i++) {
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    fd = -1;
    if (p && *p) {
        path = xasprintf("%s/%s.log", j->run->logdir, j->mj->id);
        fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC |
                            (j->nlogs ? O_APPEND : O_TRUNC),
                  0644);
        free(path);
    }
    j->nlogs = s->nlogs;
    if (fd < 0)
        return;
    if (write(fd, p, strlen(p)) < 0)
        log_warn(j->mj->id, "cannot keep fal's logs: %s", strerror(errno));
    close(fd);
}

/* The result of a request fal failed: its error, in fal's words. */
static void poll_error_read(void *arg, const struct remote_result *r)
{
    struct rjob *j = arg;
    const char *why = r->verdict == FAL_OK ? NULL : r->err->msg;

    rjob_faults(j, r);
    rjob_end(j);
    if (!why || r->verdict == FAL_RETRY)
        why = j->st.error;
    rjob_fal_failed(j, j->st.error_type, why);
}

static void poll_failed(struct rjob *j, const struct fal_status *s)
{
    struct http_req req = {0};
    struct dub_err e = {0};
    char words[800];

    /* The status's own words stand when the result cannot be read. */
    snprintf(words, sizeof(words), "fal: %s%s%s%s [request %s]", s->error,
             s->error_type ? " (" : "", s->error_type ? s->error_type : "",
             s->error_type ? ")" : "", j->st.request_id);
    free(j->st.error);
    j->st.error = xstrdup(words);
    free(j->st.error_type);
    j->st.error_type = s->error_type ? xstrdup(s->error_type) : NULL;
    req.method = "GET";
    req.url = j->st.response_url;
    req.auth = 1;
    req.who = j->mj->id;
    rjob_begin(j);
    if (remote_call(j->run->r, FAL_OP_ERROR, &req, poll_error_read, j,
                    &e) < 0) {
        rjob_end(j);
        rjob_fal_failed(j, j->st.error_type, words);
    }
}

static void poll_done(void *arg, const struct remote_result *r)
{
    struct rjob *j = arg;
    struct runner *run = j->run;
    struct fal_status s;
    struct dub_err pe = {0};

    rjob_faults(j, r);
    rjob_end(j);
    if (r->verdict != FAL_OK && r->resp && r->resp->truncated &&
        r->resp->status / 100 == 2 && !j->nologs) {
        /* Every poll carries every log line so far: a chatty model can
         * outgrow the reply cap, which must not cost the job. */
        log_warn(j->mj->id, "fal's logs outgrew a status reply (%s): "
                            "polling without them from now on",
                 r->err->msg);
        j->nologs = 1;
        rjob_ready(j);
        return;
    }
    if (r->verdict == FAL_RETRY) {
        rjob_park(j, "%s", r->err->msg);
        return;
    }
    if (r->verdict != FAL_OK) {
        if (r->err->http_status == 401 || r->err->http_status == 403) {
            rjob_stop(run, EXIT_USAGE, r->err);
            rjob_park(j, "%s", r->err->msg);
            return;
        }
        rjob_fal_failed(j, NULL, r->err->msg);
        return;
    }
    if (fal_parse_status(r->resp->body.data, &s, &pe) < 0) {
        /* A 2xx the edge mangled: asked again, within the step's budget. */
        if (!rjob_again(j))
            rjob_park(j, "fal status: %s", pe.msg);
        return;
    }
    rjob_settled(j);
    poll_logs(j, &s);
    if (s.state == FAL_IN_PROGRESS && j->st.state != JOB_RUNNING) {
        j->st.started_at = util_now_ms();
        rjob_move(j, JOB_RUNNING, NULL);
    }
    if (s.state != FAL_COMPLETED) {
        fal_status_release(&s);
        poll_later(j);
        return;
    }
    if (!s.error && j->st.started_at)
        run->runtimes[run->nruntimes++ % RJOB_RUNTIMES] =
            util_now_ms() - j->st.started_at;
    if (!j->st.started_at)
        j->st.started_at = util_now_ms();
    j->st.completed_at = util_now_ms();
    if (s.error)
        poll_failed(j, &s);
    else
        rjob_move(j, JOB_COMPLETED, NULL);
    fal_status_release(&s);
}

void poll_step(struct rjob *j)
{
    struct runner *run = j->run;
    struct http_req req = {0};
    struct dub_err e = {0};
    char *url;

    if (!j->deadline)
        j->deadline = util_mono_ms() + run->o.job_timeout_ms;
    if (util_mono_ms() > j->deadline) {
        rjob_park(j, "no result within %lld minutes of submit",
                  (long long)(run->o.job_timeout_ms / 60000));
        return;
    }
    url = fal_status_url(j->st.status_url, !j->nologs);
    req.method = "GET";
    req.url = url;
    req.auth = 1;
    req.who = j->mj->id;
    rjob_begin(j);
    if (remote_call(run->r, FAL_OP_STATUS, &req, poll_done, j, &e) < 0) {
        rjob_end(j);
        rjob_fail(j, JOB_FAILED, e.msg);
    }
    free(url);
}

/*
 * runner: the event loop and the job state machine.
 *
 * A pass of the loop walks the jobs in manifest order and gives each one
 * that is neither busy nor waiting its next step; steps start asynchronous
 * work (a media task, an HTTP call) whose callback records the outcome.
 * The changes of one pass share one transaction (group commit), except the
 * SUBMITTING record, which is committed on its own before the POST starts:
 * it is what makes a crash between POST and reply recoverable without
 * paying twice (design.md sections 4 and 5).
 */
#define _POSIX_C_SOURCE 200809L
#include "runner.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "fal.h"
#include "inputs.h"
#include "job.h"
#include "log.h"
#include "manifest.h"
#include "media.h"
#include "page.h"
#include "prep.h"
#include "remote.h"
#include "report.h"
#include "state.h"
#include "wire.h"

/* An upload is reused while fal's CDN surely keeps it (at least 7 days by
 * fal's FAQ; a day leaves a wide margin). */
#define RUNNER_UPLOAD_FRESH_MS ((int64_t)24 * 3600 * 1000)
/* Jobs conformed and uploaded ahead of free remote slots, per slot: a slot
 * that frees is refilled at once without uploading the night's batch hours
 * before it is needed (design.md section 3). */
#define RUNNER_LOOKAHEAD 2
/* How long a reconcile waits after the listing could not be read. */
#define RUNNER_RECONCILE_RETRY_MS 30000
/* Status polls are spaced at 1/RUNNER_POLL_SHARE of the time waited. */
#define RUNNER_POLL_SHARE 40
/* Run times of the batch's last finished jobs kept to predict the next
 * (Kling takes about the same time for any input, kling-lipsync-api.md). */
#define RUNNER_RUNTIMES 8
/* After the first signal, how long in-flight calls may take to finish. */
#define RUNNER_DRAIN_MS 30000

struct runner;

struct rjob {
    struct runner *run;
    const struct manifest_job *mj;
    struct state_job st;
    const struct inputs_file *vin, *ain;
    const char *vsha, *asha;
    char fingerprint[65];
    struct plan plan;
    int planned;
    struct prep *prep[2];  /* conform chains, only for jobs that need one
                              (2.4 KB each: a 10,000-job batch adds up) */
    int preps;             /* prep chains in flight */
    const char *file[2];   /* what to upload: the input or its conformed copy */
    char key[2][65];       /* upload cache keys (content hashes) */
    int uploads;           /* uploads in flight */
    int uploading[2];      /* which files are being uploaded */
    int busy;              /* an HTTP call or media task in flight */
    int64_t due;           /* monotonic ms before which nothing is done */
    int64_t deadline;      /* monotonic ms; 0 = none */
    int64_t poll_ms;
    int nlogs;             /* fal log lines already written */
    int nologs;            /* fal's logs outgrew a reply: poll without */
    char *part;            /* <id>.mp4.part while downloading */
    FILE *fout;
    struct rjob *leader;   /* same work as an earlier job: share its result */
};

struct runner {
    const struct manifest *m;
    struct state *st;
    struct remote *r;
    struct media_pool *pool;
    struct runner_opts o;
    struct inputs in;
    char **sha;            /* per inputs file */
    struct rjob *jobs;
    size_t n;
    char *dotdir, *workdir, *logdir;
    int stopping;          /* a signal: start nothing new */
    int moved;             /* a job changed state in this pass */
    int failures;
    double committed_cost; /* jobs that reached fal */
    int64_t runtimes[RUNNER_RUNTIMES]; /* ms, IN_PROGRESS to COMPLETED */
    int nruntimes;
    int64_t started_at;
    struct dub_err fatal;  /* the state database failed: stop */
    int broken;
};

static int runner_sigpipe[2] = {-1, -1};
static volatile sig_atomic_t runner_nsignals;

static void runner_on_signal(int sig)
{
    int saved = errno;
    char c = (char)sig;

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
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    return 0;
}

/* ==== Recording ========================================================= */

/* Moves a job to a new state and records it with an event row. */
static void runner_move(struct rjob *j, enum job_state to, const char *detail)
{
    struct runner *run = j->run;
    enum job_state from = j->st.state;
    struct dub_err e = {0};

    if (!job_can_move(from, to) && from != to && !j->leader)
        log_warn(j->mj->id, "unexpected move %s -> %s", job_state_name(from),
                 job_state_name(to));
    j->st.state = to;
    run->moved = 1;
    if (job_is_final(to) && !j->st.finished_at)
        j->st.finished_at = util_now_ms();
    if (state_job_save(run->st, &j->st, from, detail, &e) < 0 && !run->broken) {
        run->broken = 1;
        run->fatal = e;
    }
    if (to == JOB_FAILED) {
        run->failures++;
        log_error(j->mj->id, "failed: %s", detail ? detail : "");
    } else if (to == JOB_REJECTED || to == JOB_SKIPPED) {
        log_warn(j->mj->id, "%s: %s", job_state_name(to), detail ? detail : "");
    } else {
        log_info(j->mj->id, "%s%s%s", job_state_name(to), detail ? ": " : "",
                 detail ? detail : "");
    }
}

static void runner_fail(struct rjob *j, enum job_state to, const char *why)
{
    free(j->st.error);
    j->st.error = xstrdup(why);
    runner_move(j, to, why);
}

/* Commits the pass so far: what the next step depends on is durable. */
static void runner_commit(struct runner *run)
{
    struct dub_err e = {0};

    if (state_commit(run->st, &e) < 0 && !run->broken) {
        run->broken = 1;
        run->fatal = e;
    }
}

/* ==== Preparation: probe, hash, plan ==================================== */

static void runner_hashed(void *arg, const struct wire_reply *r)
{
    char **slot = arg;

    *slot = xstrdup(r->ok ? r->sha256 : "");
}

static void runner_fingerprint(struct rjob *j)
{
    const struct manifest_job *mj = j->mj;
    struct buf b = {0};

    buf_printf(&b, "%s\n%s\n%s\n%s\n%s\n%s\n%.2f\n%d %d %d %d",
               plan_limits_get(j->run->m->endpoint)->model, j->vsha,
               j->asha ? j->asha : "", mj->text ? mj->text : "",
               mj->voice_id ? mj->voice_id : "",
               mj->voice_language ? mj->voice_language : "", mj->voice_speed,
               mj->policy.fit, mj->policy.short_video, mj->policy.long_video,
               mj->policy.long_audio);
    sha256_hex(b.data, b.len, j->fingerprint);
    buf_release(&b);
}

static void runner_prepare_inputs(struct runner *run)
{
    size_t i;

    inputs_collect(&run->in, run->m);
    inputs_probe(&run->in, run->pool);
    run->sha = xcalloc(run->in.n + 1, sizeof(*run->sha));
    for (i = 0; i < run->in.n; i++)
        if (run->in.files[i].ok)
            media_hash(run->pool, run->in.files[i].path, runner_hashed,
                       &run->sha[i]);
    media_pool_drain(run->pool);
}

/* Loads or creates each job's record and decides where it resumes. */
static void runner_load(struct runner *run)
{
    size_t i, k;

    for (i = 0; i < run->n; i++) {
        struct rjob *j = &run->jobs[i];
        struct state_job old = {0};
        struct dub_err e = {0};
        int found;

        j->run = run;
        j->mj = &run->m->jobs[i];
        j->vin = inputs_find(&run->in, j->mj->video);
        j->ain = j->mj->audio ? inputs_find(&run->in, j->mj->audio) : NULL;
        /* An input that could not be read has no content hash: its path
         * stands in, so two unreadable inputs are never "the same work". */
        j->vsha = j->vin->ok && run->sha[j->vin - run->in.files][0]
                      ? run->sha[j->vin - run->in.files]
                      : j->vin->path;
        j->asha = !j->ain ? NULL
                  : j->ain->ok && run->sha[j->ain - run->in.files][0]
                      ? run->sha[j->ain - run->in.files]
                      : j->ain->path;
        j->poll_ms = run->o.poll_ms;
        runner_fingerprint(j);
        found = state_job_load(run->st, j->mj->id, &old, &e);
        if (found < 0) {
            run->broken = 1;
            run->fatal = e;
            return;
        }
        for (k = 0; k < i; k++) {
            /* The same inputs and settings as an earlier job: the same
             * work, submitted once and shared. */
            if (strcmp(run->jobs[k].fingerprint, j->fingerprint) == 0 &&
                !run->jobs[k].leader) {
                j->leader = &run->jobs[k];
                break;
            }
        }
        if (found && strcmp(old.fingerprint ? old.fingerprint : "",
                            j->fingerprint) == 0) {
            j->st = old;
            /* Where a finished or in-flight job stands is kept; work not
             * yet sent is redone (the conform and upload caches make that
             * cheap); failures and skips get another try. */
            switch (j->st.state) {
            case JOB_DONE:
            case JOB_REJECTED:
            case JOB_CANCELLED:
            case JOB_SUBMITTING:
            case JOB_QUEUED:
            case JOB_RUNNING:
            case JOB_COMPLETED:
                if (j->st.state == JOB_DONE)
                    log_info(j->mj->id, "done in an earlier run");
                break;
            case JOB_DOWNLOADED:
                runner_move(j, JOB_DONE, "verified in an earlier run");
                break;
            default:
                j->st.attempts++;
                j->st.state = JOB_NEW;
                free(j->st.error);
                j->st.error = NULL;
                j->st.finished_at = 0;
                state_job_save(run->st, &j->st, JOB_NSTATES, "retry", &e);
                break;
            }
            continue;
        }
        if (found) {
            if (job_is_remote(old.state))
                log_warn(j->mj->id,
                         "inputs or settings changed while request %s was at "
                         "fal; its result will not be used",
                         old.request_id ? old.request_id : "(unknown)");
            else
                log_info(j->mj->id, "inputs or settings changed: redoing");
        }
        state_job_release(&old);
        memset(&j->st, 0, sizeof(j->st));
        j->st.id = xstrdup(j->mj->id);
        j->st.fingerprint = xstrdup(j->fingerprint);
        j->st.endpoint = xstrdup(plan_limits_get(run->m->endpoint)->model);
        j->st.created_at = util_now_ms();
        j->st.state = JOB_NEW;
        if (state_job_save(run->st, &j->st, JOB_NSTATES, "new", &e) < 0) {
            run->broken = 1;
            run->fatal = e;
            return;
        }
    }
}

/* ==== Steps ============================================================= */

static const char *runner_ctype(const char *ext, int video)
{
    if (video)
        return strcmp(ext, "mov") == 0 ? "video/quicktime" : "video/mp4";
    if (strcmp(ext, "mp3") == 0)
        return "audio/mpeg";
    if (strcmp(ext, "wav") == 0)
        return "audio/wav";
    if (strcmp(ext, "aac") == 0)
        return "audio/aac";
    return "audio/mp4";
}

static void runner_prep_done(struct prep *p, void *arg)
{
    struct rjob *j = arg;
    int k = p == j->prep[0] ? 0 : 1;

    j->preps--;
    if (!p->ok) {
        if (j->st.state != JOB_REJECTED)
            runner_fail(j, p->err.code == DUB_EREJECT ? JOB_REJECTED
                                                      : JOB_FAILED,
                        p->err.msg);
    } else {
        char digest[65];

        j->file[k] = p->out;
        /* A conformed file is named by its content's derivation. */
        sha256_hex(p->out, strlen(p->out), digest);
        snprintf(j->key[k], sizeof(j->key[k]), "%s", digest);
    }
    if (j->preps == 0) {
        j->busy = 0;
        if (j->st.state == JOB_PROBED)
            runner_move(j, JOB_CONFORMED, "conformed");
    }
}

/* NEW -> PROBED (facts were read up front) -> plan -> CONFORMED. */
static void runner_step_plan(struct rjob *j)
{
    struct runner *run = j->run;
    const struct plan_limits *lim = plan_limits_get(run->m->endpoint);
    const struct inputs_file *bad = !j->vin->ok ? j->vin
                                   : j->ain && !j->ain->ok ? j->ain : NULL;
    char why[1200];
    int k;

    if (bad) {
        snprintf(why, sizeof(why), "%s: %s", bad == j->vin ? "video" : "audio",
                 bad->err.msg);
        runner_fail(j, JOB_REJECTED, why);
        return;
    }
    if (j->st.state == JOB_NEW)
        runner_move(j, JOB_PROBED, NULL);
    plan_make(lim, &j->mj->policy, &run->m->pricing, &j->vin->facts,
              j->ain ? &j->ain->facts : NULL, &j->plan);
    j->planned = 1;
    j->st.cost = j->plan.cost;
    if (j->plan.verdict == PLAN_REJECT) {
        runner_fail(j, JOB_REJECTED, j->plan.reason);
        return;
    }
    for (k = 0; k < j->plan.nwarnings; k++)
        log_warn(j->mj->id, "%s", j->plan.warnings[k]);
    j->file[0] = j->vin->path;
    snprintf(j->key[0], sizeof(j->key[0]), "%s", j->vsha);
    if (j->ain) {
        j->file[1] = j->ain->path;
        snprintf(j->key[1], sizeof(j->key[1]), "%s", j->asha);
    }
    for (k = 0; k < 2; k++) {
        struct prep *p;
        enum plan_step step = k ? j->plan.audio.step : j->plan.video.step;

        if ((k == 1 && !j->plan.has_audio) || step == PLAN_KEEP)
            continue;
        if (!j->prep[k])
            j->prep[k] = xcalloc(1, sizeof(*p));
        p = j->prep[k];
        p->in = k ? j->ain->path : j->vin->path;
        p->facts = k ? &j->ain->facts : &j->vin->facts;
        p->kind = k ? PREP_AUDIO : PREP_VIDEO;
        p->plan = &j->plan;
        p->lim = lim;
        p->pol = &j->mj->policy;
        p->workdir = run->workdir;
        p->done = runner_prep_done;
        p->arg = j;
        j->preps++;
    }
    if (!j->preps) {
        runner_move(j, JOB_CONFORMED, "fits as is");
        return;
    }
    j->busy = 1;
    {
        int started = j->preps;

        for (k = 0; k < 2 && started; k++)
            if (j->prep[k] && j->prep[k]->done) {
                started--;
                prep_start(run->pool, j->prep[k]);
            }
    }
}

static void runner_uploaded(void *arg, const char *url, const struct dub_err *e)
{
    struct rjob *j = arg;

    j->uploads--;
    if (!url) {
        if (j->st.state == JOB_CONFORMED)
            runner_fail(j, JOB_FAILED, e->msg);
    }
    if (j->uploads == 0) {
        j->busy = 0;
        if (j->st.state == JOB_CONFORMED && j->st.video_url &&
            (!j->ain || j->st.audio_url))
            runner_move(j, JOB_UPLOADED, NULL);
    }
}

struct runner_up {
    struct rjob *j;
    int k;
};

static void runner_upload_one(void *arg, const char *url,
                              const struct dub_err *e)
{
    struct runner_up *u = arg;
    struct rjob *j = u->j;
    struct dub_err se = {0};

    j->uploading[u->k] = 0;
    if (url) {
        if (u->k == 0)
            j->st.video_url = xstrdup(url);
        else
            j->st.audio_url = xstrdup(url);
        state_upload_save(j->run->st, j->key[u->k], url, 0, &se);
    }
    free(u);
    runner_uploaded(j, url, e);
}

/* 1 when another job is uploading the file with this key right now. */
static int runner_upload_in_flight(const struct rjob *j, const char *key)
{
    const struct runner *run = j->run;
    size_t i;
    int k;

    for (i = 0; i < run->n; i++)
        for (k = 0; k < 2; k++)
            if (&run->jobs[i] != j && run->jobs[i].uploading[k] &&
                strcmp(run->jobs[i].key[k], key) == 0)
                return 1;
    return 0;
}

/* CONFORMED -> UPLOADED: content-addressed, so a file uploaded once is
 * not uploaded again while fal keeps it, nor twice at the same time (a
 * clip dubbed into many languages is uploaded once). */
static void runner_step_upload(struct rjob *j)
{
    struct runner *run = j->run;
    int k;

    for (k = 0; k < 2; k++)
        if (j->file[k] && runner_upload_in_flight(j, j->key[k]))
            return; /* the next pass finds it in the cache */

    free(j->st.video_url);
    free(j->st.audio_url);
    j->st.video_url = j->st.audio_url = NULL;
    for (k = 0; k < 2; k++) {
        struct dub_err e = {0};
        char *url = NULL, ext[8];

        if (!j->file[k])
            continue;
        /* An https input that fits is handed to fal as it is. */
        if (util_starts_with(j->file[k], "https://")) {
            if (k == 0)
                j->st.video_url = xstrdup(j->file[k]);
            else
                j->st.audio_url = xstrdup(j->file[k]);
            continue;
        }
        if (state_upload_find(run->st, j->key[k], RUNNER_UPLOAD_FRESH_MS, &url,
                              &e) == 1) {
            if (k == 0)
                j->st.video_url = url;
            else
                j->st.audio_url = url;
            continue;
        }
        util_ext(j->file[k], ext, sizeof(ext));
        {
            struct runner_up *u = xcalloc(1, sizeof(*u));
            char *name = xasprintf("%s.%s", j->mj->id, ext);

            u->j = j;
            u->k = k;
            j->uploads++;
            j->uploading[k] = 1;
            j->busy = 1;
            remote_upload(run->r, j->file[k], runner_ctype(ext, k == 0), name,
                          runner_upload_one, u);
            free(name);
        }
    }
    if (!j->uploads)
        runner_move(j, JOB_UPLOADED, "already uploaded");
}

static int runner_remote_slots(const struct runner *run)
{
    size_t i;
    int used = 0;

    for (i = 0; i < run->n; i++)
        if (job_is_remote(run->jobs[i].st.state) && !run->jobs[i].leader)
            used++;
    return used;
}

static char *runner_payload(const struct rjob *j)
{
    const struct manifest_job *mj = j->mj;

    if (j->run->m->endpoint == PLAN_A2V)
        return fal_payload_a2v(j->st.video_url, j->st.audio_url);
    return fal_payload_t2v(j->st.video_url, mj->text, mj->voice_id,
                           mj->voice_language, mj->voice_speed);
}

static void runner_adopted(struct rjob *j, const char *id)
{
    const struct falcfg *c = remote_config(j->run->r);

    /* fal sent no URLs for a request found in the listing: they are built
     * the way both official clients build them (owner/app/requests/id). */
    j->st.request_id = xstrdup(id);
    j->st.response_url = xasprintf("%s/fal-ai/kling-video/requests/%s",
                                   c->queue, id);
    j->st.status_url = xasprintf("%s/status", j->st.response_url);
    j->st.cancel_url = xasprintf("%s/cancel", j->st.response_url);
}

static void runner_found(void *arg, int found, const char *id,
                         const struct dub_err *e)
{
    struct rjob *j = arg;
    char why[256];

    j->busy = 0;
    if (found < 0) {
        log_warn(j->mj->id, "submit outcome unknown and fal's listing cannot "
                            "be read (%s); trying again later", e->msg);
        j->due = util_mono_ms() + RUNNER_RECONCILE_RETRY_MS;
        return;
    }
    if (found == 0) {
        /* A complete listing without our input: fal never took it. */
        runner_move(j, JOB_UPLOADED, "fal has no such request: submit again");
        return;
    }
    runner_adopted(j, id);
    snprintf(why, sizeof(why), "found request %s in fal's listing", id);
    j->st.queued_at = util_now_ms();
    runner_move(j, JOB_QUEUED, why);
}

static void runner_reconcile(struct rjob *j)
{
    j->busy = 1;
    log_info(j->mj->id, "reconciling an unconfirmed submit through fal's "
                        "request listing");
    remote_find(j->run->r, j->st.endpoint, j->st.payload, j->st.submitted_at,
                runner_found, j);
}

static void runner_submitted(void *arg, enum fal_verdict v,
                             struct http_resp *resp, const struct dub_err *e)
{
    struct rjob *j = arg;
    struct fal_handle h;
    struct dub_err pe = {0};

    j->busy = 0;
    if (v == FAL_UNKNOWN) {
        log_warn(j->mj->id, "%s", e->msg);
        runner_reconcile(j);
        return;
    }
    if (v != FAL_OK) {
        runner_fail(j, JOB_FAILED, e->msg);
        return;
    }
    if (fal_parse_submit(resp->body.data, &h, &pe) < 0) {
        /* fal answered 200 but we cannot read it: the request exists. */
        log_warn(j->mj->id, "%s", pe.msg);
        runner_reconcile(j);
        return;
    }
    j->st.request_id = h.request_id;
    j->st.status_url = h.status_url;
    j->st.response_url = h.response_url;
    j->st.cancel_url = h.cancel_url;
    j->st.queued_at = util_now_ms();
    runner_move(j, JOB_QUEUED, h.request_id);
    /* The request id is the one thing a crash must not lose. */
    runner_commit(j->run);
    state_begin(j->run->st, NULL);
}

/* Another job already asked for exactly this work. */
static struct rjob *runner_same_work(struct rjob *j, const char *payload)
{
    struct runner *run = j->run;
    size_t i;

    for (i = 0; i < run->n && &run->jobs[i] != j; i++) {
        struct rjob *o = &run->jobs[i];

        if (o->leader || !o->st.payload || o->st.state == JOB_FAILED ||
            o->st.state == JOB_CANCELLED)
            continue;
        if (fal_input_equal(o->st.payload, payload))
            return o;
    }
    return NULL;
}

/* UPLOADED -> SUBMITTING (committed) -> POST -> QUEUED. */
static void runner_step_submit(struct rjob *j)
{
    struct runner *run = j->run;
    struct http_req req = {0};
    struct dub_err e = {0};
    char *payload, *url, why[160];
    struct rjob *same;

    payload = runner_payload(j);
    same = runner_same_work(j, payload);
    if (same) {
        j->leader = same;
        free(j->st.shared_with);
        j->st.shared_with = xstrdup(same->mj->id);
        free(j->st.payload);
        j->st.payload = payload;
        snprintf(why, sizeof(why), "same work as '%s': sharing its request",
                 same->mj->id);
        runner_move(j, JOB_SUBMITTING, why);
        return;
    }
    if (run->o.max_cost > 0 &&
        run->committed_cost + j->plan.cost > run->o.max_cost + 1e-9) {
        snprintf(why, sizeof(why),
                 "skipped by budget: $%.3f more would pass --max-cost $%.2f",
                 j->plan.cost, run->o.max_cost);
        free(payload);
        runner_fail(j, JOB_SKIPPED, why);
        return;
    }
    free(j->st.payload);
    j->st.payload = payload;
    j->st.submitted_at = util_now_ms();
    runner_move(j, JOB_SUBMITTING, NULL);
    /* Durable before the POST: after a crash this record sends the job to
     * reconciliation, never to a blind second submit. */
    runner_commit(run);
    state_begin(run->st, NULL);
    if (run->broken)
        return;
    run->committed_cost += j->plan.cost;
    url = fal_submit_url(remote_config(run->r)->queue, j->st.endpoint);
    req.method = "POST";
    req.url = url;
    req.auth = 1;
    req.once = 1;
    req.content_type = "application/json";
    req.body = j->st.payload;
    req.body_len = strlen(j->st.payload);
    j->busy = 1;
    j->deadline = util_mono_ms() + run->o.job_timeout_ms;
    if (remote_call(run->r, FAL_OP_SUBMIT, &req, REMOTE_TRIES,
                    runner_submitted, j, &e) < 0) {
        j->busy = 0;
        runner_fail(j, JOB_FAILED, e.msg);
    }
    free(url);
}

static void runner_append_logs(struct rjob *j, const struct fal_status *s)
{
    char *path;
    FILE *f;
    const char *p = s->logs.data, *mode;
    int i;

    if (s->nlogs <= j->nlogs || !p)
        return;
    /* fal sends every log line on every poll: skip the ones written.  The
     * first poll of a run rewrites the file, as a resumed run does not
     * know how much of it an earlier one wrote. */
    mode = j->nlogs ? "a" : "w";
    for (i = 0; i < j->nlogs && p; i++) {
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    j->nlogs = s->nlogs;
    if (!p || !*p)
        return;
    path = xasprintf("%s/%s.log", j->run->logdir, j->mj->id);
    f = fopen(path, mode);
    if (f) {
        fputs(p, f);
        fclose(f);
    }
    free(path);
}

/*
 * fal does not document how long Kling's output is when the audio and the
 * video differ (field-notes.md), and it has been seen to follow either: a
 * result must last as long as the video or the audio we sent, within two
 * of its frames.  Anything else (a cut render, a wrong file) is caught here,
 * before it is renamed into place.  Text-to-video lasts as long as the
 * speech, which nobody can predict: only its being a video is checked.
 * Returns 0 when the length is right or cannot be judged.
 */
static int runner_check_length(struct rjob *j, const struct facts *f,
                               char *why, size_t len)
{
    const struct plan_limits *lim = plan_limits_get(j->run->m->endpoint);
    struct plan local;
    const struct plan *p = &j->plan;
    double got, tol;

    if (!lim->needs_audio || !j->vin->ok || (j->ain && !j->ain->ok))
        return 0;
    if (!j->planned) {
        /* Resumed in flight: the plan is pure, so it is made again. */
        plan_make(lim, &j->mj->policy, &j->run->m->pricing, &j->vin->facts,
                  j->ain ? &j->ain->facts : NULL, &local);
        p = &local;
    }
    got = f->video.duration > 0 ? f->video.duration : f->duration;
    tol = f->video.fps_num > 0 && f->video.fps_den > 0
              ? 2.0 * f->video.fps_den / f->video.fps_num
              : 2.0 / 25;
    tol += 0.001;
    if (fabs(got - p->video.duration) <= tol ||
        (p->has_audio && fabs(got - p->audio.duration) <= tol))
        return 0;
    snprintf(why, len, "the result lasts %.3f s; expected %.3f s (the video)"
                       " or %.3f s (the audio), within two frames",
             got, p->video.duration, p->audio.duration);
    return -1;
}

static void runner_download_done(void *arg, const struct wire_reply *res)
{
    struct rjob *j = arg;
    char *out = util_path_join(j->run->m->output_dir, j->mj->id);
    char *final = xasprintf("%s.mp4", out);
    char why[1200], *keep;
    const struct facts *fp = &res->facts;

    j->busy = 0;
    free(out);
    if (!res->ok || !res->has_facts || !res->facts.has_video) {
        snprintf(why, sizeof(why), "the downloaded result is not a usable "
                                   "video: %s",
                 res->ok ? "no video stream" : res->err.msg);
        unlink(j->part);
        runner_fail(j, JOB_FAILED, why);
        free(final);
        return;
    }
    if (runner_check_length(j, fp, why, sizeof(why) - 200) < 0) {
        /* fal was paid for it: kept for a person to look at, out of the
         * results. */
        keep = xasprintf("%s/%s.unverified.mp4", j->run->workdir, j->mj->id);
        if (rename(j->part, keep) == 0)
            snprintf(why + strlen(why), sizeof(why) - strlen(why),
                     "; kept as %s", keep);
        else
            unlink(j->part);
        free(keep);
        runner_fail(j, JOB_FAILED, why);
        free(final);
        return;
    }
    if (rename(j->part, final) < 0) {
        runner_fail(j, JOB_FAILED, strerror(errno));
        free(final);
        return;
    }
    free(j->st.output);
    j->st.output = final;
    j->st.output_size = fp->size;
    runner_move(j, JOB_DOWNLOADED, NULL);
    runner_move(j, JOB_DONE, NULL);
}

static void runner_downloaded(void *arg, enum fal_verdict v,
                              struct http_resp *resp, const struct dub_err *e)
{
    struct rjob *j = arg;

    (void)resp;
    fclose(j->fout);
    j->fout = NULL;
    if (v != FAL_OK) {
        j->busy = 0;
        unlink(j->part);
        runner_fail(j, JOB_FAILED, e->msg);
        return;
    }
    /* A result on disk is never half-written: probe, then rename. */
    media_probe(j->run->pool, j->part, runner_download_done, j);
}

/* COMPLETED (output URL known) -> <id>.mp4.part -> verify -> <id>.mp4. */
static void runner_step_download(struct rjob *j)
{
    struct http_req req = {0};
    struct dub_err e = {0};
    char *out = util_path_join(j->run->m->output_dir, j->mj->id);

    free(j->part);
    j->part = xasprintf("%s.mp4.part", out);
    free(out);
    j->fout = fopen(j->part, "wb");
    if (!j->fout) {
        runner_fail(j, JOB_FAILED, strerror(errno));
        return;
    }
    req.method = "GET";
    req.url = j->st.output_url;
    req.download = j->fout;
    j->busy = 1;
    if (remote_call(j->run->r, FAL_OP_DOWNLOAD, &req, REMOTE_TRIES,
                    runner_downloaded, j, &e) < 0) {
        fclose(j->fout);
        j->fout = NULL;
        j->busy = 0;
        runner_fail(j, JOB_FAILED, e.msg);
    }
}

static void runner_result(void *arg, enum fal_verdict v,
                          struct http_resp *resp, const struct dub_err *e)
{
    struct rjob *j = arg;
    struct dub_err pe = {0};
    int64_t size;

    j->busy = 0;
    if (v != FAL_OK) {
        runner_fail(j, JOB_FAILED, e->msg);
        return;
    }
    free(j->st.output_url);
    if (fal_parse_result(resp->body.data, &j->st.output_url, &size, &pe) < 0) {
        runner_fail(j, JOB_FAILED, pe.msg);
        return;
    }
    /* fal keeps the result JSON only minutes: the URL is committed before
     * the download starts. */
    runner_move(j, JOB_COMPLETED, NULL);
    runner_commit(j->run);
    state_begin(j->run->st, NULL);
    runner_step_download(j);
}

static void runner_fetch_result(struct rjob *j)
{
    struct http_req req = {0};
    struct dub_err e = {0};

    req.method = "GET";
    req.url = j->st.response_url;
    req.auth = 1;
    j->busy = 1;
    if (remote_call(j->run->r, FAL_OP_RESULT, &req, REMOTE_TRIES,
                    runner_result, j, &e) < 0) {
        j->busy = 0;
        runner_fail(j, JOB_FAILED, e.msg);
    }
}

/*
 * The next poll of a running job, given the backoff's delay: jobs of one
 * model take about the same time, so once the batch has seen some finish,
 * a job is polled right when it should be done and then at the shortest
 * interval for a tenth of that time, instead of up to a backoff late.
 * The quickest recent run is the guess: guessing early costs a few polls,
 * guessing late costs slot time.
 */
static int64_t runner_poll_delay(const struct rjob *j, int64_t delay)
{
    const struct runner *run = j->run;
    int64_t expect = INT64_MAX, ran;
    int k, n = run->nruntimes < RUNNER_RUNTIMES ? run->nruntimes
                                                : RUNNER_RUNTIMES;

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

static void runner_polled(void *arg, enum fal_verdict v,
                          struct http_resp *resp, const struct dub_err *e)
{
    struct rjob *j = arg;
    struct fal_status s;
    struct dub_err pe = {0};

    j->busy = 0;
    if (v != FAL_OK && resp && resp->truncated && resp->status / 100 == 2 &&
        !j->nologs) {
        /* Every poll carries every log line so far: a chatty model can
         * outgrow the reply cap, which must not cost the job. */
        log_warn(j->mj->id, "fal's logs outgrew a status reply (%s): "
                            "polling without them from now on",
                 e->msg);
        j->nologs = 1;
        return;
    }
    if (v != FAL_OK) {
        runner_fail(j, JOB_FAILED, e->msg);
        return;
    }
    if (fal_parse_status(resp->body.data, &s, &pe) < 0) {
        runner_fail(j, JOB_FAILED, pe.msg);
        return;
    }
    runner_append_logs(j, &s);
    if (s.state == FAL_IN_PROGRESS && j->st.state != JOB_RUNNING) {
        j->st.started_at = util_now_ms();
        runner_move(j, JOB_RUNNING, NULL);
    }
    if (s.state != FAL_COMPLETED) {
        /* Backoff with jitter: a 12-minute job needs no second-by-second
         * polling, and many jobs must not poll in step. */
        double u = (double)rand() / ((double)RAND_MAX + 1.0);
        int64_t waited = util_now_ms() - j->st.queued_at;

        /* A fortieth of the time waited so far, between the first
         * interval and the cap: a result is noticed within ~2.5% of its
         * run time (a tenth cost 11% of slot time in bench-runner.sh), and
         * a 12-minute job still needs only about a hundred polls. */
        j->poll_ms = waited / RUNNER_POLL_SHARE;
        if (j->poll_ms < j->run->o.poll_ms)
            j->poll_ms = j->run->o.poll_ms;
        if (j->poll_ms > j->run->o.poll_max_ms)
            j->poll_ms = j->run->o.poll_max_ms;
        j->due = util_mono_ms() +
                 runner_poll_delay(j, (int64_t)(j->poll_ms * (0.75 + 0.5 * u)));
        fal_status_release(&s);
        return;
    }
    if (!s.error && j->st.started_at) {
        struct runner *run = j->run;

        run->runtimes[run->nruntimes++ % RUNNER_RUNTIMES] =
            util_now_ms() - j->st.started_at;
    }
    if (!j->st.started_at)
        j->st.started_at = util_now_ms();
    j->st.completed_at = util_now_ms();
    if (s.error) {
        /* The model failed: the result replays its words (a 422 detail,
         * or the flat error); fetched once, not retried. */
        struct http_req req = {0};
        struct dub_err ce = {0};

        fal_status_release(&s);
        req.method = "GET";
        req.url = j->st.response_url;
        req.auth = 1;
        j->busy = 1;
        if (remote_call(j->run->r, FAL_OP_RESULT, &req, 1, runner_result, j,
                        &ce) < 0) {
            j->busy = 0;
            runner_fail(j, JOB_FAILED, ce.msg);
        }
        return;
    }
    fal_status_release(&s);
    runner_fetch_result(j);
}

static void runner_step_poll(struct rjob *j)
{
    struct http_req req = {0};
    struct dub_err e = {0};
    char *url;

    if (j->deadline && util_mono_ms() > j->deadline) {
        char why[128];

        snprintf(why, sizeof(why), "no result within %lld minutes of submit "
                                   "(request %s)",
                 (long long)(j->run->o.job_timeout_ms / 60000),
                 j->st.request_id);
        runner_fail(j, JOB_FAILED, why);
        return;
    }
    url = fal_status_url(j->st.status_url, !j->nologs);
    req.method = "GET";
    req.url = url;
    req.auth = 1;
    j->busy = 1;
    if (remote_call(j->run->r, FAL_OP_STATUS, &req, REMOTE_TRIES,
                    runner_polled, j, &e) < 0) {
        j->busy = 0;
        runner_fail(j, JOB_FAILED, e.msg);
    }
    free(url);
}

/* A job that shares another's request finishes with it. */
static void runner_step_follow(struct rjob *j)
{
    const struct rjob *l = j->leader;
    char *out, *dst;

    if (l->st.state == JOB_DONE) {
        if (j->st.state == JOB_DONE)
            return;
        out = util_path_join(j->run->m->output_dir, j->mj->id);
        dst = xasprintf("%s.mp4", out);
        free(out);
        unlink(dst);
        if (link(l->st.output, dst) < 0) {
            runner_fail(j, JOB_FAILED, strerror(errno));
            free(dst);
            return;
        }
        free(j->st.output);
        j->st.output = dst;
        j->st.output_size = l->st.output_size;
        free(j->st.request_id);
        j->st.request_id = l->st.request_id ? xstrdup(l->st.request_id) : NULL;
        j->st.completed_at = l->st.completed_at;
        j->st.started_at = l->st.started_at;
        free(j->st.shared_with);
        j->st.shared_with = xstrdup(l->mj->id);
        runner_move(j, JOB_DONE, "shared the result of an identical job");
    } else if (job_is_final(l->st.state)) {
        char why[1200];

        snprintf(why, sizeof(why), "the identical job '%s' did not finish: %s",
                 l->mj->id, l->st.error ? l->st.error : job_state_name(l->st.state));
        runner_fail(j, l->st.state == JOB_REJECTED ? JOB_REJECTED : JOB_FAILED,
                    why);
    }
}

/* Gives one job its next step, if it has one now. */
static void runner_step(struct runner *run, struct rjob *j, int *ahead)
{
    int fresh = !run->stopping &&
                !(run->o.max_fail && run->failures >= run->o.max_fail);

    /* After a signal nothing starts: jobs at fal are parked, recorded, and
     * picked up by their request ids next run. */
    if (run->stopping || j->busy || job_is_final(j->st.state) ||
        j->due > util_mono_ms())
        return;
    if (j->leader) {
        runner_step_follow(j);
        return;
    }
    switch (j->st.state) {
    case JOB_NEW:
    case JOB_PROBED:
        if (fresh && *ahead > 0) {
            (*ahead)--;
            runner_step_plan(j);
        }
        break;
    case JOB_CONFORMED:
        if (!j->planned) {
            j->st.state = JOB_NEW;
            break;
        }
        if (fresh)
            runner_step_upload(j);
        break;
    case JOB_UPLOADED:
        if (fresh && runner_remote_slots(run) < run->o.concurrency)
            runner_step_submit(j);
        break;
    case JOB_SUBMITTING:
        if (j->st.request_id)
            runner_move(j, JOB_QUEUED, "request id known");
        else
            runner_reconcile(j);
        break;
    case JOB_QUEUED:
    case JOB_RUNNING:
        if (!j->deadline)
            j->deadline = util_mono_ms() + run->o.job_timeout_ms;
        runner_step_poll(j);
        break;
    case JOB_COMPLETED:
        if (j->st.output_url)
            runner_step_download(j);
        else
            runner_fetch_result(j);
        break;
    default:
        break;
    }
}

/* Jobs between planning and a remote slot: the lookahead in use. */
static int runner_ahead_room(const struct runner *run)
{
    size_t i;
    int waiting = 0;

    for (i = 0; i < run->n; i++) {
        enum job_state s = run->jobs[i].st.state;

        if (s == JOB_PROBED || s == JOB_CONFORMED || s == JOB_UPLOADED ||
            run->jobs[i].preps)
            waiting++;
    }
    return run->o.concurrency * RUNNER_LOOKAHEAD - waiting;
}

/* The progress line: counts, cost so far, and an ETA from the jobs this
 * run has seen through (submit to done), spread over the remote slots. */
static void runner_progress(struct runner *run, int final)
{
    int counts[JOB_NSTATES] = {0}, timed = 0, left = 0;
    double cost = 0, spent = 0;
    char eta[32] = "ETA --";
    size_t i;

    if (!run->o.progress)
        return;
    for (i = 0; i < run->n; i++) {
        const struct rjob *j = &run->jobs[i];

        counts[j->st.state]++;
        if (job_is_remote(j->st.state) || j->st.state == JOB_DONE)
            cost += j->leader ? 0 : j->st.cost;
        if (j->st.state == JOB_DONE && j->st.submitted_at >= run->started_at &&
            !j->leader) {
            spent += (double)(j->st.finished_at - j->st.submitted_at);
            timed++;
        }
        left += !job_is_final(j->st.state);
    }
    if (timed && left) {
        double ms = spent / timed *
                    ceil((double)left / (run->o.concurrency ? run->o.concurrency
                                                             : 1));

        snprintf(eta, sizeof(eta), "ETA %.0fm%02.0fs", floor(ms / 60000),
                 fmod(ms / 1000, 60));
    }
    fprintf(stderr, "\r\033[K%d/%zu done, %d at fal (%d running), %d failed, "
                    "%d rejected, $%.2f, %s%s",
            counts[JOB_DONE], run->n,
            counts[JOB_SUBMITTING] + counts[JOB_QUEUED] + counts[JOB_RUNNING] +
                counts[JOB_COMPLETED],
            counts[JOB_RUNNING], counts[JOB_FAILED], counts[JOB_REJECTED],
            cost, left ? eta : "finished", final ? "\n" : "");
}

static int runner_active(const struct runner *run)
{
    size_t i;

    for (i = 0; i < run->n; i++)
        if (!job_is_final(run->jobs[i].st.state))
            return 1;
    return 0;
}

static int runner_busy(const struct runner *run)
{
    size_t i;

    for (i = 0; i < run->n; i++)
        if (run->jobs[i].busy)
            return 1;
    return 0;
}

/* Jobs never started because of --max-fail end as skipped, with why. */
static void runner_skip_rest(struct runner *run, const char *why)
{
    size_t i;

    for (i = 0; i < run->n; i++) {
        struct rjob *j = &run->jobs[i];

        if (!j->busy && j->st.state <= JOB_UPLOADED && !j->leader)
            runner_fail(j, JOB_SKIPPED, why);
    }
}

static const char *runner_conformed(const struct prep *p)
{
    return p && p->ok ? p->out : NULL;
}

static void runner_report(struct runner *run, int interrupted)
{
    struct report_job *rj = xcalloc(run->n, sizeof(*rj));
    struct report_batch b = {0};
    struct dub_err e = {0};
    size_t i;

    for (i = 0; i < run->n; i++) {
        struct rjob *j = &run->jobs[i];

        rj[i].mj = j->mj;
        rj[i].video = j->vin && j->vin->ok ? &j->vin->facts : NULL;
        rj[i].audio = j->ain && j->ain->ok ? &j->ain->facts : NULL;
        rj[i].plan = j->planned ? &j->plan : NULL;
        rj[i].st = &j->st;
        rj[i].state = job_state_name(j->st.state);
        rj[i].reason = j->st.error;
        rj[i].conformed_video = runner_conformed(j->prep[0]);
        rj[i].conformed_audio = runner_conformed(j->prep[1]);
    }
    b.manifest = run->m->path;
    b.endpoint = plan_limits_get(run->m->endpoint)->name;
    b.started_at = run->started_at;
    b.finished_at = util_now_ms();
    b.interrupted = interrupted;
    if (report_write(run->m->output_dir, &b, rj, run->n, &e) < 0 ||
        page_write(run->m->output_dir, run->pool, &e) < 0)
        log_error(NULL, "%s", e.msg);
    free(rj);
}

int runner_run(const struct manifest *m, struct state *st, struct remote *r,
               struct media_pool *pool, const struct runner_opts *o)
{
    struct runner run = {0};
    struct dub_err e = {0};
    int rc = EXIT_DONE, interrupted = 0, k;
    int64_t drain_until = 0;
    size_t i;

    run.m = m;
    run.st = st;
    run.r = r;
    run.pool = pool;
    run.o = *o;
    run.n = m->njobs;
    run.jobs = xcalloc(run.n, sizeof(*run.jobs));
    run.started_at = util_now_ms();
    run.dotdir = util_path_join(m->output_dir, ".dubbatch");
    run.workdir = util_path_join(run.dotdir, "work");
    run.logdir = util_path_join(run.dotdir, "logs");
    if (util_mkdirs(run.logdir, &e) < 0 || util_mkdirs(run.workdir, &e) < 0) {
        log_error(NULL, "%s", e.msg);
        rc = EXIT_USAGE;
        goto out;
    }
    log_info(NULL, "%zu jobs, %d remote slots, output in %s", run.n,
             o->concurrency, m->output_dir);
    runner_prepare_inputs(&run);
    state_begin(st, NULL);
    runner_load(&run);
    runner_commit(&run);

    while (!run.broken && (runner_active(&run) || runner_busy(&run))) {
        struct pollfd fds[64];
        int nfd, ahead, timeout = 1000;
        char sig[16];

        state_begin(st, NULL);
        run.moved = 0;
        ahead = runner_ahead_room(&run);
        for (i = 0; i < run.n && !run.broken; i++)
            runner_step(&run, &run.jobs[i], &ahead);
        if (run.o.max_fail && run.failures >= run.o.max_fail && !run.stopping) {
            char why[96];

            snprintf(why, sizeof(why), "not started: %d jobs failed "
                                       "(--max-fail %d)",
                     run.failures, run.o.max_fail);
            runner_skip_rest(&run, why);
        }
        runner_commit(&run);
        runner_progress(&run, 0);
        if (run.stopping && !runner_busy(&run))
            break;
        if (run.stopping && util_mono_ms() > drain_until)
            break;

        fds[0].fd = runner_sigpipe[0];
        fds[0].events = POLLIN;
        nfd = 1 + media_pool_pollfds(pool, fds + 1, 63);
        k = media_pool_timeout(pool);
        /* A move in this pass may have readied a job already passed over
         * (a freed slot, an input that fits as is): step again at once. */
        if (run.moved)
            timeout = 0;
        if (k >= 0 && k < timeout)
            timeout = k;
        for (i = 0; i < run.n; i++) {
            int64_t left = run.jobs[i].due - util_mono_ms();

            if (!run.jobs[i].busy && !job_is_final(run.jobs[i].st.state) &&
                run.jobs[i].due && left < timeout)
                timeout = left < 0 ? 0 : (int)left;
        }
        state_begin(st, NULL);
        remote_poll(r, fds, nfd, timeout);
        media_pool_handle(pool, fds + 1, nfd - 1);
        runner_commit(&run);
        if (runner_sigpipe[0] >= 0 && (fds[0].revents & POLLIN)) {
            while (read(runner_sigpipe[0], sig, sizeof(sig)) > 0)
                ;
            interrupted = 1;
            if (run.stopping || runner_nsignals > 1) {
                log_warn(NULL, "second signal: stopping now; jobs at fal stay "
                               "recorded and resume next run");
                break;
            }
            run.stopping = 1;
            drain_until = util_mono_ms() + RUNNER_DRAIN_MS;
            log_warn(NULL, "signal: starting nothing new, finishing what is "
                           "in flight; run again to resume");
        }
    }
    runner_progress(&run, 1);
    if (run.broken) {
        log_error(NULL, "%s", run.fatal.msg);
        rc = EXIT_USAGE;
    }
    runner_report(&run, interrupted);
    if (rc == EXIT_DONE) {
        if (interrupted && runner_active(&run))
            rc = EXIT_INTERRUPTED;
        else
            for (i = 0; i < run.n; i++)
                if (run.jobs[i].st.state != JOB_DONE)
                    rc = EXIT_SOME_FAILED;
    }
out:
    for (i = 0; i < run.n; i++) {
        if (run.jobs[i].fout)
            fclose(run.jobs[i].fout);
        free(run.jobs[i].part);
        for (k = 0; k < 2; k++) {
            if (run.jobs[i].prep[k])
                prep_release(run.jobs[i].prep[k]);
            free(run.jobs[i].prep[k]);
        }
        state_job_release(&run.jobs[i].st);
    }
    for (i = 0; run.sha && i < run.in.n; i++)
        free(run.sha[i]);
    free(run.sha);
    inputs_release(&run.in);
    free(run.jobs);
    free(run.dotdir);
    free(run.workdir);
    free(run.logdir);
    return rc;
}

/*
 * fetch: a completed request's result, its download, the check, and the
 * delivery into the results folder (COMPLETED -> DOWNLOADED -> DONE).
 *
 * fal keeps the result JSON only minutes: it is read as soon as COMPLETED
 * is seen and its URL committed before the download.  Downloads go to an
 * unpredictable name in the work folder, never beside the results, are
 * probed, and only a whole, checked file reaches <id>.mp4.  Whatever fails
 * here after fal has done the work (a full disk, a read-only folder, an
 * unreachable CDN) keeps the job bound to its request: it waits for a
 * later run, which takes it up from there without paying again.
 */
#define _POSIX_C_SOURCE 200809L
#include "rjob.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "log.h"
#include "manifest.h"
#include "media.h"
#include "remote.h"
#include "wire.h"

/* Fresh links asked for in one run when the CDN refuses one (expired) or
 * a download does not check out (a body cut short unnoticed). */
#define FETCH_REFETCHES 2

static void fetch_result(struct rjob *j);

/* The result file is gone or bad: ask fal again for its link, a bounded
 * number of times; 0 when the bound is reached. */
static int fetch_again(struct rjob *j)
{
    if (j->refetches >= FETCH_REFETCHES)
        return 0;
    j->refetches++;
    free(j->st.output_url);
    j->st.output_url = NULL;
    rjob_save(j);
    rjob_ready(j);
    return 1;
}

/*
 * fal does not document how long Kling's output is when the audio and the
 * video differ (field-notes.md), and it has been seen to follow either: a
 * result must last as long as the video or the audio we sent, within two
 * of its frames.  Text-to-video lasts as long as the speech, which nobody
 * can predict: only its being a video is checked.  Returns 0 when the
 * length is right or cannot be judged.
 */
static int fetch_check_length(struct rjob *j, const struct facts *f,
                              char *why, size_t len)
{
    const struct runner *run = j->run;
    struct plan local;
    const struct plan *p = &j->plan;
    double got, tol;

    if (!run->lim->needs_audio || !j->vin->ok || (j->ain && !j->ain->ok))
        return 0;
    if (!j->planned) {
        /* Resumed in flight: the plan is pure, so it is made again. */
        plan_make(run->lim, &j->mj->policy, &run->m->pricing, &j->vin->facts,
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

/* The verified result into the results folder as it is: a rename within
 * the output folder, so <id>.mp4 appears whole or not at all. */
static void fetch_rename(struct rjob *j)
{
    char *final = rjob_output_path(j);

    if (rename(j->st.output, final) < 0) {
        rjob_park(j, "cannot deliver '%s': %s", final, strerror(errno));
        free(final);
        return;
    }
    free(j->st.output);
    j->st.output = final;
    rjob_move(j, JOB_DONE, NULL);
}

static void fetch_delivered(void *arg, const struct wire_reply *r)
{
    struct rjob *j = arg;

    rjob_end(j);
    if (!r->ok) {
        if (r->err.code != DUB_EWORKER || !rjob_again(j))
            rjob_park(j, "cannot deliver: %s", r->err.msg);
        return;
    }
    if (r->has_delivery && r->delivery.audio_cut > 0.001)
        log_warn(j->mj->id, "the dub runs %.2f s past the picture: its last "
                            "%.2f s are cut", r->delivery.audio_cut,
                 r->delivery.audio_cut);
    unlink(j->st.output);
    free(j->st.output);
    j->st.output = rjob_output_path(j);
    j->st.output_size = r->facts.size;
    rjob_move(j, JOB_DONE, NULL);
}

/*
 * The verified result delivered (design.md 6a): its picture with the
 * studio's own dub at its own quality, not the 5 MB upload nor the model's
 * re-encode, muxed without re-encoding where the container allows, and
 * tagged with the job's fingerprint and request id (recover.c reads them).
 * A window waits in the work folder for its scene; text-to-video has only
 * the model's sound, and a dub at a URL is not fetched back: those keep
 * the model's, remuxed only into a .mov when asked for one.
 */
static void fetch_deliver(struct rjob *j)
{
    const struct manifest_job *mj = j->mj;
    struct media_delivery d = {0};
    int dub = mj->audio && !util_starts_with(mj->audio, "https://");
    int model = !dub || mj->policy.deliver_audio == PLAN_DELIVER_MODEL;
    int mov = mj->policy.deliver_container == PLAN_CONTAINER_MOV;
    char *final;

    if (mj->window_of || (model && !mov)) {
        fetch_rename(j);
        return;
    }
    final = rjob_output_path(j);
    d.picture = j->st.output;
    d.dub = model ? NULL : mj->audio;
    d.model_audio = model;
    d.mov = mov;
    d.fingerprint = j->st.fingerprint;
    d.request = j->st.request_id;
    d.out = final;
    rjob_begin(j);
    media_deliver(j->run->pool, &d, fetch_delivered, j);
    free(final);
}

static void fetch_checked(void *arg, const struct wire_reply *r)
{
    struct rjob *j = arg;
    char why[1400], *keep;

    rjob_end(j);
    if (!r->ok && r->err.code == DUB_EWORKER) {
        /* The check itself could not run (a worker crashed or timed out):
         * the job tries again later, from the download. */
        unlink(j->part);
        if (!rjob_again(j))
            rjob_park(j, "%s", r->err.msg);
        return;
    }
    if (!r->ok || !r->has_facts || !r->facts.has_video) {
        snprintf(why, sizeof(why), "the downloaded result is not a usable "
                                   "video: %s",
                 r->ok ? "no video stream" : r->err.msg);
        unlink(j->part);
        /* Often a body cut short where nothing said how long it was. */
        if (!fetch_again(j))
            rjob_fal_failed(j, "bad_output", why);
        return;
    }
    if (fetch_check_length(j, &r->facts, why, sizeof(why) - 300) < 0) {
        /* fal was paid for it: kept for a person to look at, out of the
         * results. */
        keep = xasprintf("%s/%s.unverified.mp4", j->run->workdir, j->mj->id);
        if (rename(j->part, keep) == 0)
            snprintf(why + strlen(why), sizeof(why) - strlen(why),
                     "; kept as %s", keep);
        else
            unlink(j->part);
        free(keep);
        rjob_fal_failed(j, "bad_output", why);
        return;
    }
    keep = xasprintf("%s/%s.result.mp4", j->run->workdir, j->mj->id);
    if (rename(j->part, keep) < 0) {
        snprintf(why, sizeof(why), "cannot keep the result as '%s': %s", keep,
                 strerror(errno));
        unlink(j->part);
        free(keep);
        if (!rjob_again(j))
            rjob_park(j, "%s", why);
        return;
    }
    free(j->st.output);
    j->st.output = keep;
    j->st.output_size = r->facts.size;
    rjob_settled(j);
    rjob_move(j, JOB_DOWNLOADED, NULL);
}

static void fetch_downloaded(void *arg, const struct remote_result *r)
{
    struct rjob *j = arg;
    int bad = fclose(j->fout) != 0;

    j->fout = NULL;
    rjob_faults(j, r);
    rjob_end(j);
    if (r->verdict == FAL_OK && bad) {
        unlink(j->part);
        if (!rjob_again(j))
            rjob_park(j, "cannot write '%s': %s", j->part, strerror(errno));
        return;
    }
    if (r->verdict == FAL_OK) {
        /* A result on disk is never half-written: probe, then rename. */
        rjob_begin(j);
        media_probe(j->run->pool, j->part, fetch_checked, j);
        return;
    }
    unlink(j->part);
    switch (r->verdict) {
    case FAL_LOCAL:
        if (!rjob_again(j))
            rjob_park(j, "cannot write '%s': %s", j->part,
                      strerror(r->resp->write_errno));
        break;
    case FAL_RETRY:
        rjob_park(j, "%s", r->err->msg);
        break;
    case FAL_REINIT:
        /* An expired or vanished link, or a CDN too slow to finish within
         * --download-timeout (or stalled for a minute): fal gives a fresh
         * link, often from another edge.  A slow one keeps its request for
         * a later run; a link that is gone each time is fal's loss. */
        if (fetch_again(j))
            log_warn(j->mj->id, "%s; asking fal for a fresh link",
                     r->err->msg);
        else if (r->resp->timed_out)
            rjob_park(j, "%s", r->err->msg);
        else
            rjob_fal_failed(j, "output_gone", r->err->msg);
        break;
    default:
        rjob_fail(j, JOB_FAILED, r->err->msg);
        break;
    }
}

/* COMPLETED (output URL known) -> the work folder -> check. */
static void fetch_download(struct rjob *j)
{
    struct http_req req = {0};
    struct dub_err e = {0};
    int fd;

    free(j->part);
    j->part = xasprintf("%s/%s.part.XXXXXX", j->run->workdir, j->mj->id);
    fd = mkstemp(j->part);
    if (fd < 0 || !(j->fout = fdopen(fd, "wb"))) {
        if (fd >= 0)
            close(fd);
        if (!rjob_again(j))
            rjob_park(j, "cannot create '%s': %s", j->part, strerror(errno));
        return;
    }
    req.method = "GET";
    req.url = j->st.output_url;
    req.download = j->fout;
    req.expect_size = j->st.output_bytes;
    req.timeout_ms = j->run->o.download_timeout_ms;
    req.who = j->mj->id;
    rjob_begin(j);
    if (remote_call(j->run->r, FAL_OP_DOWNLOAD, &req, fetch_downloaded, j,
                    &e) < 0) {
        rjob_end(j);
        fclose(j->fout);
        j->fout = NULL;
        unlink(j->part);
        rjob_fal_failed(j, "output_refused", e.msg);
    }
}

static void fetch_read(void *arg, const struct remote_result *r)
{
    struct rjob *j = arg;
    struct dub_err pe = {0};
    int64_t size;

    rjob_faults(j, r);
    rjob_end(j);
    if (r->verdict == FAL_RETRY) {
        rjob_park(j, "%s", r->err->msg);
        return;
    }
    if (r->verdict != FAL_OK) {
        if (r->err->http_status == 401 || r->err->http_status == 403) {
            rjob_stop(j->run, EXIT_USAGE, r->err);
            rjob_park(j, "%s", r->err->msg);
            return;
        }
        rjob_fal_failed(j, NULL, r->err->msg);
        return;
    }
    free(j->st.output_url);
    j->st.output_url = NULL;
    if (fal_parse_result(r->resp->body.data, j->run->lim->result,
                         &j->st.output_url, &size, &pe) < 0) {
        /* A 2xx the edge mangled: asked again, within the step's budget. */
        if (!rjob_again(j))
            rjob_park(j, "fal result: %s", pe.msg);
        return;
    }
    rjob_settled(j);
    j->st.output_bytes = size > 0 ? size : 0;
    rjob_save(j);
    /* fal keeps the result JSON only minutes: the URL is committed before
     * the download starts. */
    rjob_commit(j->run);
    fetch_download(j);
}

static void fetch_result(struct rjob *j)
{
    struct http_req req = {0};
    struct dub_err e = {0};

    req.method = "GET";
    req.url = j->st.response_url;
    req.auth = 1;
    req.who = j->mj->id;
    rjob_begin(j);
    if (remote_call(j->run->r, FAL_OP_RESULT, &req, fetch_read, j, &e) < 0) {
        rjob_end(j);
        rjob_fail(j, JOB_FAILED, e.msg);
    }
}

void fetch_step(struct rjob *j)
{
    if (j->st.state == JOB_DOWNLOADED) {
        if (j->st.output && access(j->st.output, F_OK) == 0)
            fetch_deliver(j);
        else
            rjob_move(j, JOB_COMPLETED, "the checked result is gone: "
                                        "fetched again");
        return;
    }
    if (j->st.output_url)
        fetch_download(j);
    else
        fetch_result(j);
}

/* A job that shares another's request finishes with it. */
void fetch_follow(struct rjob *j)
{
    const struct rjob *l = j->leader;
    char why[1200], *dst;

    if (l->st.state == JOB_DONE) {
        dst = rjob_output_path(j);
        unlink(dst);
        if (link(l->st.output, dst) < 0) {
            rjob_park(j, "cannot link '%s' to '%s': %s", dst, l->st.output,
                      strerror(errno));
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
        rjob_move(j, JOB_DONE, "shared the result of an identical job");
    } else if (job_is_final(l->st.state)) {
        snprintf(why, sizeof(why), "the identical job '%s' did not finish: %s",
                 l->mj->id, l->st.error ? l->st.error
                                        : job_state_name(l->st.state));
        rjob_fail(j, l->st.state == JOB_REJECTED ? JOB_REJECTED : JOB_FAILED,
                  why);
    }
}

/*
 * local: a job's steps before fal: the probe's verdict, the plan, the
 * conform chains, and the uploads (NEW -> PROBED -> CONFORMED ->
 * UPLOADED).  Nothing here spends money.
 */
#define _POSIX_C_SOURCE 200809L
#include "rjob.h"

#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "log.h"
#include "manifest.h"
#include "prep.h"
#include "remote.h"

/* An upload is reused while fal's CDN surely keeps it (at least 7 days by
 * fal's FAQ; a day leaves a wide margin). */
#define LOCAL_UPLOAD_FRESH_MS ((int64_t)24 * 3600 * 1000)

static const char *local_ctype(const char *ext, int video)
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

/* The probed id of input k when j sends that very file (not a conformed
 * copy of it), else NULL. */
static const struct fileid *local_unchanged(const struct rjob *j, int k)
{
    const struct inputs_file *src = k ? j->ain : j->vin;

    return src && src->has_id && j->file[k] == src->path ? &src->id : NULL;
}

static void local_prep_done(struct prep *p, void *arg)
{
    struct rjob *j = arg;
    int k = p == j->prep[0] ? 0 : 1;

    j->preps--;
    rjob_end(j);
    if (!p->ok) {
        if (!job_is_final(j->st.state))
            rjob_fail(j, p->err.code == DUB_EREJECT ? JOB_REJECTED
                                                    : JOB_FAILED,
                      p->err.msg);
    } else {
        j->file[k] = p->out;
        memcpy(j->key[k], p->key, sizeof(j->key[k]));
    }
    if (j->preps == 0 && j->st.state == JOB_PROBED)
        rjob_move(j, JOB_CONFORMED, "conformed");
}

/* NEW -> PROBED (facts were read up front) -> plan -> CONFORMED. */
static void local_plan(struct rjob *j)
{
    struct runner *run = j->run;
    const struct inputs_file *bad = !j->vin->ok ? j->vin
                                   : j->ain && !j->ain->ok ? j->ain : NULL;
    const struct inputs_file *src[2] = {j->vin, j->ain};
    int start[2] = {0, 0};
    char why[1200];
    int k;

    if (bad) {
        snprintf(why, sizeof(why), "%s: %s", bad == j->vin ? "video" : "audio",
                 bad->err.msg);
        rjob_fail(j, JOB_REJECTED, why);
        return;
    }
    /* An input that is no longer the file probed and hashed: its plan and
     * its name at fal speak of the file as it was. */
    for (k = 0; k < 2; k++) {
        struct dub_err e = {0};

        if (src[k] && src[k]->has_id &&
            fileid_check(src[k]->path, &src[k]->id, &e) < 0) {
            rjob_fail(j, JOB_FAILED, e.msg);
            return;
        }
    }
    plan_make(run->lim, &j->mj->policy, &run->m->pricing, &j->vin->facts,
              j->ain ? &j->ain->facts : NULL, &j->plan);
    j->planned = 1;
    j->st.cost = j->plan.cost;
    if (j->plan.verdict == PLAN_REJECT) {
        rjob_fail(j, JOB_REJECTED, j->plan.reason);
        return;
    }
    for (k = 0; k < j->plan.nwarnings; k++)
        log_warn(j->mj->id, "%s", j->plan.warnings[k]);
    for (k = 0; k < 2; k++) {
        enum plan_step step = k ? j->plan.audio.step : j->plan.video.step;

        if (!src[k])
            continue;
        j->file[k] = src[k]->path;
        snprintf(j->key[k], sizeof(j->key[k]), "%s",
                 src[k]->sha256[0] ? src[k]->sha256 : src[k]->path);
        if ((k == 1 && !j->plan.has_audio) || step == PLAN_KEEP)
            continue;
        if (!j->prep[k])
            j->prep[k] = xcalloc(1, sizeof(*j->prep[k]));
        prep_setup(j->prep[k], src[k], k ? PREP_AUDIO : PREP_VIDEO, &j->plan,
                   run->lim, &j->mj->policy, run->workdir, local_prep_done, j);
        start[k] = 1;
        j->preps++;
    }
    /* Moved before the chains start: their callbacks expect PROBED. */
    rjob_move(j, JOB_PROBED, NULL);
    if (!j->preps) {
        rjob_move(j, JOB_CONFORMED, "fits as is");
        return;
    }
    for (k = 0; k < 2; k++) {
        if (!start[k])
            continue;
        rjob_begin(j);
        prep_start(run->pool, j->prep[k]);
    }
}

/* The uploader of key right now, other than j, or NULL. */
static struct rjob *local_uploader(const struct rjob *j, const char *key)
{
    struct rjob *u;
    int k;

    for (u = j->run->uploaders; u; u = u->next_up)
        for (k = 0; k < 2; k++)
            if (u != j && u->file[k] && strcmp(u->key[k], key) == 0)
                return u;
    return NULL;
}

static void local_unlist(struct rjob *j)
{
    struct rjob **pp;

    for (pp = &j->run->uploaders; *pp; pp = &(*pp)->next_up) {
        if (*pp == j) {
            *pp = j->next_up;
            break;
        }
    }
    j->next_up = NULL;
}

struct local_up {
    struct rjob *j;
    int k;
};

static void local_uploaded(void *arg, const char *url,
                           const struct remote_result *r)
{
    struct local_up *u = arg;
    struct rjob *j = u->j, *w;
    int k = u->k;
    struct dub_err se = {0};

    free(u);
    rjob_faults(j, r);
    j->uploads--;
    rjob_end(j);
    if (url) {
        if (k == 0)
            j->st.video_url = xstrdup(url);
        else
            j->st.audio_url = xstrdup(url);
        if (state_upload_save(j->run->st, j->key[k], url, 0, &se) < 0)
            rjob_stop(j->run, EXIT_USAGE, &se);
    } else if (!job_is_final(j->st.state) && !j->parked) {
        /* Nothing was sent to the model: a storage outage waits for the
         * next run; a refusal fails the job, retried from the start next
         * run. */
        if (r->verdict == FAL_RETRY)
            rjob_park(j, "%s", r->err->msg);
        else
            rjob_fail(j, JOB_FAILED, r->err->msg);
    }
    if (j->uploads)
        return;
    local_unlist(j);
    while ((w = j->waiters)) {
        j->waiters = w->next;
        w->where = RJOB_NOWHERE;
        rjob_ready(w);
    }
    if (j->st.state == JOB_CONFORMED && !j->parked && j->st.video_url &&
        (!j->ain || j->st.audio_url))
        rjob_move(j, JOB_UPLOADED, NULL);
}

/* CONFORMED -> UPLOADED: content-addressed, so a file uploaded once is
 * not uploaded again while fal keeps it, nor twice at the same time (a
 * clip dubbed into many languages is uploaded once).  The name fal keeps
 * is the content key too, which is how a run that lost its database
 * knows its own requests in fal's listing (recover.c). */
static void local_upload(struct rjob *j)
{
    struct runner *run = j->run;
    char *url, ext[8], *name;
    struct local_up *u;
    struct rjob *other;
    int k;

    for (k = 0; k < 2; k++) {
        if (!j->file[k] || !(other = local_uploader(j, j->key[k])))
            continue;
        /* Woken when that upload ends; the cache has it then. */
        j->where = RJOB_WAITER;
        j->next = other->waiters;
        other->waiters = j;
        return;
    }
    free(j->st.video_url);
    free(j->st.audio_url);
    j->st.video_url = j->st.audio_url = NULL;
    for (k = 0; k < 2; k++) {
        struct dub_err e = {0};
        char **slot = k ? &j->st.audio_url : &j->st.video_url;

        if (!j->file[k])
            continue;
        /* An https input that fits is handed to fal as it is. */
        if (util_starts_with(j->file[k], "https://")) {
            *slot = xstrdup(j->file[k]);
            continue;
        }
        if (state_upload_find(run->st, j->key[k], LOCAL_UPLOAD_FRESH_MS, &url,
                              &e) == 1) {
            *slot = url;
            continue;
        }
        util_ext(j->file[k], ext, sizeof(ext));
        name = xasprintf("%.24s.%s", j->key[k], ext);
        u = xcalloc(1, sizeof(*u));
        u->j = j;
        u->k = k;
        if (!j->uploads) {
            j->next_up = run->uploaders;
            run->uploaders = j;
        }
        j->uploads++;
        rjob_begin(j);
        remote_upload(run->r, j->file[k], local_unchanged(j, k),
                      local_ctype(ext, k == 0), name, local_uploaded, u);
        free(name);
        /* A file that cannot even be read fails the job at once. */
        if (j->parked)
            return;
    }
    if (!j->uploads)
        rjob_move(j, JOB_UPLOADED, "already uploaded");
}

void local_step(struct rjob *j)
{
    switch (j->st.state) {
    case JOB_NEW:
        local_plan(j);
        break;
    case JOB_CONFORMED:
        local_upload(j);
        break;
    default:
        break;
    }
}

/*
 * runload: where a run's jobs start from.  Each job's record is loaded
 * from state.db (or made), its fingerprint taken, the resume policy
 * (resume.c) applied to what an earlier run left, jobs asking for
 * identical work given one leader, and every job put where its next step
 * will find it.  Part of the runner (rjob.h).
 */
#define _POSIX_C_SOURCE 200809L
#include "rjob.h"

#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "log.h"
#include "manifest.h"
#include "resume.h"
#include "work.h"

/* ==== Load: each job's record, and where it resumes ==================== */

struct runner_fp {
    const char *fp;
    size_t i;
};

static int runner_fp_cmp(const void *a, const void *b)
{
    const struct runner_fp *x = a, *y = b;
    int c = strcmp(x->fp, y->fp);

    return c ? c : (x->i > y->i) - (x->i < y->i);
}

/* Jobs asking for identical work (one fingerprint) are sent once: the
 * first in manifest order serves the others.  Sorted, not compared pair
 * by pair, so a large batch starts in linear-logarithmic time. */
static void runner_leaders(struct runner *run)
{
    struct runner_fp *fps = xcalloc(run->n + 1, sizeof(*fps));
    size_t i, k = 0;

    for (i = 0; i < run->n; i++) {
        fps[i].fp = run->jobs[i].fingerprint;
        fps[i].i = i;
    }
    qsort(fps, run->n, sizeof(*fps), runner_fp_cmp);
    /* k: where the run of one fingerprint began. */
    for (i = 1; i < run->n; i++) {
        struct rjob *first, *j = &run->jobs[fps[i].i];

        if (strcmp(fps[i].fp, fps[i - 1].fp) != 0) {
            k = i;
            continue;
        }
        first = &run->jobs[fps[k].i];
        j->leader = first;
        j->next_follower = first->followers;
        first->followers = j;
    }
    free(fps);
}

/* A content hash, or the path standing in for a file that has none: two
 * unreadable inputs are never "the same work". */
static const char *runner_content(const struct inputs_file *f)
{
    return f->sha256[0] ? f->sha256 : f->path;
}

/* Applies the resume policy to j's saved record old. */
static void runner_resume(struct rjob *j, struct state_job *old, int *fresh)
{
    struct runner *run = j->run;
    struct dub_err e = {0};
    const char *why;
    enum resume_action a =
        resume_decide(old, strcmp(old->fingerprint ? old->fingerprint : "",
                                  j->fingerprint) == 0,
                      run->o.resubmit_failed, &why);
    int rc = 0;

    j->st = *old;
    memset(old, 0, sizeof(*old));
    free(j->st.waiting);
    j->st.waiting = NULL;
    free(j->st.resumed);
    j->st.resumed = why ? xstrdup(why) : NULL;
    switch (a) {
    case RESUME_KEEP:
        if (j->st.state == JOB_DONE)
            log_info(j->mj->id, "done in an earlier run");
        break;
    case RESUME_CONTINUE:
        log_info(j->mj->id, "%s %s (%s)", why,
                 j->st.request_id ? j->st.request_id : "(unconfirmed submit)",
                 job_state_name(j->st.state));
        rc = state_job_save(run->st, &j->st, &e);
        break;
    case RESUME_REVIVE:
        rc = state_job_revive(run->st, &j->st, why, &e);
        break;
    case RESUME_HOLD:
        log_warn(j->mj->id, "%s", why);
        break;
    case RESUME_REDO:
        if (job_is_remote(j->st.state))
            log_warn(j->mj->id, "inputs or settings changed while request "
                                "%s was at fal; its result will not be used",
                     j->st.request_id ? j->st.request_id : "(unknown)");
        else
            log_info(j->mj->id, "inputs or settings changed: redoing");
        free(j->st.fingerprint);
        j->st.fingerprint = xstrdup(j->fingerprint);
        rc = state_job_restart(run->st, &j->st, 0, why, &e);
        break;
    case RESUME_LOCAL:
        rc = state_job_restart(run->st, &j->st, 0, why, &e);
        break;
    case RESUME_RETRY:
    case RESUME_RESUBMIT:
        if (a == RESUME_RESUBMIT)
            log_warn(j->mj->id, "%s", why);
        rc = state_job_restart(run->st, &j->st, 1, why, &e);
        break;
    }
    if (rc < 0)
        rjob_stop(run, EXIT_USAGE, &e);
    *fresh = 0;
}

/* Loads or creates each job's record and decides where it resumes. */
void runner_load(struct runner *run)
{
    size_t i;

    for (i = 0; i < run->n; i++) {
        struct rjob *j = &run->jobs[i];

        j->run = run;
        j->mj = &run->m->jobs[i];
        j->heap = -1;
        j->vin = inputs_find(run->in, j->mj->video);
        j->ain = j->mj->audio ? inputs_find(run->in, j->mj->audio) : NULL;
        j->poll_ms = run->o.poll_ms;
        work_fingerprint(run->lim, j->mj, runner_content(j->vin),
                         j->ain ? runner_content(j->ain) : NULL,
                         j->fingerprint);
    }
    runner_leaders(run);
    for (i = 0; i < run->n && !run->stop_code; i++) {
        struct rjob *j = &run->jobs[i];
        struct state_job old = {0};
        struct dub_err e = {0};
        int found = state_job_load(run->st, j->mj->id, &old, &e), fresh = 1;

        if (found < 0) {
            rjob_stop(run, EXIT_USAGE, &e);
            break;
        }
        /* What the batch already sent to fal counts against its budget:
         * a request once made was paid for, whatever happened since. */
        if (found && (old.request_id || old.acked) && !old.shared_with)
            run->spent_before += old.cost;
        if (found)
            runner_resume(j, &old, &fresh);
        state_job_release(&old);
        if (fresh) {
            j->st.id = xstrdup(j->mj->id);
            j->st.fingerprint = xstrdup(j->fingerprint);
            j->st.endpoint = xstrdup(run->lim->model);
            j->st.created_at = util_now_ms();
            if (state_job_create(run->st, &j->st, "new", &e) < 0)
                rjob_stop(run, EXIT_USAGE, &e);
        }
        run->count[j->st.state]++;
    }
}

/* Every job goes where its next step will find it. */
void runner_queue(struct runner *run)
{
    size_t i;

    run->open = (int)run->n;
    for (i = 0; i < run->n; i++) {
        struct rjob *j = &run->jobs[i];

        if (job_is_final(j->st.state)) {
            j->parked = 1;
            run->open--;
            continue;
        }
        if (job_is_remote(j->st.state) && !j->leader)
            run->remote++;
        if (j->leader) {
            if (job_is_final(j->leader->st.state))
                rjob_ready(j);
        } else if (j->st.state != JOB_NEW) {
            rjob_ready(j);
        }
    }
}

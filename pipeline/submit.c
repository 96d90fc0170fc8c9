/*
 * submit: the one step that spends money and is not idempotent
 * (UPLOADED -> SUBMITTING -> QUEUED), and reconciling a submit whose
 * outcome is unknown through fal's request listing (design.md section 4).
 *
 * The SUBMITTING record, with the exact payload, is committed before the
 * POST starts, and the request id the moment it arrives.  A submit is
 * resent only when it provably never reached fal; a 2xx, however broken
 * its body, means fal has the work, and it is found, never sent again.
 */
#define _POSIX_C_SOURCE 200809L
#include "rjob.h"

#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "log.h"
#include "manifest.h"
#include "recover.h"
#include "remote.h"

static void submit_adopt(struct rjob *j, const char *id, const char *why)
{
    struct fal_handle h;

    fal_handle_build(&h, remote_config(j->run->r)->queue, j->st.endpoint, id);
    j->st.request_id = h.request_id;
    j->st.status_url = h.status_url;
    j->st.response_url = h.response_url;
    j->st.cancel_url = h.cancel_url;
    j->st.queued_at = util_now_ms();
    rjob_settled(j);
    rjob_move(j, JOB_QUEUED, why);
    /* The request id is the one thing a crash must not lose. */
    rjob_commit(j->run);
}

static void submit_reconcile(struct rjob *j);

static void submit_found(void *arg, int found, const char *id,
                         const struct remote_result *r)
{
    struct rjob *j = arg;
    char why[256];

    rjob_faults(j, r);
    rjob_end(j);
    if (found > 0) {
        snprintf(why, sizeof(why), "found request %s in fal's listing", id);
        submit_adopt(j, id, why);
        return;
    }
    if (found == 0 && !j->st.acked) {
        /* A complete listing without our input: fal never took it. */
        rjob_settled(j);
        j->run->committed_cost -= j->plan.cost;
        rjob_move(j, JOB_UPLOADED, "fal has no such request: submit again");
        return;
    }
    if (rjob_again(j))
        return;
    if (found == 0)
        rjob_park(j, "fal accepted the submit, but its listing does not show "
                     "the request yet; not sent again");
    else
        rjob_park(j, "submit outcome unknown, and fal's listing cannot be "
                     "read (%s); not sent again", r->err->msg);
}

static void submit_reconcile(struct rjob *j)
{
    rjob_begin(j);
    log_info(j->mj->id, "reconciling an unconfirmed submit through fal's "
                        "request listing");
    remote_find(j->run->r, j->st.endpoint, j->st.payload, j->st.submitted_at,
                submit_found, j);
}

static void submit_done(void *arg, const struct remote_result *r)
{
    struct rjob *j = arg;
    struct runner *run = j->run;
    struct fal_handle h;
    struct dub_err pe = {0};
    enum fal_verdict v = r->verdict;

    rjob_faults(j, r);
    rjob_end(j);
    if (v == FAL_OK && fal_parse_submit(r->resp->body.data, &h, &pe) == 0) {
        j->st.acked = 1;
        j->st.request_id = h.request_id;
        j->st.status_url = h.status_url;
        j->st.response_url = h.response_url;
        j->st.cancel_url = h.cancel_url;
        j->st.queued_at = util_now_ms();
        rjob_move(j, JOB_QUEUED, h.request_id);
        rjob_commit(run);
        return;
    }
    if (v == FAL_OK || v == FAL_ACCEPTED) {
        /* fal has the work: it is found in the listing, never sent again.
         * (A reply header's id may be the gateway's, not the queue's.) */
        j->st.acked = 1;
        rjob_save(j);
        log_warn(j->mj->id, "%s%s", v == FAL_OK ? "fal submit: " : "",
                 v == FAL_OK ? pe.msg : r->err->msg);
        submit_reconcile(j);
        return;
    }
    if (v == FAL_UNKNOWN) {
        log_warn(j->mj->id, "%s", r->err->msg);
        submit_reconcile(j);
        return;
    }
    run->committed_cost -= j->plan.cost;
    if (v == FAL_RETRY) {
        /* Every try provably failed to reach fal. */
        rjob_move(j, JOB_UPLOADED, "fal unreachable: nothing was sent");
        rjob_park(j, "%s", r->err->msg);
        return;
    }
    if (r->err->http_status == 401 || r->err->http_status == 403) {
        /* The key or the account, not this job: nothing can be sent. */
        rjob_move(j, JOB_UPLOADED, "fal refused the key: nothing was sent");
        rjob_stop(run, EXIT_USAGE, r->err);
        return;
    }
    rjob_fal_failed(j, NULL, r->err->msg);
}

/* UPLOADED -> SUBMITTING (committed) -> POST -> QUEUED. */
static void submit_send(struct rjob *j)
{
    struct runner *run = j->run;
    struct http_req req = {0};
    struct dub_err e = {0};
    char *url, why[160];

    if (run->o.max_cost > 0 &&
        run->spent_before + run->committed_cost + j->plan.cost >
            run->o.max_cost + 1e-9) {
        snprintf(why, sizeof(why),
                 "skipped by budget: $%.3f more would take the batch past "
                 "--max-cost $%.2f ($%.2f sent so far)",
                 j->plan.cost, run->o.max_cost,
                 run->spent_before + run->committed_cost);
        rjob_fail(j, JOB_SKIPPED, why);
        return;
    }
    free(j->st.payload);
    j->st.payload = rjob_payload(j);
    j->st.submitted_at = util_now_ms();
    rjob_move(j, JOB_SUBMITTING, NULL);
    /* Durable before the POST: after a crash this record sends the job to
     * reconciliation, never to a blind second submit. */
    rjob_commit(run);
    if (run->stopping)
        return;
    run->committed_cost += j->plan.cost;
    url = fal_submit_url(remote_config(run->r)->queue, j->st.endpoint);
    req.method = "POST";
    req.url = url;
    req.auth = 1;
    req.who = j->mj->id;
    req.once = 1;
    req.content_type = "application/json";
    req.body = j->st.payload;
    req.body_len = strlen(j->st.payload);
    j->deadline = util_mono_ms() + run->o.job_timeout_ms;
    rjob_begin(j);
    if (remote_call(run->r, FAL_OP_SUBMIT, &req, submit_done, j, &e) < 0) {
        rjob_end(j);
        run->committed_cost -= j->plan.cost;
        rjob_fail(j, JOB_FAILED, e.msg);
    }
    free(url);
}

void submit_step(struct rjob *j)
{
    struct runner *run = j->run;

    if (j->st.state == JOB_SUBMITTING) {
        if (j->st.request_id)
            rjob_move(j, JOB_QUEUED, "request id known");
        else
            submit_reconcile(j);
        return;
    }
    if (run->remote >= run->o.concurrency) {
        rjob_wait_slot(j);
        return;
    }
    /* A folder that lost its database: fal may have this work already. */
    if (run->rec && recover_check(run->rec, j) != 0)
        return;
    submit_send(j);
}

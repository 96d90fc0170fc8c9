/*
 * remote: retrying fal calls, and the tally a chain of them keeps; the
 * upload chain is remoteup.c, the listing chain remotelist.c.
 */
#define _POSIX_C_SOURCE 200809L
#include "remoteint.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fileid.h"
#include "log.h"

struct remote_call {
    struct remote *r;
    struct remote_call *next;   /* waiting list */
    enum fal_op op;
    struct http_req req;        /* strings below are owned copies */
    char *url, *body, *ctype, *upload_path, *who;
    struct fileid upload_id;    /* req.upload_id points here when set */
    int attempt;
    int64_t started;            /* monotonic ms of the first try */
    int64_t sent;               /* ... and of the latest */
    int64_t give_up;            /* no try starts after this */
    int64_t due;
    remote_fn *done;
    void *arg;
};

struct remote *remote_new(const struct falcfg *cfg, struct dub_err *e)
{
    struct remote *r = xcalloc(1, sizeof(*r));
    struct http_config hc = {0};

    r->cfg.key = cfg->key ? xstrdup(cfg->key) : NULL;
    r->cfg.queue = xstrdup(cfg->queue);
    r->cfg.rest = xstrdup(cfg->rest);
    r->cfg.api = xstrdup(cfg->api);
    hc.key = r->cfg.key;
    hc.auth_bases[0] = r->cfg.queue;
    hc.auth_bases[1] = r->cfg.rest;
    hc.auth_bases[2] = r->cfg.api;
    r->http = http_new(&hc, e);
    if (!r->http) {
        remote_free(r);
        return NULL;
    }
    r->retry_for_ms = FAL_RETRY_FOR_MS;
    r->base_ms = FAL_BACKOFF_BASE_MS;
    r->cap_ms = FAL_BACKOFF_CAP_MS;
    r->seed = (unsigned)getpid() ^ (unsigned)util_now_ms();
    return r;
}

const struct falcfg *remote_config(const struct remote *r)
{
    return &r->cfg;
}

void remote_set_retry(struct remote *r, int64_t retry_for_ms, int64_t base_ms,
                      int64_t cap_ms)
{
    if (retry_for_ms > 0)
        r->retry_for_ms = retry_for_ms;
    if (base_ms > 0)
        r->base_ms = base_ms;
    if (cap_ms > 0)
        r->cap_ms = cap_ms;
}

static void remote_call_free(struct remote_call *c)
{
    free(c->url);
    free(c->body);
    free(c->ctype);
    free(c->upload_path);
    free(c->who);
    free(c);
}

static void remote_http_done(void *arg, struct http_resp *resp);

static void remote_end(struct remote_call *c, enum fal_verdict v,
                       struct http_resp *resp, const struct dub_err *e)
{
    struct remote_result res;

    res.verdict = v;
    res.resp = resp;
    res.err = v == FAL_OK ? NULL : e;
    res.faults = c->attempt;
    res.fault_ms = c->sent - c->started;
    c->done(c->arg, &res);
    remote_call_free(c);
}

static void remote_send(struct remote_call *c)
{
    struct dub_err e = {0};

    c->r->inflight++;
    c->sent = util_mono_ms();
    if (http_start(c->r->http, &c->req, remote_http_done, c, &e) < 0) {
        c->r->inflight--;
        remote_end(c, FAL_FATAL, NULL, &e);
    }
}

static void remote_http_done(void *arg, struct http_resp *resp)
{
    struct remote_call *c = arg;
    struct remote *r = c->r;
    struct dub_err e = {0};
    enum fal_verdict v = fal_classify(c->op, resp, &e);
    int64_t now = util_mono_ms(), wait, asked;
    double u;

    r->inflight--;
    log_ev(LOG_DEBUG, c->who, NULL, "http", "%s %s (try %d): %s in %lld ms",
           c->req.method, fal_op_name(c->op), c->attempt + 1,
           v == FAL_OK ? "ok" : e.msg, (long long)(now - c->sent));
    if (v != FAL_RETRY) {
        remote_end(c, v, resp, &e);
        return;
    }
    u = (double)rand_r(&r->seed) / ((double)RAND_MAX + 1.0);
    wait = fal_backoff_ms(c->attempt, r->base_ms, r->cap_ms, u);
    asked = fal_retry_after_ms(resp, FAL_RETRY_AFTER_CAP_MS);
    /* A server that names its wait gets at least that. */
    if (asked > wait)
        wait = asked;
    c->attempt++;
    if (now + wait > c->give_up) {
        dub_err_prefix(&e, "gave up after %d tries in %.0f s",
                       c->attempt, (now - c->started) / 1000.0);
        c->sent = now;
        remote_end(c, FAL_RETRY, resp, &e);
        return;
    }
    c->due = now + wait;
    /* A retried download starts the file again from nothing. */
    if (c->req.download) {
        fflush(c->req.download);
        if (ftruncate(fileno(c->req.download), 0) == 0)
            rewind(c->req.download);
    }
    c->next = r->waiting;
    r->waiting = c;
}

int remote_call(struct remote *r, enum fal_op op, const struct http_req *req,
                remote_fn *done, void *arg, struct dub_err *e)
{
    struct remote_call *c;

    if (http_url_allowed(req->url, e) < 0)
        return -1;
    c = xcalloc(1, sizeof(*c));
    c->r = r;
    c->op = op;
    c->req = *req;
    c->url = xstrdup(req->url);
    c->req.url = c->url;
    if (req->body) {
        c->body = xstrndup(req->body, req->body_len);
        c->req.body = c->body;
    }
    if (req->content_type) {
        c->ctype = xstrdup(req->content_type);
        c->req.content_type = c->ctype;
    }
    if (req->upload_path) {
        c->upload_path = xstrdup(req->upload_path);
        c->req.upload_path = c->upload_path;
    }
    if (req->upload_id) {
        c->upload_id = *req->upload_id;
        c->req.upload_id = &c->upload_id;
    }
    if (req->who) {
        c->who = xstrdup(req->who);
        c->req.who = c->who;
    }
    c->req.extra_header = NULL;
    c->started = util_mono_ms();
    c->give_up = c->started + r->retry_for_ms;
    c->done = done;
    c->arg = arg;
    remote_send(c);
    return 0;
}

int remote_poll(struct remote *r, struct pollfd *extra, int nextra,
                int timeout_ms)
{
    int64_t now = util_mono_ms();
    struct remote_call **pp = &r->waiting;

    while (*pp) {
        struct remote_call *c = *pp;

        if (c->due <= now) {
            *pp = c->next;
            remote_send(c);
            continue;
        }
        if (c->due - now < timeout_ms || timeout_ms < 0)
            timeout_ms = (int)(c->due - now);
        pp = &c->next;
    }
    http_poll(r->http, extra, nextra, timeout_ms < 0 ? 1000 : timeout_ms);
    return remote_pending(r);
}

int remote_pending(struct remote *r)
{
    struct remote_call *c;
    int n = r->inflight;

    for (c = r->waiting; c; c = c->next)
        n++;
    return n;
}

void remote_free(struct remote *r)
{
    if (!r)
        return;
    while (r->waiting) {
        struct remote_call *c = r->waiting;

        r->waiting = c->next;
        remote_call_free(c);
    }
    http_free(r->http);
    falcfg_release(&r->cfg);
    free(r);
}

/* ==== Chains ============================================================ */

void remote_tally_add(struct remote_tally *t,
                      const struct remote_result *r)
{
    t->faults += r->faults;
    t->fault_ms += r->fault_ms;
}

struct remote_result remote_tally_result(const struct remote_tally *t,
                                         const struct remote_result *last)
{
    struct remote_result res = *last;

    res.faults = t->faults;
    res.fault_ms = t->fault_ms;
    return res;
}

/*
 * remote: retrying fal calls and the upload chain; the listing chain is
 * remotelist.c.
 */
#define _POSIX_C_SOURCE 200809L
#include "remoteint.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileid.h"
#include "log.h"

/* Times one upload may start again from a fresh signed URL: an expired
 * URL is renewed, a storage that refuses every fresh one is not. */
#define REMOTE_MAX_REINIT 3

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

/* ==== Upload: initiate, then one PUT or the multipart parts ============ */

struct remote_up {
    struct remote *r;
    char *path, *ctype, *name;
    int64_t size;
    struct fileid want;         /* the file path must be ... */
    int has_want;               /* ... when set */
    char *upload_url, *file_url;
    struct fal_part *parts;
    int nparts, cur, reinits;
    char **etags;
    struct remote_tally tally;
    remote_upload_fn *done;
    void *arg;
};

static void remote_up_free(struct remote_up *u)
{
    int i;

    for (i = 0; i < u->nparts; i++)
        free(u->etags ? u->etags[i] : NULL);
    free(u->etags);
    free(u->parts);
    free(u->upload_url);
    free(u->file_url);
    free(u->path);
    free(u->ctype);
    free(u->name);
    free(u);
}

/* Ends the chain with res (its counts replaced by the chain's). */
static void remote_up_end(struct remote_up *u, const struct remote_result *res)
{
    struct remote_result all = remote_tally_result(&u->tally, res);
    struct dub_err copy;

    if (res->verdict != FAL_OK && res->err) {
        copy = *res->err;
        dub_err_prefix(&copy, "upload of '%s'", u->path);
        all.err = &copy;
    }
    u->done(u->arg, res->verdict == FAL_OK ? u->file_url : NULL, &all);
    remote_up_free(u);
}

/* Ends the chain with a failure of its own making. */
static void remote_up_fail(struct remote_up *u, enum fal_verdict v,
                           const struct dub_err *e)
{
    struct remote_result res = {v, NULL, e, 0, 0};

    remote_up_end(u, &res);
}

static void remote_up_part(struct remote_up *u);
static void remote_up_initiate(struct remote_up *u);

/* A signed URL that stopped working, or a 2xx reply the edge mangled:
 * starts over from a fresh URL, a bounded number of times; 0 when the
 * bound is reached. */
static int remote_up_renew(struct remote_up *u)
{
    int i;

    if (u->reinits >= REMOTE_MAX_REINIT)
        return 0;
    u->reinits++;
    u->tally.faults++;
    for (i = 0; i < u->nparts; i++) {
        free(u->etags[i]);
        u->etags[i] = NULL;
    }
    u->cur = 0;
    free(u->upload_url);
    free(u->file_url);
    u->upload_url = u->file_url = NULL;
    remote_up_initiate(u);
    return 1;
}

static void remote_up_completed(void *arg, const struct remote_result *r)
{
    struct remote_up *u = arg;

    remote_tally_add(&u->tally, r);
    if (r->verdict != FAL_REINIT || !remote_up_renew(u))
        remote_up_end(u, r);
}

static void remote_up_complete(struct remote_up *u)
{
    struct http_req req = {0};
    struct dub_err e = {0};
    char *url = fal_complete_url(u->upload_url);
    char *body = fal_complete_body((const char *const *)u->etags, u->nparts);

    req.method = "POST";
    req.url = url;
    req.content_type = "application/json";
    req.body = body;
    req.body_len = strlen(body);
    if (remote_call(u->r, FAL_OP_UPLOAD, &req, remote_up_completed, u, &e) < 0)
        remote_up_fail(u, FAL_FATAL, &e);
    free(url);
    free(body);
}

static void remote_up_put_done(void *arg, const struct remote_result *r)
{
    struct remote_up *u = arg;
    struct dub_err pe = {0};
    char *etag;

    remote_tally_add(&u->tally, r);
    if (r->verdict != FAL_OK) {
        if (r->verdict != FAL_REINIT || !remote_up_renew(u))
            remote_up_end(u, r);
        return;
    }
    if (!u->nparts) {
        remote_up_end(u, r);
        return;
    }
    if (fal_parse_part(r->resp->body.data, r->resp->etag, &etag, &pe) < 0) {
        if (!remote_up_renew(u))
            remote_up_fail(u, FAL_FATAL, &pe);
        return;
    }
    u->etags[u->cur++] = etag;
    if (u->cur < u->nparts)
        remote_up_part(u);
    else
        remote_up_complete(u);
}

static void remote_up_part(struct remote_up *u)
{
    struct http_req req = {0};
    struct dub_err e = {0};
    char *url = u->nparts ? fal_part_url(u->upload_url, u->cur + 1)
                          : xstrdup(u->upload_url);

    req.method = "PUT";
    req.url = url;
    req.upload_path = u->path;
    req.upload_id = u->has_want ? &u->want : NULL;
    if (u->nparts) {
        req.upload_off = u->parts[u->cur].offset;
        req.upload_len = u->parts[u->cur].length;
    } else {
        req.upload_len = u->size;
        req.content_type = u->ctype;
    }
    if (remote_call(u->r, FAL_OP_UPLOAD, &req, remote_up_put_done, u, &e) < 0)
        remote_up_fail(u, FAL_FATAL, &e);
    free(url);
}

static void remote_up_initiated(void *arg, const struct remote_result *r)
{
    struct remote_up *u = arg;
    struct dub_err pe = {0};

    remote_tally_add(&u->tally, r);
    if (r->verdict != FAL_OK) {
        remote_up_end(u, r);
        return;
    }
    if (fal_parse_initiate(r->resp->body.data, &u->upload_url, &u->file_url,
                           &pe) < 0) {
        if (!remote_up_renew(u))
            remote_up_fail(u, FAL_FATAL, &pe);
        return;
    }
    remote_up_part(u);
}

static void remote_up_initiate(struct remote_up *u)
{
    struct http_req req = {0};
    struct dub_err e = {0};
    char *url = fal_initiate_url(u->r->cfg.rest, u->nparts > 0);
    char *body = fal_initiate_body(u->ctype, u->name);

    req.method = "POST";
    req.url = url;
    req.auth = 1;
    req.content_type = "application/json";
    req.body = body;
    req.body_len = strlen(body);
    if (remote_call(u->r, FAL_OP_INITIATE, &req, remote_up_initiated, u,
                    &e) < 0)
        remote_up_fail(u, FAL_FATAL, &e);
    free(url);
    free(body);
}

void remote_upload(struct remote *r, const char *path,
                   const struct fileid *want, const char *content_type,
                   const char *file_name, remote_upload_fn *done, void *arg)
{
    struct remote_up *u = xcalloc(1, sizeof(*u));
    struct dub_err e = {0};
    FILE *f;

    u->r = r;
    u->path = xstrdup(path);
    u->ctype = xstrdup(content_type);
    u->name = xstrdup(file_name);
    u->done = done;
    u->arg = arg;
    if (want) {
        u->want = *want;
        u->has_want = 1;
    }
    /* Its size from the file itself, checked as every PUT checks it. */
    if (!(f = fileid_open(path, 0, want, &e))) {
        remote_up_fail(u, FAL_FATAL, &e);
        return;
    }
    fseeko(f, 0, SEEK_END);
    u->size = ftello(f);
    fclose(f);
    if (u->size > FAL_MULTIPART_THRESHOLD) {
        u->nparts = fal_parts(u->size, &u->parts);
        u->etags = xcalloc((size_t)u->nparts, sizeof(*u->etags));
    }
    remote_up_initiate(u);
}

/*
 * remote: retrying fal calls and the upload and find chains.
 */
#define _POSIX_C_SOURCE 200809L
#include "remote.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Clock skew allowance when searching the listing (fal-protocol.md 12). */
#define REMOTE_FIND_SKEW_MS (2 * 60 * 1000)

struct remote_call {
    struct remote *r;
    struct remote_call *next;   /* waiting list */
    enum fal_op op;
    struct http_req req;        /* strings below are owned copies */
    char *url, *body, *ctype, *upload_path;
    int tries_left, attempt;
    int64_t due;
    remote_fn *done;
    void *arg;
};

struct remote {
    struct falcfg cfg;
    struct http *http;
    struct remote_call *waiting;
    int inflight;
    int speedup;
    unsigned seed;
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
    r->speedup = 1;
    r->seed = (unsigned)getpid() ^ (unsigned)util_now_ms();
    return r;
}

const struct falcfg *remote_config(const struct remote *r)
{
    return &r->cfg;
}

void remote_set_speedup(struct remote *r, int factor)
{
    r->speedup = factor > 0 ? factor : 1;
}

static void remote_call_free(struct remote_call *c)
{
    free(c->url);
    free(c->body);
    free(c->ctype);
    free(c->upload_path);
    free(c);
}

static void remote_http_done(void *arg, struct http_resp *resp);

static void remote_send(struct remote_call *c)
{
    struct dub_err e = {0};

    c->r->inflight++;
    if (http_start(c->r->http, &c->req, remote_http_done, c, &e) < 0) {
        c->r->inflight--;
        c->done(c->arg, FAL_FATAL, NULL, &e);
        remote_call_free(c);
    }
}

static void remote_http_done(void *arg, struct http_resp *resp)
{
    struct remote_call *c = arg;
    struct remote *r = c->r;
    struct dub_err e = {0};
    enum fal_verdict v = fal_classify(c->op, resp, &e);

    r->inflight--;
    if (v == FAL_RETRY && --c->tries_left > 0) {
        double u = (double)rand_r(&r->seed) / ((double)RAND_MAX + 1.0);
        int64_t wait = fal_backoff_ms(c->attempt++, REMOTE_BACKOFF_BASE_MS,
                                      REMOTE_BACKOFF_CAP_MS, u);
        int64_t asked = fal_retry_after_ms(resp, FAL_RETRY_AFTER_CAP_MS);

        /* A server that names its wait gets at least that. */
        if (asked > wait)
            wait = asked;
        c->due = util_mono_ms() + wait / r->speedup;
        /* A retried download starts the file again from nothing. */
        if (c->req.download) {
            fflush(c->req.download);
            if (ftruncate(fileno(c->req.download), 0) == 0)
                rewind(c->req.download);
        }
        c->next = r->waiting;
        r->waiting = c;
        return;
    }
    c->done(c->arg, v, resp, v == FAL_OK ? NULL : &e);
    remote_call_free(c);
}

int remote_call(struct remote *r, enum fal_op op, const struct http_req *req,
                int tries, remote_fn *done, void *arg, struct dub_err *e)
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
    c->req.extra_header = NULL;
    c->tries_left = tries > 0 ? tries : 1;
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

/* ==== Upload: initiate, then one PUT or the multipart parts ============ */

struct remote_up {
    struct remote *r;
    char *path, *ctype, *name;
    int64_t size;
    char *upload_url, *file_url;
    struct fal_part *parts;
    int nparts, cur;
    char **etags;
    remote_upload_fn *done;
    void *arg;
};

static void remote_up_end(struct remote_up *u, const struct dub_err *e)
{
    int i;

    u->done(u->arg, e ? NULL : u->file_url, e);
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

static void remote_up_part(struct remote_up *u);

static void remote_up_fail(struct remote_up *u, const struct dub_err *e)
{
    struct dub_err copy = *e;

    dub_err_prefix(&copy, "upload of '%s'", u->path);
    remote_up_end(u, &copy);
}

static void remote_up_completed(void *arg, enum fal_verdict v,
                                struct http_resp *resp, const struct dub_err *e)
{
    struct remote_up *u = arg;

    (void)resp;
    if (v != FAL_OK)
        remote_up_fail(u, e);
    else
        remote_up_end(u, NULL);
}

static void remote_up_put_done(void *arg, enum fal_verdict v,
                               struct http_resp *resp, const struct dub_err *e)
{
    struct remote_up *u = arg;

    if (v != FAL_OK) {
        remote_up_fail(u, e);
        return;
    }
    if (!u->nparts) {
        remote_up_end(u, NULL);
        return;
    }
    {
        struct dub_err pe = {0};
        char *etag;

        if (fal_parse_part(resp->body.data, resp->etag, &etag, &pe) < 0) {
            remote_up_fail(u, &pe);
            return;
        }
        u->etags[u->cur++] = etag;
    }
    if (u->cur < u->nparts) {
        remote_up_part(u);
        return;
    }
    {
        struct http_req req = {0};
        struct dub_err ce = {0};
        char *url = fal_complete_url(u->upload_url);
        char *body = fal_complete_body((const char *const *)u->etags,
                                       u->nparts);

        req.method = "POST";
        req.url = url;
        req.content_type = "application/json";
        req.body = body;
        req.body_len = strlen(body);
        if (remote_call(u->r, FAL_OP_UPLOAD, &req, REMOTE_TRIES,
                        remote_up_completed, u, &ce) < 0)
            remote_up_fail(u, &ce);
        free(url);
        free(body);
    }
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
    if (u->nparts) {
        req.upload_off = u->parts[u->cur].offset;
        req.upload_len = u->parts[u->cur].length;
    } else {
        req.upload_len = u->size;
        req.content_type = u->ctype;
    }
    if (remote_call(u->r, FAL_OP_UPLOAD, &req, REMOTE_TRIES,
                    remote_up_put_done, u, &e) < 0)
        remote_up_fail(u, &e);
    free(url);
}

static void remote_up_initiated(void *arg, enum fal_verdict v,
                                struct http_resp *resp, const struct dub_err *e)
{
    struct remote_up *u = arg;
    struct dub_err pe = {0};

    if (v != FAL_OK) {
        remote_up_fail(u, e);
        return;
    }
    if (fal_parse_initiate(resp->body.data, &u->upload_url, &u->file_url,
                           &pe) < 0) {
        remote_up_fail(u, &pe);
        return;
    }
    remote_up_part(u);
}

void remote_upload(struct remote *r, const char *path,
                   const char *content_type, const char *file_name,
                   remote_upload_fn *done, void *arg)
{
    struct remote_up *u = xcalloc(1, sizeof(*u));
    struct http_req req = {0};
    struct dub_err e = {0};
    struct stat st;
    char *url, *body;

    u->r = r;
    u->path = xstrdup(path);
    u->ctype = xstrdup(content_type);
    u->name = xstrdup(file_name);
    u->done = done;
    u->arg = arg;
    if (stat(path, &st) < 0) {
        dub_errf(&e, DUB_EIO, "cannot read '%s': %s", path, strerror(errno));
        remote_up_end(u, &e);
        return;
    }
    u->size = st.st_size;
    if (u->size > FAL_MULTIPART_THRESHOLD) {
        u->nparts = fal_parts(u->size, &u->parts);
        u->etags = xcalloc((size_t)u->nparts, sizeof(*u->etags));
    }
    url = fal_initiate_url(r->cfg.rest, u->nparts > 0);
    body = fal_initiate_body(content_type, file_name);
    req.method = "POST";
    req.url = url;
    req.auth = 1;
    req.content_type = "application/json";
    req.body = body;
    req.body_len = strlen(body);
    if (remote_call(r, FAL_OP_INITIATE, &req, REMOTE_TRIES,
                    remote_up_initiated, u, &e) < 0)
        remote_up_fail(u, &e);
    free(url);
    free(body);
}

/* ==== Find a request in the listing ==================================== */

struct remote_fd {
    struct remote *r;
    char *endpoint, *payload, *cursor;
    int64_t since_ms, until_ms;
    remote_find_fn *done;
    void *arg;
};

static void remote_fd_end(struct remote_fd *f, int found, const char *id,
                          const struct dub_err *e)
{
    f->done(f->arg, found, id, e);
    free(f->endpoint);
    free(f->payload);
    free(f->cursor);
    free(f);
}

static void remote_fd_page(struct remote_fd *f);

static void remote_fd_reply(void *arg, enum fal_verdict v,
                            struct http_resp *resp, const struct dub_err *e)
{
    struct remote_fd *f = arg;
    struct fal_listing l;
    struct dub_err pe = {0};
    int i;

    if (v != FAL_OK) {
        remote_fd_end(f, -1, NULL, e);
        return;
    }
    if (fal_parse_listing(resp->body.data, &l, &pe) < 0) {
        remote_fd_end(f, -1, NULL, &pe);
        return;
    }
    for (i = 0; i < l.n; i++) {
        if (l.items[i].json_input &&
            fal_input_matches(f->payload, l.items[i].json_input)) {
            char *id = xstrdup(l.items[i].request_id);

            fal_listing_release(&l);
            remote_fd_end(f, 1, id, NULL);
            free(id);
            return;
        }
    }
    if (!l.has_more) {
        fal_listing_release(&l);
        remote_fd_end(f, 0, NULL, NULL);
        return;
    }
    free(f->cursor);
    f->cursor = xstrdup(l.next_cursor);
    fal_listing_release(&l);
    remote_fd_page(f);
}

static void remote_fd_page(struct remote_fd *f)
{
    struct http_req req = {0};
    struct dub_err e = {0};
    char *url = fal_listing_url(f->r->cfg.api, f->endpoint, f->since_ms,
                                f->until_ms, f->cursor);

    req.method = "GET";
    req.url = url;
    req.auth = 1;
    if (remote_call(f->r, FAL_OP_LIST, &req, REMOTE_TRIES, remote_fd_reply,
                    f, &e) < 0)
        remote_fd_end(f, -1, NULL, &e);
    free(url);
}

void remote_find(struct remote *r, const char *endpoint, const char *payload,
                 int64_t since_ms, remote_find_fn *done, void *arg)
{
    struct remote_fd *f = xcalloc(1, sizeof(*f));

    f->r = r;
    f->endpoint = xstrdup(endpoint);
    f->payload = xstrdup(payload);
    f->since_ms = since_ms - REMOTE_FIND_SKEW_MS;
    f->until_ms = util_now_ms() + REMOTE_FIND_SKEW_MS;
    f->done = done;
    f->arg = arg;
    remote_fd_page(f);
}

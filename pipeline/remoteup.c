/*
 * remoteup: the upload chain.  A file goes to fal's storage through an
 * initiate call, then one PUT, or for a large file the multipart parts
 * and a complete call; a signed URL that stops working starts the chain
 * again from a fresh one, a bounded number of times.  The file sent is
 * the file probed (its identity checked at every PUT).
 */
#define _POSIX_C_SOURCE 200809L
#include "remoteint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileid.h"

/* Times one upload may start again from a fresh signed URL: an expired
 * URL is renewed, a storage that refuses every fresh one is not. */
#define REMOTE_MAX_REINIT 3

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

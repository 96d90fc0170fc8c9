/*
 * remotelist: the listing chain.  fal's request listing of an endpoint
 * is read page by page over a time window (widened by a clock skew
 * allowance), each item handed to the caller until it says stop; and
 * remote_find, built on it, looks there for the request a payload made.
 */
#define _POSIX_C_SOURCE 200809L
#include "remoteint.h"

#include <stdlib.h>

/* Clock skew allowance when searching the listing (fal-protocol.md 12). */
#define REMOTE_FIND_SKEW_MS (2 * 60 * 1000)

/* ==== The request listing, page by page ================================= */

struct remote_ls {
    struct remote *r;
    char *endpoint;
    int64_t since_ms, until_ms;
    struct remote_tally tally;
    remote_item_fn *each;
    remote_fn *done;
    void *arg;
};

static void remote_ls_page(struct remote_ls *l, const char *cursor);

static void remote_ls_end(struct remote_ls *l, const struct remote_result *r)
{
    struct remote_result all = remote_tally_result(&l->tally, r);

    l->done(l->arg, &all);
    free(l->endpoint);
    free(l);
}

static void remote_ls_reply(void *arg, const struct remote_result *r)
{
    struct remote_ls *l = arg;
    struct fal_listing page;
    struct dub_err pe = {0};
    struct remote_result res = *r;
    int i;

    remote_tally_add(&l->tally, r);
    if (r->verdict != FAL_OK) {
        remote_ls_end(l, r);
        return;
    }
    if (fal_parse_listing(r->resp->body.data, &page, &pe) < 0) {
        /* A 2xx that does not parse is the edge mangling it: transient,
         * and the caller asks again later. */
        res.verdict = FAL_RETRY;
        res.err = &pe;
        remote_ls_end(l, &res);
        return;
    }
    for (i = 0; i < page.n; i++) {
        if (l->each(l->arg, &page.items[i])) {
            fal_listing_release(&page);
            remote_ls_end(l, r);
            return;
        }
    }
    if (page.has_more)
        remote_ls_page(l, page.next_cursor);
    else
        remote_ls_end(l, r);
    fal_listing_release(&page);
}

static void remote_ls_page(struct remote_ls *l, const char *cursor)
{
    struct http_req req = {0};
    struct dub_err e = {0};
    char *url = fal_listing_url(l->r->cfg.api, l->endpoint, l->since_ms,
                                l->until_ms, cursor);

    req.method = "GET";
    req.url = url;
    req.auth = 1;
    if (remote_call(l->r, FAL_OP_LIST, &req, remote_ls_reply, l, &e) < 0) {
        struct remote_result res = {FAL_FATAL, NULL, &e, 0, 0};

        remote_ls_end(l, &res);
    }
    free(url);
}

void remote_list(struct remote *r, const char *endpoint, int64_t since_ms,
                 int64_t until_ms, remote_item_fn *each, remote_fn *done,
                 void *arg)
{
    struct remote_ls *l = xcalloc(1, sizeof(*l));

    l->r = r;
    l->endpoint = xstrdup(endpoint);
    l->since_ms = since_ms - REMOTE_FIND_SKEW_MS;
    l->until_ms = until_ms + REMOTE_FIND_SKEW_MS;
    l->each = each;
    l->done = done;
    l->arg = arg;
    remote_ls_page(l, NULL);
}

/* ==== Find one request in the listing =================================== */

struct remote_fd {
    char *payload;
    char *found;
    remote_find_fn *done;
    void *arg;
};

static int remote_fd_item(void *arg, const struct fal_listed *item)
{
    struct remote_fd *f = arg;

    if (!item->json_input || !fal_input_matches(f->payload, item->json_input))
        return 0;
    f->found = xstrdup(item->request_id);
    return 1;
}

static void remote_fd_done(void *arg, const struct remote_result *r)
{
    struct remote_fd *f = arg;

    f->done(f->arg, r->verdict != FAL_OK ? -1 : f->found ? 1 : 0, f->found,
            r);
    free(f->payload);
    free(f->found);
    free(f);
}

void remote_find(struct remote *r, const char *endpoint, const char *payload,
                 int64_t since_ms, remote_find_fn *done, void *arg)
{
    struct remote_fd *f = xcalloc(1, sizeof(*f));

    f->payload = xstrdup(payload);
    f->done = done;
    f->arg = arg;
    remote_list(r, endpoint, since_ms, util_now_ms(), remote_fd_item,
                remote_fd_done, f);
}

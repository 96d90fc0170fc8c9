/*
 * http: many HTTP transfers at once from one thread, over libcurl's multi
 * interface.  The only file that includes curl.h; no curl type appears
 * here.
 *
 * A transfer is started with http_start() and finishes with one call of its
 * done callback, from inside http_poll().  http_poll() also watches the
 * caller's own fds (media worker pipes, the signal pipe), so one loop
 * serves everything (design.md section 3).
 *
 * Security (design.md section 9): only https://, or http:// to a loopback
 * address; the key is attached only to requests marked auth whose origin is
 * one of the configured fal API bases, such requests never follow
 * redirects, and downloads follow https redirects without the key.  The key
 * never appears in an error message.  Proxies come from the usual
 * environment variables (https_proxy, http_proxy, no_proxy, all_proxy), as
 * libcurl reads them.
 */
#ifndef DUB_HTTP_H
#define DUB_HTTP_H

#include <poll.h>
#include <stdint.h>
#include <stdio.h>

#include "util.h"

/* Default cap on a body kept in memory: fal's JSON replies are small; a
 * megabyte of it means something is wrong. */
#define HTTP_MAX_BODY (1 << 20)

struct http;

struct http_config {
    const char *key;            /* "id:secret"; copied */
    const char *auth_bases[4];  /* origins that may see the key; copied */
    long connect_timeout_ms;    /* 0: 10 s */
    long low_speed_time_s;      /* abort below 1 KB/s for this long; 0: 60 */
};

struct http_req {
    const char *method;         /* "GET", "POST", "PUT" */
    const char *url;
    const char *content_type;   /* for a body */
    const char *body;           /* memory body (copied), or NULL */
    size_t body_len;
    const char *upload_path;    /* file body: [upload_off, +upload_len) */
    int64_t upload_off, upload_len;
    FILE *download;             /* stream the response body here */
    size_t max_body;            /* memory cap; 0: HTTP_MAX_BODY */
    int auth;                   /* send the key (fal API hosts only) */
    long timeout_ms;            /* whole transfer; 0: 60 s (none for files) */
    const char *extra_header;   /* one more "Name: value", or NULL */
    int once;                   /* a non-idempotent request: see below */
};

/*
 * once: libcurl silently sends a request again when a reused connection
 * dies before any reply byte arrives.  For a paid submit that is the
 * double charge design.md forbids, so such a request gets a fresh
 * connection that is not reused, and curl never repeats it.
 */

struct http_resp {
    int status;                 /* HTTP status, 0 when none arrived */
    int transport_failed;       /* no complete reply: see err */
    int maybe_sent;             /* the request may have reached the server */
    char err[256];              /* transport failure, in words */
    struct buf body;            /* memory body (owned by the transfer) */
    int truncated;              /* body exceeded max_body */
    int64_t bytes;              /* body bytes received */
    char request_id[80];        /* x-fal-request-id */
    char error_type[64];        /* x-fal-error-type */
    char timeout_type[32];      /* x-fal-request-timeout-type */
    char content_type[80];
    char etag[128];
};

typedef void http_done_fn(void *arg, struct http_resp *r);

struct http *http_new(const struct http_config *cfg, struct dub_err *e);
/* Aborts every transfer (their callbacks are not called) and frees h. */
void http_free(struct http *h);

/* 0 when url is one dubbatch may fetch (https, or http to loopback). */
int http_url_allowed(const char *url, struct dub_err *e);

/* Starts a transfer; -1 and e when the request is refused (bad URL). */
int http_start(struct http *h, const struct http_req *req,
               http_done_fn *done, void *arg, struct dub_err *e);

/*
 * Waits up to timeout_ms for network activity or one of the extra fds,
 * runs the transfers, and calls done for each finished one.  revents of
 * extra are filled.  Returns the number of transfers still running.
 */
int http_poll(struct http *h, struct pollfd *extra, int nextra,
              int timeout_ms);
int http_pending(struct http *h);

#endif

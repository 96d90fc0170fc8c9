/*
 * http: many HTTP transfers at once from one thread, over libcurl's multi
 * interface.  The only module that includes curl.h (http.c, httpurl.c,
 * httpint.h); no curl type appears here.
 *
 * A transfer is started with http_start() and finishes with exactly one
 * call of its done callback, from inside http_poll() or http_abort_all().
 * http_poll() also watches the caller's own fds (media worker pipes, the
 * signal pipe), so one loop serves everything (design.md section 3).
 *
 * Ownership: http_start() copies the request (URL, memory body, headers);
 * the caller keeps owning req->download (an open FILE it closes after the
 * callback) and any file named by req->upload_path.  The struct http_resp
 * handed to the callback, and its body, belong to the transfer and are
 * freed when the callback returns.  A callback may start new transfers;
 * it must not call http_free().
 *
 * Security (design.md section 9):
 *  - only https://, or http:// to a loopback host (127.0.0.0/8, localhost,
 *    [::1]); no other scheme, neither in a request nor in a redirect;
 *  - the key is attached only to requests marked auth whose scheme, host
 *    and port equal those of one configured fal API base (the URL is
 *    judged by libcurl's own parser, the one that will connect); such
 *    requests never follow redirects.  Other requests (signed upload URLs,
 *    CDN downloads) carry no key and may follow https redirects;
 *  - the key never appears in an error message, and curl's verbose output
 *    is never enabled;
 *  - every memory body has a size cap, and so does every download.
 *
 * Proxies: libcurl's defaults are kept, so https_proxy, http_proxy,
 * all_proxy and no_proxy (also upper case, except HTTP_PROXY) apply as for
 * any other tool.  Loopback URLs never go through a proxy: a proxy's
 * loopback is not ours, and a plain-http request through it would show the
 * key to the proxy.
 */
#ifndef DUB_HTTP_H
#define DUB_HTTP_H

#include <poll.h>
#include <stdint.h>
#include <stdio.h>

#include "util.h"

struct fileid;

/* Default cap on a body kept in memory: fal's JSON replies are small; a
 * megabyte of it means something is wrong. */
#define HTTP_MAX_BODY (1 << 20)
/* Default cap on a download: a lip-synced clip of at most a minute is tens
 * of megabytes; a server sending gigabytes must not fill the disk. */
#define HTTP_MAX_DOWNLOAD ((int64_t)1 << 30)
/* How much of an error reply to a download is kept for its message. */
#define HTTP_MAX_ERROR_BODY (64 * 1024)
/* Origins that may see the key: fal's queue, storage and platform hosts. */
#define HTTP_MAX_AUTH_BASES 4

struct http;

struct http_config {
    const char *key;            /* "id:secret", or NULL; copied */
    const char *auth_bases[HTTP_MAX_AUTH_BASES]; /* may see the key; copied */
    long connect_timeout_ms;    /* 0: 10 s */
    long low_speed_limit;       /* bytes/s; 0: 1024 */
    long low_speed_time_s;      /* abort below the limit this long; 0: 60 */
};

struct http_req {
    const char *method;         /* "GET", "POST", "PUT" */
    const char *url;
    const char *content_type;   /* of the body; NULL sends none */
    const char *body;           /* memory body (copied), or NULL */
    size_t body_len;
    const char *upload_path;    /* file body: [upload_off, +upload_len);
                                   a regular file, or the call fails */
    int64_t upload_off, upload_len;
    const struct fileid *upload_id; /* the file upload_path must still be
                                   (fileid.h), or NULL */
    FILE *download;             /* a 2xx body is streamed here */
    int64_t expect_size;        /* a download's size as the server
                                   announced it elsewhere (fal's
                                   file_size); fewer bytes is a body cut
                                   short.  0: not known */
    size_t max_body;            /* memory cap (0: HTTP_MAX_BODY), or the
                                   download cap (0: HTTP_MAX_DOWNLOAD) */
    int auth;                   /* send the key (fal API origins only) */
    long timeout_ms;            /* whole transfer; 0: 60 s, none for files */
    const char *extra_header;   /* one more "Name: value", or NULL */
    const char *who;            /* the job it is for, in log lines; or NULL */
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
    int aborted;                /* ended by http_abort_all() */
    int timed_out;              /* past the request's time, or stalled (no
                                   progress for the low-speed time) */
    int refused;                /* libcurl would not go where it was sent
                                   (a redirect to http://, too many
                                   redirects): the same again fails again */
    int write_errno;            /* the download could not be written
                                   here (ENOSPC, EROFS, ...) */
    char err[256];              /* transport failure, in words (no key) */
    char origin[160];           /* scheme://host[:port] asked, for messages */
    struct buf body;            /* memory body, always NUL-terminated; for
                                   a download, only a non-2xx reply's body */
    int truncated;              /* body went past its cap: transfer ended */
    int64_t bytes;              /* body bytes received (file or memory) */
    char request_id[80];        /* x-fal-request-id */
    char error_type[64];        /* x-fal-error-type */
    char timeout_type[32];      /* x-fal-request-timeout-type */
    char content_type[80];
    char etag[128];
    char retry_after[32];       /* Retry-After, as sent */
};

typedef void http_done_fn(void *arg, struct http_resp *r);

/* NULL and e when libcurl cannot be set up or a base is not a URL. */
struct http *http_new(const struct http_config *cfg, struct dub_err *e);
/* Aborts every transfer (their callbacks are not called) and frees h. */
void http_free(struct http *h);

/*
 * 0 when url is one dubbatch may fetch (https, or http to loopback once
 * http_allow_loopback() was called), with no user name or password in it.
 * Usable before http_new().
 */
int http_url_allowed(const char *url, struct dub_err *e);
/* As http_url_allowed(), but http to loopback is always fine: for fal's
 * base URLs, which the user sets (the fake server is one). */
int http_base_allowed(const char *url, struct dub_err *e);
/* From now on http to a loopback address is as good as https.  falcfg.c
 * calls it when a configured base URL is itself loopback http (the test
 * setup); otherwise a reply pointing at http://127.0.0.1 is refused. */
void http_allow_loopback(void);

/*
 * One reply header line into r, as libcurl hands it over: len bytes, not
 * NUL-terminated, CRLF included.  A status line ("HTTP/...") forgets the
 * headers kept so far (they were a redirect's or a 100 Continue's); a
 * header of struct http_resp is kept trimmed, cut to its field and with
 * control characters made '?'; any other line is ignored.  Pure.
 */
void http_header_line(struct http_resp *r, const char *line, size_t len);

/* Starts a transfer; -1 and e when the request is refused (a URL that is
 * not allowed, an upload file that cannot be opened). */
int http_start(struct http *h, const struct http_req *req,
               http_done_fn *done, void *arg, struct dub_err *e);

/*
 * Waits up to timeout_ms (negative: no limit) for network activity or one
 * of the extra fds, drives the transfers, and calls done for each finished
 * one.  extra[i].events is as for poll(2) (POLLIN, POLLPRI, POLLOUT);
 * extra[i].revents is filled by poll(2) after the wait, so POLLHUP and
 * POLLERR are reported too.  Returns the number of transfers running.
 */
int http_poll(struct http *h, struct pollfd *extra, int nextra,
              int timeout_ms);
int http_pending(const struct http *h);

/*
 * Ends every running transfer now and calls each callback once, with
 * transport_failed and aborted set (and maybe_sent when the request may
 * have left).  Transfers that callbacks start meanwhile keep running.
 */
void http_abort_all(struct http *h);

/* libcurl's version and its TLS library, for dubbatch doctor. */
const char *http_library_version(void);

#endif

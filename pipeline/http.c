/*
 * http: the libcurl multi wrapper.  One record per transfer (as the curl
 * tool's struct per_transfer), tagged on its easy handle with
 * CURLOPT_PRIVATE; finished transfers are found with curl_multi_info_read
 * (curl 7.88 has no CURLMOPT_NOTIFYFUNCTION).
 */
#define _POSIX_C_SOURCE 200809L
#include "httpint.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "fileid.h"

struct http_xfer {
    struct http_xfer *next, *prev;
    struct http *h;
    CURL *easy;
    struct curl_slist *headers;
    char errbuf[CURL_ERROR_SIZE];
    char *body;          /* request body copy */
    FILE *upload;        /* file body */
    int64_t upload_left;
    size_t max_body;     /* memory cap */
    int64_t max_file;    /* download cap */
    FILE *download;
    int64_t expect_size;
    struct http_resp resp;
    http_done_fn *done;
    void *arg;
};

static int http_global_ready;

/* ==== Set-up ============================================================ */

struct http *http_new(const struct http_config *cfg, struct dub_err *e)
{
    struct http *h;
    size_t i;

    if (!http_global_ready) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
            dub_errf(e, DUB_ENET, "cannot initialise libcurl");
            return NULL;
        }
        http_global_ready = 1;
    }
    h = xcalloc(1, sizeof(*h));
    for (i = 0; i < DUB_ARRAY_LEN(cfg->auth_bases); i++) {
        if (!cfg->auth_bases[i])
            continue;
        if (!http_parse(cfg->auth_bases[i], &h->auth[h->nauth])) {
            free(h);
            dub_errf(e, DUB_EUSAGE, "'%.200s' is not a usable fal base URL",
                     cfg->auth_bases[i]);
            return NULL;
        }
        h->nauth++;
    }
    h->multi = curl_multi_init();
    if (!h->multi) {
        free(h);
        dub_errf(e, DUB_ENET, "cannot initialise libcurl");
        return NULL;
    }
    h->key = cfg->key ? xstrdup(cfg->key) : NULL;
    h->connect_timeout_ms = cfg->connect_timeout_ms ? cfg->connect_timeout_ms
                                                    : 10000;
    h->low_speed_limit = cfg->low_speed_limit ? cfg->low_speed_limit : 1024;
    h->low_speed_time_s = cfg->low_speed_time_s ? cfg->low_speed_time_s : 60;
    return h;
}

static void http_wipe(char *s)
{
    if (s)
        memset(s, 0, strlen(s));
}

/* ==== Callbacks from libcurl ============================================ */

static size_t http_write(char *p, size_t size, size_t n, void *arg)
{
    struct http_xfer *x = arg;
    size_t len = size * n;
    long code = 0;

    if (x->download) {
        /* Only a 2xx body is the file; an error reply (a CDN's 404 page)
         * is kept in memory for the message instead. */
        curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code);
        if (code < 200 || code > 299) {
            size_t room = HTTP_MAX_ERROR_BODY - x->resp.body.len;

            buf_append(&x->resp.body, p, len < room ? len : room);
            return len;
        }
        if (x->resp.bytes + (int64_t)len > x->max_file) {
            x->resp.truncated = 1;
            return 0;
        }
        x->resp.bytes += (int64_t)len;
        if (fwrite(p, 1, len, x->download) != len) {
            x->resp.write_errno = errno ? errno : EIO;
            return 0;
        }
        return len;
    }
    x->resp.bytes += (int64_t)len;
    if (x->resp.body.len + len > x->max_body) {
        x->resp.truncated = 1;
        return 0; /* aborts the transfer: the body is not what we expect */
    }
    buf_append(&x->resp.body, p, len);
    return len;
}

static size_t http_read(char *p, size_t size, size_t n, void *arg)
{
    struct http_xfer *x = arg;
    size_t want = size * n;

    if ((int64_t)want > x->upload_left)
        want = (size_t)x->upload_left;
    want = fread(p, 1, want, x->upload);
    x->upload_left -= (int64_t)want;
    return want;
}

static size_t http_header(char *p, size_t size, size_t n, void *arg)
{
    struct http_xfer *x = arg;

    http_header_line(&x->resp, p, size * n);
    return size * n;
}

/* ==== Transfers ========================================================= */

static void http_xfer_free(struct http_xfer *x)
{
    struct curl_slist *s;

    /* One header line held the key: clear the copies before freeing. */
    for (s = x->headers; s; s = s->next)
        http_wipe(s->data);
    curl_slist_free_all(x->headers);
    if (x->upload)
        fclose(x->upload);
    buf_release(&x->resp.body);
    free(x->body);
    free(x);
}

static void http_add_header(struct http_xfer *x, const char *line)
{
    struct curl_slist *s = curl_slist_append(x->headers, line);

    if (!s)
        dub_fatal("out of memory");
    x->headers = s;
}

/* The options every transfer has: callbacks, limits, protocols. */
static void http_set_options(struct http_xfer *x, const struct http_req *req,
                             int loopback)
{
    struct http *h = x->h;
    CURL *c = x->easy;

    curl_easy_setopt(c, CURLOPT_URL, req->url);
    curl_easy_setopt(c, CURLOPT_PRIVATE, x);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, x->errbuf);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_VERBOSE, 0L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https,http");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "https");
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, h->connect_timeout_ms);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, h->low_speed_limit);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, h->low_speed_time_s);
    curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "dubbatch/0.1");
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, http_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, http_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, x);
    if (loopback)
        curl_easy_setopt(c, CURLOPT_PROXY, ""); /* see http.h: Proxies */
    if (req->download)
        curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE,
                         (curl_off_t)x->max_file);
    if (req->once) {
        curl_easy_setopt(c, CURLOPT_FRESH_CONNECT, 1L);
        curl_easy_setopt(c, CURLOPT_FORBID_REUSE, 1L);
    }
    if (req->timeout_ms)
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, req->timeout_ms);
    else if (!req->download && !req->upload_path)
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 60000L);
}

/* The request's headers, the key among them only when it may go (then
 * no redirect is followed). */
static void http_set_headers(struct http_xfer *x, const struct http_req *req,
                             int may_auth)
{
    struct http *h = x->h;
    CURL *c = x->easy;

    if (req->auth && may_auth) {
        char *line = xasprintf("Authorization: Key %s", h->key);

        http_add_header(x, line);
        http_wipe(line);
        free(line);
        /* No CURLOPT_FOLLOWLOCATION: a redirect is answered as it is. */
    } else {
        /* Without the key, a CDN's redirect may be followed (https only,
         * and curl drops nothing sensitive: there is nothing to drop). */
        curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
    }
    if (!req->download)
        http_add_header(x, "Accept: application/json");
    if (req->content_type) {
        char *line = xasprintf("Content-Type: %s", req->content_type);

        http_add_header(x, line);
        free(line);
    } else if (!req->upload_path && !req->download) {
        /* curl would label a memory body as a form; say nothing instead. */
        http_add_header(x, "Content-Type:");
    }
    if (req->extra_header)
        http_add_header(x, req->extra_header);
    /* curl adds "Expect: 100-continue" to large uploads; fal's signed
     * URLs and the fake have no use for the extra round trip. */
    http_add_header(x, "Expect:");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, x->headers);

}

/* What the request sends: a file's range, a memory body, or nothing;
 * and its method. */
static void http_set_body(struct http_xfer *x, const struct http_req *req)
{
    CURL *c = x->easy;

    if (req->upload_path) {
        x->upload_left = req->upload_len;
        curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(c, CURLOPT_READFUNCTION, http_read);
        curl_easy_setopt(c, CURLOPT_READDATA, x);
        curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE,
                         (curl_off_t)req->upload_len);
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method);
    } else if (req->body || strcmp(req->method, "POST") == 0 ||
               strcmp(req->method, "PUT") == 0) {
        x->body = xstrndup(req->body ? req->body : "", req->body_len);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, x->body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
                         (curl_off_t)strlen(x->body));
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method);
    } else if (strcmp(req->method, "GET") != 0) {
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method);
    }
}

int http_start(struct http *h, const struct http_req *req, http_done_fn *done,
               void *arg, struct dub_err *e)
{
    struct http_xfer *x;
    CURL *c;
    int loopback, may_auth;
    char origin[sizeof(x->resp.origin)];

    if (http_judge(h, req->url, &loopback, &may_auth, origin, sizeof(origin),
                   e) < 0)
        return -1;
    x = xcalloc(1, sizeof(*x));
    x->h = h;
    x->done = done;
    x->arg = arg;
    x->max_body = req->max_body ? req->max_body : HTTP_MAX_BODY;
    x->max_file = req->max_body ? (int64_t)req->max_body : HTTP_MAX_DOWNLOAD;
    x->download = req->download;
    x->expect_size = req->expect_size;
    snprintf(x->resp.origin, sizeof(x->resp.origin), "%s", origin);
    c = x->easy = curl_easy_init();
    if (!c) {
        free(x);
        return dub_errf(e, DUB_ENET, "cannot create a transfer");
    }
    if (req->upload_path &&
        !(x->upload = fileid_open(req->upload_path, req->upload_off,
                                  req->upload_id, e))) {
        curl_easy_cleanup(c);
        http_xfer_free(x);
        return -1;
    }
    http_set_options(x, req, loopback);
    http_set_headers(x, req, may_auth);
    http_set_body(x, req);
    if (curl_multi_add_handle(h->multi, c) != CURLM_OK) {
        curl_easy_cleanup(c);
        http_xfer_free(x);
        return dub_errf(e, DUB_ENET, "cannot start a transfer");
    }
    h->running++;
    x->next = h->xfers;
    if (h->xfers)
        h->xfers->prev = x;
    h->xfers = x;
    return 0;
}

static void http_unlink(struct http *h, struct http_xfer *x)
{
    if (x->prev)
        x->prev->next = x->next;
    else
        h->xfers = x->next;
    if (x->next)
        x->next->prev = x->prev;
    x->next = x->prev = NULL;
}

/* Whether the request may have reached the server.  Only failures that
 * prove nothing left (no name, no connection, no TLS) say no. */
static int http_maybe_sent(CURLcode rc, CURL *c, int aborted)
{
    curl_off_t connect = 0;
    long sent = 0;

    switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
        return 0;
    default:
        break;
    }
    curl_easy_getinfo(c, CURLINFO_CONNECT_TIME_T, &connect);
    curl_easy_getinfo(c, CURLINFO_REQUEST_SIZE, &sent);
    /* A timeout or an abort before any connection or request byte: the
     * server cannot have it.  Any other failure may follow delivery. */
    if (rc == CURLE_OPERATION_TIMEDOUT || aborted)
        return connect > 0 || sent > 0;
    return 1;
}

/* Detaches x from curl and h, fills its reply, calls back, frees it. */
static void http_finish(struct http *h, struct http_xfer *x, CURLcode rc,
                        int aborted)
{
    CURL *c = x->easy;
    long status = 0;

    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_multi_remove_handle(h->multi, c);
    http_unlink(h, x);
    h->running--;
    x->resp.status = (int)status;
    if (rc == CURLE_FILESIZE_EXCEEDED)
        x->resp.truncated = 1;
    /* A download that stops early without breaking HTTP (no length, a
     * connection closed at a chunk boundary) is caught by its announced
     * size: it was cut short, like any reset mid-body. */
    if (rc == CURLE_OK && !aborted && x->download && status / 100 == 2 &&
        x->expect_size > 0 && x->resp.bytes != x->expect_size) {
        snprintf(x->errbuf, sizeof(x->errbuf),
                 "body cut short: %lld of %lld bytes",
                 (long long)x->resp.bytes, (long long)x->expect_size);
        rc = CURLE_PARTIAL_FILE;
    }
    if (rc != CURLE_OK || aborted) {
        x->resp.transport_failed = 1;
        x->resp.aborted = aborted;
        x->resp.timed_out = rc == CURLE_OPERATION_TIMEDOUT;
        x->resp.maybe_sent = http_maybe_sent(rc, c, aborted);
        x->resp.refused = rc == CURLE_UNSUPPORTED_PROTOCOL ||
                          rc == CURLE_URL_MALFORMAT ||
                          rc == CURLE_TOO_MANY_REDIRECTS;
        if (aborted)
            snprintf(x->resp.err, sizeof(x->resp.err), "transfer aborted");
        else if (x->resp.truncated)
            snprintf(x->resp.err, sizeof(x->resp.err),
                     "reply body larger than %lld bytes",
                     x->download ? (long long)x->max_file
                                 : (long long)x->max_body);
        else if (x->resp.write_errno)
            snprintf(x->resp.err, sizeof(x->resp.err),
                     "cannot write the downloaded file: %s",
                     strerror(x->resp.write_errno));
        else
            snprintf(x->resp.err, sizeof(x->resp.err), "%s",
                     x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc));
    }
    /* An empty body is still a string. */
    buf_append(&x->resp.body, "", 0);
    curl_easy_cleanup(c);
    x->easy = NULL;
    x->done(x->arg, &x->resp);
    http_xfer_free(x);
}

int http_poll(struct http *h, struct pollfd *extra, int nextra,
              int timeout_ms)
{
    struct curl_waitfd *w = NULL;
    int i, left, still = 0;

    if (nextra > 0) {
        w = xcalloc((size_t)nextra, sizeof(*w));
        for (i = 0; i < nextra; i++) {
            w[i].fd = extra[i].fd;
            if (extra[i].events & POLLIN)
                w[i].events |= CURL_WAIT_POLLIN;
            if (extra[i].events & POLLPRI)
                w[i].events |= CURL_WAIT_POLLPRI;
            if (extra[i].events & POLLOUT)
                w[i].events |= CURL_WAIT_POLLOUT;
        }
    }
    curl_multi_poll(h->multi, w, (unsigned)(nextra > 0 ? nextra : 0),
                    timeout_ms < 0 ? INT_MAX : timeout_ms, NULL);
    free(w);
    /* curl reports only IN/PRI/OUT: a worker pipe's hang-up would look
     * like nothing at all, and a loop would spin on it.  Ask poll(2). */
    if (nextra > 0 && poll(extra, (nfds_t)nextra, 0) < 0)
        for (i = 0; i < nextra; i++)
            extra[i].revents = 0;
    curl_multi_perform(h->multi, &still);
    for (;;) {
        CURLMsg *msg = curl_multi_info_read(h->multi, &left);
        struct http_xfer *x = NULL;

        if (!msg)
            break;
        if (msg->msg != CURLMSG_DONE)
            continue;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
        http_finish(h, x, msg->data.result, 0);
    }
    return h->running;
}

int http_pending(const struct http *h)
{
    return h->running;
}

void http_abort_all(struct http *h)
{
    struct http_xfer **all, *x;
    size_t n = 0, i;

    /* A snapshot: callbacks may start transfers, which keep running. */
    all = xcalloc((size_t)h->running + 1, sizeof(*all));
    for (x = h->xfers; x; x = x->next)
        all[n++] = x;
    for (i = 0; i < n; i++)
        http_finish(h, all[i], CURLE_ABORTED_BY_CALLBACK, 1);
    free(all);
}

void http_free(struct http *h)
{
    if (!h)
        return;
    while (h->xfers) {
        struct http_xfer *x = h->xfers;

        http_unlink(h, x);
        curl_multi_remove_handle(h->multi, x->easy);
        curl_easy_cleanup(x->easy);
        http_xfer_free(x);
    }
    curl_multi_cleanup(h->multi);
    if (h->key) {
        http_wipe(h->key);
        free(h->key);
    }
    free(h);
}

const char *http_library_version(void)
{
    return curl_version();
}

/*
 * http: the libcurl multi wrapper.  One record per transfer (as the curl
 * tool's struct per_transfer), tagged on its easy handle with
 * CURLOPT_PRIVATE; finished transfers are found with curl_multi_info_read
 * (curl 7.88 has no CURLMOPT_NOTIFYFUNCTION).
 */
#define _POSIX_C_SOURCE 200809L
#include "http.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

struct http {
    CURLM *multi;
    char *key;
    char *auth_bases[4];
    long connect_timeout_ms, low_speed_time_s;
    int running;
    struct http_xfer *xfers; /* live transfers (curl 7.88 cannot list them) */
};

struct http_xfer {
    struct http_xfer *next, *prev;
    struct http *h;
    CURL *easy;
    struct curl_slist *headers;
    char errbuf[CURL_ERROR_SIZE];
    char *body;          /* request body copy */
    FILE *upload;        /* file body */
    int64_t upload_left;
    size_t max_body;
    FILE *download;
    struct http_resp resp;
    http_done_fn *done;
    void *arg;
};

static int http_global_ready;

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
    h->multi = curl_multi_init();
    if (!h->multi) {
        free(h);
        dub_errf(e, DUB_ENET, "cannot initialise libcurl");
        return NULL;
    }
    h->key = cfg->key ? xstrdup(cfg->key) : NULL;
    for (i = 0; i < DUB_ARRAY_LEN(cfg->auth_bases); i++)
        if (cfg->auth_bases[i])
            h->auth_bases[i] = xstrdup(cfg->auth_bases[i]);
    h->connect_timeout_ms = cfg->connect_timeout_ms ? cfg->connect_timeout_ms
                                                    : 10000;
    h->low_speed_time_s = cfg->low_speed_time_s ? cfg->low_speed_time_s : 60;
    return h;
}

/* scheme://host[:port] of url in lower case; 0 when it has none. */
static int http_origin(const char *url, char *out, size_t n, char *host,
                       size_t hn)
{
    const char *p = strstr(url, "://"), *end, *h0;
    size_t len, i;

    if (!p)
        return 0;
    h0 = p + 3;
    end = h0 + strcspn(h0, "/?#");
    len = (size_t)(end - url);
    if (len >= n || memchr(h0, '@', (size_t)(end - h0)))
        return 0;
    for (i = 0; i < len; i++)
        out[i] = (char)tolower((unsigned char)url[i]);
    out[len] = '\0';
    if (host) {
        const char *colon;
        size_t hl;

        if (*h0 == '[') {
            const char *rb = memchr(h0, ']', (size_t)(end - h0));

            if (!rb)
                return 0;
            hl = (size_t)(rb - h0 - 1);
            h0++;
        } else {
            colon = memchr(h0, ':', (size_t)(end - h0));
            hl = (size_t)((colon ? colon : end) - h0);
        }
        if (hl >= hn)
            return 0;
        for (i = 0; i < hl; i++)
            host[i] = (char)tolower((unsigned char)h0[i]);
        host[hl] = '\0';
    }
    return 1;
}

static int http_is_loopback(const char *host)
{
    struct in_addr a4;
    struct in6_addr a6;

    if (strcmp(host, "localhost") == 0)
        return 1;
    if (inet_pton(AF_INET, host, &a4) == 1)
        return (ntohl(a4.s_addr) >> 24) == 127;
    if (inet_pton(AF_INET6, host, &a6) == 1)
        return IN6_IS_ADDR_LOOPBACK(&a6);
    return 0;
}

int http_url_allowed(const char *url, struct dub_err *e)
{
    char origin[512], host[256];

    if (!http_origin(url, origin, sizeof(origin), host, sizeof(host)) ||
        !host[0])
        return dub_errf(e, DUB_EUSAGE, "'%.200s' is not a usable URL", url);
    if (util_starts_with(origin, "https://"))
        return 0;
    if (util_starts_with(origin, "http://") && http_is_loopback(host))
        return 0;
    return dub_errf(e, DUB_EUSAGE,
                    "refusing '%.200s': only https:// (or http:// to "
                    "loopback) is allowed",
                    url);
}

static int http_may_auth(const struct http *h, const char *url)
{
    char origin[512];
    size_t i;

    if (!h->key || !http_origin(url, origin, sizeof(origin), NULL, 0))
        return 0;
    for (i = 0; i < DUB_ARRAY_LEN(h->auth_bases); i++) {
        char base[512];

        if (h->auth_bases[i] &&
            http_origin(h->auth_bases[i], base, sizeof(base), NULL, 0) &&
            strcmp(base, origin) == 0)
            return 1;
    }
    return 0;
}

static size_t http_write(char *p, size_t size, size_t n, void *arg)
{
    struct http_xfer *x = arg;
    size_t len = size * n;

    x->resp.bytes += (int64_t)len;
    if (x->download)
        return fwrite(p, 1, len, x->download);
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

/* Keeps the few reply headers fal gives meaning to. */
static size_t http_header(char *p, size_t size, size_t n, void *arg)
{
    struct http_xfer *x = arg;
    size_t len = size * n;
    static const struct {
        const char *name;
        size_t off, cap;
    } keep[] = {
        {"x-fal-request-id:", offsetof(struct http_resp, request_id), 80},
        {"x-fal-error-type:", offsetof(struct http_resp, error_type), 64},
        {"x-fal-request-timeout-type:",
         offsetof(struct http_resp, timeout_type), 32},
        {"content-type:", offsetof(struct http_resp, content_type), 80},
        {"etag:", offsetof(struct http_resp, etag), 128},
    };
    size_t i;

    for (i = 0; i < DUB_ARRAY_LEN(keep); i++) {
        size_t nl = strlen(keep[i].name);
        const char *v, *end;

        if (len <= nl || strncasecmp(p, keep[i].name, nl) != 0)
            continue;
        v = p + nl;
        end = p + len;
        while (v < end && (*v == ' ' || *v == '\t'))
            v++;
        while (end > v && (end[-1] == '\r' || end[-1] == '\n' ||
                           end[-1] == ' '))
            end--;
        snprintf((char *)&x->resp + keep[i].off, keep[i].cap, "%.*s",
                 (int)(end - v), v);
    }
    return len;
}

static void http_xfer_free(struct http_xfer *x)
{
    curl_slist_free_all(x->headers);
    if (x->upload)
        fclose(x->upload);
    buf_release(&x->resp.body);
    free(x->body);
    free(x);
}

int http_start(struct http *h, const struct http_req *req, http_done_fn *done,
               void *arg, struct dub_err *e)
{
    struct http_xfer *x;
    CURL *c;

    if (http_url_allowed(req->url, e) < 0)
        return -1;
    x = xcalloc(1, sizeof(*x));
    x->h = h;
    x->done = done;
    x->arg = arg;
    x->max_body = req->max_body ? req->max_body : HTTP_MAX_BODY;
    x->download = req->download;
    c = x->easy = curl_easy_init();
    if (!c) {
        free(x);
        return dub_errf(e, DUB_ENET, "cannot create a transfer");
    }
    curl_easy_setopt(c, CURLOPT_URL, req->url);
    curl_easy_setopt(c, CURLOPT_PRIVATE, x);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, x->errbuf);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https,http");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "https");
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, h->connect_timeout_ms);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1024L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, h->low_speed_time_s);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "dubbatch/0.1");
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, http_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, http_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, x);
    if (req->once) {
        curl_easy_setopt(c, CURLOPT_FRESH_CONNECT, 1L);
        curl_easy_setopt(c, CURLOPT_FORBID_REUSE, 1L);
    }
    if (req->timeout_ms)
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, req->timeout_ms);
    else if (!req->download && !req->upload_path)
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 60000L);
    if (req->auth && http_may_auth(h, req->url)) {
        char *line = xasprintf("Authorization: Key %s", h->key);

        x->headers = curl_slist_append(x->headers, line);
        /* The line held the key: clear it before it is freed. */
        memset(line, 0, strlen(line));
        free(line);
    } else {
        /* Without the key, a CDN's redirect may be followed (https only). */
        curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
    }
    x->headers = curl_slist_append(x->headers, "Accept: application/json");
    if (req->content_type) {
        char *line = xasprintf("Content-Type: %s", req->content_type);

        x->headers = curl_slist_append(x->headers, line);
        free(line);
    }
    if (req->extra_header)
        x->headers = curl_slist_append(x->headers, req->extra_header);
    /* curl adds "Expect: 100-continue" to large uploads; fal's signed
     * URLs and the fake have no use for the extra round trip. */
    x->headers = curl_slist_append(x->headers, "Expect:");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, x->headers);

    if (req->upload_path) {
        x->upload = fopen(req->upload_path, "rb");
        if (!x->upload || fseeko(x->upload, req->upload_off, SEEK_SET) < 0) {
            dub_errf(e, DUB_EIO, "cannot read '%s': %s", req->upload_path,
                     strerror(errno));
            curl_easy_cleanup(c);
            http_xfer_free(x);
            return -1;
        }
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
                         (curl_off_t)req->body_len);
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method);
    }
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
}

/* Which failures prove the request never left: nothing was connected. */
static int http_maybe_sent(CURLcode rc, CURL *c)
{
    curl_off_t connect = 0;

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
    return connect > 0 || rc != CURLE_OPERATION_TIMEDOUT;
}

static void http_finish(struct http *h, CURL *c, CURLcode rc)
{
    struct http_xfer *x = NULL;
    long status = 0;

    curl_easy_getinfo(c, CURLINFO_PRIVATE, (char **)&x);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_multi_remove_handle(h->multi, c);
    http_unlink(h, x);
    h->running--;
    x->resp.status = (int)status;
    if (rc != CURLE_OK) {
        x->resp.transport_failed = 1;
        x->resp.maybe_sent = http_maybe_sent(rc, c);
        if (x->resp.truncated)
            snprintf(x->resp.err, sizeof(x->resp.err),
                     "reply body larger than %zu bytes", x->max_body);
        else
            snprintf(x->resp.err, sizeof(x->resp.err), "%s",
                     x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc));
    }
    if (!x->resp.body.data)
        buf_grow(&x->resp.body, 0);
    curl_easy_cleanup(c);
    x->easy = NULL;
    x->done(x->arg, &x->resp);
    http_xfer_free(x);
}

int http_poll(struct http *h, struct pollfd *extra, int nextra,
              int timeout_ms)
{
    struct curl_waitfd *w = NULL;
    CURLMsg *msg;
    int i, left, still = 0;

    if (nextra > 0) {
        w = xcalloc((size_t)nextra, sizeof(*w));
        for (i = 0; i < nextra; i++) {
            w[i].fd = extra[i].fd;
            w[i].events = CURL_WAIT_POLLIN;
        }
    }
    curl_multi_poll(h->multi, w, (unsigned)nextra, timeout_ms, NULL);
    for (i = 0; i < nextra; i++)
        extra[i].revents = (w[i].revents & CURL_WAIT_POLLIN) ? POLLIN : 0;
    free(w);
    curl_multi_perform(h->multi, &still);
    while ((msg = curl_multi_info_read(h->multi, &left)))
        if (msg->msg == CURLMSG_DONE)
            http_finish(h, msg->easy_handle, msg->data.result);
    return h->running;
}

int http_pending(struct http *h)
{
    return h->running;
}

void http_free(struct http *h)
{
    size_t i;

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
        memset(h->key, 0, strlen(h->key));
        free(h->key);
    }
    for (i = 0; i < DUB_ARRAY_LEN(h->auth_bases); i++)
        free(h->auth_bases[i]);
    free(h);
}

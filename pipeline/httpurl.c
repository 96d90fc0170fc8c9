/*
 * httpurl: which URLs the http module will fetch, and which may carry the
 * key.  Only https://, or http:// to loopback when fal itself is there;
 * a URL is judged by a hand parser (for fal.c and falcfg.c, which have no
 * libcurl) and again by libcurl's own, the one that will connect, whose
 * origin must equal a fal base's for the key to go with it.
 */
#define _POSIX_C_SOURCE 200809L
#include "httpint.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* ==== URLs ============================================================== */

/*
 * scheme://host[:port] of url in lower case, and its host; 0 when it has
 * none or carries user info.  A hand parser, so that fal.c and falcfg.c
 * can judge URLs without libcurl; http_start() checks again with curl's.
 */
static int http_split(const char *url, char *out, size_t n, char *host,
                      size_t hn)
{
    const char *p = strstr(url, "://"), *end, *h0, *colon;
    size_t len, i, hl;

    if (!p)
        return 0;
    h0 = p + 3;
    end = h0 + strcspn(h0, "/?#");
    len = (size_t)(end - url);
    if (len >= n || memchr(h0, '@', (size_t)(end - h0)) ||
        memchr(h0, '\\', (size_t)(end - h0)))
        return 0;
    for (i = 0; i < len; i++) {
        if ((unsigned char)url[i] <= ' ' || url[i] == 0x7f)
            return 0;
        out[i] = (char)tolower((unsigned char)url[i]);
    }
    out[len] = '\0';
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
    if (hl >= hn || hl == 0)
        return 0;
    for (i = 0; i < hl; i++)
        host[i] = (char)tolower((unsigned char)h0[i]);
    host[hl] = '\0';
    return 1;
}

/* host without brackets, in any case. */
static int http_is_loopback(const char *host)
{
    struct in_addr a4;
    struct in6_addr a6;
    char h[256];
    size_t n = strlen(host);

    if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
        if (n - 2 >= sizeof(h))
            return 0;
        memcpy(h, host + 1, n - 2);
        h[n - 2] = '\0';
        host = h;
    }
    if (strcasecmp(host, "localhost") == 0)
        return 1;
    if (inet_pton(AF_INET, host, &a4) == 1)
        return (ntohl(a4.s_addr) >> 24) == 127;
    if (inet_pton(AF_INET6, host, &a6) == 1)
        return IN6_IS_ADDR_LOOPBACK(&a6);
    return 0;
}

/* Loopback http is trusted only when the user pointed fal itself there;
 * process-wide, as curl's global set-up is. */
static int http_loopback_ok;

void http_allow_loopback(void)
{
    http_loopback_ok = 1;
}

static int http_allowed(const char *url, int loopback, struct dub_err *e)
{
    char origin[512], host[256];

    if (!url || !http_split(url, origin, sizeof(origin), host, sizeof(host)))
        return dub_errf(e, DUB_EUSAGE, "'%.200s' is not a usable URL",
                        url ? url : "(none)");
    if (util_starts_with(origin, "https://"))
        return 0;
    if (util_starts_with(origin, "http://") && http_is_loopback(host)) {
        if (loopback)
            return 0;
        return dub_errf(e, DUB_EUSAGE,
                        "refusing '%.200s': http:// to loopback is taken "
                        "only when fal's own URLs are loopback http",
                        url);
    }
    return dub_errf(e, DUB_EUSAGE,
                    "refusing '%.200s': only https:// (or http:// to "
                    "loopback) is allowed",
                    url);
}

int http_url_allowed(const char *url, struct dub_err *e)
{
    return http_allowed(url, http_loopback_ok, e);
}

int http_base_allowed(const char *url, struct dub_err *e)
{
    return http_allowed(url, 1, e);
}

/* Parses url with libcurl's own URL parser; 0 when it has no usable
 * origin, or names a user or password. */
int http_parse(const char *url, struct http_origin *o)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL, *user = NULL;
    int ok = 0;

    memset(o, 0, sizeof(*o));
    if (!u)
        return 0;
    if (curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) !=
            CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) !=
            CURLUE_OK)
        goto out;
    if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK)
        goto out;
    if (strlen(scheme) >= sizeof(o->scheme) ||
        strlen(host) >= sizeof(o->host) || strlen(port) >= sizeof(o->port))
        goto out;
    snprintf(o->scheme, sizeof(o->scheme), "%s", scheme);
    snprintf(o->host, sizeof(o->host), "%s", host);
    snprintf(o->port, sizeof(o->port), "%s", port);
    curl_free(port);
    port = NULL;
    o->explicit_port =
        curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK;
    ok = 1;
out:
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_free(user);
    curl_url_cleanup(u);
    return ok;
}

static int http_same_origin(const struct http_origin *a,
                            const struct http_origin *b)
{
    return strcasecmp(a->scheme, b->scheme) == 0 &&
           strcasecmp(a->host, b->host) == 0 && strcmp(a->port, b->port) == 0;
}

/* Refuses a URL either parser dislikes, and answers whether it is
 * loopback and whether it may carry the key. */
int http_judge(struct http *h, const char *url, int *loopback,
               int *may_auth, char *origin, size_t on,
               struct dub_err *e)
{
    struct http_origin o;
    int i;

    *loopback = *may_auth = 0;
    if (http_url_allowed(url, e) < 0)
        return -1;
    if (!http_parse(url, &o))
        return dub_errf(e, DUB_EUSAGE, "'%.200s' is not a usable URL", url);
    *loopback = http_is_loopback(o.host);
    if (strcasecmp(o.scheme, "https") != 0 &&
        !(strcasecmp(o.scheme, "http") == 0 && *loopback))
        return dub_errf(e, DUB_EUSAGE,
                        "refusing '%.200s': only https:// (or http:// to "
                        "loopback) is allowed",
                        url);
    snprintf(origin, on, "%s://%.120s%s%s", o.scheme, o.host,
             o.explicit_port ? ":" : "", o.explicit_port ? o.port : "");
    for (i = 0; i < h->nauth; i++)
        if (http_same_origin(&o, &h->auth[i]))
            *may_auth = h->key != NULL;
    return 0;
}

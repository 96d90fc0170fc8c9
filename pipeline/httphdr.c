/*
 * httphdr: the reply headers fal gives meaning to (its request id, error
 * and timeout types, the content type, an ETag, Retry-After), picked from
 * a reply's header lines into struct http_resp, printable only.  Part of
 * the http module; it needs no libcurl, so tests can feed it lines.
 */
#define _POSIX_C_SOURCE 200809L
#include "http.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* The reply headers fal gives meaning to. */
static const struct {
    const char *name;
    size_t off, cap;
} http_kept[] = {
    {"x-fal-request-id:", offsetof(struct http_resp, request_id),
     sizeof(((struct http_resp *)0)->request_id)},
    {"x-fal-error-type:", offsetof(struct http_resp, error_type),
     sizeof(((struct http_resp *)0)->error_type)},
    {"x-fal-request-timeout-type:", offsetof(struct http_resp, timeout_type),
     sizeof(((struct http_resp *)0)->timeout_type)},
    {"content-type:", offsetof(struct http_resp, content_type),
     sizeof(((struct http_resp *)0)->content_type)},
    {"etag:", offsetof(struct http_resp, etag),
     sizeof(((struct http_resp *)0)->etag)},
    {"retry-after:", offsetof(struct http_resp, retry_after),
     sizeof(((struct http_resp *)0)->retry_after)},
};

void http_header_line(struct http_resp *r, const char *p, size_t len)
{
    size_t i;

    /* A new status line (after a redirect, a 100 Continue or a proxy's
     * CONNECT reply): headers seen so far belonged to another reply. */
    if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) {
        for (i = 0; i < DUB_ARRAY_LEN(http_kept); i++)
            *((char *)r + http_kept[i].off) = '\0';
        return;
    }
    for (i = 0; i < DUB_ARRAY_LEN(http_kept); i++) {
        size_t nl = strlen(http_kept[i].name), k;
        char *dst = (char *)r + http_kept[i].off;
        const char *v, *end;

        if (len <= nl || strncasecmp(p, http_kept[i].name, nl) != 0)
            continue;
        v = p + nl;
        end = p + len;
        while (v < end && (*v == ' ' || *v == '\t'))
            v++;
        while (end > v && (end[-1] == '\r' || end[-1] == '\n' ||
                           end[-1] == ' ' || end[-1] == '\t'))
            end--;
        snprintf(dst, http_kept[i].cap, "%.*s", (int)(end - v), v);
        /* Header values end up in messages and logs: printable only. */
        for (k = 0; dst[k]; k++)
            if ((unsigned char)dst[k] < 0x20 || dst[k] == 0x7f)
                dst[k] = '?';
    }
}

/*
 * http.c's reply header lines, as libcurl hands them over: whatever a
 * server sends, every kept header stays a NUL-terminated, printable value
 * within its field, and a status line forgets them all.
 */
#define _POSIX_C_SOURCE 200809L
#include <string.h>

#include "fuzz.h"
#include "http.h"

#define KEPT(r, f) fuzz_assert(memchr((r)->f, '\0', sizeof((r)->f)) && \
                               fuzz_printable((r)->f))

static void check(const struct http_resp *r)
{
    KEPT(r, request_id);
    KEPT(r, error_type);
    KEPT(r, timeout_type);
    KEPT(r, content_type);
    KEPT(r, etag);
    KEPT(r, retry_after);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct http_resp r;
    const char *p = (const char *)data, *end = p + size;

    memset(&r, 0, sizeof(r));
    /* One line at a time, each with its LF, as curl does. */
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);

        http_header_line(&r, p, len);
        check(&r);
        if (len >= 5 && strncmp(p, "HTTP/", 5) == 0)
            fuzz_assert(!r.request_id[0] && !r.error_type[0] &&
                        !r.timeout_type[0] && !r.content_type[0] &&
                        !r.etag[0] && !r.retry_after[0]);
        p += len;
    }
    return 0;
}

/*
 * fal_classify() and its neighbours on any finished transfer.  The input
 * is a reply in the format of tests/fixtures/replies/README (header lines,
 * a blank line, the body), so those files are the seeds: the real headers
 * go through http_header_line() as libcurl's would, the pseudo-headers set
 * what http.c reports besides (status, transport failure, maybe-sent,
 * truncated, refused, aborted, origin).  Every operation is classified.
 */
#define _POSIX_C_SOURCE 200809L
#include <string.h>
#include <strings.h>

#include "fal.h"
#include "fuzz.h"

/* Text http.c writes itself (curl's words, the URL's origin) is
 * printable; so is what the harness gives it. */
static void set_text(char *dst, size_t cap, const char *v, size_t n)
{
    size_t i;

    snprintf(dst, cap, "%.*s", (int)n, v);
    for (i = 0; dst[i]; i++)
        if ((unsigned char)dst[i] < 0x20 || dst[i] == 0x7f)
            dst[i] = '?';
}

static int pseudo(struct http_resp *r, const char *line, size_t len)
{
    const char *colon = memchr(line, ':', len);
    const char *v;
    size_t nl, vl;
    long n;
    char num[16];

    if (!colon)
        return 1;
    nl = (size_t)(colon - line);
    v = colon + 1;
    vl = len - nl - 1;
    while (vl && *v == ' ') {
        v++;
        vl--;
    }
#define IS(name) (nl == strlen(name) && strncasecmp(line, name, nl) == 0)
    if (IS("status")) {
        set_text(num, sizeof(num), v, vl);
        r->status = util_parse_long(num, 0, 999, &n) == 0 ? (int)n : 0;
    } else if (IS("transport")) {
        r->transport_failed = 1;
        set_text(r->err, sizeof(r->err), v, vl);
    } else if (IS("maybe-sent")) {
        r->maybe_sent = vl > 0 && *v == '1';
    } else if (IS("truncated")) {
        r->truncated = vl > 0 && *v == '1';
        r->transport_failed |= r->truncated;
    } else if (IS("refused")) {
        r->refused = vl > 0 && *v == '1';
    } else if (IS("aborted")) {
        r->aborted = vl > 0 && *v == '1';
    } else if (IS("origin")) {
        set_text(r->origin, sizeof(r->origin), v, vl);
    } else {
        return 0;
    }
#undef IS
    return 1;
}

static void read_reply(struct http_resp *r, const uint8_t *data, size_t size)
{
    const char *p = (const char *)data, *end = p + size;

    memset(r, 0, sizeof(*r));
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);

        if (len == 0) {
            p++;
            break;
        }
        if (!pseudo(r, p, len))
            http_header_line(r, p, len + (nl != NULL));
        p += len + (nl != NULL);
    }
    if (p < end)
        buf_append(&r->body, p, (size_t)(end - p));
    /* http.c's bodies are always NUL-terminated. */
    buf_append(&r->body, "", 0);
    r->bytes = (int64_t)r->body.len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct http_resp r;
    int op;

    read_reply(&r, data, size);
    for (op = FAL_OP_SUBMIT; op <= FAL_OP_LIST; op++) {
        struct dub_err e = {0};
        enum fal_verdict v = fal_classify((enum fal_op)op, &r, &e);

        if (v != FAL_OK)
            fuzz_assert(e.msg[0] && fuzz_printable(e.msg));
        /* The one rule that costs money: a submit is sent again only when
         * it provably never reached fal. */
        if (op == FAL_OP_SUBMIT && v == FAL_RETRY)
            fuzz_assert((r.transport_failed && !r.maybe_sent) ||
                        r.status == 429 ||
                        (r.status == 503 && !r.request_id[0]));
        fal_classify((enum fal_op)op, &r, NULL);
    }
    fal_parse_cancel(&r);
    {
        int64_t ms = fal_retry_after_ms(&r, FAL_RETRY_AFTER_CAP_MS);

        fuzz_assert(ms >= -1 && ms <= FAL_RETRY_AFTER_CAP_MS);
    }
    buf_release(&r.body);
    return 0;
}

/*
 * fal's reply parsers on any body: each either fills its struct with what
 * fal.h promises (request ids we may log, URLs we may fetch, one-line
 * texts) or fails with words; nothing else.  An input with a NUL byte is
 * also read as two JSON inputs, before and after it, for the comparisons
 * of the reconcile step (fal_input_equal, fal_input_matches).
 */
#define _POSIX_C_SOURCE 200809L
#include <string.h>

#include "fal.h"
#include "fuzz.h"

static int url_ok(const char *u)
{
    return u && http_url_allowed(u, NULL) == 0;
}

static void submit(const char *body)
{
    struct fal_handle h;
    struct dub_err e;

    if (fal_parse_submit(body, &h, &e) == 0) {
        fuzz_assert(fal_request_id_ok(h.request_id));
        fuzz_assert(url_ok(h.status_url) && url_ok(h.response_url) &&
                    url_ok(h.cancel_url));
        fuzz_assert(h.queue_position >= 0);
    }
    fal_handle_release(&h);
}

static void status(const char *body)
{
    struct fal_status s;
    struct dub_err e;
    size_t i, lines = 0;

    if (fal_parse_status(body, &s, &e) == 0) {
        fuzz_assert(s.queue_position >= 0);
        fuzz_assert(!s.error || fuzz_printable(s.error));
        fuzz_assert(!s.error_type || fuzz_printable(s.error_type));
        for (i = 0; i < s.logs.len; i++) {
            unsigned char c = (unsigned char)s.logs.data[i];

            lines += c == '\n';
            fuzz_assert(c == '\n' || (c >= 0x20 && c != 0x7f));
        }
        fuzz_assert((int)lines == s.nlogs);
    }
    fal_status_release(&s);
}

static void output(const char *body)
{
    struct fal_output o;
    struct dub_err e;
    char *url;
    int64_t size;

    if (fal_parse_output(body, "video", &o, &e) == 0) {
        fuzz_assert(url_ok(o.url));
        fuzz_assert(o.file_size >= -1);
        fuzz_assert(!o.file_name || fuzz_printable(o.file_name));
        fuzz_assert(!o.content_type || fuzz_printable(o.content_type));
    }
    fal_output_release(&o);
    if (fal_parse_result(body, "video", &url, &size, &e) == 0)
        fuzz_assert(url_ok(url) && size >= -1);
    free(url);
}

static void initiate(const char *body)
{
    char *up, *file;
    struct dub_err e;

    if (fal_parse_initiate(body, &up, &file, &e) == 0)
        fuzz_assert(url_ok(up) && url_ok(file));
    free(up);
    free(file);
}

static void part(const char *body)
{
    char *etag;
    struct dub_err e;

    /* The body, or (as http.c keeps it) the ETag header. */
    if (fal_parse_part(body, NULL, &etag, &e) == 0)
        fuzz_assert(etag && *etag);
    free(etag);
    if (fal_parse_part(NULL, body, &etag, &e) == 0)
        fuzz_assert(etag && *etag && !strchr(etag, '"'));
    free(etag);
}

static void listing(const char *body)
{
    struct fal_listing l;
    struct dub_err e;
    int i;

    if (fal_parse_listing(body, &l, &e) == 0) {
        fuzz_assert(l.n >= 0);
        fuzz_assert(!l.has_more || l.next_cursor);
        for (i = 0; i < l.n; i++) {
            fuzz_assert(fal_request_id_ok(l.items[i].request_id));
            fuzz_assert(fuzz_printable(l.items[i].status));
            /* The canonical form is canonical. */
            fuzz_assert(!l.items[i].json_input ||
                        fal_input_equal(l.items[i].json_input,
                                        l.items[i].json_input));
        }
    }
    fal_listing_release(&l);
}

static void compare(const char *a, const char *b)
{
    fuzz_assert(fal_input_equal(a, b) == fal_input_equal(b, a));
    fal_input_matches(a, b);
    fal_input_matches(b, a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *body = fuzz_text(data, size);
    size_t n = strlen(body);

    submit(body);
    status(body);
    output(body);
    initiate(body);
    part(body);
    listing(body);
    if (n < size) {
        char *second = fuzz_text(data + n + 1, size - n - 1);

        compare(body, second);
        free(second);
    }
    free(body);
    return 0;
}

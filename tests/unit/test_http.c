/*
 * http: the reply header lines libcurl hands over, as a table: which are
 * kept, how values are trimmed and cut, and that a new status line (after
 * a redirect or a 100 Continue) forgets what came before.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>

#include "http.h"
#include "test.h"

struct hcase {
    const char *name;
    const char *lines;     /* fed one line (with its LF) at a time */
    const char *request_id, *retry_after, *etag, *content_type;
};

static const struct hcase cases[] = {
    {"kept headers, any case, CRLF trimmed",
     "X-Fal-Request-Id: abc-1\r\nRetry-After: 30\r\n"
     "ETag: \"e1\"\r\ncontent-type: application/json\r\n",
     "abc-1", "30", "\"e1\"", "application/json"},
    {"spaces and tabs around a value go",
     "x-fal-request-id:\t  spaced id \t\r\n", "spaced id", "", "", ""},
    {"a status line forgets the headers before it",
     "HTTP/1.1 302 Found\r\nx-fal-request-id: first\r\nRetry-After: 5\r\n"
     "HTTP/2 503\r\netag: e2\r\n", "", "", "e2", ""},
    {"a later header of the same name wins",
     "retry-after: 1\nretry-after: 2\n", "", "2", "", ""},
    {"control characters become '?'",
     "x-fal-request-id: a\x01" "b\x7f" "c\r\n", "a?b?c", "", "", ""},
    {"a value is cut to its field",
     "retry-after: 0123456789012345678901234567890123456789\r\n", "",
     "0123456789012345678901234567890", "", ""},
    {"a name alone, or a prefix of one, is not a header",
     "x-fal-request-id:\r\nx-fal-request: no\r\netag\r\n", "", "", "", ""},
    {"other headers are ignored",
     "Location: https://elsewhere/\r\nx-fal-request-id-extra: no\r\n", "",
     "", "", ""},
};

int main(void)
{
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct hcase *c = &cases[i];
        struct http_resp r;
        const char *p = c->lines;
        char name[160];

        memset(&r, 0, sizeof(r));
        while (*p) {
            size_t len = strcspn(p, "\n");

            len += p[len] == '\n';
            http_header_line(&r, p, len);
            p += len;
        }
        snprintf(name, sizeof(name), "header lines: %s (request id)", c->name);
        test_str(name, r.request_id, c->request_id);
        snprintf(name, sizeof(name), "header lines: %s (retry-after)", c->name);
        test_str(name, r.retry_after, c->retry_after);
        snprintf(name, sizeof(name), "header lines: %s (etag)", c->name);
        test_str(name, r.etag, c->etag);
        snprintf(name, sizeof(name), "header lines: %s (content type)",
                 c->name);
        test_str(name, r.content_type, c->content_type);
    }
    return test_report();
}

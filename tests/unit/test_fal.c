/*
 * fal: every reply shape of fal-protocol.md, from canned replies in
 * tests/fixtures/replies/ (one per file: "status: N", headers, a blank
 * line, the body), and the failure classification as a table.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fal.h"
#include "falcfg.h"
#include "test.h"

#ifndef REPLIES
#define REPLIES "tests/fixtures/replies"
#endif

/* Reads a canned reply into r (release r->body with buf_release). */
static int load(const char *name, struct http_resp *r)
{
    char *path = xasprintf("%s/%s", REPLIES, name);
    struct buf text = {0};
    char *line, *save = NULL, *body;
    struct dub_err e;

    memset(r, 0, sizeof(*r));
    if (util_read_file(path, 1 << 20, &text, &e) < 0) {
        printf("FAIL cannot read %s\n", path);
        free(path);
        return -1;
    }
    free(path);
    body = strstr(text.data, "\n\n");
    if (body) {
        *body = '\0';
        body += 2;
        buf_puts(&r->body, body);
        /* The files end in a newline that is not part of the body. */
        if (r->body.len && r->body.data[r->body.len - 1] == '\n')
            r->body.data[--r->body.len] = '\0';
    }
    if (!r->body.data)
        buf_grow(&r->body, 0);
    for (line = strtok_r(text.data, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        char *v = strchr(line, ':');

        if (!v)
            continue;
        *v++ = '\0';
        while (*v == ' ')
            v++;
        if (strcasecmp(line, "status") == 0)
            r->status = (int)strtol(v, NULL, 10);
        else if (strcasecmp(line, "x-fal-request-id") == 0)
            snprintf(r->request_id, sizeof(r->request_id), "%s", v);
        else if (strcasecmp(line, "x-fal-error-type") == 0)
            snprintf(r->error_type, sizeof(r->error_type), "%s", v);
        else if (strcasecmp(line, "x-fal-request-timeout-type") == 0)
            snprintf(r->timeout_type, sizeof(r->timeout_type), "%s", v);
        else if (strcasecmp(line, "content-type") == 0)
            snprintf(r->content_type, sizeof(r->content_type), "%s", v);
    }
    buf_release(&text);
    return 0;
}

struct klass {
    const char *file;
    enum fal_op op;
    enum fal_verdict want;
    const char *words; /* substring of the message, or NULL */
};

static const struct klass klasses[] = {
    {"submit_ok.http", FAL_OP_SUBMIT, FAL_OK, NULL},
    {"status_in_queue.http", FAL_OP_STATUS, FAL_OK, NULL},
    {"submit_429.http", FAL_OP_SUBMIT, FAL_RETRY, "HTTP 429: Too many concurrent requests (concurrent_requests_limit)"},
    {"submit_503_fal.http", FAL_OP_SUBMIT, FAL_RETRY, "No runner available (runner_scheduling_failure)"},
    {"submit_503_ingress.http", FAL_OP_SUBMIT, FAL_RETRY, "HTTP 503: non-JSON reply (text/html)"},
    {"submit_500.http", FAL_OP_SUBMIT, FAL_UNKNOWN, "HTTP 500: Internal error (internal_error)"},
    {"submit_502_empty.http", FAL_OP_SUBMIT, FAL_UNKNOWN, "HTTP 502: empty reply"},
    {"submit_504_user_timeout.http", FAL_OP_SUBMIT, FAL_FATAL, "Request timed out (request_timeout)"},
    {"submit_401.http", FAL_OP_SUBMIT, FAL_FATAL, "HTTP 401: No user found for Key ID and Secret"},
    {"submit_401_format.http", FAL_OP_SUBMIT, FAL_FATAL, "Expected '<key_id>:<key_secret>'"},
    {"submit_403_locked.http", FAL_OP_SUBMIT, FAL_FATAL, "Exhausted balance"},
    {"submit_422.http", FAL_OP_SUBMIT, FAL_FATAL, "voice_id: value is not a valid enumeration member (one_of)"},
    {"status_500.http", FAL_OP_STATUS, FAL_RETRY, "[request 1c5a8c2e-0b2f-4f7e-9a51-4a3c2a7e9d10]"},
    {"status_404.http", FAL_OP_STATUS, FAL_FATAL, "HTTP 404"},
    {"result_422_detail_list.http", FAL_OP_RESULT, FAL_FATAL,
     "video_url: Video duration must be at most 10 seconds (video_duration_too_long); audio_url: Failed to download the file (file_download_error)"},
    {"result_422_detail_string.http", FAL_OP_RESULT, FAL_FATAL, "HTTP 422: Generation failed"},
    {"result_504_flat.http", FAL_OP_RESULT, FAL_RETRY, "Request timed out (request_timeout)"},
    {"result_404_expired.http", FAL_OP_RESULT, FAL_FATAL, "Request not found"},
    {"initiate_401.http", FAL_OP_INITIATE, FAL_FATAL, "Authorization header is required"},
    {"cancel_202.http", FAL_OP_CANCEL, FAL_OK, NULL},
    {"cancel_400_done.http", FAL_OP_CANCEL, FAL_FATAL, "HTTP 400"},
};

static void classification(void)
{
    struct http_resp r;
    struct dub_err e;
    size_t i;

    for (i = 0; i < DUB_ARRAY_LEN(klasses); i++) {
        const struct klass *k = &klasses[i];
        enum fal_verdict v;
        char name[200];

        if (load(k->file, &r) < 0)
            continue;
        memset(&e, 0, sizeof(e));
        v = fal_classify(k->op, &r, &e);
        snprintf(name, sizeof(name), "classify %s", k->file);
        test_cond(name, v == k->want);
        if (k->words) {
            snprintf(name, sizeof(name), "%s says '%s'", k->file, k->words);
            test_cond(name, strstr(e.msg, k->words) != NULL);
            if (!strstr(e.msg, k->words))
                printf("  message: %s\n", e.msg);
        }
        buf_release(&r.body);
    }

    memset(&r, 0, sizeof(r));
    r.transport_failed = 1;
    snprintf(r.err, sizeof(r.err), "Failed to connect to 127.0.0.1 port 9");
    test_cond("a submit that never connected is retried",
              fal_classify(FAL_OP_SUBMIT, &r, &e) == FAL_RETRY && e.retryable);
    r.maybe_sent = 1;
    snprintf(r.err, sizeof(r.err), "Empty reply from server");
    test_cond("a submit whose reply was lost is reconciled, never resent",
              fal_classify(FAL_OP_SUBMIT, &r, &e) == FAL_UNKNOWN &&
                  !e.retryable && strstr(e.msg, "may have arrived"));
    test_cond("a status poll whose reply was lost is retried",
              fal_classify(FAL_OP_STATUS, &r, &e) == FAL_RETRY);

    /* A proxy's huge error page is summarised, not copied into messages. */
    memset(&r, 0, sizeof(r));
    r.status = 500;
    snprintf(r.content_type, sizeof(r.content_type), "text/html");
    for (i = 0; i < 100000; i++)
        buf_puts(&r.body, "<p>error</p>");
    fal_classify(FAL_OP_STATUS, &r, &e);
    test_cond("a huge HTML body is summarised",
              strlen(e.msg) < 200 && strstr(e.msg, "non-JSON reply (text/html)"));
    buf_release(&r.body);
}

static void parsers(void)
{
    struct http_resp r;
    struct fal_handle h;
    struct fal_status s;
    struct fal_listing l;
    struct dub_err e;
    char *url, *up;
    int64_t size;

    load("submit_ok.http", &r);
    test_cond("submit: request id and URLs, unknown fields ignored",
              fal_parse_submit(r.body.data, &h, &e) == 0 &&
                  strcmp(h.request_id, "1c5a8c2e-0b2f-4f7e-9a51-4a3c2a7e9d10") == 0 &&
                  strstr(h.status_url, "/status") && h.queue_position == 4);
    fal_handle_release(&h);
    buf_release(&r.body);
    load("submit_missing_urls.http", &r);
    test_cond("submit: missing URLs are a protocol error",
              fal_parse_submit(r.body.data, &h, &e) < 0 && e.code == DUB_EPROTO);
    buf_release(&r.body);
    load("submit_file_url.http", &r);
    test_cond("submit: a file:// URL from fal is refused",
              fal_parse_submit(r.body.data, &h, &e) < 0);
    buf_release(&r.body);
    load("submit_wrong_types.http", &r);
    test_cond("submit: wrong JSON types are refused",
              fal_parse_submit(r.body.data, &h, &e) < 0);
    buf_release(&r.body);
    test_cond("submit: an HTML body is refused",
              fal_parse_submit("<html>", &h, &e) < 0);
    test_cond("submit: an empty body is refused", fal_parse_submit("", &h, &e) < 0);

    load("status_in_queue.http", &r);
    test_cond("status: IN_QUEUE with its position",
              fal_parse_status(r.body.data, &s, &e) == 0 &&
                  s.state == FAL_IN_QUEUE && s.queue_position == 3);
    fal_status_release(&s);
    buf_release(&r.body);
    load("status_in_progress.http", &r);
    test_cond("status: IN_PROGRESS with its logs (a log without a message skipped)",
              fal_parse_status(r.body.data, &s, &e) == 0 &&
                  s.state == FAL_IN_PROGRESS && s.nlogs == 2 &&
                  strstr(s.logs.data, "2026-02-17T10:30:05.000Z INFO Syncing lips"));
    fal_status_release(&s);
    buf_release(&r.body);
    load("status_logs_null.http", &r);
    test_cond("status: logs may be null",
              fal_parse_status(r.body.data, &s, &e) == 0 && s.nlogs == 0);
    fal_status_release(&s);
    buf_release(&r.body);
    load("status_completed.http", &r);
    test_cond("status: COMPLETED",
              fal_parse_status(r.body.data, &s, &e) == 0 &&
                  s.state == FAL_COMPLETED && !s.error);
    fal_status_release(&s);
    buf_release(&r.body);
    load("status_completed_error.http", &r);
    test_cond("status: COMPLETED with a model error",
              fal_parse_status(r.body.data, &s, &e) == 0 &&
                  s.state == FAL_COMPLETED && s.error &&
                  strcmp(s.error_type, "request_timeout") == 0);
    fal_status_release(&s);
    buf_release(&r.body);
    load("status_unknown.http", &r);
    test_cond("status: there is no FAILED; an unknown status is an error",
              fal_parse_status(r.body.data, &s, &e) < 0 &&
                  strstr(e.msg, "unknown status 'FAILED'"));
    buf_release(&r.body);

    load("result_ok.http", &r);
    test_cond("result: video url and size",
              fal_parse_result(r.body.data, &url, &size, &e) == 0 &&
                  strcmp(url, "https://v3b.fal.media/files/b/0a1b2c3d/out.mp4") == 0 &&
                  size == 2345678);
    free(url);
    buf_release(&r.body);
    load("result_url_only.http", &r);
    test_cond("result: url alone is enough",
              fal_parse_result(r.body.data, &url, &size, &e) == 0 && size == -1);
    free(url);
    buf_release(&r.body);
    load("result_http_cdn.http", &r);
    test_cond("result: a plain-http CDN url is refused",
              fal_parse_result(r.body.data, &url, &size, &e) < 0);
    buf_release(&r.body);

    load("initiate_ok.http", &r);
    test_cond("initiate: upload and file URLs",
              fal_parse_initiate(r.body.data, &up, &url, &e) == 0 &&
                  strstr(up, "v3-uploads") && strstr(url, "clip.mp4"));
    {
        char *p = fal_part_url(up, 3), *c = fal_complete_url(up);

        test_str("multipart: part URL keeps the query after the number", p,
                 "https://v3-uploads.fal.media/upload/abc/3?sig=1&exp=2");
        test_str("multipart: complete URL likewise", c,
                 "https://v3-uploads.fal.media/upload/abc/complete?sig=1&exp=2");
        free(p);
        free(c);
    }
    free(up);
    free(url);
    buf_release(&r.body);

    load("listing_page.http", &r);
    test_cond("listing: items, canonical inputs, and the cursor",
              fal_parse_listing(r.body.data, &l, &e) == 0 && l.n == 2 &&
                  l.has_more && strcmp(l.next_cursor, "Mw==") == 0 &&
                  fal_input_equal(l.items[0].json_input,
                                  "{\"video_url\": \"https://v3.fal.media/v.mp4\","
                                  " \"audio_url\": \"https://v3.fal.media/a.mp3\"}") &&
                  l.items[1].json_input == NULL);
    fal_listing_release(&l);
    buf_release(&r.body);
    load("listing_no_cursor.http", &r);
    test_cond("listing: more without a cursor is an error",
              fal_parse_listing(r.body.data, &l, &e) < 0);
    buf_release(&r.body);
    load("listing_no_items.http", &r);
    test_cond("listing: no items array is an error",
              fal_parse_listing(r.body.data, &l, &e) < 0);
    buf_release(&r.body);
    test_cond("inputs differing in one value are not equal",
              !fal_input_equal("{\"a\":1,\"b\":\"x\"}", "{\"b\":\"y\",\"a\":1}"));
}

struct parts_case {
    int64_t size;
    int n;
    int64_t last;
};

static void builders(void)
{
    static const struct parts_case pc[] = {
        {0, 0, 0},
        {1, 1, 1},
        {FAL_PART_SIZE, 1, FAL_PART_SIZE},
        {FAL_PART_SIZE + 1, 2, 1},
        {9 * FAL_PART_SIZE, 9, FAL_PART_SIZE},
        {FAL_MULTIPART_THRESHOLD + 1, 10, 1},
        {100000000, 10, 100000000 - 9 * FAL_PART_SIZE},
    };
    struct fal_part *parts;
    char *s;
    size_t i;

    for (i = 0; i < DUB_ARRAY_LEN(pc); i++) {
        int n = fal_parts(pc[i].size, &parts), k, ok = n == pc[i].n;
        int64_t next = 0;
        char name[120];

        /* Parts cover the file exactly, in order, numbered from 1. */
        for (k = 0; ok && k < n; k++) {
            ok = parts[k].number == k + 1 && parts[k].offset == next &&
                 parts[k].length > 0 && parts[k].length <= FAL_PART_SIZE;
            next += parts[k].length;
        }
        ok = ok && next == pc[i].size &&
             (n == 0 || parts[n - 1].length == pc[i].last);
        snprintf(name, sizeof(name), "parts of %lld bytes: %d", (long long)pc[i].size,
                 pc[i].n);
        test_cond(name, ok);
        free(parts);
    }
    s = fal_submit_url("http://127.0.0.1:8/", "fal-ai/kling-video/lipsync/audio-to-video");
    test_str("submit url uses the full endpoint id", s,
             "http://127.0.0.1:8/fal-ai/kling-video/lipsync/audio-to-video");
    free(s);
    s = fal_payload_t2v("https://x/v.mp4", "Hi \"there\"", "uk_man2", "en", 1.25);
    test_str("t2v payload: exact fields, speed to one decimal", s,
             "{\"video_url\":\"https://x/v.mp4\",\"text\":\"Hi \\\"there\\\"\","
             "\"voice_id\":\"uk_man2\",\"voice_language\":\"en\",\"voice_speed\":1.3}");
    free(s);
    s = fal_status_url("https://q/fal-ai/kling-video/requests/x/status");
    test_str("status url asks for logs", s,
             "https://q/fal-ai/kling-video/requests/x/status?logs=1");
    free(s);
    s = fal_initiate_url("https://rest.fal.ai", 1);
    test_str("multipart initiate url", s,
             "https://rest.fal.ai/storage/upload/initiate-multipart?storage_type=fal-cdn-v3");
    free(s);
    {
        const char *etags[] = {"a1", "b2"};

        s = fal_complete_body(etags, 2);
        test_str("multipart complete body", s,
                 "{\"parts\":[{\"partNumber\":1,\"etag\":\"a1\"},{\"partNumber\":2,\"etag\":\"b2\"}]}");
        free(s);
    }
    s = fal_listing_url("https://api.fal.ai", "fal-ai/kling-video/lipsync/audio-to-video",
                        0, 1000, "a b");
    test_cond("listing url escapes its parameters",
              strstr(s, "endpoint_id=fal-ai%2Fkling-video%2Flipsync%2Faudio-to-video") &&
                  strstr(s, "start=1970-01-01T00%3A00%3A00.000Z") &&
                  strstr(s, "expand=payloads") && strstr(s, "cursor=a%20b"));
    free(s);
    test_cond("backoff doubles, caps, and jitters within 25%",
              fal_backoff_ms(0, 1000, 30000, 0.5) == 1000 &&
                  fal_backoff_ms(3, 1000, 30000, 0.5) == 8000 &&
                  fal_backoff_ms(10, 1000, 30000, 0.5) == 30000 &&
                  fal_backoff_ms(2, 1000, 30000, 0.0) == 3000 &&
                  fal_backoff_ms(2, 1000, 30000, 0.999) < 5000);
}

static void keys(void)
{
    struct dub_err e;
    char *k;

    test_cond("a key is trimmed",
              falcfg_key_clean("  id:secret\n", "FAL_KEY", &k, &e) == 0 &&
                  strcmp(k, "id:secret") == 0);
    free(k);
    test_cond("a key with a control character is refused, without echoing it",
              falcfg_key_clean("id:se\x01cret", "FAL_KEY", &k, &e) < 0 &&
                  !strstr(e.msg, "cret"));
    test_cond("a key without ':' is refused",
              falcfg_key_clean("justanid", "FAL_KEY", &k, &e) < 0 &&
                  strstr(e.msg, "<key_id>:<key_secret>") && !strstr(e.msg, "justanid"));
    test_cond("an empty key is refused", falcfg_key_clean(" \n", "FAL_KEY", &k, &e) < 0);
    test_cond("only https, or http to loopback",
              http_url_allowed("https://queue.fal.run", &e) == 0 &&
                  http_url_allowed("http://127.0.0.1:8080/x", &e) == 0 &&
                  http_url_allowed("http://[::1]:8080/x", &e) == 0 &&
                  http_url_allowed("http://localhost/x", &e) == 0 &&
                  http_url_allowed("http://10.0.0.1/x", &e) < 0 &&
                  http_url_allowed("http://127.0.0.1.evil.com/x", &e) < 0 &&
                  http_url_allowed("file:///etc/passwd", &e) < 0 &&
                  http_url_allowed("ftp://x/y", &e) < 0 &&
                  http_url_allowed("https://user:pw@host/x", &e) < 0);
}

int main(void)
{
    classification();
    parsers();
    builders();
    keys();
    return test_report();
}

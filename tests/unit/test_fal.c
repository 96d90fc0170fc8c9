/*
 * fal: every reply shape of fal-protocol.md, from canned replies in
 * tests/fixtures/replies/ (format in its README: header lines, a blank
 * line, the body; pseudo-headers describe transport failures), the
 * failure classification and the multipart slicing as tables, and the key
 * and base URL configuration.
 */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fal.h"
#include "falcfg.h"
#include "plan.h"
#include "test.h"

#ifndef REPLIES
#define REPLIES "tests/fixtures/replies"
#endif

#define RID "1c5a8c2e-0b2f-4f7e-9a51-4a3c2a7e9d10"

/* Copies a header value into a fixed field of r. */
#define SET(field, v) snprintf(r->field, sizeof(r->field), "%s", (v))

/* Reads a canned reply into r (release with buf_release(&r->body)). */
static int load(const char *name, struct http_resp *r)
{
    char *path = xasprintf("%s/%s", REPLIES, name);
    struct buf text = {0};
    char *line, *next, *body;
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
    buf_append(&r->body, "", 0);
    for (line = text.data; line && *line; line = next) {
        char *v;

        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        v = strchr(line, ':');
        if (!v)
            continue;
        *v++ = '\0';
        while (*v == ' ')
            v++;
        if (strcasecmp(line, "status") == 0)
            r->status = (int)strtol(v, NULL, 10);
        else if (strcasecmp(line, "x-fal-request-id") == 0)
            SET(request_id, v);
        else if (strcasecmp(line, "x-fal-error-type") == 0)
            SET(error_type, v);
        else if (strcasecmp(line, "x-fal-request-timeout-type") == 0)
            SET(timeout_type, v);
        else if (strcasecmp(line, "content-type") == 0)
            SET(content_type, v);
        else if (strcasecmp(line, "etag") == 0)
            SET(etag, v);
        else if (strcasecmp(line, "retry-after") == 0)
            SET(retry_after, v);
        else if (strcasecmp(line, "origin") == 0)
            SET(origin, v);
        else if (strcasecmp(line, "transport") == 0) {
            r->transport_failed = 1;
            SET(err, v);
        } else if (strcasecmp(line, "maybe-sent") == 0)
            r->maybe_sent = strcmp(v, "1") == 0;
        else if (strcasecmp(line, "truncated") == 0)
            r->truncated = strcmp(v, "1") == 0;
        else if (strcasecmp(line, "write-errno") == 0)
            r->write_errno = (int)strtol(v, NULL, 10);
    }
    buf_release(&text);
    return 0;
}

/* ==== Classification ==================================================== */

struct klass {
    const char *file;
    enum fal_op op;
    enum fal_verdict want;
    const char *words;  /* substring of the message, or NULL */
    const char *absent; /* must not be in the message, or NULL */
};

static const struct klass klasses[] = {
    /* Successes. */
    {"submit_ok.http", FAL_OP_SUBMIT, FAL_OK, NULL, NULL},
    {"status_in_queue.http", FAL_OP_STATUS, FAL_OK, NULL, NULL},
    {"cancel_202.http", FAL_OP_CANCEL, FAL_OK, NULL, NULL},
    {"cancel_200_success.http", FAL_OP_CANCEL, FAL_OK, NULL, NULL},

    /* Submit: retried only when it provably never reached fal. */
    {"submit_429.http", FAL_OP_SUBMIT, FAL_RETRY,
     "HTTP 429: Too many concurrent requests (concurrent_requests_limit)",
     NULL},
    {"submit_429_retry_after.http", FAL_OP_SUBMIT, FAL_RETRY,
     "Too many requests (concurrent_requests_limit)", NULL},
    {"submit_503_ingress.http", FAL_OP_SUBMIT, FAL_RETRY,
     "HTTP 503: non-JSON reply (text/html, 113 bytes)", "nginx"},
    {"submit_refused.http", FAL_OP_SUBMIT, FAL_RETRY,
     "fal submit: Failed to connect to queue.fal.run port 443", NULL},
    {"submit_503_fal.http", FAL_OP_SUBMIT, FAL_UNKNOWN,
     "No runner available (runner_scheduling_failure) [request " RID
     "] (the request may have arrived: not sent again)", NULL},
    {"submit_500.http", FAL_OP_SUBMIT, FAL_UNKNOWN,
     "HTTP 500: Internal error (internal_error)", NULL},
    {"submit_502_empty.http", FAL_OP_SUBMIT, FAL_UNKNOWN,
     "HTTP 502: empty reply", NULL},
    {"submit_408.http", FAL_OP_SUBMIT, FAL_UNKNOWN,
     "HTTP 408: non-JSON reply (text/plain, 15 bytes)", NULL},
    {"submit_dropped.http", FAL_OP_SUBMIT, FAL_UNKNOWN,
     "Empty reply from server (the request may have arrived", NULL},
    /* A 2xx is fal's word that it has the work, however broken. */
    {"submit_200_too_big.http", FAL_OP_SUBMIT, FAL_ACCEPTED,
     "a reply larger than", NULL},
    /* Submit: permanent. */
    {"submit_504_user_timeout.http", FAL_OP_SUBMIT, FAL_FATAL,
     "Request timed out (request_timeout)", NULL},
    {"submit_401.http", FAL_OP_SUBMIT, FAL_FATAL,
     "HTTP 401: No user found for Key ID and Secret", NULL},
    {"submit_401_format.http", FAL_OP_SUBMIT, FAL_FATAL,
     "Expected '<key_id>:<key_secret>'", NULL},
    {"submit_403_locked.http", FAL_OP_SUBMIT, FAL_FATAL,
     "Exhausted balance", NULL},
    {"submit_422.http", FAL_OP_SUBMIT, FAL_FATAL,
     "voice_id: value is not a valid enumeration member (one_of)", NULL},
    {"submit_302.http", FAL_OP_SUBMIT, FAL_FATAL,
     "HTTP 302: a redirect, not followed", "elsewhere"},

    /* Status polls: 500 is transient here. */
    {"status_500.http", FAL_OP_STATUS, FAL_RETRY,
     "Internal server error (runner_server_error) [request " RID "]", NULL},
    {"status_timeout.http", FAL_OP_STATUS, FAL_RETRY, "Operation timed out",
     "may have arrived"},
    {"status_404.http", FAL_OP_STATUS, FAL_FATAL, "HTTP 404: NOT_FOUND",
     NULL},
    /* Every log line so far: it would only grow. */
    {"status_200_too_big.http", FAL_OP_STATUS, FAL_FATAL,
     "a reply larger than", NULL},
    {"error_flat_header_only.http", FAL_OP_STATUS, FAL_RETRY,
     "HTTP 503: Runner disconnected (runner_disconnected)", NULL},

    /* Results replay the model's error. */
    {"result_422_detail_list.http", FAL_OP_RESULT, FAL_FATAL,
     "video_url: Video duration must be at most 10 seconds "
     "(video_duration_too_long); audio_url: Failed to download the file "
     "(file_download_error)", NULL},
    {"result_422_detail_string.http", FAL_OP_RESULT, FAL_FATAL,
     "HTTP 422: Generation failed", NULL},
    {"result_504_flat.http", FAL_OP_RESULT, FAL_RETRY,
     "Request timed out (request_timeout)", NULL},
    {"result_504_user_timeout.http", FAL_OP_RESULT, FAL_FATAL,
     "HTTP 504: Request timed out (request_timeout)", NULL},
    {"result_404_expired.http", FAL_OP_RESULT, FAL_FATAL,
     "Request not found", NULL},
    /* After a clean COMPLETED, a 500 is the edge failing: retried. */
    {"result_500_internal.http", FAL_OP_RESULT, FAL_RETRY,
     "HTTP 500: Internal error (internal_error)", NULL},
    {"result_500_after_completed.http", FAL_OP_RESULT, FAL_RETRY,
     "HTTP 500: Internal Server Error [request " RID "]", NULL},
    /* A failed request's result is its error, whatever the code. */
    {"result_504_flat.http", FAL_OP_ERROR, FAL_FATAL,
     "Request timed out (request_timeout)", NULL},
    {"result_500_runner.http", FAL_OP_ERROR, FAL_FATAL,
     "Runner returned an error (runner_server_error)", NULL},
    {"status_timeout.http", FAL_OP_ERROR, FAL_RETRY, "Operation timed out",
     NULL},
    {"result_500_runner.http", FAL_OP_RESULT, FAL_RETRY,
     "Runner returned an error (runner_server_error)", NULL},
    {"result_499_cancelled.http", FAL_OP_RESULT, FAL_FATAL,
     "HTTP 499: Request cancelled by the client (client_cancelled)", NULL},

    /* Storage, CDN, cancel, listing. */
    {"initiate_401.http", FAL_OP_INITIATE, FAL_FATAL,
     "Authorization header is required", NULL},
    /* Storage and the CDN fail in S3's words; an expired link is made
     * anew, a busy store is waited for. */
    {"upload_403_xml.http", FAL_OP_UPLOAD, FAL_REINIT,
     "HTTP 403: storage error AccessDenied: Request has expired from "
     "https://v3-uploads.fal.media", "<Error>"},
    {"upload_503_slowdown.http", FAL_OP_UPLOAD, FAL_RETRY,
     "HTTP 503: storage error SlowDown: Please reduce your request rate. "
     "from https://v3-uploads.fal.media", NULL},
    {"upload_400_request_timeout.http", FAL_OP_UPLOAD, FAL_RETRY,
     "HTTP 400: storage error RequestTimeout", NULL},
    {"download_500_internal_xml.http", FAL_OP_DOWNLOAD, FAL_RETRY,
     "storage error InternalError", NULL},
    {"download_400_expired_token.http", FAL_OP_DOWNLOAD, FAL_REINIT,
     "storage error ExpiredToken", NULL},
    {"download_403_expired.http", FAL_OP_DOWNLOAD, FAL_REINIT,
     "AccessDenied", NULL},
    {"download_404_text.http", FAL_OP_DOWNLOAD, FAL_REINIT,
     "fal download: HTTP 404: non-JSON reply (text/plain, 9 bytes) from "
     "https://v3b.fal.media", NULL},
    {"download_reset_mid_body.http", FAL_OP_DOWNLOAD, FAL_RETRY,
     "Connection reset by peer", NULL},
    {"status_502_html_proxy.http", FAL_OP_STATUS, FAL_RETRY,
     "HTTP 502: non-JSON reply (text/html, ", "cloudflare"},
    {"status_502_html_proxy.http", FAL_OP_SUBMIT, FAL_UNKNOWN,
     "(the request may have arrived: not sent again)", NULL},
    {"upload_503_slowdown.http", FAL_OP_INITIATE, FAL_RETRY, "SlowDown",
     NULL},
    {"download_too_big.http", FAL_OP_DOWNLOAD, FAL_FATAL,
     "a reply larger than", NULL},
    {"cancel_400_done.http", FAL_OP_CANCEL, FAL_FATAL,
     "HTTP 400: ALREADY_COMPLETED", NULL},
    {"cancel_404.http", FAL_OP_CANCEL, FAL_FATAL, "HTTP 404: NOT_FOUND",
     NULL},
    {"list_500.http", FAL_OP_LIST, FAL_RETRY,
     "fal request listing: HTTP 500: Internal Server Error", NULL},
    {"list_429.http", FAL_OP_LIST, FAL_RETRY, "Rate limit exceeded", NULL},

    /* Every error body shape. */
    {"error_detail_mixed.http", FAL_OP_RESULT, FAL_FATAL,
     "plain string entry; items.0.url: bad url (value_error); invalid; "
     "invalid", NULL},
    {"error_detail_long.http", FAL_OP_RESULT, FAL_FATAL, "more", NULL},
    {"error_detail_string_long.http", FAL_OP_RESULT, FAL_FATAL, "HTTP 400: yyy",
     NULL},
    {"error_detail_object.http", FAL_OP_RESULT, FAL_FATAL,
     "HTTP 400: error with no detail", NULL},
    {"error_json_array.http", FAL_OP_RESULT, FAL_FATAL,
     "HTTP 400: unexpected JSON reply", NULL},
    {"error_message_key.http", FAL_OP_RESULT, FAL_FATAL,
     "HTTP 403: Forbidden by policy", NULL},
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

        if (load(k->file, &r) < 0) {
            test_cond(k->file, 0);
            continue;
        }
        memset(&e, 0, sizeof(e));
        v = fal_classify(k->op, &r, &e);
        snprintf(name, sizeof(name), "classify %s", k->file);
        test_cond(name, v == k->want);
        if (v != k->want)
            printf("  verdict %d, message: %s\n", (int)v, e.msg);
        if (k->want != FAL_OK) {
            snprintf(name, sizeof(name), "%s: retryable flag", k->file);
            test_cond(name, e.retryable == (k->want == FAL_RETRY));
            snprintf(name, sizeof(name), "%s: one line, bounded", k->file);
            test_cond(name, !strchr(e.msg, '\n') && strlen(e.msg) < 900);
        }
        if (k->words) {
            snprintf(name, sizeof(name), "%s says '%.60s'", k->file,
                     k->words);
            test_cond(name, strstr(e.msg, k->words) != NULL);
            if (!strstr(e.msg, k->words))
                printf("  message: %s\n", e.msg);
        }
        if (k->absent) {
            snprintf(name, sizeof(name), "%s does not quote '%s'", k->file,
                     k->absent);
            test_cond(name, strstr(e.msg, k->absent) == NULL);
        }
        buf_release(&r.body);
    }

    load("result_422_detail_list.http", &r);
    fal_classify(FAL_OP_RESULT, &r, &e);
    test_cond("a 422 is the model's failure, with its status",
              e.code == DUB_EMODEL && e.http_status == 422);
    buf_release(&r.body);

    /* A proxy's huge error page is summarised, not copied into messages. */
    memset(&r, 0, sizeof(r));
    r.status = 502;
    snprintf(r.content_type, sizeof(r.content_type), "text/html");
    snprintf(r.origin, sizeof(r.origin), "https://queue.fal.run");
    for (i = 0; i < 60000; i++)
        buf_puts(&r.body, "<p>error</p>");
    test_cond("a huge HTML body from a proxy is retried on status",
              fal_classify(FAL_OP_STATUS, &r, &e) == FAL_RETRY);
    test_cond("a huge HTML body is summarised with its size and origin",
              strlen(e.msg) < 200 &&
                  strstr(e.msg, "HTTP 502: non-JSON reply (text/html, "
                                "720000 bytes) from https://queue.fal.run") &&
                  !strstr(e.msg, "<p>"));
    buf_release(&r.body);

    /* Past the cap http.c stops reading: the status still decides. */
    memset(&r, 0, sizeof(r));
    r.status = 401;
    r.transport_failed = r.truncated = r.maybe_sent = 1;
    r.bytes = 2000000;
    test_cond("a truncated 401 is still a 401",
              fal_classify(FAL_OP_SUBMIT, &r, &e) == FAL_FATAL &&
                  strstr(e.msg, "HTTP 401: a reply larger than 2000000"));

    memset(&r, 0, sizeof(r));
    r.transport_failed = r.refused = 1;
    r.status = 302;
    snprintf(r.err, sizeof(r.err), "Protocol \"http\" not supported");
    test_cond("a redirect libcurl refuses to follow is not tried again",
              fal_classify(FAL_OP_DOWNLOAD, &r, &e) == FAL_FATAL &&
                  !e.retryable && strstr(e.msg, "not supported"));

    memset(&r, 0, sizeof(r));
    r.transport_failed = r.aborted = 1;
    snprintf(r.err, sizeof(r.err), "transfer aborted");
    test_cond("an aborted status poll is tried again later",
              fal_classify(FAL_OP_STATUS, &r, &e) == FAL_RETRY);
    r.maybe_sent = 1;
    test_cond("an aborted submit that may have left is reconciled",
              fal_classify(FAL_OP_SUBMIT, &r, &e) == FAL_UNKNOWN);
    test_cond("classification works without an error to fill",
              fal_classify(FAL_OP_SUBMIT, &r, NULL) == FAL_UNKNOWN);
}

/* Past its time or stalled: a download asks for a fresh link, anything
 * else is the same as a reset. */
static void slow(void)
{
    struct http_resp r;
    struct dub_err e;

    memset(&r, 0, sizeof(r));
    r.transport_failed = r.maybe_sent = r.timed_out = 1;
    snprintf(r.err, sizeof(r.err), "Operation too slow");
    test_cond("a download past its time asks for a fresh link",
              fal_classify(FAL_OP_DOWNLOAD, &r, &e) == FAL_REINIT &&
                  strstr(e.msg, "fal download: Operation too slow"));
    test_cond("a submit past its time is reconciled",
              fal_classify(FAL_OP_SUBMIT, &r, &e) == FAL_UNKNOWN);
    test_cond("a status poll past its time is tried again",
              fal_classify(FAL_OP_STATUS, &r, &e) == FAL_RETRY);
    test_cond("an upload past its time is tried again",
              fal_classify(FAL_OP_UPLOAD, &r, &e) == FAL_RETRY);
    r.timed_out = 0;
    test_cond("a download reset mid-body is tried again on its link",
              fal_classify(FAL_OP_DOWNLOAD, &r, &e) == FAL_RETRY);
}

/* ==== Parsers =========================================================== */

static void parse_submit(void)
{
    struct http_resp r;
    struct fal_handle h;
    struct dub_err e;

    load("submit_ok.http", &r);
    test_cond("submit: request id and URLs, unknown fields ignored",
              fal_parse_submit(r.body.data, &h, &e) == 0 &&
                  strcmp(h.request_id, RID) == 0 &&
                  strstr(h.status_url, "/status") && h.queue_position == 4);
    fal_handle_release(&h);
    buf_release(&r.body);
    load("submit_unknown_fields.http", &r);
    test_cond("submit: fal's URLs are kept as sent, a wild position clamped",
              fal_parse_submit(r.body.data, &h, &e) == 0 &&
                  strcmp(h.cancel_url, "https://queue.fal.run/fal-ai/"
                                       "kling-video/requests/" RID
                                       "/cancel") == 0 &&
                  h.queue_position == 0);
    fal_handle_release(&h);
    buf_release(&r.body);
    load("submit_missing_urls.http", &r);
    test_cond("submit: missing URLs are a protocol error",
              fal_parse_submit(r.body.data, &h, &e) < 0 &&
                  e.code == DUB_EPROTO);
    buf_release(&r.body);
    load("submit_file_url.http", &r);
    test_cond("submit: a file:// URL from fal is refused",
              fal_parse_submit(r.body.data, &h, &e) < 0);
    buf_release(&r.body);
    load("submit_wrong_types.http", &r);
    test_cond("submit: wrong JSON types are refused",
              fal_parse_submit(r.body.data, &h, &e) < 0);
    buf_release(&r.body);
    load("submit_bad_id.http", &r);
    test_cond("submit: a request id that is not an id is refused",
              fal_parse_submit(r.body.data, &h, &e) < 0);
    buf_release(&r.body);
    load("error_empty_200_body.http", &r);
    test_cond("submit: an empty 200 is refused",
              fal_parse_submit(r.body.data, &h, &e) < 0);
    buf_release(&r.body);
    test_cond("submit: an HTML body is refused",
              fal_parse_submit("<html>", &h, &e) < 0);
    test_cond("submit: NULL is refused", fal_parse_submit(NULL, &h, &e) < 0);
    test_cond("request ids: UUIDs yes, paths and queries no",
              fal_request_id_ok(RID) && fal_request_id_ok("a.b_c-9") &&
                  !fal_request_id_ok("") && !fal_request_id_ok("a/b") &&
                  !fal_request_id_ok("a?b") && !fal_request_id_ok("a b") &&
                  !fal_request_id_ok(NULL));
}

static void parse_status(void)
{
    struct http_resp r;
    struct fal_status s;
    struct dub_err e;

    load("status_in_queue.http", &r);
    test_cond("status: IN_QUEUE with its position",
              fal_parse_status(r.body.data, &s, &e) == 0 &&
                  s.state == FAL_IN_QUEUE && s.queue_position == 3);
    fal_status_release(&s);
    buf_release(&r.body);
    load("status_messy.http", &r);
    test_cond("status: a negative position and logs that are no list",
              fal_parse_status(r.body.data, &s, &e) == 0 &&
                  s.state == FAL_IN_QUEUE && s.queue_position == 0 &&
                  s.nlogs == 0);
    fal_status_release(&s);
    buf_release(&r.body);
    load("status_in_progress.http", &r);
    test_cond("status: IN_PROGRESS with its logs (a log without a message "
              "skipped)",
              fal_parse_status(r.body.data, &s, &e) == 0 &&
                  s.state == FAL_IN_PROGRESS && s.nlogs == 2 &&
                  strstr(s.logs.data,
                         "2026-02-17T10:30:05.000Z INFO Syncing lips"));
    fal_status_release(&s);
    buf_release(&r.body);
    load("status_log_newlines.http", &r);
    test_str("status: one line per log entry, whatever the message holds",
             fal_parse_status(r.body.data, &s, &e) == 0 && s.nlogs == 2
                 ? s.logs.data
                 : NULL,
             "2026-02-17T10:30:01.123Z INFO X line one line two  [31mred\n"
             "- INFO ok\n");
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
                  strcmp(s.error, "Request timed out") == 0 &&
                  strcmp(s.error_type, "request_timeout") == 0);
    fal_status_release(&s);
    buf_release(&r.body);
    load("status_completed_type_only.http", &r);
    test_cond("status: an error_type alone is still a failure",
              fal_parse_status(r.body.data, &s, &e) == 0 &&
                  s.state == FAL_COMPLETED && s.error &&
                  strstr(s.error, "runner_disconnected"));
    fal_status_release(&s);
    buf_release(&r.body);
    load("status_unknown.http", &r);
    test_cond("status: there is no FAILED; an unknown status is an error",
              fal_parse_status(r.body.data, &s, &e) < 0 &&
                  strstr(e.msg, "unknown status 'FAILED'"));
    buf_release(&r.body);
    load("status_wrong_types.http", &r);
    test_cond("status: a status that is no string is an error",
              fal_parse_status(r.body.data, &s, &e) < 0 &&
                  e.code == DUB_EPROTO);
    buf_release(&r.body);
    test_cond("status: an empty body is an error",
              fal_parse_status("", &s, &e) < 0);
}

static void parse_result(void)
{
    struct http_resp r;
    struct fal_output o;
    struct dub_err e;
    char *url;
    int64_t size;

    load("result_ok.http", &r);
    test_cond("result: the whole File",
              fal_parse_output(r.body.data, "video", &o, &e) == 0 &&
                  strcmp(o.url, "https://v3b.fal.media/files/b/0a1b2c3d/"
                                "out.mp4") == 0 &&
                  strcmp(o.content_type, "video/mp4") == 0 &&
                  strcmp(o.file_name, "out.mp4") == 0 &&
                  o.file_size == 2345678);
    fal_output_release(&o);
    test_cond("result: video url and size",
              fal_parse_result(r.body.data, "video", &url, &size, &e) == 0 &&
                  strcmp(url, "https://v3b.fal.media/files/b/0a1b2c3d/"
                              "out.mp4") == 0 &&
                  size == 2345678);
    free(url);
    buf_release(&r.body);
    load("result_url_only.http", &r);
    test_cond("result: url alone is enough",
              fal_parse_output(r.body.data, "video", &o, &e) == 0 &&
                  o.file_size == -1 && !o.content_type && !o.file_name);
    fal_output_release(&o);
    buf_release(&r.body);
    load("result_huge_size.http", &r);
    test_cond("result: an absurd size, a typeless type and a name with a "
              "newline are tamed",
              fal_parse_output(r.body.data, "video", &o, &e) == 0 &&
                  o.file_size == -1 && !o.content_type &&
                  strcmp(o.file_name, "out mp4") == 0);
    fal_output_release(&o);
    buf_release(&r.body);
    load("result_http_cdn.http", &r);
    test_cond("result: a plain-http CDN url is refused",
              fal_parse_result(r.body.data, "video", &url, &size, &e) < 0 && !url);
    buf_release(&r.body);
    load("result_file_url.http", &r);
    test_cond("result: a file:// url is refused",
              fal_parse_output(r.body.data, "video", &o, &e) < 0);
    buf_release(&r.body);
    load("result_wrong_types.http", &r);
    test_cond("result: video as a string is refused",
              fal_parse_output(r.body.data, "video", &o, &e) < 0 &&
                  e.code == DUB_EPROTO);
    buf_release(&r.body);
}

struct cancel_case {
    const char *file;
    enum fal_cancel want;
};

static void parse_cancel(void)
{
    static const struct cancel_case cc[] = {
        {"cancel_202.http", FAL_CANCEL_REQUESTED},
        {"cancel_200_success.http", FAL_CANCEL_REQUESTED},
        {"cancel_200_ok.http", FAL_CANCEL_REQUESTED},
        {"cancel_200_false.http", FAL_CANCEL_FAILED},
        {"cancel_400_done.http", FAL_CANCEL_DONE},
        {"cancel_404.http", FAL_CANCEL_GONE},
        {"submit_401.http", FAL_CANCEL_FAILED},
        {"status_500.http", FAL_CANCEL_FAILED},
        {"status_timeout.http", FAL_CANCEL_FAILED},
    };
    struct http_resp r;
    size_t i;

    for (i = 0; i < DUB_ARRAY_LEN(cc); i++) {
        char name[120];

        load(cc[i].file, &r);
        snprintf(name, sizeof(name), "cancel reply %s", cc[i].file);
        test_cond(name, fal_parse_cancel(&r) == cc[i].want);
        buf_release(&r.body);
    }
}

/* The queue's word for an id it does not know, against a 404 from a
 * server that is not fal's queue: how preflight tells a wrong base URL. */
static void not_found(void)
{
    static const struct cancel_case nf[] = {
        {"status_404.http", 1},
        {"cancel_404.http", 1},
        {"app_404_detail.http", 0},
        {"proxy_404_html.http", 0},
        {"result_404_expired.http", 0},
        {"status_in_queue.http", 0},
        {"submit_401.http", 0},
    };
    struct http_resp r;
    size_t i;

    for (i = 0; i < DUB_ARRAY_LEN(nf); i++) {
        char name[120];

        if (load(nf[i].file, &r) < 0)
            continue;
        snprintf(name, sizeof(name), "not found: %s", nf[i].file);
        test_cond(name, fal_not_found(&r) == (int)nf[i].want);
        buf_release(&r.body);
    }
}

static void parse_storage(void)
{
    struct http_resp r;
    struct dub_err e;
    char *url, *up, *etag;

    load("initiate_ok.http", &r);
    test_cond("initiate: upload and file URLs",
              fal_parse_initiate(r.body.data, &up, &url, &e) == 0 &&
                  strstr(up, "v3-uploads") && strstr(url, "clip.mp4"));
    {
        char *p = fal_part_url(up, 3), *c = fal_complete_url(up);

        test_str("multipart: part URL keeps the query after the number", p,
                 "https://v3-uploads.fal.media/upload/abc/3?sig=1&exp=2");
        test_str("multipart: complete URL likewise", c,
                 "https://v3-uploads.fal.media/upload/abc/complete?sig=1&"
                 "exp=2");
        free(p);
        free(c);
    }
    free(up);
    free(url);
    buf_release(&r.body);
    test_cond("initiate: a file:// upload URL is refused",
              fal_parse_initiate("{\"upload_url\":\"file:///x\","
                                 "\"file_url\":\"https://v3.fal.media/a\"}",
                                 &up, &url, &e) < 0 && !up && !url);

    test_cond("part: the etag from the reply's JSON",
              fal_parse_part("{\"partNumber\":1,\"etag\":\"abc\"}", "\"zzz\"",
                             &etag, &e) == 0 && strcmp(etag, "abc") == 0);
    free(etag);
    test_cond("part: else the ETag header, unquoted",
              fal_parse_part("", "W/\"d41d8cd9\"", &etag, &e) == 0 &&
                  strcmp(etag, "d41d8cd9") == 0);
    free(etag);
    test_cond("part: neither is an error",
              fal_parse_part("{\"etag\":5}", "", &etag, &e) < 0 && !etag);
}

static void parse_listing(void)
{
    struct http_resp r;
    struct fal_listing l;
    struct dub_err e;
    const char *ours = "{\"video_url\": \"https://v3.fal.media/v.mp4\","
                       " \"audio_url\": \"https://v3.fal.media/a.mp3\"}";

    load("listing_page.http", &r);
    test_cond("listing: items, canonical inputs, and the cursor",
              fal_parse_listing(r.body.data, &l, &e) == 0 && l.n == 2 &&
                  l.has_more && strcmp(l.next_cursor, "Mw==") == 0 &&
                  fal_input_equal(l.items[0].json_input, ours) &&
                  fal_input_matches(ours, l.items[0].json_input) &&
                  strcmp(l.items[0].status, "success") == 0 &&
                  l.items[1].json_input == NULL);
    fal_listing_release(&l);
    buf_release(&r.body);
    load("listing_requests_key.http", &r);
    test_cond("listing: 'requests', an input stored as text, bad ids "
              "skipped",
              fal_parse_listing(r.body.data, &l, &e) == 0 && l.n == 1 &&
                  !l.has_more && !l.next_cursor &&
                  fal_input_matches(
                      "{\"video_url\":\"https://v3.fal.media/v.mp4\","
                      "\"text\":\"Hi\",\"voice_id\":\"uk_man2\","
                      "\"voice_language\":\"en\",\"voice_speed\":1}",
                      l.items[0].json_input));
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
}

static void matching(void)
{
    test_cond("inputs differing in one value are not equal",
              !fal_input_equal("{\"a\":1,\"b\":\"x\"}",
                               "{\"b\":\"y\",\"a\":1}"));
    test_cond("key order, spacing and number spelling do not matter",
              fal_input_equal("{\"a\":1.0,\"b\":[1,{\"y\":2,\"x\":1}]}",
                              "{ \"b\" : [1, {\"x\":1, \"y\":2e0}], "
                              "\"a\" : 1 }"));
    test_cond("a listed input with a field fal added still matches",
              fal_input_matches("{\"video_url\":\"v\",\"audio_url\":\"a\"}",
                                "{\"audio_url\":\"a\",\"video_url\":\"v\","
                                "\"sync_mode\":\"cut_off\"}"));
    test_cond("a listed input missing one of our fields does not match",
              !fal_input_matches("{\"video_url\":\"v\",\"audio_url\":\"a\"}",
                                 "{\"video_url\":\"v\"}"));
    test_cond("a listed input with another value does not match",
              !fal_input_matches("{\"video_url\":\"v\",\"audio_url\":\"a\"}",
                                 "{\"video_url\":\"v\",\"audio_url\":\"b\"}"));
    test_cond("a different voice speed does not match",
              !fal_input_matches("{\"voice_speed\":1.1}",
                                 "{\"voice_speed\":1.2}"));
    test_cond("of repeated keys the first counts",
              fal_input_equal("{\"b\":1,\"a\":2,\"a\":3}",
                              "{\"a\":2,\"b\":1}") &&
                  !fal_input_equal("{\"b\":1,\"a\":2,\"a\":3}",
                                   "{\"a\":3,\"b\":1}"));
    {
        struct fal_listing l;
        struct dub_err e;

        test_cond("a listed input is kept with every object's keys sorted",
                  fal_parse_listing(
                      "{\"items\":[{\"request_id\":\"r1\",\"json_input\":"
                      "{\"z\":1,\"y\":{\"b\":2,\"a\":1,\"b\":3},"
                      "\"x\":[{\"d\":1,\"c\":0}]}}]}",
                      &l, &e) == 0 && l.n == 1 &&
                      strcmp(l.items[0].json_input,
                             "{\"x\":[{\"c\":0,\"d\":1}],"
                             "\"y\":{\"a\":1,\"b\":2},\"z\":1}") == 0);
        fal_listing_release(&l);
    }
    test_cond("nothing matches an empty input, or garbage",
              !fal_input_matches("{}", "{\"a\":1}") &&
                  !fal_input_matches("{\"a\":1}", "not json") &&
                  !fal_input_matches("[1]", "[1]"));
}

/* ==== Builders ========================================================== */

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
        {FAL_PART_SIZE - 1, 1, FAL_PART_SIZE - 1},
        {FAL_PART_SIZE, 1, FAL_PART_SIZE},
        {FAL_PART_SIZE + 1, 2, 1},
        {2 * FAL_PART_SIZE, 2, FAL_PART_SIZE},
        {9 * FAL_PART_SIZE, 9, FAL_PART_SIZE},
        {FAL_MULTIPART_THRESHOLD, 9, FAL_PART_SIZE},
        {FAL_MULTIPART_THRESHOLD + 1, 10, 1},
        {100000000, 10, 100000000 - 9 * FAL_PART_SIZE},
        {(int64_t)5 << 30, 512, FAL_PART_SIZE},
    };
    struct fal_part *parts;
    struct fal_input in;
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
        snprintf(name, sizeof(name), "parts of %lld bytes: %d",
                 (long long)pc[i].size, pc[i].n);
        test_cond(name, ok);
        free(parts);
    }
    test_cond("multipart only above 90 MiB (the JS client's rule)",
              FAL_MULTIPART_THRESHOLD == 94371840 &&
                  FAL_PART_SIZE == 10485760);

    s = fal_submit_url("http://127.0.0.1:8/",
                       "fal-ai/kling-video/lipsync/audio-to-video");
    test_str("submit url uses the full endpoint id", s,
             "http://127.0.0.1:8/fal-ai/kling-video/lipsync/audio-to-video");
    free(s);
    in.video_url = "https://v3.fal.media/v.mp4";
    in.audio_url = "https://v3.fal.media/a.mp3";
    in.text = "Hi \"there\"";
    in.voice_id = "uk_man2";
    in.voice_language = "en";
    in.voice_speed = 1.25;
    s = fal_payload(plan_limits_get(PLAN_A2V)->payload, &in);
    test_str("a2v payload: exactly the model's two fields", s,
             "{\"video_url\":\"https://v3.fal.media/v.mp4\","
             "\"audio_url\":\"https://v3.fal.media/a.mp3\"}");
    free(s);
    in.video_url = "https://x/v.mp4";
    s = fal_payload(plan_limits_get(PLAN_T2V)->payload, &in);
    test_str("t2v payload: exact fields, speed to one decimal", s,
             "{\"video_url\":\"https://x/v.mp4\",\"text\":\"Hi "
             "\\\"there\\\"\",\"voice_id\":\"uk_man2\","
             "\"voice_language\":\"en\",\"voice_speed\":1.3}");
    free(s);
    s = fal_status_url("https://q/fal-ai/kling-video/requests/x/status", 1);
    test_str("status url asks for logs", s,
             "https://q/fal-ai/kling-video/requests/x/status?logs=1");
    free(s);
    s = fal_status_url("https://q/r/x/status?a=b", 1);
    test_str("status url keeps a query fal put there", s,
             "https://q/r/x/status?a=b&logs=1");
    free(s);
    s = fal_status_url("https://q/r/x/status", 0);
    test_str("status url without logs", s, "https://q/r/x/status");
    free(s);
    s = fal_initiate_url("https://rest.fal.ai/", 0);
    test_str("initiate url", s,
             "https://rest.fal.ai/storage/upload/initiate?storage_type="
             "fal-cdn-v3");
    free(s);
    s = fal_initiate_url("https://rest.fal.ai", 1);
    test_str("multipart initiate url", s,
             "https://rest.fal.ai/storage/upload/initiate-multipart?"
             "storage_type=fal-cdn-v3");
    free(s);
    s = fal_initiate_body("video/mp4", "clip \"1\".mp4");
    test_str("initiate body", s,
             "{\"content_type\":\"video/mp4\",\"file_name\":\"clip "
             "\\\"1\\\".mp4\"}");
    free(s);
    {
        const char *etags[] = {"a1", "b2"};

        s = fal_complete_body(etags, 2);
        test_str("multipart complete body", s,
                 "{\"parts\":[{\"partNumber\":1,\"etag\":\"a1\"},"
                 "{\"partNumber\":2,\"etag\":\"b2\"}]}");
        free(s);
    }
    s = fal_listing_url("https://api.fal.ai",
                        "fal-ai/kling-video/lipsync/audio-to-video", 0, 1000,
                        "a b");
    test_str("listing url: every parameter, escaped", s,
             "https://api.fal.ai/v1/models/requests/by-endpoint?endpoint_id="
             "fal-ai%2Fkling-video%2Flipsync%2Faudio-to-video&start="
             "1970-01-01T00%3A00%3A00.000Z&end=1970-01-01T00%3A00%3A01.000Z"
             "&expand=payloads&limit=50&cursor=a%20b");
    free(s);
    s = fal_listing_url("https://api.fal.ai", "x", 0, 0, NULL);
    test_cond("listing url: no cursor on the first page",
              !strstr(s, "cursor"));
    free(s);
}

static void backoff(void)
{
    struct http_resp r;
    int a;
    int ok = 1;

    test_cond("backoff doubles and caps, with full jitter below the step",
              fal_backoff_ms(0, 1000, 30000, 0.5) == 500 &&
                  fal_backoff_ms(3, 1000, 30000, 0.5) == 4000 &&
                  fal_backoff_ms(10, 1000, 30000, 0.5) == 15000 &&
                  fal_backoff_ms(2, 1000, 30000, 0.0) == 0 &&
                  fal_backoff_ms(2, 1000, 30000, 0.999) == 3996);
    for (a = 0; a < 200; a++) {
        int64_t d = fal_backoff_ms(a, FAL_BACKOFF_BASE_MS,
                                   FAL_BACKOFF_CAP_MS, (a % 10) / 10.0);

        ok = ok && d >= 0 && d < FAL_BACKOFF_CAP_MS;
    }
    test_cond("backoff stays in bounds for any attempt", ok);
    test_cond("a random source out of [0,1) is not trusted",
              fal_backoff_ms(0, 1000, 30000, 7.0) == 500 &&
                  fal_backoff_ms(0, 1000, 30000, -1.0) == 500);

    load("submit_429_retry_after.http", &r);
    test_cond("Retry-After in seconds",
              fal_retry_after_ms(&r, FAL_RETRY_AFTER_CAP_MS) == 7000);
    test_cond("Retry-After is capped", fal_retry_after_ms(&r, 2000) == 2000);
    buf_release(&r.body);
    memset(&r, 0, sizeof(r));
    test_cond("no Retry-After", fal_retry_after_ms(&r, 1000) == -1);
    snprintf(r.retry_after, sizeof(r.retry_after),
             "Wed, 21 Oct 2026 07:28:00 GMT");
    test_cond("a Retry-After date is ignored",
              fal_retry_after_ms(&r, 1000) == -1);
    snprintf(r.retry_after, sizeof(r.retry_after), "-3");
    test_cond("a negative Retry-After is ignored",
              fal_retry_after_ms(&r, 1000) == -1);
}

/* ==== Keys and base URLs ================================================ */

static char *key_file(const char *dir, const char *text, mode_t mode)
{
    char *path = xasprintf("%s/key", dir);
    int fd;

    unlink(path);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
        printf("FAIL cannot write %s\n", path);
    if (fd >= 0)
        close(fd);
    chmod(path, mode);
    return path;
}

static void keys(void)
{
    struct dub_err e;
    char *k;

    test_cond("a key is trimmed",
              falcfg_key_clean("  id:secret\n", "FAL_KEY", &k, &e) == 0 &&
                  strcmp(k, "id:secret") == 0);
    free(k);
    test_cond("a key with a control character is refused, without echoing "
              "it",
              falcfg_key_clean("id:se\x01cret", "FAL_KEY", &k, &e) < 0 &&
                  !strstr(e.msg, "cret") && !k);
    test_cond("a key with an inner space is refused",
              falcfg_key_clean("id:se cret", "FAL_KEY", &k, &e) < 0 &&
                  !strstr(e.msg, "cret"));
    test_cond("a key without ':' is refused",
              falcfg_key_clean("justanid", "FAL_KEY", &k, &e) < 0 &&
                  strstr(e.msg, "<key_id>:<key_secret>") &&
                  !strstr(e.msg, "justanid"));
    test_cond("a key with an empty id or secret is refused",
              falcfg_key_clean(":secret", "FAL_KEY", &k, &e) < 0 &&
                  falcfg_key_clean("id:", "FAL_KEY", &k, &e) < 0 &&
                  !strstr(e.msg, "id:"));
    test_cond("an empty key is refused",
              falcfg_key_clean(" \n", "FAL_KEY", &k, &e) < 0);
}

static void config(void)
{
    char dir[] = "/tmp/test_fal.XXXXXX";
    struct falcfg c;
    struct dub_err e;
    char *path;

    if (!mkdtemp(dir)) {
        test_cond("a temporary directory", 0);
        return;
    }
    unsetenv("FAL_KEY");
    unsetenv("FAL_KEY_ID");
    unsetenv("FAL_KEY_SECRET");
    unsetenv("FAL_QUEUE_URL");
    unsetenv("FAL_REST_URL");
    unsetenv("FAL_API_URL");

    test_cond("no key at all is a configuration error",
              falcfg_load(&c, NULL, NULL, NULL, NULL, &e) < 0 &&
                  e.code == DUB_EUSAGE && strstr(e.msg, "FAL_KEY"));
    setenv("FAL_KEY", " env-id:env-secret\n", 1);
    test_cond("FAL_KEY, and the default hosts",
              falcfg_load(&c, NULL, NULL, NULL, NULL, &e) == 0 &&
                  strcmp(c.key, "env-id:env-secret") == 0 &&
                  strcmp(c.queue, "https://queue.fal.run") == 0 &&
                  strcmp(c.rest, "https://rest.fal.ai") == 0 &&
                  strcmp(c.api, "https://api.fal.ai") == 0);
    falcfg_release(&c);
    unsetenv("FAL_KEY");
    setenv("FAL_KEY_ID", "kid", 1);
    setenv("FAL_KEY_SECRET", "ksecret", 1);
    test_cond("FAL_KEY_ID and FAL_KEY_SECRET are joined with ':'",
              falcfg_load(&c, NULL, NULL, NULL, NULL, &e) == 0 &&
                  strcmp(c.key, "kid:ksecret") == 0);
    falcfg_release(&c);
    setenv("FAL_KEY_SECRET", "", 1);
    test_cond("an empty FAL_KEY_SECRET is refused",
              falcfg_load(&c, NULL, NULL, NULL, NULL, &e) < 0 &&
                  !strstr(e.msg, "kid"));
    setenv("FAL_KEY", "env-id:env-secret", 1);
    test_cond("FAL_KEY wins over FAL_KEY_ID and FAL_KEY_SECRET",
              falcfg_load(&c, NULL, NULL, NULL, NULL, &e) == 0 &&
                  strcmp(c.key, "env-id:env-secret") == 0);
    falcfg_release(&c);

    path = key_file(dir, "file-id:file-secret\n", 0600);
    test_cond("a private key file wins over the environment",
              falcfg_load(&c, path, NULL, NULL, NULL, &e) == 0 &&
                  strcmp(c.key, "file-id:file-secret") == 0);
    falcfg_release(&c);
    free(path);
    path = key_file(dir, "file-id:file-secret\n", 0640);
    test_cond("a key file the group may read is refused, without the key",
              falcfg_load(&c, path, NULL, NULL, NULL, &e) < 0 &&
                  strstr(e.msg, "chmod 600") && !strstr(e.msg, "secret"));
    free(path);
    path = key_file(dir, "file-id:file-secret\n", 0602);
    test_cond("a key file others may write is refused",
              falcfg_load(&c, path, NULL, NULL, NULL, &e) < 0);
    free(path);
    path = key_file(dir, "file-id:file\x7fsecret\n", 0400);
    test_cond("a key file with a control character is refused, without "
              "the key",
              falcfg_load(&c, path, NULL, NULL, NULL, &e) < 0 &&
                  !strstr(e.msg, "file-id") && !strstr(e.msg, "secret"));
    free(path);
    path = key_file(dir, "just-one-token\n", 0600);
    test_cond("a key file without ':' is refused, without the key",
              falcfg_load(&c, path, NULL, NULL, NULL, &e) < 0 &&
                  !strstr(e.msg, "just-one-token"));
    free(path);
    path = xasprintf("%s/missing", dir);
    test_cond("a missing key file is named",
              falcfg_load(&c, path, NULL, NULL, NULL, &e) < 0 &&
                  strstr(e.msg, "missing"));
    free(path);
    test_cond("a directory is no key file",
              falcfg_load(&c, dir, NULL, NULL, NULL, &e) < 0);

    setenv("FAL_QUEUE_URL", "http://127.0.0.1:9999/", 1);
    setenv("FAL_REST_URL", "http://localhost:9998", 1);
    test_cond("the environment overrides the default hosts, '/' trimmed",
              falcfg_load(&c, NULL, NULL, NULL, NULL, &e) == 0 &&
                  strcmp(c.queue, "http://127.0.0.1:9999") == 0 &&
                  strcmp(c.rest, "http://localhost:9998") == 0 &&
                  strcmp(c.api, "https://api.fal.ai") == 0);
    falcfg_release(&c);
    test_cond("flags override the environment",
              falcfg_load(&c, NULL, "https://q.example", NULL,
                          "https://a.example", &e) == 0 &&
                  strcmp(c.queue, "https://q.example") == 0 &&
                  strcmp(c.rest, "http://localhost:9998") == 0 &&
                  strcmp(c.api, "https://a.example") == 0);
    falcfg_release(&c);
    setenv("FAL_API_URL", "http://api.example.com", 1);
    test_cond("plain http to another host is refused, naming the variable",
              falcfg_load(&c, NULL, NULL, NULL, NULL, &e) < 0 &&
                  strstr(e.msg, "FAL_API_URL") &&
                  strstr(e.msg, "only https://"));
    setenv("FAL_API_URL", "file:///etc", 1);
    test_cond("file:// is refused",
              falcfg_load(&c, NULL, NULL, NULL, NULL, &e) < 0);
    setenv("FAL_API_URL", "https://api.fal.ai/?x=1", 1);
    test_cond("a base with a query is refused",
              falcfg_load(&c, NULL, NULL, NULL, NULL, &e) < 0);
    unsetenv("FAL_API_URL");
    unsetenv("FAL_QUEUE_URL");
    unsetenv("FAL_REST_URL");
    unsetenv("FAL_KEY");
    unsetenv("FAL_KEY_ID");
    unsetenv("FAL_KEY_SECRET");
    path = xasprintf("%s/key", dir);
    unlink(path);
    free(path);
    rmdir(dir);
}

static void urls(void)
{
    struct dub_err e;

    test_cond("https is allowed anywhere",
              http_url_allowed("https://queue.fal.run", &e) == 0 &&
                  http_url_allowed("HTTPS://V3.FAL.MEDIA/x", &e) == 0);
    /* Before any base URL says otherwise (main() allows it only after
     * this), a loopback URL from a server's reply is refused. */
    test_cond("http to loopback is refused while fal's URLs are https",
              http_url_allowed("http://127.0.0.1:8080/x", &e) < 0 &&
                  strstr(e.msg, "only when fal's own URLs are loopback") &&
                  http_base_allowed("http://127.0.0.1:8080", &e) == 0);
    http_allow_loopback();
    test_cond("http only to loopback, once fal's URLs are loopback http",
              http_url_allowed("http://127.0.0.1:8080/x", &e) == 0 &&
                  http_url_allowed("http://127.255.3.4/x", &e) == 0 &&
                  http_url_allowed("http://[::1]:8080/x", &e) == 0 &&
                  http_url_allowed("http://localhost/x", &e) == 0 &&
                  http_url_allowed("HTTP://LocalHost:1/", &e) == 0);
    test_cond("http to anything else is refused, saying why",
              http_url_allowed("http://10.0.0.1/x", &e) < 0 &&
                  strstr(e.msg, "only https://") &&
                  http_url_allowed("http://127.0.0.1.evil.com/x", &e) < 0 &&
                  http_url_allowed("http://localhost.evil.com/x", &e) < 0 &&
                  http_url_allowed("http://128.0.0.1/x", &e) < 0 &&
                  http_url_allowed("http://[::2]/x", &e) < 0);
    test_cond("other schemes, user info and junk are refused",
              http_url_allowed("file:///etc/passwd", &e) < 0 &&
                  http_url_allowed("ftp://x/y", &e) < 0 &&
                  http_url_allowed("gopher://x/y", &e) < 0 &&
                  http_url_allowed("https://user:pw@host/x", &e) < 0 &&
                  http_url_allowed("https://a\\@b/x", &e) < 0 &&
                  http_url_allowed("https://", &e) < 0 &&
                  http_url_allowed(" https://x", &e) < 0 &&
                  http_url_allowed("//x/y", &e) < 0 &&
                  http_url_allowed("", &e) < 0 &&
                  http_url_allowed(NULL, &e) < 0);
}

/* What the runner needs beyond the reply parsers: a local write failure,
 * a submit fal took but whose reply is cut, URLs for a request found in
 * the listing, and the key by which a lost database finds its requests. */
static void recovery(void)
{
    struct http_resp r;
    struct fal_handle h;
    struct dub_err e;
    struct fal_listing l;
    char *a, *b, *c;

    memset(&r, 0, sizeof(r));
    r.status = 200;
    r.transport_failed = r.maybe_sent = 1;
    r.write_errno = 28;
    test_cond("a download that cannot be written waits for space",
              fal_classify(FAL_OP_DOWNLOAD, &r, &e) == FAL_LOCAL &&
                  strstr(e.msg, "No space left on device"));

    load("submit_200_cut_json.http", &r);
    test_cond("a 2xx submit with a cut body is a success that does not parse",
              fal_classify(FAL_OP_SUBMIT, &r, &e) == FAL_OK &&
                  fal_parse_submit(r.body.data, &h, &e) < 0);
    buf_release(&r.body);

    fal_handle_build(&h, "https://queue.fal.run/",
                     "fal-ai/kling-video/lipsync/audio-to-video", RID);
    test_str("a found request's status URL is owner/app/requests/id/status",
             h.status_url,
             "https://queue.fal.run/fal-ai/kling-video/requests/" RID
             "/status");
    test_str("... its result URL", h.response_url,
             "https://queue.fal.run/fal-ai/kling-video/requests/" RID);
    fal_handle_release(&h);

    a = fal_input_files_key("{\"video_url\":\"https://v3.fal.media/files/b/"
                            "1a2b/0123abcd.mp4\",\"audio_url\":\"https://v3."
                            "fal.media/files/x/9/ffee.m4a?sig=1\"}");
    b = fal_input_files_key("{\"audio_url\":\"http://127.0.0.1:9/cdn/77/"
                            "ffee.m4a\",\"video_url\":\"https://h/cdn/3/"
                            "0123abcd.mp4\"}");
    c = fal_input_files_key("{\"video_url\":\"https://h/cdn/3/0123abcd.mp4\","
                            "\"text\":\"hi\",\"voice_id\":\"uk_man2\"}");
    test_cond("the same files uploaded twice give one key",
              a && b && strcmp(a, b) == 0);
    test_cond("other fields still count", c && strcmp(a, c) != 0 &&
                                              strstr(c, "\"text\":\"hi\""));
    test_cond("a key of something else is NULL",
              fal_input_files_key("[1]") == NULL);
    free(a);
    free(b);
    free(c);

    test_cond("a listed request's output URL is kept",
              fal_parse_listing("{\"items\":[{\"request_id\":\"" RID "\","
                                "\"status\":\"success\",\"json_input\":{},"
                                "\"json_output\":{\"video\":{\"url\":"
                                "\"https://v3.fal.media/o.mp4\"}}}],"
                                "\"has_more\":false}",
                                &l, &e) == 0 &&
                  l.n == 1 && l.items[0].output_url &&
                  strcmp(l.items[0].output_url, "https://v3.fal.media/o.mp4") == 0);
    fal_listing_release(&l);
}

int main(void)
{
    /* urls() first: it checks what holds before loopback is allowed. */
    urls();
    classification();
    slow();
    recovery();
    parse_submit();
    parse_status();
    parse_result();
    parse_cancel();
    not_found();
    parse_storage();
    parse_listing();
    matching();
    builders();
    backoff();
    keys();
    config();
    return test_report();
}

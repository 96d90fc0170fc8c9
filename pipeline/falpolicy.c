/*
 * fal: the failure classification, the retry policy table, and the words
 * a failure is told in.
 */
#define _POSIX_C_SOURCE 200809L
#include "falint.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

/* ==== Failures ========================================================== */

static const char *const fal_op_names[FAL_NOPS] = {
    [FAL_OP_SUBMIT] = "submit", [FAL_OP_STATUS] = "status",
    [FAL_OP_RESULT] = "result", [FAL_OP_ERROR] = "result",
    [FAL_OP_CANCEL] = "cancel", [FAL_OP_INITIATE] = "upload initiate",
    [FAL_OP_UPLOAD] = "upload", [FAL_OP_DOWNLOAD] = "download",
    [FAL_OP_LIST] = "request listing",
};

const char *fal_op_name(enum fal_op op)
{
    return (unsigned)op < FAL_NOPS ? fal_op_names[op] : "call";
}

int fal_error_retryable(const char *type)
{
    static const char *const retryable[] = {
        "request_timeout", "startup_timeout", "runner_scheduling_failure",
        "runner_connection_timeout", "runner_disconnected",
        "runner_connection_refused", "runner_connection_error",
        "runner_incomplete_response", "runner_server_error",
    };
    size_t i;

    for (i = 0; type && i < DUB_ARRAY_LEN(retryable); i++)
        if (strcmp(type, retryable[i]) == 0)
            return 1;
    return 0;
}

/* Appends server text, bounded and on one line. */
static void fal_words_add(struct buf *b, const char *s, size_t max)
{
    char *t = fal_text(s, max);

    buf_puts(b, t);
    free(t);
}

/* One entry of a detail list: "loc: msg (type)", loc without "body". */
static void fal_detail_item(struct buf *b, const cJSON *d)
{
    const cJSON *loc = cJSON_GetObjectItemCaseSensitive(d, "loc"), *p;
    const char *msg = fal_str(d, "msg"), *t = fal_str(d, "type");
    int k = 0;

    if (cJSON_IsString(d)) {
        fal_words_add(b, d->valuestring, FAL_MAX_MESSAGE);
        return;
    }
    if (!cJSON_IsArray(loc))
        loc = NULL;
    cJSON_ArrayForEach(p, loc) {
        /* "body" says nothing a person needs. */
        if (cJSON_IsString(p) && strcmp(p->valuestring, "body") != 0) {
            buf_puts(b, k++ ? "." : "");
            fal_words_add(b, p->valuestring, 40);
        } else if (cJSON_IsNumber(p)) {
            buf_printf(b, "%s%d", k++ ? "." : "", p->valueint);
        }
    }
    if (k)
        buf_puts(b, ": ");
    fal_words_add(b, msg ? msg : "invalid", FAL_MAX_MESSAGE);
    if (t) {
        buf_puts(b, " (");
        fal_words_add(b, t, 60);
        buf_puts(b, ")");
    }
}

static void fal_s3_code(const struct http_resp *r, char *code, size_t n);

/* The <Message> of an S3-style error body, bounded and on one line. */
static void fal_s3_words(const struct http_resp *r, const char *code,
                         struct buf *b)
{
    const char *m = strstr(r->body.data, "<Message>");

    buf_puts(b, "storage error ");
    fal_words_add(b, code, 60);
    if (m) {
        char *t = xstrndup(m + 9, strcspn(m + 9, "<"));

        buf_puts(b, ": ");
        fal_words_add(b, t, 200);
        free(t);
    }
    buf_printf(b, " from %s", r->origin[0] ? r->origin : "storage");
}

/* fal's own words from an error body: a detail string, a detail list, a
 * flat {detail, error_type}, storage's XML, or what kind of reply it
 * was. */
static void fal_error_words(const struct http_resp *r, struct buf *b)
{
    cJSON *o = r->body.len && !r->truncated ? cJSON_Parse(r->body.data)
                                            : NULL;
    const cJSON *detail = cJSON_GetObjectItemCaseSensitive(o, "detail");
    const char *type = fal_str(o, "error_type");
    /* Other shapes seen: {"message"}, {"error"}, a cancel's {"status"}. */
    const char *other = fal_str(o, "message");
    int listed = 0;
    char code[64];

    if (!other)
        other = fal_str(o, "error");
    if (!other)
        other = fal_str(o, "status");
    fal_s3_code(r, code, sizeof(code));
    if (r->truncated) {
        buf_printf(b, "a reply larger than %lld bytes from %s",
                   (long long)r->bytes, r->origin[0] ? r->origin : "fal");
    } else if (!o && code[0]) {
        fal_s3_words(r, code, b);
    } else if (!o) {
        if (!r->body.len) {
            buf_puts(b, "empty reply");
        } else {
            /* A proxy's or load balancer's page: say what it was, not
             * what it said. */
            buf_puts(b, "non-JSON reply (");
            fal_words_add(b, r->content_type[0] ? r->content_type
                                                : "no content type", 60);
            buf_printf(b, ", %zu bytes) from %s", r->body.len,
                       r->origin[0] ? r->origin : "the server");
        }
    } else if (cJSON_IsString(detail) && *detail->valuestring) {
        fal_words_add(b, detail->valuestring, FAL_MAX_MESSAGE);
    } else if (cJSON_IsArray(detail) && cJSON_GetArraySize(detail) > 0) {
        const cJSON *d;
        int n = 0;

        cJSON_ArrayForEach(d, detail) {
            if (n++)
                buf_puts(b, "; ");
            if (b->len > FAL_MAX_MESSAGE) {
                buf_printf(b, "and %d more",
                           cJSON_GetArraySize(detail) - n + 1);
                break;
            }
            fal_detail_item(b, d);
        }
        listed = 1;
    } else if (other) {
        fal_words_add(b, other, FAL_MAX_MESSAGE);
    } else {
        buf_puts(b, cJSON_IsObject(o) ? "error with no detail"
                                      : "unexpected JSON reply");
    }
    if (!type && r->error_type[0])
        type = r->error_type;
    if (type && !listed) {
        buf_puts(b, " (");
        fal_words_add(b, type, 60);
        buf_puts(b, ")");
    }
    cJSON_Delete(o);
}

/*
 * What came back, as the retry policy sees it: the columns of
 * fal_policy.  Everything a transfer can end in falls in exactly one.
 */
enum fal_outcome {
    FAL_O_OK,         /* 2xx, whole */
    FAL_O_TOO_BIG,    /* 2xx larger than our cap for it */
    FAL_O_NOT_SENT,   /* no connection: the request never left */
    FAL_O_CUT,        /* reset, a body cut short: it may have left */
    FAL_O_SLOW,       /* past its time, or stalled: it may have left */
    FAL_O_REFUSED,    /* libcurl would not go there (a redirect to http) */
    FAL_O_LOCAL,      /* the download could not be written here */
    FAL_O_REDIRECT,   /* 3xx, not followed with the key */
    FAL_O_408,
    FAL_O_429,
    FAL_O_INGRESS,    /* 503 with no fal request id: refused before fal */
    FAL_O_5XX,        /* 500, 502, 503, 504 */
    FAL_O_USER_TIMEOUT, /* 504 with X-Fal-Request-Timeout-Type: user */
    FAL_O_BUSY,       /* storage's InternalError, SlowDown, ... (S3 codes) */
    FAL_O_EXPIRED,    /* a signed URL or token that no longer works */
    FAL_O_AUTH,       /* 401, 403 from fal's API */
    FAL_O_GONE,       /* 404, 410 */
    FAL_O_REJECTED,   /* 400, 422, other 4xx: fal's word on the request */
    FAL_O_OTHER_5XX,  /* 501, 505 and up */
    FAL_NOUTCOMES
};

/*
 * The retry policy, one row per route (design.md section 4): what each
 * outcome means there.  R retry after a backoff, U a submit that may have
 * reached fal (reconcile through the listing, never resend blindly), A a
 * submit fal accepted though its reply cannot be read, I re-initiate (a
 * fresh upload URL; for a download, fetch the result again for a fresh
 * link), L a local failure (the caller waits for space), F fail with fal's
 * words.  The README's retry table is this table.
 */
#define R FAL_RETRY
#define U FAL_UNKNOWN
#define A FAL_ACCEPTED
#define I FAL_REINIT
#define L FAL_LOCAL
#define F FAL_FATAL
#define K FAL_OK
static const unsigned char fal_policy[FAL_NOPS][FAL_NOUTCOMES] = {
    /*                OK TOO  NOT  CUT  SLOW REF  LOC  3XX  408  429  ING  5XX  USR  BSY  EXP  AUTH GONE REJ  5XX+ */
    [FAL_OP_SUBMIT]   = {K, A, R, U, U, F, F, F, U, R, R, U, F, U, F, F, F, F, U},
    [FAL_OP_STATUS]   = {K, F, R, R, R, F, F, F, R, R, R, R, F, R, F, F, F, F, F},
    [FAL_OP_RESULT]   = {K, R, R, R, R, F, F, F, R, R, R, R, F, R, F, F, F, F, F},
    [FAL_OP_ERROR]    = {K, F, R, R, R, F, F, F, F, F, F, F, F, F, F, F, F, F, F},
    [FAL_OP_CANCEL]   = {K, R, R, R, R, F, F, F, R, R, R, R, F, R, F, F, F, F, F},
    [FAL_OP_INITIATE] = {K, R, R, R, R, F, F, F, R, R, R, R, F, R, F, F, F, F, F},
    [FAL_OP_UPLOAD]   = {K, R, R, R, R, F, F, F, R, R, R, R, F, R, I, F, I, F, F},
    [FAL_OP_DOWNLOAD] = {K, F, R, R, I, F, L, F, R, R, R, R, F, R, I, F, I, F, F},
    [FAL_OP_LIST]     = {K, R, R, R, R, F, F, F, R, R, R, R, F, R, F, F, F, F, F},
};
#undef R
#undef U
#undef A
#undef I
#undef L
#undef F
#undef K

/* The <Code> of an S3-style XML error body ("SlowDown"), or "". */
static void fal_s3_code(const struct http_resp *r, char *code, size_t n)
{
    const char *p = r->body.data ? strstr(r->body.data, "<Code>") : NULL;
    size_t len;

    code[0] = '\0';
    if (!p || r->truncated)
        return;
    p += 6;
    len = strcspn(p, "<");
    if (len >= n)
        return;
    memcpy(code, p, len);
    code[len] = '\0';
}

/* Storage errors whose code says to try again (S3's documented transient
 * codes; RequestTimeout comes as a 400). */
static int fal_s3_transient(const char *code)
{
    static const char *const codes[] = {
        "InternalError", "SlowDown", "ServiceUnavailable", "RequestTimeout",
    };
    size_t i;

    for (i = 0; i < DUB_ARRAY_LEN(codes); i++)
        if (strcmp(code, codes[i]) == 0)
            return 1;
    return 0;
}

static enum fal_outcome fal_outcome_of(enum fal_op op,
                                       const struct http_resp *r)
{
    int s = r->status;
    int storage = op == FAL_OP_UPLOAD || op == FAL_OP_DOWNLOAD;
    char code[64];

    if (r->write_errno)
        return FAL_O_LOCAL;
    if (r->transport_failed && !(r->truncated && s)) {
        if (r->refused)
            return FAL_O_REFUSED;
        if (!r->maybe_sent)
            return FAL_O_NOT_SENT;
        return r->timed_out ? FAL_O_SLOW : FAL_O_CUT;
    }
    if (s >= 200 && s < 300)
        return r->truncated ? FAL_O_TOO_BIG : FAL_O_OK;
    if (s >= 300 && s < 400)
        return FAL_O_REDIRECT;
    fal_s3_code(r, code, sizeof(code));
    if (fal_s3_transient(code))
        return FAL_O_BUSY;
    /* A signed URL past its time says AccessDenied (S3), or 400 with an
     * expired-token code; storage never sees our key, so any 403 there is
     * the URL's, not the account's. */
    if (storage && (s == 403 || strcmp(code, "ExpiredToken") == 0 ||
                    strcmp(code, "RequestExpired") == 0))
        return FAL_O_EXPIRED;
    if (s == 408)
        return FAL_O_408;
    if (s == 429)
        return FAL_O_429;
    if (s == 504 && strcmp(r->timeout_type, "user") == 0)
        return FAL_O_USER_TIMEOUT;
    if (s == 503 && !r->request_id[0])
        return FAL_O_INGRESS;
    if (s == 500 || s == 502 || s == 503 || s == 504)
        return FAL_O_5XX;
    if (s >= 500)
        return FAL_O_OTHER_5XX;
    if (s == 401 || s == 403)
        return FAL_O_AUTH;
    if (s == 404 || s == 410)
        return FAL_O_GONE;
    return FAL_O_REJECTED;
}

enum fal_verdict fal_classify(enum fal_op op, const struct http_resp *r,
                              struct dub_err *err)
{
    struct dub_err scratch, *e = err ? err : &scratch;
    const char *name = fal_op_name(op);
    enum fal_outcome o = fal_outcome_of(op, r);
    enum fal_verdict v = (enum fal_verdict)fal_policy[op][o];
    const char *tail = v == FAL_UNKNOWN ? " (the request may have arrived: "
                                          "not sent again)"
                       : v == FAL_ACCEPTED ? " (fal has the request: not "
                                             "sent again)"
                                           : "";
    struct buf words = {0};
    int s = r->status;

    if (v == FAL_OK)
        return FAL_OK;
    if (o == FAL_O_LOCAL) {
        dub_errf(e, DUB_EIO, "cannot write the downloaded file: %s",
                 strerror(r->write_errno));
    } else if (o == FAL_O_NOT_SENT || o == FAL_O_CUT || o == FAL_O_SLOW ||
               o == FAL_O_REFUSED) {
        dub_errf(e, DUB_ENET, "fal %s: %s%s", name, r->err, tail);
    } else {
        if (o == FAL_O_REDIRECT)
            buf_printf(&words, "a redirect, not followed (to keep the key "
                               "from another host)");
        else
            fal_error_words(r, &words);
        dub_errf(e, s == 422 ? DUB_EMODEL : DUB_EHTTP,
                 "fal %s: HTTP %d: %s%s%s%s%s", name, s, words.data,
                 r->request_id[0] ? " [request " : "", r->request_id,
                 r->request_id[0] ? "]" : "", tail);
        e->http_status = s;
        buf_release(&words);
    }
    e->retryable = v == FAL_RETRY;
    return v;
}

int64_t fal_backoff_ms(int attempt, int64_t base_ms, int64_t cap_ms, double u)
{
    double d = (double)base_ms * pow(2.0, attempt > 30 ? 30 : attempt);

    if (d > (double)cap_ms)
        d = (double)cap_ms;
    if (!(u >= 0.0) || u >= 1.0)
        u = 0.5;
    return (int64_t)(d * u);
}

int64_t fal_retry_after_ms(const struct http_resp *r, int64_t cap_ms)
{
    long secs;

    if (!r->retry_after[0] ||
        util_parse_long(r->retry_after, 0, 86400, &secs) < 0)
        return -1;
    return (int64_t)secs * 1000 > cap_ms ? cap_ms : (int64_t)secs * 1000;
}

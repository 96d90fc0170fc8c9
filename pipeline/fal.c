/*
 * fal: builders, parsers and the failure classification of fal's HTTP
 * protocol.  Pure; cJSON for every JSON read or written.
 */
#define _POSIX_C_SOURCE 200809L
#include "fal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

/* Longest text kept from a server's message: enough for fal's detail
 * lists, short enough that a proxy's error page cannot flood a log. */
#define FAL_MAX_MESSAGE 600
#define FAL_MAX_URL 4096

/* ==== Requests ========================================================== */

char *fal_submit_url(const char *queue_base, const char *endpoint)
{
    size_t n = strlen(queue_base);

    return xasprintf("%.*s/%s", (int)(n && queue_base[n - 1] == '/' ? n - 1 : n),
                     queue_base, endpoint);
}

static char *fal_print(cJSON *o)
{
    char *text = cJSON_PrintUnformatted(o);

    cJSON_Delete(o);
    if (!text)
        dub_fatal("out of memory");
    return text;
}

char *fal_payload_a2v(const char *video_url, const char *audio_url)
{
    cJSON *o = cJSON_CreateObject();

    cJSON_AddStringToObject(o, "video_url", video_url);
    cJSON_AddStringToObject(o, "audio_url", audio_url);
    return fal_print(o);
}

char *fal_payload_t2v(const char *video_url, const char *text,
                      const char *voice_id, const char *voice_language,
                      double voice_speed)
{
    cJSON *o = cJSON_CreateObject();

    cJSON_AddStringToObject(o, "video_url", video_url);
    cJSON_AddStringToObject(o, "text", text);
    cJSON_AddStringToObject(o, "voice_id", voice_id);
    cJSON_AddStringToObject(o, "voice_language", voice_language);
    cJSON_AddNumberToObject(o, "voice_speed", round(voice_speed * 10) / 10);
    return fal_print(o);
}

char *fal_status_url(const char *status_url)
{
    return xasprintf("%s%clogs=1", status_url,
                     strchr(status_url, '?') ? '&' : '?');
}

char *fal_initiate_url(const char *rest_base, int multipart)
{
    size_t n = strlen(rest_base);

    return xasprintf("%.*s/storage/upload/initiate%s?storage_type=fal-cdn-v3",
                     (int)(n && rest_base[n - 1] == '/' ? n - 1 : n),
                     rest_base, multipart ? "-multipart" : "");
}

char *fal_initiate_body(const char *content_type, const char *file_name)
{
    cJSON *o = cJSON_CreateObject();

    cJSON_AddStringToObject(o, "content_type", content_type);
    cJSON_AddStringToObject(o, "file_name", file_name);
    return fal_print(o);
}

int fal_parts(int64_t size, struct fal_part **parts)
{
    int n = (int)((size + FAL_PART_SIZE - 1) / FAL_PART_SIZE), i;

    *parts = xcalloc(n > 0 ? (size_t)n : 1, sizeof(**parts));
    for (i = 0; i < n; i++) {
        (*parts)[i].number = i + 1;
        (*parts)[i].offset = (int64_t)i * FAL_PART_SIZE;
        (*parts)[i].length = size - (*parts)[i].offset < FAL_PART_SIZE
                                 ? size - (*parts)[i].offset
                                 : FAL_PART_SIZE;
    }
    return n;
}

/* Splits an upload URL at its query: the JS client inserts "/{n}" or
 * "/complete" between the path and the query. */
static char *fal_upload_sub(const char *upload_url, const char *sub)
{
    const char *q = strchr(upload_url, '?');
    size_t n = q ? (size_t)(q - upload_url) : strlen(upload_url);

    return xasprintf("%.*s/%s%s", (int)n, upload_url, sub, q ? q : "");
}

char *fal_part_url(const char *upload_url, int n)
{
    char num[16];

    snprintf(num, sizeof(num), "%d", n);
    return fal_upload_sub(upload_url, num);
}

char *fal_complete_url(const char *upload_url)
{
    return fal_upload_sub(upload_url, "complete");
}

char *fal_complete_body(const char *const *etags, int n)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *arr = cJSON_AddArrayToObject(o, "parts");
    int i;

    for (i = 0; i < n; i++) {
        cJSON *p = cJSON_CreateObject();

        cJSON_AddNumberToObject(p, "partNumber", i + 1);
        cJSON_AddStringToObject(p, "etag", etags[i]);
        cJSON_AddItemToArray(arr, p);
    }
    return fal_print(o);
}

/* Percent-encodes everything but unreserved characters. */
static void fal_query_escape(struct buf *b, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
            (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
            c == '~')
            buf_append(b, s, 1);
        else
            buf_printf(b, "%%%02X", c);
    }
}

char *fal_listing_url(const char *api_base, const char *endpoint,
                      int64_t start_ms, int64_t end_ms, const char *cursor)
{
    struct buf b = {0};
    char t[32];
    size_t n = strlen(api_base);

    buf_printf(&b, "%.*s/v1/models/requests/by-endpoint?endpoint_id=",
               (int)(n && api_base[n - 1] == '/' ? n - 1 : n), api_base);
    fal_query_escape(&b, endpoint);
    util_iso8601(start_ms, t);
    buf_puts(&b, "&start=");
    fal_query_escape(&b, t);
    util_iso8601(end_ms, t);
    buf_puts(&b, "&end=");
    fal_query_escape(&b, t);
    buf_puts(&b, "&expand=payloads&limit=50");
    if (cursor && *cursor) {
        buf_puts(&b, "&cursor=");
        fal_query_escape(&b, cursor);
    }
    return buf_detach(&b);
}

/* ==== Replies =========================================================== */

static const char *fal_str(const cJSON *o, const char *name)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, name);

    return cJSON_IsString(it) ? it->valuestring : NULL;
}

/* A URL from a reply must be one dubbatch may fetch, and sane in size. */
static int fal_url_ok(const char *u)
{
    return u && strlen(u) < FAL_MAX_URL && http_url_allowed(u, NULL) == 0;
}

static cJSON *fal_object(const char *body, const char *what, struct dub_err *e)
{
    cJSON *o = body ? cJSON_Parse(body) : NULL;

    if (!cJSON_IsObject(o)) {
        cJSON_Delete(o);
        dub_errf(e, DUB_EPROTO, "fal's %s reply is not a JSON object", what);
        return NULL;
    }
    return o;
}

int fal_parse_submit(const char *body, struct fal_handle *h,
                     struct dub_err *e)
{
    cJSON *o = fal_object(body, "submit", e);
    const cJSON *pos;
    const char *id, *su, *ru, *cu;

    memset(h, 0, sizeof(*h));
    if (!o)
        return -1;
    id = fal_str(o, "request_id");
    su = fal_str(o, "status_url");
    ru = fal_str(o, "response_url");
    cu = fal_str(o, "cancel_url");
    if (!id || !*id || strlen(id) > 128 || !fal_url_ok(su) ||
        !fal_url_ok(ru) || !fal_url_ok(cu)) {
        cJSON_Delete(o);
        return dub_errf(e, DUB_EPROTO,
                        "fal's submit reply lacks a request id or usable "
                        "status/response/cancel URLs");
    }
    h->request_id = xstrdup(id);
    h->status_url = xstrdup(su);
    h->response_url = xstrdup(ru);
    h->cancel_url = xstrdup(cu);
    pos = cJSON_GetObjectItemCaseSensitive(o, "queue_position");
    h->queue_position = cJSON_IsNumber(pos) ? pos->valueint : 0;
    cJSON_Delete(o);
    return 0;
}

void fal_handle_release(struct fal_handle *h)
{
    free(h->request_id);
    free(h->status_url);
    free(h->response_url);
    free(h->cancel_url);
    memset(h, 0, sizeof(*h));
}

int fal_parse_status(const char *body, struct fal_status *s, struct dub_err *e)
{
    cJSON *o = fal_object(body, "status", e);
    const cJSON *logs, *l, *pos;
    const char *st;

    memset(s, 0, sizeof(*s));
    if (!o)
        return -1;
    st = fal_str(o, "status");
    if (st && strcmp(st, "IN_QUEUE") == 0) {
        s->state = FAL_IN_QUEUE;
    } else if (st && strcmp(st, "IN_PROGRESS") == 0) {
        s->state = FAL_IN_PROGRESS;
    } else if (st && strcmp(st, "COMPLETED") == 0) {
        s->state = FAL_COMPLETED;
    } else {
        /* There is no FAILED: an unknown status is a protocol error, never
         * a reason to keep waiting (fal-protocol.md section 10). */
        dub_errf(e, DUB_EPROTO, "fal reported an unknown status '%.40s'",
                 st ? st : "(none)");
        cJSON_Delete(o);
        return -1;
    }
    pos = cJSON_GetObjectItemCaseSensitive(o, "queue_position");
    s->queue_position = cJSON_IsNumber(pos) ? pos->valueint : 0;
    if (fal_str(o, "error"))
        s->error = xstrndup(fal_str(o, "error"), FAL_MAX_MESSAGE);
    if (fal_str(o, "error_type"))
        s->error_type = xstrndup(fal_str(o, "error_type"), 64);
    logs = cJSON_GetObjectItemCaseSensitive(o, "logs");
    cJSON_ArrayForEach(l, logs) {
        const char *msg = fal_str(l, "message");

        if (!msg)
            continue;
        buf_printf(&s->logs, "%.40s %.8s %.*s\n",
                   fal_str(l, "timestamp") ? fal_str(l, "timestamp") : "-",
                   fal_str(l, "level") ? fal_str(l, "level") : "INFO",
                   FAL_MAX_MESSAGE, msg);
        s->nlogs++;
    }
    cJSON_Delete(o);
    return 0;
}

void fal_status_release(struct fal_status *s)
{
    free(s->error);
    free(s->error_type);
    buf_release(&s->logs);
    memset(s, 0, sizeof(*s));
}

int fal_parse_result(const char *body, char **video_url, int64_t *size,
                     struct dub_err *e)
{
    cJSON *o = fal_object(body, "result", e);
    const cJSON *video, *fs;
    const char *url;

    *video_url = NULL;
    *size = -1;
    if (!o)
        return -1;
    video = cJSON_GetObjectItemCaseSensitive(o, "video");
    url = fal_str(video, "url");
    if (!fal_url_ok(url)) {
        cJSON_Delete(o);
        return dub_errf(e, DUB_EPROTO,
                        "fal's result has no usable video.url");
    }
    *video_url = xstrdup(url);
    fs = cJSON_GetObjectItemCaseSensitive(video, "file_size");
    if (cJSON_IsNumber(fs) && fs->valuedouble >= 0)
        *size = (int64_t)fs->valuedouble;
    cJSON_Delete(o);
    return 0;
}

int fal_parse_initiate(const char *body, char **upload_url, char **file_url,
                       struct dub_err *e)
{
    cJSON *o = fal_object(body, "upload", e);
    const char *up, *fu;

    *upload_url = *file_url = NULL;
    if (!o)
        return -1;
    up = fal_str(o, "upload_url");
    fu = fal_str(o, "file_url");
    if (!fal_url_ok(up) || !fal_url_ok(fu)) {
        cJSON_Delete(o);
        return dub_errf(e, DUB_EPROTO,
                        "fal's upload reply lacks usable upload_url/file_url");
    }
    *upload_url = xstrdup(up);
    *file_url = xstrdup(fu);
    cJSON_Delete(o);
    return 0;
}

int fal_parse_part(const char *body, const char *etag_header, char **etag,
                   struct dub_err *e)
{
    cJSON *o = body && *body ? cJSON_Parse(body) : NULL;
    const char *t = fal_str(o, "etag");

    *etag = NULL;
    if (t && *t && strlen(t) < 256)
        *etag = xstrdup(t);
    cJSON_Delete(o);
    if (!*etag && etag_header && *etag_header) {
        const char *h = etag_header + (*etag_header == '"');

        *etag = xstrndup(h, strcspn(h, "\""));
    }
    if (!*etag || !**etag) {
        free(*etag);
        *etag = NULL;
        return dub_errf(e, DUB_EPROTO, "an upload part's reply has no etag");
    }
    return 0;
}

/* A copy of j with every object's keys sorted, so equal inputs print the
 * same whatever order fal stored them in. */
static cJSON *fal_canonical(const cJSON *j)
{
    cJSON *out, *it;

    if (cJSON_IsArray(j)) {
        out = cJSON_CreateArray();
        cJSON_ArrayForEach(it, j)
            cJSON_AddItemToArray(out, fal_canonical(it));
        return out;
    }
    if (!cJSON_IsObject(j))
        return cJSON_Duplicate(j, 1);
    out = cJSON_CreateObject();
    for (;;) {
        const cJSON *least = NULL;

        cJSON_ArrayForEach(it, j)
            if (!cJSON_GetObjectItemCaseSensitive(out, it->string) &&
                (!least || strcmp(it->string, least->string) < 0))
                least = it;
        if (!least)
            break;
        cJSON_AddItemToObject(out, least->string, fal_canonical(least));
    }
    return out;
}

static char *fal_canonical_text(const cJSON *j)
{
    return fal_print(fal_canonical(j));
}

int fal_input_equal(const char *a, const char *b)
{
    cJSON *x = cJSON_Parse(a), *y = cJSON_Parse(b);
    char *cx, *cy;
    int eq;

    if (!x || !y) {
        cJSON_Delete(x);
        cJSON_Delete(y);
        return 0;
    }
    cx = fal_canonical_text(x);
    cy = fal_canonical_text(y);
    eq = strcmp(cx, cy) == 0;
    free(cx);
    free(cy);
    cJSON_Delete(x);
    cJSON_Delete(y);
    return eq;
}

int fal_parse_listing(const char *body, struct fal_listing *l,
                      struct dub_err *e)
{
    cJSON *o = fal_object(body, "listing", e);
    const cJSON *items, *it, *more;

    memset(l, 0, sizeof(*l));
    if (!o)
        return -1;
    items = cJSON_GetObjectItemCaseSensitive(o, "items");
    if (!cJSON_IsArray(items)) {
        cJSON_Delete(o);
        return dub_errf(e, DUB_EPROTO, "fal's listing has no items");
    }
    l->items = xcalloc((size_t)cJSON_GetArraySize(items) + 1,
                       sizeof(*l->items));
    cJSON_ArrayForEach(it, items) {
        const char *id = fal_str(it, "request_id");
        const cJSON *input = cJSON_GetObjectItemCaseSensitive(it,
                                                              "json_input");
        struct fal_listed *x;

        if (!id || strlen(id) > 128)
            continue;
        x = &l->items[l->n++];
        x->request_id = xstrdup(id);
        x->status = xstrndup(fal_str(it, "status") ? fal_str(it, "status")
                                                   : "",
                             32);
        if (cJSON_IsObject(input))
            x->json_input = fal_canonical_text(input);
    }
    more = cJSON_GetObjectItemCaseSensitive(o, "has_more");
    l->has_more = cJSON_IsTrue(more);
    if (fal_str(o, "next_cursor"))
        l->next_cursor = xstrndup(fal_str(o, "next_cursor"), 256);
    if (l->has_more && !l->next_cursor) {
        fal_listing_release(l);
        cJSON_Delete(o);
        return dub_errf(e, DUB_EPROTO,
                        "fal's listing says there is more but gives no "
                        "cursor");
    }
    cJSON_Delete(o);
    return 0;
}

void fal_listing_release(struct fal_listing *l)
{
    int i;

    for (i = 0; i < l->n; i++) {
        free(l->items[i].request_id);
        free(l->items[i].status);
        free(l->items[i].json_input);
    }
    free(l->items);
    free(l->next_cursor);
    memset(l, 0, sizeof(*l));
}

/* ==== Failures ========================================================== */

static const char *const fal_op_names[] = {
    "submit", "status", "result", "cancel", "upload initiate", "upload",
    "download", "request listing",
};

/* fal's own words from an error body: a detail string, a detail list
 * (loc: msg (type)), or a flat {detail, error_type}. */
static void fal_error_words(const struct http_resp *r, struct buf *b)
{
    cJSON *o = r->body.len ? cJSON_Parse(r->body.data) : NULL;
    const cJSON *detail = cJSON_GetObjectItemCaseSensitive(o, "detail");
    const char *type = fal_str(o, "error_type");

    if (!o) {
        if (!r->body.len)
            buf_puts(b, "empty reply");
        else
            buf_printf(b, "non-JSON reply (%.60s)",
                       r->content_type[0] ? r->content_type : "no type");
    } else if (cJSON_IsString(detail)) {
        buf_printf(b, "%.*s", FAL_MAX_MESSAGE, detail->valuestring);
    } else if (cJSON_IsArray(detail)) {
        const cJSON *d;
        int n = 0;

        cJSON_ArrayForEach(d, detail) {
            const cJSON *loc = cJSON_GetObjectItemCaseSensitive(d, "loc"), *p;
            const char *msg = fal_str(d, "msg"), *t = fal_str(d, "type");
            int k = 0;

            if (n++)
                buf_puts(b, "; ");
            cJSON_ArrayForEach(p, loc) {
                /* "body" says nothing a person needs. */
                if (cJSON_IsString(p) && strcmp(p->valuestring, "body") != 0)
                    buf_printf(b, "%s%.40s", k++ ? "." : "", p->valuestring);
            }
            buf_printf(b, "%s%.*s", k ? ": " : "", FAL_MAX_MESSAGE,
                       msg ? msg : "invalid");
            if (t)
                buf_printf(b, " (%.60s)", t);
            if (b->len > FAL_MAX_MESSAGE)
                break;
        }
    } else {
        buf_puts(b, "error with no detail");
    }
    if (!type && r->error_type[0])
        type = r->error_type;
    if (type && !cJSON_IsArray(detail))
        buf_printf(b, " (%.60s)", type);
    cJSON_Delete(o);
}

enum fal_verdict fal_classify(enum fal_op op, const struct http_resp *r,
                              struct dub_err *err)
{
    struct dub_err scratch, *e = err ? err : &scratch;
    const char *name = fal_op_names[op];
    enum fal_verdict v;
    struct buf words = {0};
    int s = r->status;

    if (!r->transport_failed && s >= 200 && s < 300)
        return FAL_OK;
    if (r->transport_failed) {
        /* A submit whose body may have arrived cannot be repeated blindly:
         * fal has no idempotency key (design.md section 4). */
        v = op == FAL_OP_SUBMIT && r->maybe_sent ? FAL_UNKNOWN : FAL_RETRY;
        dub_errf(e, DUB_ENET, "fal %s: %s%s", name, r->err,
                 v == FAL_UNKNOWN ? " (the request may have arrived)" : "");
        e->retryable = v == FAL_RETRY;
        return v;
    }
    if (s == 504 && strcmp(r->timeout_type, "user") == 0)
        v = FAL_FATAL;
    else if (s == 429 || s == 408 || s == 409 || s == 503)
        v = FAL_RETRY;
    else if (s == 500 || s == 502 || s == 504)
        /* The server may have queued the submit before failing: reconcile
         * rather than pay twice.  Everything else is idempotent. */
        v = op == FAL_OP_SUBMIT ? FAL_UNKNOWN : FAL_RETRY;
    else
        v = FAL_FATAL;
    fal_error_words(r, &words);
    dub_errf(e, v == FAL_FATAL && s == 422 ? DUB_EMODEL : DUB_EHTTP,
             "fal %s: HTTP %d: %s%s%s%s", name, s, words.data,
             r->request_id[0] ? " [request " : "", r->request_id,
             r->request_id[0] ? "]" : "");
    e->retryable = v == FAL_RETRY;
    e->http_status = s;
    buf_release(&words);
    return v;
}

int64_t fal_backoff_ms(int attempt, int64_t base_ms, int64_t cap_ms, double u)
{
    double d = (double)base_ms * pow(2.0, attempt > 30 ? 30 : attempt);

    if (d > cap_ms)
        d = (double)cap_ms;
    return (int64_t)(d * (0.75 + 0.5 * u));
}

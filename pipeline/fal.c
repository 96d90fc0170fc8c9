/*
 * fal: builders, parsers and the failure classification of fal's HTTP
 * protocol.  Pure; cJSON for every JSON read or written.
 */
#define _POSIX_C_SOURCE 200809L
#include "fal.h"

#include <limits.h>
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

    if (n && queue_base[n - 1] == '/')
        n--;
    return xasprintf("%.*s/%s", (int)n, queue_base, endpoint);
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

char *fal_status_url(const char *status_url, int logs)
{
    if (!logs)
        return xstrdup(status_url);
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
    buf_printf(&b, "&expand=payloads&limit=%d", FAL_LIST_LIMIT);
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

/* At most max bytes of s, with control characters made spaces: server
 * text ends up in one-line logs and messages. */
static char *fal_text(const char *s, size_t max)
{
    char *t = xstrndup(s, max);
    char *p;

    for (p = t; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = ' ';
    return t;
}

/* A non-negative integer field within [0, max], else def. */
static int64_t fal_int(const cJSON *o, const char *name, int64_t max,
                       int64_t def)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, name);

    /* The range is checked on the double: casting one out of range is
     * undefined. */
    if (!cJSON_IsNumber(it) || !(it->valuedouble >= 0) ||
        it->valuedouble > (double)max)
        return def;
    return (int64_t)it->valuedouble;
}

/* A URL from a reply must be one dubbatch may fetch, and sane in size. */
static int fal_url_ok(const char *u)
{
    return u && strlen(u) < FAL_MAX_URL && http_url_allowed(u, NULL) == 0;
}

int fal_request_id_ok(const char *id)
{
    size_t n;

    if (!id)
        return 0;
    n = strlen(id);
    return n > 0 && n <= 128 &&
           strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                      "0123456789._-") == n;
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
    const char *id, *su, *ru, *cu;

    memset(h, 0, sizeof(*h));
    if (!o)
        return -1;
    id = fal_str(o, "request_id");
    su = fal_str(o, "status_url");
    ru = fal_str(o, "response_url");
    cu = fal_str(o, "cancel_url");
    if (!fal_request_id_ok(id) || !fal_url_ok(su) || !fal_url_ok(ru) ||
        !fal_url_ok(cu)) {
        cJSON_Delete(o);
        return dub_errf(e, DUB_EPROTO,
                        "fal's submit reply lacks a request id or usable "
                        "status/response/cancel URLs");
    }
    h->request_id = xstrdup(id);
    h->status_url = xstrdup(su);
    h->response_url = xstrdup(ru);
    h->cancel_url = xstrdup(cu);
    h->queue_position = (int)fal_int(o, "queue_position", INT_MAX, 0);
    cJSON_Delete(o);
    return 0;
}

void fal_handle_build(struct fal_handle *h, const char *queue_base,
                      const char *endpoint, const char *request_id)
{
    size_t n = strlen(queue_base), app;
    const char *slash = strchr(endpoint, '/');

    /* owner/app: the endpoint up to its second slash (fal-protocol 2.1). */
    slash = slash ? strchr(slash + 1, '/') : NULL;
    app = slash ? (size_t)(slash - endpoint) : strlen(endpoint);
    if (n && queue_base[n - 1] == '/')
        n--;
    memset(h, 0, sizeof(*h));
    h->request_id = xstrdup(request_id);
    h->response_url = xasprintf("%.*s/%.*s/requests/%s", (int)n, queue_base,
                                (int)app, endpoint, request_id);
    h->status_url = xasprintf("%s/status", h->response_url);
    h->cancel_url = xasprintf("%s/cancel", h->response_url);
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
    const cJSON *logs, *l, *err;
    const char *st, *type;

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
        char *shown = fal_text(st ? st : "(none)", 40);

        dub_errf(e, DUB_EPROTO, "fal reported an unknown status '%s'",
                 shown);
        free(shown);
        cJSON_Delete(o);
        return -1;
    }
    if (s->state == FAL_IN_QUEUE)
        s->queue_position = (int)fal_int(o, "queue_position", INT_MAX, 0);
    type = fal_str(o, "error_type");
    if (type && *type)
        s->error_type = fal_text(type, 64);
    err = cJSON_GetObjectItemCaseSensitive(o, "error");
    if (cJSON_IsString(err) && *err->valuestring)
        s->error = fal_text(err->valuestring, FAL_MAX_MESSAGE);
    else if (s->error_type)
        s->error = xasprintf("failed (%s)", s->error_type);
    else if (err && !cJSON_IsNull(err) && !cJSON_IsFalse(err))
        /* An error fal described in a shape we do not know is still one. */
        s->error = xstrdup("failed (an unreadable error)");
    logs = cJSON_GetObjectItemCaseSensitive(o, "logs");
    if (cJSON_IsArray(logs)) {
        cJSON_ArrayForEach(l, logs) {
            const char *msg = fal_str(l, "message");
            const char *ts = fal_str(l, "timestamp");
            const char *lv = fal_str(l, "level");
            char *m, *t, *v;

            if (!msg)
                continue;
            m = fal_text(msg, FAL_MAX_MESSAGE);
            t = fal_text(ts ? ts : "-", 40);
            v = fal_text(lv ? lv : "INFO", 8);
            buf_printf(&s->logs, "%s %s %s\n", t, v, m);
            free(m);
            free(t);
            free(v);
            s->nlogs++;
        }
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

int fal_parse_output(const char *body, struct fal_output *out,
                     struct dub_err *e)
{
    cJSON *o = fal_object(body, "result", e);
    const cJSON *video;
    const char *url, *ct, *fn;

    memset(out, 0, sizeof(*out));
    out->file_size = -1;
    if (!o)
        return -1;
    video = cJSON_GetObjectItemCaseSensitive(o, "video");
    url = fal_str(video, "url");
    if (!cJSON_IsObject(video) || !fal_url_ok(url)) {
        cJSON_Delete(o);
        return dub_errf(e, DUB_EPROTO,
                        "fal's result has no usable video.url");
    }
    out->url = xstrdup(url);
    ct = fal_str(video, "content_type");
    if (ct && *ct)
        out->content_type = fal_text(ct, 100);
    fn = fal_str(video, "file_name");
    if (fn && *fn)
        out->file_name = fal_text(fn, 255);
    out->file_size = fal_int(video, "file_size", INT64_C(1) << 50, -1);
    cJSON_Delete(o);
    return 0;
}

void fal_output_release(struct fal_output *o)
{
    free(o->url);
    free(o->content_type);
    free(o->file_name);
    memset(o, 0, sizeof(*o));
    o->file_size = -1;
}

int fal_parse_result(const char *body, char **video_url, int64_t *size,
                     struct dub_err *e)
{
    struct fal_output o;

    *video_url = NULL;
    *size = -1;
    if (fal_parse_output(body, &o, e) < 0)
        return -1;
    *video_url = o.url;
    *size = o.file_size;
    o.url = NULL;
    fal_output_release(&o);
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
        const char *h = etag_header;

        /* A weak validator or quotes are not part of the tag itself. */
        if (strncmp(h, "W/", 2) == 0)
            h += 2;
        h += *h == '"';
        *etag = xstrndup(h, strcspn(h, "\""));
    }
    if (!*etag || !**etag) {
        free(*etag);
        *etag = NULL;
        return dub_errf(e, DUB_EPROTO, "an upload part's reply has no etag");
    }
    return 0;
}

struct fal_member {
    const cJSON *item;
    int pos;
};

/* By key, and of equal keys (JSON allows them) the first first. */
static int fal_member_cmp(const void *a, const void *b)
{
    const struct fal_member *x = a, *y = b;
    int c = strcmp(x->item->string, y->item->string);

    return c ? c : (x->pos > y->pos) - (x->pos < y->pos);
}

/* A copy of j with every object's keys sorted, so equal inputs print the
 * same whatever order fal stored them in.  Sorted, not picked one by one:
 * a listing is untrusted, and an input of a few thousand keys would cost
 * minutes of the one thread. */
static cJSON *fal_canonical(const cJSON *j)
{
    struct fal_member *m;
    cJSON *out, *it;
    int n = 0, i;

    if (cJSON_IsArray(j)) {
        out = cJSON_CreateArray();
        cJSON_ArrayForEach(it, j)
            cJSON_AddItemToArray(out, fal_canonical(it));
        return out;
    }
    if (!cJSON_IsObject(j))
        return cJSON_Duplicate(j, 1);
    m = xcalloc((size_t)cJSON_GetArraySize(j) + 1, sizeof(*m));
    cJSON_ArrayForEach(it, j) {
        m[n].item = it;
        m[n].pos = n;
        n++;
    }
    qsort(m, (size_t)n, sizeof(*m), fal_member_cmp);
    out = cJSON_CreateObject();
    /* Of repeated keys the first counts, as cJSON's lookups find it. */
    for (i = 0; i < n; i++)
        if (i == 0 || strcmp(m[i].item->string, m[i - 1].item->string) != 0)
            cJSON_AddItemToObject(out, m[i].item->string,
                                  fal_canonical(m[i].item));
    free(m);
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

int fal_input_matches(const char *ours, const char *listed)
{
    cJSON *x = cJSON_Parse(ours), *y = cJSON_Parse(listed);
    const cJSON *it, *fields;
    int eq = cJSON_IsObject(x) && cJSON_IsObject(y) &&
             cJSON_GetArraySize(x) > 0;

    fields = eq ? x : NULL;
    cJSON_ArrayForEach(it, fields) {
        const cJSON *other = cJSON_GetObjectItemCaseSensitive(y, it->string);
        char *a, *b;

        if (!other) {
            eq = 0;
            break;
        }
        a = fal_canonical_text(it);
        b = fal_canonical_text(other);
        eq = strcmp(a, b) == 0;
        free(a);
        free(b);
        if (!eq)
            break;
    }
    cJSON_Delete(x);
    cJSON_Delete(y);
    return eq;
}

char *fal_input_files_key(const char *json)
{
    cJSON *o = cJSON_Parse(json), *it;
    char *key;

    if (!cJSON_IsObject(o)) {
        cJSON_Delete(o);
        return NULL;
    }
    cJSON_ArrayForEach(it, o) {
        size_t n = strlen(it->string);
        const char *v, *slash, *end;
        char *name;

        if (n < 4 || strcmp(it->string + n - 4, "_url") != 0 ||
            !cJSON_IsString(it))
            continue;
        v = it->valuestring;
        end = v + strcspn(v, "?#");
        for (slash = end; slash > v && slash[-1] != '/'; slash--)
            ;
        name = xstrndup(slash, (size_t)(end - slash));
        cJSON_SetValuestring(it, name);
        free(name);
    }
    key = fal_canonical_text(o);
    cJSON_Delete(o);
    return key;
}

int fal_parse_listing(const char *body, struct fal_listing *l,
                      struct dub_err *e)
{
    cJSON *o = fal_object(body, "listing", e);
    const cJSON *items, *it, *more;
    const char *cursor;

    memset(l, 0, sizeof(*l));
    if (!o)
        return -1;
    items = cJSON_GetObjectItemCaseSensitive(o, "items");
    if (!cJSON_IsArray(items))
        items = cJSON_GetObjectItemCaseSensitive(o, "requests");
    if (!cJSON_IsArray(items))
        items = cJSON_GetObjectItemCaseSensitive(o, "data");
    if (!cJSON_IsArray(items)) {
        cJSON_Delete(o);
        return dub_errf(e, DUB_EPROTO, "fal's listing has no items");
    }
    l->items = xcalloc((size_t)cJSON_GetArraySize(items) + 1,
                       sizeof(*l->items));
    cJSON_ArrayForEach(it, items) {
        const char *id = fal_str(it, "request_id");
        const char *st = fal_str(it, "status");
        const cJSON *input = cJSON_GetObjectItemCaseSensitive(it,
                                                              "json_input");
        const cJSON *output = cJSON_GetObjectItemCaseSensitive(it,
                                                               "json_output");
        cJSON *parsed = NULL;
        struct fal_listed *x;
        const char *url;

        if (!fal_request_id_ok(id))
            continue;
        x = &l->items[l->n++];
        x->request_id = xstrdup(id);
        x->status = fal_text(st ? st : "", 32);
        /* Some stores keep the input as JSON text rather than an object. */
        if (cJSON_IsString(input)) {
            parsed = cJSON_Parse(input->valuestring);
            input = parsed;
        }
        if (cJSON_IsObject(input))
            x->json_input = fal_canonical_text(input);
        cJSON_Delete(parsed);
        url = fal_str(cJSON_GetObjectItemCaseSensitive(output, "video"), "url");
        if (fal_url_ok(url))
            x->output_url = xstrdup(url);
    }
    more = cJSON_GetObjectItemCaseSensitive(o, "has_more");
    l->has_more = cJSON_IsTrue(more);
    cursor = fal_str(o, "next_cursor");
    if (cursor && *cursor && strlen(cursor) <= 1024)
        l->next_cursor = xstrdup(cursor);
    if (l->has_more && !l->next_cursor) {
        fal_listing_release(l);
        cJSON_Delete(o);
        return dub_errf(e, DUB_EPROTO,
                        "fal's listing says there is more but gives no "
                        "usable cursor");
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
        free(l->items[i].output_url);
    }
    free(l->items);
    free(l->next_cursor);
    memset(l, 0, sizeof(*l));
}

enum fal_cancel fal_parse_cancel(const struct http_resp *r)
{
    cJSON *o;
    const char *st;
    const cJSON *ok;
    enum fal_cancel c = FAL_CANCEL_FAILED;

    if (r->transport_failed)
        return FAL_CANCEL_FAILED;
    o = r->body.len ? cJSON_Parse(r->body.data) : NULL;
    st = fal_str(o, "status");
    ok = cJSON_GetObjectItemCaseSensitive(o, "success");
    if (r->status >= 200 && r->status < 300) {
        /* JS counts any 2xx as done; only an explicit "no" says else. */
        if (st && strcmp(st, "ALREADY_COMPLETED") == 0)
            c = FAL_CANCEL_DONE;
        else if (st && strcmp(st, "NOT_FOUND") == 0)
            c = FAL_CANCEL_GONE;
        else if (!cJSON_IsFalse(ok))
            c = FAL_CANCEL_REQUESTED;
    } else if (r->status == 400 && st &&
               strcmp(st, "ALREADY_COMPLETED") == 0) {
        c = FAL_CANCEL_DONE;
    } else if (r->status == 404) {
        c = FAL_CANCEL_GONE;
    }
    cJSON_Delete(o);
    return c;
}

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
    FAL_O_CUT,        /* reset, timeout, a body cut short: it may have left */
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
    /*                OK TOO  NOT  CUT  REF  LOC  3XX  408  429  ING  5XX  USR  BSY  EXP  AUTH GONE REJ  5XX+ */
    [FAL_OP_SUBMIT]   = {K, A, R, U, F, F, F, U, R, R, U, F, U, F, F, F, F, U},
    [FAL_OP_STATUS]   = {K, F, R, R, F, F, F, R, R, R, R, F, R, F, F, F, F, F},
    [FAL_OP_RESULT]   = {K, R, R, R, F, F, F, R, R, R, R, F, R, F, F, F, F, F},
    [FAL_OP_ERROR]    = {K, F, R, R, F, F, F, F, F, F, F, F, F, F, F, F, F, F},
    [FAL_OP_CANCEL]   = {K, R, R, R, F, F, F, R, R, R, R, F, R, F, F, F, F, F},
    [FAL_OP_INITIATE] = {K, R, R, R, F, F, F, R, R, R, R, F, R, F, F, F, F, F},
    [FAL_OP_UPLOAD]   = {K, R, R, R, F, F, F, R, R, R, R, F, R, I, F, I, F, F},
    [FAL_OP_DOWNLOAD] = {K, F, R, R, F, L, F, R, R, R, R, F, R, I, F, I, F, F},
    [FAL_OP_LIST]     = {K, R, R, R, F, F, F, R, R, R, R, F, R, F, F, F, F, F},
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
        return r->maybe_sent ? FAL_O_CUT : FAL_O_NOT_SENT;
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
    } else if (o == FAL_O_NOT_SENT || o == FAL_O_CUT || o == FAL_O_REFUSED) {
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

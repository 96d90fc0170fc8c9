/*
 * fal: fal's replies, parsed.  Every reply is untrusted: unknown fields
 * are ignored, wrong types refused, and what is copied is bounded.
 */
#define _POSIX_C_SOURCE 200809L
#include "falint.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>





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

int fal_parse_output(const char *body, const char *member,
                     struct fal_output *out, struct dub_err *e)
{
    cJSON *o = fal_object(body, "result", e);
    const cJSON *video;
    const char *url, *ct, *fn;

    memset(out, 0, sizeof(*out));
    out->file_size = -1;
    if (!o)
        return -1;
    video = cJSON_GetObjectItemCaseSensitive(o, member);
    url = fal_str(video, "url");
    if (!cJSON_IsObject(video) || !fal_url_ok(url)) {
        cJSON_Delete(o);
        return dub_errf(e, DUB_EPROTO, "fal's result has no usable %s.url",
                        member);
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

int fal_parse_result(const char *body, const char *member, char **url,
                     int64_t *size, struct dub_err *e)
{
    struct fal_output o;

    *url = NULL;
    *size = -1;
    if (fal_parse_output(body, member, &o, e) < 0)
        return -1;
    *url = o.url;
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

int fal_not_found(const struct http_resp *r)
{
    cJSON *o;
    const char *st;
    int found;

    if (r->transport_failed || r->status != 404 || !r->body.len)
        return 0;
    o = cJSON_Parse(r->body.data);
    st = fal_str(o, "status");
    found = st && strcmp(st, "NOT_FOUND") == 0;
    cJSON_Delete(o);
    return found;
}

const char *fal_json_version(void)
{
    return cJSON_Version();
}

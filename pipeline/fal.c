/*
 * fal: what dubbatch sends to fal (URLs, bodies), and the small JSON
 * helpers the other parts of the protocol share (falint.h): the replies
 * (falreply.c), comparing inputs (falmatch.c) and the retry policy
 * (falpolicy.c).  Pure; cJSON for every JSON read or written.
 */
#define _POSIX_C_SOURCE 200809L
#include "falint.h"

#include <limits.h>
#include <stddef.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

/* ==== Requests ========================================================== */

char *fal_submit_url(const char *queue_base, const char *endpoint)
{
    size_t n = strlen(queue_base);

    if (n && queue_base[n - 1] == '/')
        n--;
    return xasprintf("%.*s/%s", (int)n, queue_base, endpoint);
}

char *fal_print(cJSON *o)
{
    char *text = cJSON_PrintUnformatted(o);

    cJSON_Delete(o);
    if (!text)
        dub_fatal("out of memory");
    return text;
}

/* Where each field an endpoint may ask for comes from. */
static const struct {
    const char *name;
    size_t off;   /* in struct fal_input: a string, or the speed */
} fal_fields[] = {
    {"video_url", offsetof(struct fal_input, video_url)},
    {"audio_url", offsetof(struct fal_input, audio_url)},
    {"text", offsetof(struct fal_input, text)},
    {"voice_id", offsetof(struct fal_input, voice_id)},
    {"voice_language", offsetof(struct fal_input, voice_language)},
    {"voice_speed", offsetof(struct fal_input, voice_speed)},
};

char *fal_payload(const char *const fields[6], const struct fal_input *in)
{
    cJSON *o = cJSON_CreateObject();
    int i;
    size_t k;

    for (i = 0; i < 6 && fields[i]; i++) {
        for (k = 0; k < DUB_ARRAY_LEN(fal_fields); k++)
            if (strcmp(fal_fields[k].name, fields[i]) == 0)
                break;
        if (k == DUB_ARRAY_LEN(fal_fields))
            dub_fatal("no source for the payload field '%s'", fields[i]);
        if (fal_fields[k].off == offsetof(struct fal_input, voice_speed))
            cJSON_AddNumberToObject(o, fields[i],
                                    round(in->voice_speed * 10) / 10);
        else
            cJSON_AddStringToObject(
                o, fields[i],
                *(const char *const *)((const char *)in + fal_fields[k].off));
    }
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

/* ==== Shared by the protocol's parts ==================================== */

const char *fal_str(const cJSON *o, const char *name)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, name);

    return cJSON_IsString(it) ? it->valuestring : NULL;
}

/* At most max bytes of s, with control characters made spaces: server
 * text ends up in one-line logs and messages. */
char *fal_text(const char *s, size_t max)
{
    char *t = xstrndup(s, max);
    char *p;

    for (p = t; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = ' ';
    return t;
}

/* A non-negative integer field within [0, max], else def. */
int64_t fal_int(const cJSON *o, const char *name, int64_t max,
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
int fal_url_ok(const char *u)
{
    return u && strlen(u) < FAL_MAX_URL && http_url_allowed(u, NULL) == 0;
}

cJSON *fal_object(const char *body, const char *what, struct dub_err *e)
{
    cJSON *o = body ? cJSON_Parse(body) : NULL;

    if (!cJSON_IsObject(o)) {
        cJSON_Delete(o);
        dub_errf(e, DUB_EPROTO, "fal's %s reply is not a JSON object", what);
        return NULL;
    }
    return o;
}

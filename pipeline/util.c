/*
 * util: errors, memory, buffers, time and text shared by every module
 * (utilfile.c holds files and paths).  Nothing here knows about media,
 * HTTP or the database.
 */
#define _POSIX_C_SOURCE 200809L
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ==== Errors ============================================================ */

int dub_errf(struct dub_err *e, enum dub_code code, const char *fmt, ...)
{
    va_list ap;

    if (!e)
        return -1;
    e->code = code;
    e->retryable = 0;
    e->http_status = 0;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
    va_end(ap);
    return -1;
}

int dub_err_prefix(struct dub_err *e, const char *fmt, ...)
{
    struct buf b = {0};
    va_list ap, cp;
    int n;

    if (!e)
        return -1;
    va_start(ap, fmt);
    va_copy(cp, ap);
    n = vsnprintf(NULL, 0, fmt, cp);
    va_end(cp);
    if (n > 0) {
        buf_grow(&b, (size_t)n);
        vsnprintf(b.data, (size_t)n + 1, fmt, ap);
        b.len = (size_t)n;
    }
    va_end(ap);
    buf_printf(&b, ": %s", e->msg);
    snprintf(e->msg, sizeof(e->msg), "%s", b.data);
    buf_release(&b);
    return -1;
}

void dub_fatal(const char *fmt, ...)
{
    va_list ap;
    size_t n = strlen(fmt);
    int saved = errno;

    fputs("dubbatch: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    if (n > 0 && fmt[n - 1] == ':')
        fprintf(stderr, " %s", strerror(saved));
    fputc('\n', stderr);
    exit(2);
}

/* ==== Memory ============================================================ */

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);

    if (!p)
        dub_fatal("out of memory");
    return p;
}

void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);

    if (!p)
        dub_fatal("out of memory");
    return p;
}

void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        dub_fatal("out of memory");
    return p;
}

char *xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
    char *p;

    n = strnlen(s, n);
    p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *xasprintf(const char *fmt, ...)
{
    struct buf b = {0};
    va_list ap;

    va_start(ap, fmt);
    {
        va_list cp;
        int n;

        va_copy(cp, ap);
        n = vsnprintf(NULL, 0, fmt, cp);
        va_end(cp);
        if (n < 0)
            dub_fatal("bad format string");
        buf_grow(&b, (size_t)n + 1);
        vsnprintf(b.data, (size_t)n + 1, fmt, ap);
        b.len = (size_t)n;
    }
    va_end(ap);
    return buf_detach(&b);
}

/* ==== Buffers =========================================================== */

void buf_grow(struct buf *b, size_t extra)
{
    size_t need = b->len + extra + 1;

    if (need <= b->cap)
        return;
    if (need < b->cap * 2)
        need = b->cap * 2;
    if (need < 64)
        need = 64;
    b->data = xrealloc(b->data, need);
    b->cap = need;
}

void buf_append(struct buf *b, const void *p, size_t n)
{
    buf_grow(b, n);
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void buf_puts(struct buf *b, const char *s)
{
    buf_append(b, s, strlen(s));
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap, cp;
    int n;

    va_start(ap, fmt);
    va_copy(cp, ap);
    n = vsnprintf(NULL, 0, fmt, cp);
    va_end(cp);
    if (n < 0)
        dub_fatal("bad format string");
    buf_grow(b, (size_t)n);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    va_end(ap);
}

void buf_reset(struct buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

char *buf_detach(struct buf *b)
{
    char *p;

    if (!b->data)
        buf_grow(b, 0);
    b->data[b->len] = '\0';
    p = b->data;
    memset(b, 0, sizeof(*b));
    return p;
}

void buf_release(struct buf *b)
{
    free(b->data);
    memset(b, 0, sizeof(*b));
}

void joiner_add(struct joiner *j, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (j->cap == 0 || j->len + 1 >= j->cap)
        return;
    if (j->len > 0) {
        n = snprintf(j->out + j->len, j->cap - j->len, "%s", j->sep);
        j->len += n > 0 ? (size_t)n : 0;
        if (j->len >= j->cap) {
            j->len = j->cap - 1;
            return;
        }
    }
    va_start(ap, fmt);
    n = vsnprintf(j->out + j->len, j->cap - j->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        j->len += (size_t)n;
    if (j->len >= j->cap)
        j->len = j->cap - 1;
}

/* ==== Time ============================================================== */

int64_t util_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t util_mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void util_iso8601(int64_t ms, char out[32])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;

    gmtime_r(&t, &tm);
    snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
             (tm.tm_year + 1900) % 10000, (tm.tm_mon + 1) % 100,
             tm.tm_mday % 100, tm.tm_hour % 100, tm.tm_min % 100,
             tm.tm_sec % 100, (int)(ms % 1000));
}

/* ==== Text ============================================================== */

/* Bytes in the UTF-8 sequence at p, or 0 when it is not one. */
static int util_utf8_seq(const unsigned char *p)
{
    int extra, i;

    if (*p < 0x80)
        return 1;
    if ((*p & 0xe0) == 0xc0 && *p >= 0xc2)
        extra = 1;
    else if ((*p & 0xf0) == 0xe0)
        extra = 2;
    else if ((*p & 0xf8) == 0xf0 && *p <= 0xf4)
        extra = 3;
    else
        return 0;
    for (i = 1; i <= extra; i++)
        if ((p[i] & 0xc0) != 0x80)
            return 0;
    return extra + 1;
}

long util_utf8_len(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    long n = 0;

    while (*p) {
        int len = util_utf8_seq(p);

        if (!len)
            return -1;
        p += len;
        n++;
    }
    return n;
}

void buf_put_clean(struct buf *b, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;

    while (*p) {
        int n = util_utf8_seq(p);

        if (*p == '\n' || *p == '\t' || *p == '\r') {
            buf_printf(b, "\\%c", *p == '\n' ? 'n' : *p == '\t' ? 't' : 'r');
        } else if (n == 0 || *p < 0x20 || *p == 0x7f) {
            buf_printf(b, "\\x%02x", *p);
            n = 1;
        } else if (n == 2 && p[0] == 0xc2 && p[1] < 0xa0) {
            buf_printf(b, "\\u%04x", p[1]); /* C1 controls: U+0080..U+009F */
        } else {
            buf_append(b, p, (size_t)n);
        }
        p += n;
    }
}

size_t util_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), i, j;
    size_t *row = xcalloc(lb + 1, sizeof(*row));
    size_t d;

    for (j = 0; j <= lb; j++)
        row[j] = j;
    for (i = 1; i <= la; i++) {
        size_t diag = row[0];

        row[0] = i;
        for (j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);

            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    d = row[lb];
    free(row);
    return d;
}

int util_parse_long(const char *s, long min, long max, long *out)
{
    char *end;
    long v;

    if (!s || !*s)
        return -1;
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

int util_parse_double(const char *s, double *out)
{
    char *end;
    double v;

    if (!s || !*s)
        return -1;
    errno = 0;
    v = strtod(s, &end);
    if (errno || *end || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

/*
 * util: errors, memory, buffers, paths and time shared by every
 * module.  Nothing here knows about media, HTTP or the database.
 */
#define _POSIX_C_SOURCE 200809L
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

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

/* ==== Files and paths =================================================== */

int util_read_file(const char *path, size_t max, struct buf *b,
                   struct dub_err *e)
{
    char chunk[65536];
    FILE *f = fopen(path, "rb");
    size_t n;

    if (!f)
        return dub_errf(e, DUB_EIO, "cannot open '%s': %s", path,
                        strerror(errno));
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (b->len + n > max) {
            fclose(f);
            return dub_errf(e, DUB_EIO, "'%s' is larger than %zu bytes",
                            path, max);
        }
        buf_append(b, chunk, n);
    }
    if (ferror(f)) {
        int err = errno;

        fclose(f);
        return dub_errf(e, DUB_EIO, "cannot read '%s': %s", path,
                        strerror(err));
    }
    fclose(f);
    if (!b->data)
        buf_grow(b, 0);
    return 0;
}

void util_random_hex(char *out, size_t nbytes)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char b[32];
    size_t i, got = 0;
    int fd;

    nbytes = nbytes > sizeof(b) ? sizeof(b) : nbytes;
    fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    while (fd >= 0 && got < nbytes) {
        ssize_t n = read(fd, b + got, nbytes - got);

        if (n <= 0 && errno != EINTR)
            break;
        got += n > 0 ? (size_t)n : 0;
    }
    if (fd >= 0)
        close(fd);
    /* Without /dev/urandom, still unique to this process and moment. */
    for (i = got; i < nbytes; i++)
        b[i] = (unsigned char)((util_mono_ms() >> (i % 8)) ^ getpid() ^ i);
    for (i = 0; i < nbytes; i++) {
        out[2 * i] = hex[b[i] >> 4];
        out[2 * i + 1] = hex[b[i] & 15];
    }
    out[2 * nbytes] = '\0';
}

int util_tmp_open(const char *path, char **tmp, struct dub_err *e)
{
    char rnd[17];
    int fd, tries;

    for (tries = 0; tries < 8; tries++) {
        util_random_hex(rnd, 8);
        *tmp = xasprintf("%s.tmp.%s", path, rnd);
        fd = open(*tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                  0644);
        if (fd >= 0)
            return fd;
        free(*tmp);
        *tmp = NULL;
        if (errno != EEXIST)
            break;
    }
    return dub_errf(e, DUB_EIO, "cannot create a file beside '%s': %s", path,
                    strerror(errno));
}

int util_atomic_open(struct util_atomic *a, const char *path,
                     struct dub_err *e)
{
    int fd = util_tmp_open(path, &a->tmp, e);

    if (fd < 0)
        return -1;
    a->path = xstrdup(path);
    a->f = fdopen(fd, "w");
    if (!a->f) {
        dub_errf(e, DUB_EIO, "cannot create '%s': %s", a->tmp,
                 strerror(errno));
        close(fd);
        unlink(a->tmp);
        free(a->path);
        free(a->tmp);
        return -1;
    }
    return 0;
}

int util_atomic_close(struct util_atomic *a, int ok, struct dub_err *e)
{
    int rc = -1;

    if (ok && (fflush(a->f) != 0 || ferror(a->f)))
        dub_errf(e, DUB_EIO, "cannot write '%s': %s", a->tmp, strerror(errno));
    else if (ok && fsync(fileno(a->f)) < 0)
        dub_errf(e, DUB_EIO, "cannot sync '%s': %s", a->tmp, strerror(errno));
    else if (ok)
        rc = 0;
    if (fclose(a->f) != 0 && rc == 0) {
        dub_errf(e, DUB_EIO, "cannot close '%s': %s", a->tmp, strerror(errno));
        rc = -1;
    }
    if (rc == 0 && rename(a->tmp, a->path) < 0) {
        dub_errf(e, DUB_EIO, "cannot rename '%s' to '%s': %s", a->tmp,
                 a->path, strerror(errno));
        rc = -1;
    }
    if (rc < 0)
        unlink(a->tmp);
    free(a->tmp);
    free(a->path);
    a->f = NULL;
    return rc;
}

int util_write_atomic(const char *path, const void *data, size_t len,
                      struct dub_err *e)
{
    struct util_atomic a;

    if (util_atomic_open(&a, path, e) < 0)
        return -1;
    fwrite(data, 1, len, a.f);
    return util_atomic_close(&a, 1, e);
}

int util_copy_file(const char *src, const char *dst, struct dub_err *e)
{
    struct util_atomic a;
    char chunk[65536];
    FILE *in = fopen(src, "rb");
    size_t n;
    int ok = 1;

    if (!in)
        return dub_errf(e, DUB_EIO, "cannot read '%s': %s", src,
                        strerror(errno));
    if (util_atomic_open(&a, dst, e) < 0) {
        fclose(in);
        return -1;
    }
    while ((n = fread(chunk, 1, sizeof(chunk), in)) > 0)
        ok = ok && fwrite(chunk, 1, n, a.f) == n;
    ok = ok && !ferror(in);
    fclose(in);
    if (!ok)
        dub_errf(e, DUB_EIO, "cannot copy '%s' to '%s'", src, dst);
    return util_atomic_close(&a, ok, ok ? e : NULL) < 0 || !ok ? -1 : 0;
}

int util_mkdirs(const char *path, struct dub_err *e)
{
    char *p = xstrdup(path);
    char *s;
    struct stat st;

    for (s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0755) < 0 && errno != EEXIST) {
            dub_errf(e, DUB_EIO, "cannot create directory '%s': %s", p,
                     strerror(errno));
            free(p);
            return -1;
        }
        *s = '/';
    }
    if (mkdir(p, 0755) < 0 && errno != EEXIST) {
        dub_errf(e, DUB_EIO, "cannot create directory '%s': %s", p,
                 strerror(errno));
        free(p);
        return -1;
    }
    free(p);
    if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode))
        return dub_errf(e, DUB_EIO, "'%s' is not a directory", path);
    return 0;
}

char *util_path_join(const char *dir, const char *name)
{
    size_t n;

    if (name[0] == '/' || !dir || !dir[0] || strcmp(dir, ".") == 0)
        return xstrdup(name);
    n = strlen(dir);
    if (dir[n - 1] == '/')
        return xasprintf("%s%s", dir, name);
    return xasprintf("%s/%s", dir, name);
}

char *util_dirname(const char *path)
{
    const char *slash = strrchr(path, '/');

    if (!slash)
        return xstrdup(".");
    if (slash == path)
        return xstrdup("/");
    return xstrndup(path, (size_t)(slash - path));
}

char *util_stem(const char *path)
{
    const char *base = strrchr(path, '/');
    const char *dot;

    base = base ? base + 1 : path;
    dot = strrchr(base, '.');
    if (!dot || dot == base)
        return xstrdup(base);
    return xstrndup(base, (size_t)(dot - base));
}

void util_ext(const char *path, char *out, size_t outlen)
{
    const char *base = strrchr(path, '/');
    const char *dot;
    size_t i;

    base = base ? base + 1 : path;
    dot = strrchr(base, '.');
    if (!outlen)
        return;
    out[0] = '\0';
    if (!dot || dot == base)
        return;
    for (i = 0; dot[i + 1] && i + 1 < outlen; i++) {
        char c = dot[i + 1];

        out[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
    out[i] = '\0';
}

int util_starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

char *util_path_clean(const char *path)
{
    struct buf out = {0};
    size_t *starts = xcalloc(strlen(path) / 2 + 2, sizeof(*starts));
    size_t n = 0, fixed = 0; /* components, and how many cannot go */
    size_t abs = path[0] == '/';
    const char *p = path + strspn(path, "/");

    buf_puts(&out, abs ? "/" : "");
    for (; *p; p += strspn(p, "/")) {
        size_t len = strcspn(p, "/");
        int up = len == 2 && p[0] == '.' && p[1] == '.';
        struct stat st;

        if (len == 1 && p[0] == '.') {
            p += len;
            continue;
        }
        if (up && n > fixed &&
            (lstat(out.data, &st) < 0 || !S_ISLNK(st.st_mode))) {
            n--;
            out.len = starts[n] > abs ? starts[n] - 1 : starts[n];
            out.data[out.len] = '\0';
            p += len;
            continue;
        }
        if (up && abs && n == 0) {
            p += len;
            continue;
        }
        if (n)
            buf_puts(&out, "/");
        starts[n++] = out.len;
        buf_append(&out, p, len);
        if (up)
            fixed = n; /* a kept "..": nothing before it can go */
        p += len;
    }
    free(starts);
    if (!out.len)
        buf_puts(&out, ".");
    return buf_detach(&out);
}

char *util_path_abs(const char *path)
{
    char cwd[PATH_MAX];
    char *joined, *clean;

    if (path[0] == '/' || !getcwd(cwd, sizeof(cwd)))
        return util_path_clean(path);
    joined = util_path_join(cwd, path);
    clean = util_path_clean(joined);
    free(joined);
    return clean;
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

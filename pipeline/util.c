/*
 * util: errors, memory, buffers, paths, hashing and time shared by every
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

int util_atomic_open(struct util_atomic *a, const char *path,
                     struct dub_err *e)
{
    int fd;

    a->path = xstrdup(path);
    a->tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
    fd = open(a->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    a->f = fd < 0 ? NULL : fdopen(fd, "w");
    if (!a->f) {
        dub_errf(e, DUB_EIO, "cannot create '%s': %s", a->tmp,
                 strerror(errno));
        if (fd >= 0) {
            close(fd);
            unlink(a->tmp);
        }
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

/* ==== SHA-256 (FIPS 180-4) ============================================== */

static const uint32_t sha256_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
    0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
    0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
    0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
    0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void sha256_block(struct sha256 *s, const unsigned char *p)
{
    uint32_t w[64], a, b, c, d, e, f, g, h;
    int i;

    for (i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
    for (i = 16; i < 64; i++) {
        uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);

        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    a = s->h[0]; b = s->h[1]; c = s->h[2]; d = s->h[3];
    e = s->h[4]; f = s->h[5]; g = s->h[6]; h = s->h[7];
    for (i = 0; i < 64; i++) {
        uint32_t t1 = h + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) +
                      ((e & f) ^ (~e & g)) + sha256_k[i] + w[i];
        uint32_t t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) +
                      ((a & b) ^ (a & c) ^ (b & c));

        h = g; g = f; f = e; e = d + t1;
        d = c; c = b; b = a; a = t1 + t2;
    }
    s->h[0] += a; s->h[1] += b; s->h[2] += c; s->h[3] += d;
    s->h[4] += e; s->h[5] += f; s->h[6] += g; s->h[7] += h;
}

void sha256_init(struct sha256 *s)
{
    static const uint32_t iv[8] = {
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
        0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
    };

    memcpy(s->h, iv, sizeof(iv));
    s->len = 0;
    s->blen = 0;
}

void sha256_update(struct sha256 *s, const void *data, size_t n)
{
    const unsigned char *p = data;

    s->len += n;
    if (s->blen) {
        size_t take = 64 - s->blen < n ? 64 - s->blen : n;

        memcpy(s->blk + s->blen, p, take);
        s->blen += take;
        p += take;
        n -= take;
        if (s->blen < 64)
            return;
        sha256_block(s, s->blk);
        s->blen = 0;
    }
    for (; n >= 64; n -= 64, p += 64)
        sha256_block(s, p);
    memcpy(s->blk, p, n);
    s->blen = n;
}

void sha256_final(struct sha256 *s, unsigned char out[32])
{
    uint64_t bits = s->len * 8;
    unsigned char pad = 0x80;
    unsigned char len[8];
    int i;

    sha256_update(s, &pad, 1);
    pad = 0;
    while (s->blen != 56)
        sha256_update(s, &pad, 1);
    for (i = 0; i < 8; i++)
        len[i] = (unsigned char)(bits >> (56 - 8 * i));
    sha256_update(s, len, 8);
    for (i = 0; i < 8; i++) {
        out[4 * i] = (unsigned char)(s->h[i] >> 24);
        out[4 * i + 1] = (unsigned char)(s->h[i] >> 16);
        out[4 * i + 2] = (unsigned char)(s->h[i] >> 8);
        out[4 * i + 3] = (unsigned char)s->h[i];
    }
}

static void hex32(const unsigned char d[32], char out[65])
{
    static const char digits[] = "0123456789abcdef";
    int i;

    for (i = 0; i < 32; i++) {
        out[2 * i] = digits[d[i] >> 4];
        out[2 * i + 1] = digits[d[i] & 15];
    }
    out[64] = '\0';
}

void sha256_hex(const void *data, size_t n, char out[65])
{
    struct sha256 s;
    unsigned char d[32];

    sha256_init(&s);
    sha256_update(&s, data, n);
    sha256_final(&s, d);
    hex32(d, out);
}

int sha256_file(const char *path, char out[65], struct dub_err *e)
{
    unsigned char chunk[65536], d[32];
    struct sha256 s;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n;

    if (fd < 0)
        return dub_errf(e, DUB_EIO, "cannot open '%s': %s", path,
                        strerror(errno));
    sha256_init(&s);
    for (;;) {
        n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        sha256_update(&s, chunk, (size_t)n);
    }
    if (n < 0) {
        int err = errno;

        close(fd);
        return dub_errf(e, DUB_EIO, "cannot read '%s': %s", path,
                        strerror(err));
    }
    close(fd);
    sha256_final(&s, d);
    hex32(d, out);
    return 0;
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

/*
 * util: files and paths: reading a file whole, atomic writes through a
 * temporary name and rename, copies, folders, and path names joined,
 * split and cleaned.  Nothing here knows about media, HTTP or the database.
 */
#define _POSIX_C_SOURCE 200809L
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

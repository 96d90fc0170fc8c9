/*
 * util: errors, memory, growable buffers, paths, hashing and time.
 *
 * Every module reports failure the same way: a function returns -1 and fills
 * a caller-provided struct dub_err.  dub_errf() itself returns -1, so a
 * failure is one line:
 *
 *     return dub_errf(e, DUB_EMEDIA, "no video stream in '%s'", path);
 *
 * Messages are lower case, name the file or job, and have no final stop.
 */
#ifndef DUB_UTIL_H
#define DUB_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#if defined(__GNUC__)
#define DUB_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define DUB_NORETURN __attribute__((noreturn))
#else
#define DUB_PRINTF(a, b)
#define DUB_NORETURN
#endif

#define DUB_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Error classes: what a caller can do about it, not where it came from. */
enum dub_code {
    DUB_OK = 0,
    DUB_EUSAGE,     /* bad command line or configuration */
    DUB_EMANIFEST,  /* the manifest is invalid */
    DUB_EIO,        /* a local file could not be read or written */
    DUB_EMEDIA,     /* a media file is unusable (missing, corrupt, no stream) */
    DUB_EREJECT,    /* the input cannot be made to fit the model */
    DUB_EWORKER,    /* a media worker crashed or timed out */
    DUB_ENET,       /* transport failure: connect, timeout, reset */
    DUB_EHTTP,      /* the server answered with an error status */
    DUB_EPROTO,     /* the server's reply made no sense */
    DUB_EMODEL,     /* the model failed the request */
    DUB_ESTATE,     /* the state database failed */
    DUB_ELOCKED,    /* another run holds the output folder */
    DUB_EINTERNAL,
};

struct dub_err {
    enum dub_code code;
    int retryable;  /* 1 when trying the same thing again may succeed */
    int http_status;
    char msg[1024];
};

/* Fills e (may be NULL) and returns -1. */
int dub_errf(struct dub_err *e, enum dub_code code, const char *fmt, ...)
    DUB_PRINTF(3, 4);
/* Prefixes e->msg with "prefix: "; returns -1 so it can end a failure path. */
int dub_err_prefix(struct dub_err *e, const char *fmt, ...) DUB_PRINTF(2, 3);

/* Print "dubbatch: msg" (with strerror(errno) when fmt ends in ':'), exit 2. */
DUB_NORETURN void dub_fatal(const char *fmt, ...) DUB_PRINTF(1, 2);

/* Allocation that cannot fail: out of memory ends the process. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
/* At most n bytes of s, stopping at its NUL. */
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) DUB_PRINTF(1, 2);

/*
 * A growable byte buffer.  buf.data is always NUL-terminated when len > 0 or
 * after any append, so text can be used as a C string.  A zero-filled struct
 * is an empty buffer.  buf_release() frees the contents; buf_detach() hands
 * the memory to the caller.
 */
struct buf {
    char *data;
    size_t len;
    size_t cap;
};

void buf_grow(struct buf *b, size_t extra);
void buf_append(struct buf *b, const void *p, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...) DUB_PRINTF(2, 3);
void buf_reset(struct buf *b);
char *buf_detach(struct buf *b);
void buf_release(struct buf *b);
/* Appends s with what a terminal would act on made visible, for messages
 * that quote a file's contents: control characters as \n, \t, \r or \xNN,
 * C1 controls as \u0080..\u009f, bytes that are not UTF-8 as \xNN. */
void buf_put_clean(struct buf *b, const char *s);

/*
 * Text joined by a separator into a fixed buffer the caller owns, cut (never
 * overrun) when it is full: plan descriptions ("; ") and filter graphs
 * (",").  Initialise with {out, size, 0, sep} and out[0] = '\0'.
 */
struct joiner {
    char *out;
    size_t cap, len;
    const char *sep;
};
void joiner_add(struct joiner *j, const char *fmt, ...) DUB_PRINTF(2, 3);

/* Reads a whole file (at most max bytes) into b.  -1 and e on failure. */
int util_read_file(const char *path, size_t max, struct buf *b,
                   struct dub_err *e);
/* Writes data to path atomically: a temporary beside it, fsync, rename. */
int util_write_atomic(const char *path, const void *data, size_t len,
                      struct dub_err *e);
/* Writes a file atomically, in pieces, so a reader never sees it
 * half-written: write to a.f between util_atomic_open() and
 * util_atomic_close(), which syncs and renames it into place, or with ok 0
 * (or after a failed write) removes it.  Both free what open allocated. */
/* 2 * nbytes hex digits of /dev/urandom into out (2 * nbytes + 1 bytes;
 * at most 32 bytes). */
void util_random_hex(char *out, size_t nbytes);
/* Creates "<path>.tmp.<16 random hex digits>" for writing, exclusively and
 * never through a link, so nobody can have it pointed elsewhere first;
 * its name in *tmp (caller frees).  The fd, or -1 and e. */
int util_tmp_open(const char *path, char **tmp, struct dub_err *e);
struct util_atomic {
    FILE *f;
    char *path, *tmp;
};
int util_atomic_open(struct util_atomic *a, const char *path,
                     struct dub_err *e);
int util_atomic_close(struct util_atomic *a, int ok, struct dub_err *e);
/* Copies src to dst atomically (util_atomic); -1 and e on failure. */
int util_copy_file(const char *src, const char *dst, struct dub_err *e);
/* mkdir -p; 0 when the directory exists afterwards. */
int util_mkdirs(const char *path, struct dub_err *e);

/* Joins dir and name with one '/'; absolute names are returned as is. */
char *util_path_join(const char *dir, const char *name);
/* path without "." and "name/.." parts and with one slash between names
 * ("manifests/../out" -> "out"), changed only where that cannot change
 * what it names: "link/.." stays when link is a symbolic link.  Caller
 * frees. */
char *util_path_clean(const char *path);
/* path made absolute against the working folder, and clean; caller frees. */
char *util_path_abs(const char *path);
/* The directory part of path ("." when none); caller frees. */
char *util_dirname(const char *path);
/* The last component of path, without its extension; caller frees. */
char *util_stem(const char *path);
/* The extension of path in lower case, without the dot ("" when none). */
void util_ext(const char *path, char *out, size_t outlen);
/* 1 when s begins with prefix. */
int util_starts_with(const char *s, const char *prefix);

/* Milliseconds: wall clock since the epoch, and monotonic. */
int64_t util_now_ms(void);
int64_t util_mono_ms(void);
/* Formats epoch milliseconds as ISO-8601 UTC ("2026-11-24T22:00:00.123Z"). */
void util_iso8601(int64_t ms, char out[32]);

/* Number of Unicode code points in UTF-8 text; -1 when it is not UTF-8. */
long util_utf8_len(const char *s);
/* Levenshtein distance, for "did you mean" suggestions. */
size_t util_edit_distance(const char *a, const char *b);

/* Strict number parsing: the whole string must be a number in range. */
int util_parse_long(const char *s, long min, long max, long *out);
int util_parse_double(const char *s, double *out);

#endif

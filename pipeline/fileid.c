/*
 * fileid: the identity of a file from stat(2).  A swap keeps neither the
 * inode nor, usually, the size; an edit in place keeps the inode but not
 * the modification time.
 */
#define _POSIX_C_SOURCE 200809L
#include "fileid.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

void fileid_from_stat(const struct stat *st, struct fileid *id)
{
    id->dev = (int64_t)st->st_dev;
    id->ino = (int64_t)st->st_ino;
    id->size = (int64_t)st->st_size;
    id->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 +
                   st->st_mtim.tv_nsec;
}

int fileid_of(const char *path, struct fileid *id)
{
    struct stat st;

    if (stat(path, &st) < 0)
        return -1;
    fileid_from_stat(&st, id);
    return 0;
}

int fileid_same(const struct fileid *a, const struct fileid *b)
{
    return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
           a->mtime_ns == b->mtime_ns;
}

void fileid_describe(const struct fileid *a, const struct fileid *b,
                     char *why, size_t len)
{
    if (a->dev != b->dev || a->ino != b->ino)
        snprintf(why, len, "it is another file now");
    else if (a->size != b->size)
        snprintf(why, len, "its size went from %lld to %lld bytes",
                 (long long)a->size, (long long)b->size);
    else
        snprintf(why, len, "it was modified");
}

FILE *fileid_open(const char *path, int64_t off, const struct fileid *want,
                  struct dub_err *e)
{
    struct fileid now;
    struct stat st;
    char why[96];
    FILE *f;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

    if (fd < 0) {
        dub_errf(e, DUB_EIO, "cannot read '%s': %s", path, strerror(errno));
        return NULL;
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        dub_errf(e, DUB_EIO, "'%s' is not a regular file", path);
        close(fd);
        return NULL;
    }
    fileid_from_stat(&st, &now);
    if (want && !fileid_same(want, &now)) {
        fileid_describe(want, &now, why, sizeof(why));
        dub_errf(e, DUB_EIO, "'%s' changed after it was probed (%s); run "
                 "again to take it as it is now", path, why);
        close(fd);
        return NULL;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    if (!(f = fdopen(fd, "rb")) || fseeko(f, off, SEEK_SET) < 0) {
        dub_errf(e, DUB_EIO, "cannot read '%s': %s", path, strerror(errno));
        if (f)
            fclose(f);
        else
            close(fd);
        return NULL;
    }
    return f;
}

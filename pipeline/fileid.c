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
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

static void fileid_from_stat(const struct stat *st, struct fileid *id)
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

static int fileid_changed(struct dub_err *e, const char *path,
                          const char *how)
{
    return dub_errf(e, DUB_EIO, "'%s' changed after it was probed (%s); run "
                    "again to take it as it is now", path, how);
}

/* 0 when now is want; else -1 with e saying how it differs. */
static int fileid_compare(const char *path, const struct fileid *want,
                          const struct fileid *now, struct dub_err *e)
{
    char how[96];

    if (want->dev != now->dev || want->ino != now->ino)
        snprintf(how, sizeof(how), "it is another file now");
    else if (want->size != now->size)
        snprintf(how, sizeof(how), "its size went from %lld to %lld bytes",
                 (long long)want->size, (long long)now->size);
    else if (want->mtime_ns != now->mtime_ns)
        snprintf(how, sizeof(how), "it was modified");
    else
        return 0;
    return fileid_changed(e, path, how);
}

int fileid_check(const char *path, const struct fileid *want,
                 struct dub_err *e)
{
    struct fileid now;
    char how[96];

    if (fileid_of(path, &now) < 0) {
        snprintf(how, sizeof(how), "it cannot be read: %s", strerror(errno));
        return fileid_changed(e, path, how);
    }
    return fileid_compare(path, want, &now, e);
}

FILE *fileid_open(const char *path, int64_t off, const struct fileid *want,
                  struct dub_err *e)
{
    struct fileid now;
    struct stat st;
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
    if (want && fileid_compare(path, want, &now, e) < 0) {
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

/*
 * lock: flock-based exclusion of runs on one output folder.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE /* flock */
#include "lock.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

int lock_take(const char *output_dir, pid_t *holder, struct dub_err *e)
{
    char *dir = util_path_join(output_dir, ".dubbatch");
    char *path = util_path_join(dir, "lock");
    char buf[32];
    int fd = -1;
    ssize_t n;

    *holder = 0;
    if (util_mkdirs(dir, e) < 0)
        goto out;
    fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) {
        dub_errf(e, DUB_EIO, "cannot open '%s': %s", path, strerror(errno));
        goto out;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        int err = errno;

        n = pread(fd, buf, sizeof(buf) - 1, 0);
        if (n > 0) {
            long pid;

            buf[n] = '\0';
            buf[strcspn(buf, "\n")] = '\0';
            if (util_parse_long(buf, 1, INT32_MAX, &pid) == 0)
                *holder = (pid_t)pid;
        }
        if (err == EWOULDBLOCK)
            dub_errf(e, DUB_ELOCKED,
                     "'%s' is in use by another dubbatch run (pid %ld)",
                     output_dir, (long)*holder);
        else
            dub_errf(e, DUB_EIO, "cannot lock '%s': %s", path, strerror(err));
        close(fd);
        fd = -1;
        goto out;
    }
    n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, (size_t)n, 0) != n) {
        dub_errf(e, DUB_EIO, "cannot write '%s': %s", path, strerror(errno));
        close(fd);
        fd = -1;
    }
out:
    free(path);
    free(dir);
    return fd;
}

void lock_release(int fd)
{
    if (fd >= 0)
        close(fd);
}

/* A temporary util_tmp_open() names ("<name>.tmp." and 16 hex digits),
 * or a download's ("<id>.part." and mkstemp's 6 characters). */
static int lock_is_tmp(const char *name)
{
    size_t n = strlen(name), i;

    if (n >= 13 && strncmp(name + n - 12, ".part.", 6) == 0) {
        for (i = n - 6; i < n; i++)
            if (!isalnum((unsigned char)name[i]))
                return 0;
        return 1;
    }
    if (n < 22 || strncmp(name + n - 21, ".tmp.", 5) != 0)
        return 0;
    for (i = n - 16; i < n; i++)
        if (!isxdigit((unsigned char)name[i]) || isupper((unsigned char)name[i]))
            return 0;
    return 1;
}

static void lock_sweep_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    struct stat st;

    if (!d)
        return;
    while ((de = readdir(d)) != NULL) {
        if (!lock_is_tmp(de->d_name))
            continue;
        /* Regular files only, never through a link. */
        if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
            S_ISREG(st.st_mode))
            unlinkat(dirfd(d), de->d_name, 0);
    }
    closedir(d);
}

void lock_sweep(const char *output_dir)
{
    static const char *const sub[] = {"", "thumbs", "audio", ".dubbatch",
                                      ".dubbatch/work"};
    size_t i;

    for (i = 0; i < DUB_ARRAY_LEN(sub); i++) {
        char *dir = util_path_join(output_dir, sub[i]);

        lock_sweep_dir(dir);
        free(dir);
    }
}

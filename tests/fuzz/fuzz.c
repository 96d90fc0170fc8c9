/*
 * fuzz: what the libFuzzer targets share.
 */
#define _POSIX_C_SOURCE 200809L
#include "fuzz.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

int fuzz_printable(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return 0;
    return 1;
}

char *fuzz_text(const uint8_t *data, size_t size)
{
    return xstrndup((const char *)data, size);
}

static char *fuzz_dir, *fuzz_path;

static void fuzz_dir_remove(void)
{
    unlink(fuzz_path);
    rmdir(fuzz_dir);
}

const char *fuzz_file(const char *name, const uint8_t *data, size_t size)
{
    int fd;

    if (!fuzz_dir) {
        const char *tmp = getenv("TMPDIR");

        fuzz_dir = xasprintf("%s/dubbatch-fuzz-XXXXXX",
                             tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(fuzz_dir))
            dub_fatal("fuzz: cannot make a temporary folder:");
        fuzz_path = util_path_join(fuzz_dir, name);
        atexit(fuzz_dir_remove);
    }
    /* Not util_write_atomic(): its fsync would cost more than the run. */
    fd = open(fuzz_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size) ||
        close(fd) < 0)
        dub_fatal("fuzz: cannot write '%s':", fuzz_path);
    return fuzz_path;
}

/*
 * manifest_load() on any file: a manifest or errors with words, never a
 * crash; and what it accepts keeps design.md's rules (job ids of
 * [A-Za-z0-9._-], unique, at most 100 characters; every job has a video).
 */
#define _POSIX_C_SOURCE 200809L
#include <string.h>

#include "fuzz.h"
#include "manifest.h"

static int id_ok(const char *id)
{
    size_t n = strlen(id);

    return n > 0 && n <= 100 &&
           strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                      "0123456789._-") == n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file("manifest.yaml", data, size);
    struct manifest m;
    struct buf errors = {0};
    struct dub_err e = {0};
    size_t i, j;

    if (manifest_load(path, &m, &errors, &e) == 0) {
        for (i = 0; i < m.njobs; i++) {
            fuzz_assert(m.jobs[i].id && id_ok(m.jobs[i].id));
            fuzz_assert(m.jobs[i].video);
            for (j = 0; j < i; j++)
                fuzz_assert(strcmp(m.jobs[i].id, m.jobs[j].id) != 0);
        }
    } else {
        fuzz_assert(e.msg[0]);
    }
    manifest_release(&m);
    buf_release(&errors);
    return 0;
}

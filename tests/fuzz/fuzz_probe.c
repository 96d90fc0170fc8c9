/*
 * probe_file() on any file: facts or a reason, never a crash, a hang or a
 * read out of bounds in probe.c.  libav itself is Debian's build, not
 * instrumented: the fuzzer steers by probe.c's coverage only, though
 * AddressSanitizer still catches libav's bad reads of memory we own.
 */
#define _POSIX_C_SOURCE 200809L
#include <string.h>

#include "fuzz.h"
#include "probe.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    probe_quiet();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file("input", data, size);
    struct facts f;
    struct dub_err e = {0};

    if (probe_file(path, &f, &e) == 0) {
        fuzz_assert(f.has_video || f.has_audio);
        fuzz_assert(f.duration > 0);
        fuzz_assert(f.nb_streams <= FACTS_MAX_STREAMS);
        fuzz_assert(!f.has_video ||
                    (f.video.rotation >= 0 && f.video.rotation < 360 &&
                     f.video.rotation % 90 == 0));
    } else {
        fuzz_assert(e.msg[0]);
    }
    return 0;
}

/*
 * Helpers for the libFuzzer targets in tests/fuzz/fuzz_*.c (built and run
 * by `make fuzz`).  Each target calls the public functions of one module on
 * the fuzzer's bytes and checks what their headers promise; a broken
 * promise aborts, which libFuzzer reports as a crash, with the input.
 */
#ifndef DUB_FUZZ_H
#define DUB_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define fuzz_assert(cond)                                                  \
    do {                                                                   \
        if (!(cond)) {                                                     \
            fprintf(stderr, "%s:%d: broken promise: %s\n", __FILE__,       \
                    __LINE__, #cond);                                      \
            abort();                                                       \
        }                                                                  \
    } while (0)

/* 1 when s has no control characters (it may go into a log line). */
int fuzz_printable(const char *s);

/* The input as a C string, the way a reply body reaches the parsers: cut
 * at its first NUL.  Caller frees. */
char *fuzz_text(const uint8_t *data, size_t size);

/*
 * Writes the input to a file named name in a private temporary folder
 * (made on the first call, removed at exit), for the functions that take
 * a path; returns the path, owned here.  One name per target.
 */
const char *fuzz_file(const char *name, const uint8_t *data, size_t size);

#endif

/*
 * The worker protocol's replies (wire.c), as the main process reads them
 * from a worker that has just chewed on a hostile file: any line parses
 * without undefined behaviour, and what it parses to survives a round
 * trip unchanged.
 */
#define _POSIX_C_SOURCE 200809L
#include <string.h>

#include "fuzz.h"
#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *line = fuzz_text(data, size), *a, *b;
    struct wire_reply r, s;

    if (wire_reply_parse(line, &r) == 0) {
        fuzz_assert(r.facts.nb_streams >= 0 &&
                    r.facts.nb_streams <= FACTS_MAX_STREAMS);
        fuzz_assert(r.ok || r.err.msg[0]);
        a = wire_reply_line(&r);
        fuzz_assert(wire_reply_parse(a, &s) == 0);
        b = wire_reply_line(&s);
        fuzz_assert(strcmp(a, b) == 0);
        free(a);
        free(b);
    }
    free(line);
    return 0;
}

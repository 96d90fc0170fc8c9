/*
 * The media worker's task lines (wire.c, read by probe/worker.c): any line
 * is either refused with words for the reply, or gives a task with every
 * argument its op needs, which prints back to a line that parses to the
 * same task.  Only the reading is fuzzed; running a task is the probe
 * target's business (a fuzzed path could name any file on the machine).
 */
#define _POSIX_C_SOURCE 200809L
#include <string.h>

#include "fuzz.h"
#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *line = fuzz_text(data, size), *a, *b;
    struct wire_task t, u;
    struct dub_err e = {0};

    if (wire_task_parse(line, &t, &e) < 0) {
        fuzz_assert(e.msg[0] && fuzz_printable(e.msg));
        wire_task_release(&t);
        free(line);
        return 0;
    }
    fuzz_assert((unsigned)t.op < WIRE_NOPS && t.path);
    if (t.op == WIRE_THUMB || t.op == WIRE_CONFORM)
        fuzz_assert(t.out);
    fuzz_assert(t.facts.nb_streams >= 0 &&
                t.facts.nb_streams <= FACTS_MAX_STREAMS);
    a = wire_task_line(&t);
    fuzz_assert(wire_task_parse(a, &u, &e) == 0 && u.op == t.op);
    b = wire_task_line(&u);
    fuzz_assert(strcmp(a, b) == 0);
    free(a);
    free(b);
    wire_task_release(&u);
    wire_task_release(&t);
    free(line);
    return 0;
}

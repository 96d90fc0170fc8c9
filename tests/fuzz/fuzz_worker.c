/*
 * The media worker's task lines (worker.c): any line is either refused
 * with words for the reply, or gives a task with every argument its op
 * needs.  Only the reading is fuzzed; running a task is the probe target's
 * business (a fuzzed path could name any file on the machine).
 */
#define _POSIX_C_SOURCE 200809L
#include <string.h>

#include "fuzz.h"
#include "worker.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *line = fuzz_text(data, size);
    struct worker_task t;
    struct dub_err e = {0};

    if (worker_task_parse(line, &t, &e) == 0) {
        switch (t.op) {
        case WORKER_PROBE:
        case WORKER_HASH:
            fuzz_assert(t.path);
            break;
        case WORKER_THUMB:
            fuzz_assert(t.path && t.out);
            break;
        case WORKER_CONFORM:
            fuzz_assert(t.in && t.out && t.kind);
            fuzz_assert(t.facts.nb_streams <= FACTS_MAX_STREAMS);
            break;
        default:
            fuzz_assert(!"an op worker.c does not know");
        }
    } else {
        fuzz_assert(e.msg[0]);
    }
    worker_task_release(&t);
    free(line);
    return 0;
}

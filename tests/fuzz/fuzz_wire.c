/*
 * The worker protocol's JSON for facts and plans (wire.c), as the main
 * process reads it from a worker that has just chewed on a hostile file:
 * any object parses without undefined behaviour, and what it parses to
 * survives a round trip unchanged.
 */
#define _POSIX_C_SOURCE 200809L
#include <string.h>

#include <cjson/cJSON.h>

#include "fuzz.h"
#include "wire.h"

static char *print(cJSON *o)
{
    char *s = cJSON_PrintUnformatted(o);

    cJSON_Delete(o);
    fuzz_assert(s);
    return s;
}

/* The same object printed, parsed and printed again. */
#define ROUND_TRIP(type, build, parse, x)                                  \
    do {                                                                   \
        type y_;                                                           \
        char *a_ = print(build(&(x)));                                     \
        cJSON *j_ = cJSON_Parse(a_);                                       \
        char *b_;                                                          \
                                                                           \
        fuzz_assert(parse(j_, &y_) == 0);                                  \
        cJSON_Delete(j_);                                                  \
        b_ = print(build(&y_));                                            \
        fuzz_assert(strcmp(a_, b_) == 0);                                  \
        free(a_);                                                          \
        free(b_);                                                          \
    } while (0)

static void facts(const cJSON *obj)
{
    struct facts f;

    if (wire_facts_parse(obj, &f) < 0)
        return;
    fuzz_assert(f.nb_streams >= 0 && f.nb_streams <= FACTS_MAX_STREAMS);
    ROUND_TRIP(struct facts, wire_facts, wire_facts_parse, f);
}

static void plans(const cJSON *obj)
{
    struct plan_video v;
    struct plan_audio a;

    if (wire_plan_video_parse(obj, &v) == 0)
        ROUND_TRIP(struct plan_video, wire_plan_video, wire_plan_video_parse,
                   v);
    if (wire_plan_audio_parse(obj, &a) == 0)
        ROUND_TRIP(struct plan_audio, wire_plan_audio, wire_plan_audio_parse,
                   a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cJSON *obj = cJSON_ParseWithLength((const char *)data, size);

    /* A whole reply line ({"id","ok","facts"}) or a task's parts. */
    facts(obj);
    facts(cJSON_GetObjectItemCaseSensitive(obj, "facts"));
    plans(obj);
    plans(cJSON_GetObjectItemCaseSensitive(obj, "plan"));
    cJSON_Delete(obj);
    return 0;
}

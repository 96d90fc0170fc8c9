/*
 * dubbatch probe FILE...: media facts as a JSON array, one element per
 * file, probed in media workers so a file that crashes libav is reported
 * like any other failure.
 */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cmd.h"
#include "media.h"
#include "opts.h"
#include "wire.h"

struct probe_slot {
    const char *path;
    cJSON *out;
    int ok;
};

static void probe_done(void *arg, const struct media_result *r)
{
    struct probe_slot *s = arg;

    s->out = cJSON_CreateObject();
    cJSON_AddStringToObject(s->out, "path", s->path);
    if (r->ok) {
        const cJSON *facts = cJSON_GetObjectItemCaseSensitive(r->reply, "facts");

        cJSON_AddItemToObject(s->out, "facts", cJSON_Duplicate(facts, 1));
        s->ok = 1;
    } else {
        cJSON_AddStringToObject(s->out, "error", r->err.msg);
    }
}

static void probe_usage(FILE *f)
{
    fprintf(f,
            "usage: dubbatch probe [--media-jobs N] FILE...\n"
            "Prints a JSON array: {\"path\", \"facts\"} or {\"path\", "
            "\"error\"} per file.\n"
            "  --media-jobs N       worker processes (default: online CPUs)\n"
            "  --media-timeout SEC  kill a worker stuck on one file (600)\n"
            "Exit 0 when every file was probed, 1 otherwise.\n");
}

int cmd_probe(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"media-jobs", required_argument, NULL, 'j'},
        {"media-timeout", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct media_pool *pool;
    struct probe_slot *slots;
    cJSON *arr;
    char *text;
    int c, i, n, failed = 0, jobs = opts_default_media_jobs();
    double timeout = OPTS_MEDIA_TIMEOUT_MS / 1000.0;

    while ((c = getopt_long(argc, argv, "hj:", longopts, NULL)) != -1) {
        switch (c) {
        case 'j':
            if (opts_int("--media-jobs", optarg, 1, 256, &jobs) < 0)
                return EXIT_USAGE;
            break;
        case 't':
            if (opts_double("--media-timeout", optarg, 0.1, 86400, &timeout) < 0)
                return EXIT_USAGE;
            break;
        case 'h':
            probe_usage(stdout);
            return EXIT_DONE;
        default:
            probe_usage(stderr);
            return EXIT_USAGE;
        }
    }
    n = argc - optind;
    if (n <= 0) {
        probe_usage(stderr);
        return EXIT_USAGE;
    }
    slots = xcalloc((size_t)n, sizeof(*slots));
    pool = media_pool_new(jobs < n ? jobs : n,
                          (int64_t)(timeout * 1000));
    for (i = 0; i < n; i++) {
        cJSON *task = cJSON_CreateObject();

        slots[i].path = argv[optind + i];
        cJSON_AddStringToObject(task, "op", "probe");
        cJSON_AddStringToObject(task, "path", slots[i].path);
        media_pool_submit(pool, task, slots[i].path, probe_done, &slots[i]);
    }
    media_pool_drain(pool);
    media_pool_free(pool);

    arr = cJSON_CreateArray();
    for (i = 0; i < n; i++) {
        failed += !slots[i].ok;
        cJSON_AddItemToArray(arr, slots[i].out);
    }
    text = cJSON_Print(arr);
    puts(text);
    free(text);
    cJSON_Delete(arr);
    free(slots);
    if (opts_close_stdout() < 0)
        return EXIT_USAGE;
    return failed ? EXIT_SOME_FAILED : EXIT_DONE;
}

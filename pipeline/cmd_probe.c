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

#include "cmd.h"
#include "media.h"
#include "opts.h"
#include "report.h"
#include "wire.h"

struct probe_slot {
    struct report_probe out;
    struct facts facts;
    char error[sizeof(((struct dub_err *)0)->msg)];
};

static void probe_done(void *arg, const struct wire_reply *r)
{
    struct probe_slot *s = arg;

    if (r->ok && r->has_facts) {
        s->facts = r->facts;
        s->out.facts = &s->facts;
    } else {
        snprintf(s->error, sizeof(s->error), "%s",
                 r->ok ? "no facts" : r->err.msg);
        s->out.error = s->error;
    }
}

static void probe_usage(FILE *f)
{
    fprintf(f,
            "usage: dubbatch probe [OPTIONS] FILE...\n"
            "Prints a JSON array: {\"path\", \"facts\"} or {\"path\", "
            "\"error\"} per file.\n"
            "\n" OPTS_HELP_MEDIA_JOBS OPTS_HELP_MEDIA_TIMEOUT "\n"
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
    struct report_probe *outs;
    char *text;
    struct opts_media med;
    int c, i, n, failed = 0;

    opts_media_init(&med);
    while ((c = getopt_long(argc, argv, "hj:", longopts, NULL)) != -1) {
        switch (c) {
        case 'j': case 't':
            if (opts_media_take(c, optarg, &med) < 0)
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
    pool = media_pool_new(med.jobs < n ? med.jobs : n, med.timeout_ms);
    for (i = 0; i < n; i++) {
        slots[i].out.path = argv[optind + i];
        media_probe(pool, slots[i].out.path, probe_done, &slots[i]);
    }
    media_pool_drain(pool);
    media_pool_free(pool);

    outs = xcalloc((size_t)n, sizeof(*outs));
    for (i = 0; i < n; i++) {
        failed += !slots[i].out.facts;
        outs[i] = slots[i].out;
    }
    text = report_probes_json(outs, (size_t)n);
    puts(text);
    free(text);
    free(outs);
    free(slots);
    if (opts_close_stdout() < 0)
        return EXIT_USAGE;
    return failed ? EXIT_SOME_FAILED : EXIT_DONE;
}

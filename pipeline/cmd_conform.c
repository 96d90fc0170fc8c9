/*
 * dubbatch conform IN -o OUT: makes one file fit the model, for one-off use
 * and debugging.  The same path as a batch: probe and conform run in a
 * media worker, the plan is the batch's plan with the default policy, and
 * the result is probed again and must pass the checks any input must pass.
 */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "media.h"
#include "opts.h"
#include "plan.h"
#include "wire.h"

static const struct plan_policy conform_policy = {
    PLAN_FIT_PAD,   PLAN_SHORT_LOOP,       PLAN_LONG_TRIM,
    PLAN_LONG_TRIM, PLAN_DELIVER_ORIGINAL, PLAN_CONTAINER_MP4};
static const struct plan_pricing conform_price = {0.014, 5.0};

static void conform_usage(FILE *f)
{
    fprintf(f,
            "usage: dubbatch conform [OPTIONS] IN -o OUT\n"
            "Makes IN fit the model's limits with the default policy (pad, "
            "loop, trim) and\nchecks the result.\n"
            "\n"
            "  -o, --output OUT     where to write (.mp4 for video; .m4a or "
            "the stream's own\n"
            "                       extension for audio)\n"
            "  --endpoint E         audio-to-video (default) or text-to-video\n"
            "  --as video|audio     what IN is for (default: video)\n"
            OPTS_HELP_MEDIA_TIMEOUT
            "\n"
            "Exit 0 when OUT was written (or IN already fits), 1 when IN "
            "cannot be made\nto fit, 2 on usage errors.\n");
}

/* What a worker said about one file. */
struct conform_got {
    struct facts *facts;
    struct dub_err *err;
    int ok;
};

static void conform_got(void *arg, const struct wire_reply *r)
{
    struct conform_got *g = arg;

    g->ok = r->ok && r->has_facts;
    if (g->ok)
        *g->facts = r->facts;
    else if (!r->ok)
        *g->err = r->err;
    else
        dub_errf(g->err, DUB_EWORKER, "the media worker sent no facts");
}

/* Probes path (conform 0) or conforms it to out by plan (1), and waits;
 * fills f with the facts of what was probed or written. */
static int conform_ask(struct media_pool *pool, const char *path,
                       const struct facts *in, const struct plan *plan,
                       int audio, const char *out, struct facts *f,
                       struct dub_err *e)
{
    struct conform_got g = {f, e, 0};

    if (plan)
        media_conform(pool, path, in, plan, audio, out, conform_got, &g);
    else
        media_probe(pool, path, conform_got, &g);
    media_pool_drain(pool);
    return g.ok ? 0 : -1;
}

static void conform_plan(const struct plan_limits *lim, int audio,
                         const struct facts *f, struct plan *p)
{
    if (audio)
        plan_make_audio(lim, &conform_policy, f, p);
    else
        plan_make(lim, &conform_policy, &conform_price, f, NULL, p);
}

static const struct option conform_longopts[] = {
    {"output", required_argument, NULL, 'o'},
    {"endpoint", required_argument, NULL, 'E'},
    {"as", required_argument, NULL, 'a'},
    {"media-timeout", required_argument, NULL, 't'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

struct conform_args {
    enum plan_endpoint ep;
    const char *out;
    int audio;
    int64_t timeout_ms;
};

/* -1 when conform goes on, else the exit code (help, or a bad option). */
static int conform_parse(int argc, char **argv, struct conform_args *a)
{
    int c;

    a->ep = PLAN_A2V;
    a->out = NULL;
    a->audio = 0;
    a->timeout_ms = OPTS_MEDIA_TIMEOUT_MS;
    while ((c = getopt_long(argc, argv, "ho:", conform_longopts, NULL)) != -1) {
        switch (c) {
        case 'o':
            a->out = optarg;
            break;
        case 'E':
            if (plan_endpoint_parse(optarg, &a->ep) < 0) {
                fprintf(stderr, "dubbatch: --endpoint is audio-to-video or "
                                "text-to-video, not '%s'\n", optarg);
                return EXIT_USAGE;
            }
            break;
        case 'a':
            if (strcmp(optarg, "video") != 0 && strcmp(optarg, "audio") != 0) {
                fprintf(stderr, "dubbatch: --as is video or audio\n");
                return EXIT_USAGE;
            }
            a->audio = strcmp(optarg, "audio") == 0;
            break;
        case 't':
            if (opts_media_timeout(optarg, &a->timeout_ms) < 0)
                return EXIT_USAGE;
            break;
        case 'h':
            conform_usage(stdout);
            return EXIT_DONE;
        default:
            conform_usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (argc - optind != 1 || !a->out) {
        conform_usage(stderr);
        return EXIT_USAGE;
    }
    return -1;
}

int cmd_conform(int argc, char **argv)
{
    struct conform_args a;
    const struct plan_limits *lim;
    const char *in, *out;
    struct media_pool *pool;
    struct dub_err e = {0};
    struct facts f, got;
    struct plan p, check;
    char desc[1024], ext[8];
    int audio, rc;

    rc = conform_parse(argc, argv, &a);
    if (rc >= 0)
        return rc;
    rc = EXIT_SOME_FAILED;
    in = argv[optind];
    out = a.out;
    audio = a.audio;
    lim = plan_limits_get(a.ep);
    if (audio && !lim->needs_audio) {
        fprintf(stderr, "dubbatch: text-to-video takes no audio file\n");
        return EXIT_USAGE;
    }
    pool = media_pool_new(1, a.timeout_ms);
    if (conform_ask(pool, in, NULL, NULL, 0, NULL, &f, &e) < 0) {
        fprintf(stderr, "dubbatch: %s\n", e.msg);
        goto out;
    }
    conform_plan(lim, audio, &f, &p);
    if (p.verdict == PLAN_REJECT) {
        fprintf(stderr, "dubbatch: '%s' cannot be made to fit: %s\n", in,
                p.reason);
        goto out;
    }
    if (audio)
        plan_describe_audio(&p, &f, desc, sizeof(desc));
    else
        plan_describe_video(&p, &f, desc, sizeof(desc));
    if (p.verdict == PLAN_ACCEPT) {
        printf("%s: already fits %s; nothing written\n", in, lim->name);
        rc = EXIT_DONE;
        goto out;
    }
    util_ext(out, ext, sizeof(ext));
    if (strcmp(ext, audio ? p.audio.ext : "mp4") != 0) {
        fprintf(stderr, "dubbatch: the output must end in .%s (%s)\n",
                audio ? p.audio.ext : "mp4", desc);
        rc = EXIT_USAGE;
        goto out;
    }
    if (conform_ask(pool, in, &f, &p, audio, out, &got, &e) < 0) {
        fprintf(stderr, "dubbatch: %s\n", e.msg);
        goto out;
    }
    conform_plan(lim, audio, &got, &check);
    if (check.verdict != PLAN_ACCEPT) {
        char *before = wire_facts_text(&f);
        char *after = wire_facts_text(&got);

        fprintf(stderr,
                "dubbatch: '%s' still does not fit after conforming (%s)\n"
                "  input:  %s\n  output: %s\n",
                out, check.verdict == PLAN_REJECT ? check.reason
                                                  : "it would need more work",
                before, after);
        free(before);
        free(after);
        goto out;
    }
    printf("%s -> %s: %s\n", in, out, desc);
    rc = EXIT_DONE;
out:
    media_pool_free(pool);
    return rc;
}

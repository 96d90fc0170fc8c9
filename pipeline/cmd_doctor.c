/*
 * dubbatch doctor [OPTIONS] [MANIFEST]: what a run needs, checked without
 * spending anything: the libraries, the media worker, the key, fal's three
 * hosts (the preflight a run makes), and with a manifest its output folder
 * and the space free there.  One line per check, so a cron mail says what
 * to fix.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "cmd.h"
#include "fal.h"
#include "falcfg.h"
#include "http.h"
#include "manifest.h"
#include "media.h"
#include "opts.h"
#include "plan.h"
#include "preflight.h"
#include "state.h"
#include "wire.h"
#include "yamltree.h"

/* Below this much free space the output folder is worth a warning: a
 * night's results and their conformed inputs take a few GB. */
#define DOCTOR_LOW_SPACE (2LL << 30)

struct doctor {
    int bad, warned;
};

/* level: 0 ok, 1 warn, 2 bad (a run would stop or fail on it). */
static void DUB_PRINTF(3, 4) doctor_say(struct doctor *d, int level,
                                         const char *fmt, ...)
{
    static const char *const tag[] = {"ok  ", "warn", "bad "};
    va_list ap;

    d->warned += level == 1;
    d->bad += level == 2;
    printf("%s  ", tag[level]);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
}

static void doctor_usage(FILE *f)
{
    fprintf(f,
            "usage: dubbatch doctor [OPTIONS] [MANIFEST]\n"
            "Checks what a run needs, spending nothing: the libraries, the "
            "media worker,\nthe key (and its file's permissions), fal's "
            "queue, storage and platform API\n(the preflight a run makes), "
            "and given a manifest, its output folder and\nthe space free "
            "there.\n"
            "\n" OPTS_HELP_FAL "\n"
            "Exit 0 when a run could start (warnings aside), 2 when "
            "something would stop\nit, 3 when the manifest is invalid.\n");
}

static void doctor_hashed(void *arg, const struct wire_reply *r)
{
    struct dub_err *e = arg;

    if (!r->ok)
        *e = r->err;
}

/* The worker started, read a file and answered: the one it runs from. */
static void doctor_worker(struct doctor *d)
{
    struct media_pool *pool = media_pool_new(1, 30000);
    struct dub_err e = {0};
    const char *prog = media_pool_program(pool);

    media_hash(pool, prog, doctor_hashed, &e);
    media_pool_drain(pool);
    if (e.msg[0])
        doctor_say(d, 2, "media worker %s: %s", prog, e.msg);
    else
        doctor_say(d, 0, "media worker %s answers", prog);
    media_pool_free(pool);
}

/* The deepest folder of path that exists; caller frees. */
static char *doctor_existing(const char *path)
{
    char *p = util_path_abs(path), *slash;

    while (access(p, F_OK) < 0 && (slash = strrchr(p, '/')) && slash != p)
        *slash = '\0';
    if (access(p, F_OK) < 0) {
        free(p);
        p = xstrdup("/");
    }
    return p;
}

static void doctor_output(struct doctor *d, const char *dir)
{
    char *here = doctor_existing(dir);
    struct statvfs vfs;
    long long avail;

    if (access(here, W_OK) < 0) {
        doctor_say(d, 2, "output folder %s: cannot write in '%s': %s", dir,
                   here, strerror(errno));
    } else if (statvfs(here, &vfs) < 0) {
        doctor_say(d, 1, "output folder %s: cannot tell the free space: %s",
                   dir, strerror(errno));
    } else {
        avail = (long long)vfs.f_bavail * (long long)vfs.f_frsize;
        doctor_say(d, avail < DOCTOR_LOW_SPACE ? 1 : 0,
                   "output folder %s: writable, %.1f GB free%s", dir,
                   avail / 1e9,
                   avail < DOCTOR_LOW_SPACE ? " (a night's results take a "
                                              "few GB)" : "");
    }
    free(here);
}

static void doctor_fal(struct doctor *d, const struct opts_fal *f,
                       enum plan_endpoint ep)
{
    struct falcfg cfg = {0};
    struct preflight p;
    struct dub_err e = {0};
    int64_t base, cap;
    int i;

    opts_backoff(&base, &cap);
    if (falcfg_load(&cfg, f->key_file, f->queue, f->rest, f->api, &e) < 0) {
        doctor_say(d, 2, "%s", e.msg);
        return;
    }
    doctor_say(d, 0, "key from %s",
               f->key_file ? f->key_file
               : getenv("FAL_KEY") ? "FAL_KEY" : "FAL_KEY_ID and FAL_KEY_SECRET");
    /* As long as a run would wait for a host coming up. */
    preflight_fal(&cfg, plan_limits_get(ep)->model, 30 * base, &p, &e);
    for (i = 0; i < PREFLIGHT_HOSTS; i++)
        doctor_say(d, (int)p.host[i].verdict, "%s: %s", p.host[i].what,
                   p.host[i].msg);
    falcfg_release(&cfg);
}

int cmd_doctor(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"key-file", required_argument, NULL, 'k'},
        {"fal-queue-url", required_argument, NULL, 'Q'},
        {"fal-rest-url", required_argument, NULL, 'R'},
        {"fal-api-url", required_argument, NULL, 'A'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct opts_fal fal = {0};
    struct doctor d = {0};
    struct manifest m = {0};
    struct buf errors = {0};
    struct dub_err e = {0};
    enum plan_endpoint ep = PLAN_A2V;
    int c, have_m = 0;

    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'k': case 'Q': case 'R': case 'A':
            opts_fal_take(c, optarg, &fal);
            break;
        case 'h':
            doctor_usage(stdout);
            return EXIT_DONE;
        default:
            doctor_usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (argc - optind > 1) {
        doctor_usage(stderr);
        return EXIT_USAGE;
    }
    if (argc - optind == 1) {
        if (manifest_load_flags(argv[optind], 0, &m, &errors, &e) < 0) {
            fputs(errors.data ? errors.data : "", stderr);
            buf_release(&errors);
            manifest_release(&m);
            return EXIT_MANIFEST;
        }
        buf_release(&errors);
        have_m = 1;
        ep = m.endpoint;
    }
    doctor_say(&d, 0, "dubbatch " DUBBATCH_VERSION ": %s, SQLite %s, libyaml %s, "
               "cJSON %s", http_library_version(), state_library_version(),
               yamltree_library_version(), fal_json_version());
    doctor_worker(&d);
    doctor_fal(&d, &fal, ep);
    if (have_m) {
        doctor_output(&d, m.output_dir);
        manifest_release(&m);
    }
    printf("%d bad, %d warnings\n", d.bad, d.warned);
    if (opts_close_stdout() < 0)
        return EXIT_USAGE;
    return d.bad ? EXIT_USAGE : EXIT_DONE;
}

/*
 * dubbatch report MANIFEST|OUTPUT_DIR: rebuilds index.html, and any poster
 * frames it lacks, from report.json; every run writes it too.
 */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "batchdir.h"
#include "media.h"
#include "opts.h"
#include "page.h"

static void report_usage(FILE *f)
{
    fprintf(f,
            "usage: dubbatch report [OPTIONS] MANIFEST|OUTPUT_DIR\n"
            "Rebuilds index.html and its missing posters from report.json "
            "and prints the\npage's path.\n"
            "\n" OPTS_HELP_MEDIA_JOBS OPTS_HELP_MEDIA_TIMEOUT "\n"
            "Exit 0 when the page was written, 2 when it could not be, 3 "
            "when the manifest\nis invalid.\n");
}

int cmd_report(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"media-jobs", required_argument, NULL, 'j'},
        {"media-timeout", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct media_pool *pool;
    struct batchdir o;
    struct dub_err e = {0};
    struct opts_media med;
    int c, rc;
    char *page;

    opts_media_init(&med);
    while ((c = getopt_long(argc, argv, "hj:", longopts, NULL)) != -1) {
        switch (c) {
        case 'j': case 't':
            if (opts_media_take(c, optarg, &med) < 0)
                return EXIT_USAGE;
            break;
        case 'h':
            report_usage(stdout);
            return EXIT_DONE;
        default:
            report_usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (argc - optind != 1) {
        report_usage(stderr);
        return EXIT_USAGE;
    }
    rc = batchdir_find(&o, argv[optind]);
    if (rc)
        return rc;
    pool = media_pool_new(med.jobs, med.timeout_ms);
    if (page_write(o.dir, pool, &e) < 0) {
        fprintf(stderr, "dubbatch: %s\n", e.msg);
        rc = EXIT_USAGE;
    } else {
        page = util_path_join(o.dir, "index.html");
        printf("%s\n", page);
        free(page);
    }
    media_pool_free(pool);
    batchdir_release(&o);
    if (opts_close_stdout() < 0)
        return EXIT_USAGE;
    return rc;
}

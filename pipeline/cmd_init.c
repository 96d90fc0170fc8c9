/*
 * dubbatch init CLIPS_DIR DUBS_DIR... [-o FILE]: a manifest from folders.
 *
 * Clips and dubs are paired by file name without the extension, ignoring
 * case: dubs/fr/sc01.wav and clips/sc01.mov make job sc01.fr.  Each
 * DUBS_DIR is one language, named by its folder; a DUBS_DIR holding only
 * folders stands for each of them (dubs/ for dubs/fr and dubs/de).  What
 * cannot be paired is listed, on stderr and at the end of the manifest.
 * The manifest's paths are relative to the file it is written to.
 * initscan.c reads the folders; this file pairs and writes.
 */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "initint.h"
#include "opts.h"
#include "schema.h"

static int init_cmp_id(const void *a, const void *b)
{
    const struct init_file *const *x = a, *const *y = b;

    return strcmp((*x)->id, (*y)->id);
}

/* Clips whose names differ only where an id cannot follow ("a b", "a_b")
 * would make one job id: neither is used. */
static void init_same_ids(struct init_list *clips)
{
    struct init_file **by = xcalloc(clips->n + 1, sizeof(*by));
    size_t i;

    for (i = 0; i < clips->n; i++)
        by[i] = &clips->f[i];
    qsort(by, clips->n, sizeof(*by), init_cmp_id);
    for (i = 1; i < clips->n; i++)
        if (strcmp(by[i - 1]->id, by[i]->id) == 0 && by[i]->used == 0)
            by[i - 1]->used = by[i]->used = -2;
    free(by);
}

/* A YAML double-quoted string. */
static void init_quote(struct buf *b, const char *s)
{
    buf_puts(b, "\"");
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;

        if (ch == '"' || ch == '\\')
            buf_printf(b, "\\%c", ch);
        else if (ch < 0x20 || ch == 0x7f)
            buf_printf(b, "\\x%02x", ch);
        else
            buf_append(b, s, 1);
    }
    buf_puts(b, "\"");
}

static struct init_file *init_find(struct init_list *l, const char *key)
{
    size_t i;

    for (i = 0; i < l->n; i++)
        if (l->f[i].used >= 0 && strcmp(l->f[i].key, key) == 0)
            return &l->f[i];
    return NULL;
}

static void init_pair(struct init *in)
{
    struct buf missing = {0};
    size_t i, k;

    init_same_ids(&in->clips);
    for (i = 0; i < in->clips.n; i++) {
        struct init_file *clip = &in->clips.f[i];
        const char *stem = clip->id;

        if (clip->used < 0) {
            init_unpaired(in, clip->path,
                          clip->used == -1
                              ? "another clip has the same name"
                              : "another clip's name makes the same job id");
            /* Its dubs are explained by that line. */
            for (k = 0; k < in->nlangs; k++)
                if (init_find(&in->dubs[k], clip->key))
                    init_find(&in->dubs[k], clip->key)->used = 1;
            continue;
        }
        buf_reset(&missing);
        for (k = 0; k < in->nlangs; k++) {
            struct init_file *dub = init_find(&in->dubs[k], clip->key);
            char *v, *a;

            if (!dub) {
                buf_printf(&missing, "%s%s", missing.len ? ", " : "",
                           in->langs[k]);
                continue;
            }
            dub->used = 1;
            v = init_relative(in->base, clip->path);
            a = init_relative(in->base, dub->path);
            buf_printf(&in->jobs, "  - id: %s%s.%s\n    video: ",
                       stem[0] == '.' || stem[0] == '-' ? "job" : "", stem,
                       in->langs[k]);
            init_quote(&in->jobs, v);
            buf_puts(&in->jobs, "\n    audio: ");
            init_quote(&in->jobs, a);
            buf_puts(&in->jobs, "\n");
            in->njobs++;
            free(v);
            free(a);
        }
        if (missing.len) {
            char *why = xasprintf("no dub in %s", missing.data);

            init_unpaired(in, clip->path, why);
            free(why);
        }
    }
    for (k = 0; k < in->nlangs; k++)
        for (i = 0; i < in->dubs[k].n; i++)
            if (in->dubs[k].f[i].used < 0)
                init_unpaired(in, in->dubs[k].f[i].path,
                              "another dub in this language has the same "
                              "name");
            else if (!in->dubs[k].f[i].used)
                init_unpaired(in, in->dubs[k].f[i].path,
                              "no clip of the same name");
    buf_release(&missing);
}

/* Each line of from, after prefix. */
static void init_lines(struct buf *out, const char *prefix,
                       const struct buf *from)
{
    const char *p = from->data, *eol;

    for (; p && *p; p = eol + 1) {
        eol = strchr(p, '\n');
        buf_puts(out, prefix);
        buf_append(out, p, (size_t)(eol - p + 1));
    }
}

/* The manifest: a header, the policy keys as comments, the jobs, and what
 * was not paired. */
static void init_write(struct init *in, struct buf *out, int argc,
                       char **argv)
{
    size_t i, n, w;
    const struct schema_key *keys = schema_keys(&n);
    int pad;

    buf_puts(out, "# Written by 'dubbatch init");
    for (i = 0; i < (size_t)argc; i++) {
        buf_puts(out, " ");
        buf_put_clean(out, argv[i]);
    }
    buf_printf(out, "': %zu jobs in %zu language%s.\n", in->njobs,
               in->nlangs, in->nlangs == 1 ? "" : "s");
    buf_puts(out,
             "# Check it with 'dubbatch validate' before 'dubbatch run'; "
             "paths are relative\n# to this file's folder.  "
             "'dubbatch schema --markdown' lists every key.\n"
             "version: 1\nendpoint: audio-to-video\n"
             "concurrency: 2      # jobs at fal at once: your account's "
             "limit\n"
             "# output_dir: out   # default: this file's name + -out, "
             "beside it\n"
             "# defaults:         # for every job; a job may say "
             "otherwise\n");
    for (i = 0; i < n; i++) {
        const struct schema_key *k = &keys[i];

        if (k->place != SCHEMA_JOB || k->type != SCHEMA_WORD || k->alias_of ||
            !(k->endpoints & SCHEMA_A2V))
            continue;
        pad = 24 - (int)(strlen(k->name) + strlen(k->def));
        buf_printf(out, "#   %s: %s%*s# ", k->name, k->def,
                   pad > 1 ? pad : 1, "");
        for (w = 0; w < k->nwords[PLAN_A2V]; w++)
            buf_printf(out, "%s%s", w ? " | " : "", k->words[w]);
        buf_puts(out, "\n");
    }
    buf_puts(out, "jobs:\n");
    buf_append(out, in->jobs.data, in->jobs.len);
    if (in->nunpaired)
        buf_puts(out, "# Not paired (rename them, then run dubbatch init "
                      "again):\n");
    init_lines(out, "#   ", &in->unpaired);
}

static void init_release(struct init *in)
{
    size_t i, k;

    for (k = 0; k <= in->nlangs; k++) {
        struct init_list *l = k < in->nlangs ? &in->dubs[k] : &in->clips;

        for (i = 0; i < l->n; i++) {
            free(l->f[i].path);
            free(l->f[i].key);
            free(l->f[i].id);
        }
        free(l->f);
        if (k < in->nlangs)
            free(in->langs[k]);
    }
    free(in->dubs);
    free(in->langs);
    free(in->base);
    buf_release(&in->jobs);
    buf_release(&in->unpaired);
}

static void init_usage(FILE *f)
{
    fprintf(f,
            "usage: dubbatch init [-o FILE] [--force] CLIPS_DIR DUBS_DIR...\n"
            "Writes a manifest (to FILE, else to stdout) pairing each clip "
            "with its dubs\nby file name: dubs/fr/sc01.wav and "
            "clips/sc01.mov make job sc01.fr.\nEach DUBS_DIR is one "
            "language, named by its folder; a folder of language\nfolders "
            "stands for each of them.  Lists what it could not pair.\n"
            "  -o, --output FILE  write the manifest here (paths relative "
            "to it)\n"
            "  --force            replace FILE if it exists\n"
            "Exit 0 when a manifest was written, 1 when nothing could be "
            "paired, 2 on\nusage errors.\n");
}

int cmd_init(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"force", no_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct init in = {0};
    struct buf out = {0};
    struct dub_err e = {0};
    const char *file = NULL;
    int c, force = 0, rc = EXIT_USAGE, i;
    struct stat st;
    char *dir;

    while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
        switch (c) {
        case 'o':
            file = optarg;
            break;
        case 'f':
            force = 1;
            break;
        case 'h':
            init_usage(stdout);
            return EXIT_DONE;
        default:
            init_usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (argc - optind < 2) {
        init_usage(stderr);
        return EXIT_USAGE;
    }
    if (file && !force && stat(file, &st) == 0) {
        fprintf(stderr, "dubbatch: '%s' exists; --force replaces it\n", file);
        return EXIT_USAGE;
    }
    dir = file ? util_dirname(file) : xstrdup(".");
    in.base = util_path_abs(dir);
    free(dir);
    if (init_scan(&in, argv[optind], 0, &in.clips) < 0)
        goto out;
    for (i = optind + 1; i < argc; i++)
        if (init_dubs(&in, argv[i]) < 0)
            goto out;
    init_pair(&in);
    if (in.nunpaired) {
        struct buf list = {0};

        init_lines(&list, "  ", &in.unpaired);
        fprintf(stderr, "dubbatch: not paired:\n%s", list.data);
        buf_release(&list);
    }
    if (!in.njobs) {
        fprintf(stderr, "dubbatch: no clip has a dub of the same name; "
                        "nothing was written\n");
        rc = EXIT_SOME_FAILED;
        goto out;
    }
    init_write(&in, &out, argc - optind, argv + optind);
    if (file && util_write_atomic(file, out.data, out.len, &e) < 0) {
        fprintf(stderr, "dubbatch: %s\n", e.msg);
        goto out;
    }
    if (!file)
        fputs(out.data, stdout);
    fprintf(stderr, "dubbatch: %zu job%s from %zu clip%s in %zu "
                    "language%s; %zu file%s not paired\n",
            in.njobs, in.njobs == 1 ? "" : "s", in.clips.n,
            in.clips.n == 1 ? "" : "s", in.nlangs, in.nlangs == 1 ? "" : "s",
            in.nunpaired, in.nunpaired == 1 ? "" : "s");
    rc = !file && opts_close_stdout() < 0 ? EXIT_USAGE : EXIT_DONE;
out:
    init_release(&in);
    buf_release(&out);
    return rc;
}

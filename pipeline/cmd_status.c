/*
 * dubbatch status MANIFEST|OUTPUT_DIR: counts per state and the jobs that
 * need attention, from the state database.  Safe while a run is active: it
 * only reads, and SQLite's WAL lets it.  Its exit code says what a run
 * would need to do, so a script can wait on it.
 */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "batchdir.h"
#include "job.h"
#include "opts.h"
#include "state.h"

static void status_usage(FILE *f)
{
    fprintf(f,
            "usage: dubbatch status MANIFEST|OUTPUT_DIR\n"
            "Counts the jobs per state and lists the ones that need "
            "attention (failed,\nrejected, skipped, cancelled, in flight), "
            "from the state database; safe\nwhile a run is active.  Given a "
            "manifest, its jobs (those no run has seen yet\ncount as NEW); "
            "given a folder, every job recorded there.\n"
            "Exit 0 when every job is done, 4 when work remains (run "
            "again), 1 when nothing\nremains but some jobs failed or were "
            "rejected, skipped or cancelled; 2 or 3\nwhen the batch cannot "
            "be read.\n");
}

static int status_cmp(const void *a, const void *b)
{
    const struct state_job *const *x = a, *const *y = b;

    return strcmp((*x)->id, (*y)->id);
}

/*
 * The jobs to show, in order: a manifest's, with NULL for a job no run has
 * recorded, or every recorded job.  Caller frees the array.
 */
/*
 * A long scene has no row of its own: its windows have ("<id>~w01"...,
 * scenes.h), and the run records the scene's delivery in the meta table.
 * Its state: DONE when delivered; FAILED (naming the window) when one
 * window will not be done; else where its least advanced window stands,
 * DOWNLOADED when only the join is left.  0 when no window has a row.
 */
static int status_scene(struct state *st, const char *id,
                        const struct state_job *jobs, size_t n,
                        struct state_job *out)
{
    char *key = xasprintf("scene:%s", id), *done = NULL;
    size_t len = strlen(id), i;
    struct dub_err e = {0};
    int found = 0;

    memset(out, 0, sizeof(*out));
    out->id = (char *)id;
    out->state = JOB_DOWNLOADED;
    for (i = 0; i < n; i++) {
        const struct state_job *w = &jobs[i];

        if (strncmp(w->id, id, len) != 0 || strncmp(w->id + len, "~w", 2))
            continue;
        found = 1;
        if (job_is_final(w->state) && w->state != JOB_DONE) {
            out->state = JOB_FAILED;
            out->error = w->error;
            break;
        }
        if (!job_is_final(w->state) && w->state < out->state)
            out->state = w->state;
    }
    if (state_meta_get(st, key, &done, &e) > 0)
        out->state = JOB_DONE;
    free(done);
    free(key);
    return found;
}

static const struct state_job **status_pick(const struct batchdir *o,
                                            struct state *st,
                                            struct state_job *jobs, size_t n,
                                            struct state_job *scenes,
                                            size_t *count)
{
    const struct state_job **byid, **pick;
    size_t i;

    byid = xcalloc(n + 1, sizeof(*byid));
    for (i = 0; i < n; i++)
        byid[i] = &jobs[i];
    if (!o->has_manifest) {
        *count = n;
        return byid;
    }
    qsort(byid, n, sizeof(*byid), status_cmp);
    pick = xcalloc(o->m.njobs + 1, sizeof(*pick));
    for (i = 0; i < o->m.njobs; i++) {
        struct state_job key = {0}, *kp = &key, **hit;

        key.id = o->m.jobs[i].id;
        hit = bsearch(&kp, byid, n, sizeof(*byid), status_cmp);
        pick[i] = hit ? *hit
                  : status_scene(st, key.id, jobs, n, &scenes[i]) ? &scenes[i]
                                                                : NULL;
    }
    free(byid);
    *count = o->m.njobs;
    return pick;
}

static int status_print(const char *dir, const struct state_job **pick,
                        size_t n)
{
    int counts[JOB_NSTATES] = {0}, i, rc = EXIT_DONE;
    size_t k;

    for (k = 0; k < n; k++) {
        enum job_state s = pick[k] ? pick[k]->state : JOB_NEW;

        counts[s]++;
        if (!job_is_final(s))
            rc = EXIT_INTERRUPTED;
        else if (s != JOB_DONE && rc == EXIT_DONE)
            rc = EXIT_SOME_FAILED;
    }
    printf("%s: %zu jobs\n", dir, n);
    for (i = 0; i < JOB_NSTATES; i++)
        if (counts[i])
            printf("  %-11s %d\n", job_state_name((enum job_state)i),
                   counts[i]);
    for (k = 0; k < n; k++) {
        const struct state_job *j = pick[k];

        if (!j)
            continue;
        if (j->state == JOB_FAILED || j->state == JOB_REJECTED ||
            j->state == JOB_SKIPPED || j->state == JOB_CANCELLED)
            printf("%-24s %-9s %s\n", j->id, job_state_name(j->state),
                   j->error ? j->error : "");
        else if (job_is_remote(j->state))
            printf("%-24s %-9s request %s\n", j->id, job_state_name(j->state),
                   j->request_id ? j->request_id : "(unconfirmed submit)");
    }
    return rc;
}

int cmd_status(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct batchdir o;
    struct state *st;
    struct state_job *jobs;
    const struct state_job **pick;
    struct state_job *scenes;
    struct dub_err e = {0};
    size_t n, count;
    int c, rc;

    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (c == 'h') {
            status_usage(stdout);
            return EXIT_DONE;
        }
        status_usage(stderr);
        return EXIT_USAGE;
    }
    if (argc - optind != 1) {
        status_usage(stderr);
        return EXIT_USAGE;
    }
    rc = batchdir_find(&o, argv[optind]);
    if (rc)
        return rc;
    if (state_open(o.dir, &st, &e) < 0 ||
        state_jobs_all(st, &jobs, &n, &e) < 0) {
        fprintf(stderr, "dubbatch: %s\n", e.msg);
        state_close(st);
        batchdir_release(&o);
        return EXIT_USAGE;
    }
    scenes = xcalloc((o.has_manifest ? o.m.njobs : 0) + 1, sizeof(*scenes));
    pick = status_pick(&o, st, jobs, n, scenes, &count);
    rc = status_print(o.dir, pick, count);
    free(pick);
    free(scenes);
    state_jobs_free(jobs, n);
    state_close(st);
    batchdir_release(&o);
    return opts_close_stdout() < 0 ? EXIT_USAGE : rc;
}

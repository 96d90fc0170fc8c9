/*
 * dubbatch validate MANIFEST: reads the manifest, probes every distinct
 * input in the media workers, plans every job, and says what would happen
 * and what it would cost.  Nothing is uploaded or spent.
 */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "inputs.h"
#include "manifest.h"
#include "media.h"
#include "opts.h"
#include "plan.h"
#include "prep.h"
#include "report.h"
#include "scenes.h"

/* Kept for every job until the verdicts are printed: what only some jobs
 * need (preps, a scene) and the texts are allocated as they come, so a
 * batch of 100,000 jobs fits in a couple of hundred megabytes. */
struct validate_job {
    const struct manifest_job *mj;
    const struct inputs_file *video, *audio;
    struct plan plan;
    char *why;           /* rejection, including probe failures */
    char *vdesc, *adesc;
    struct prep *prep;   /* --conform: video, audio (two), or NULL */
    struct prep *use[2]; /* the prep that serves each (shared by equals) */
    struct scenes_job *scene; /* a long scene: its windows are planned */
};

static void validate_prep_done(struct prep *p, void *arg)
{
    (void)p;
    (void)arg;
}

/* One conformed input of one job, and where the job takes it from. */
struct validate_slot {
    struct prep *p;
    struct prep **use;
};

static int validate_slot_cmp(const void *a, const void *b)
{
    const struct validate_slot *x = a, *y = b;
    int c = strcmp(x->p->key, y->p->key);

    /* Equal keys keep manifest order: the first job's prep makes it. */
    return c ? c : (x->p > y->p) - (x->p < y->p);
}

/* Starts one prep per distinct file (the same content and steps) and
 * points every job making it there: sorted on the key, so ten thousand
 * jobs sharing a file start one conform, in n log n. */
static void validate_share(struct validate_slot *all, size_t n,
                           struct media_pool *pool)
{
    size_t i, first = 0;

    qsort(all, n, sizeof(*all), validate_slot_cmp);
    for (i = 0; i < n; i++) {
        if (i == 0 || strcmp(all[i].p->key, all[first].p->key) != 0) {
            first = i;
            prep_start(pool, all[i].p);
        }
        *all[i].use = all[first].p;
    }
}

/*
 * --conform: writes every conformed input into the work folder (reusing
 * what an earlier run made) and checks each result; a job whose result
 * still does not fit becomes a rejection with both probes in its reason.
 */
static void validate_conform(const struct manifest *m, struct validate_job *jobs,
                             struct media_pool *pool, int counts[3])
{
    char *dot = util_path_join(m->output_dir, ".dubbatch");
    char *work = util_path_join(dot, "work");
    struct validate_slot *all = xcalloc(2 * m->njobs + 1, sizeof(*all));
    size_t i, n = 0;
    int k;

    for (i = 0; i < m->njobs; i++) {
        struct validate_job *v = &jobs[i];

        if (v->plan.verdict != PLAN_CONFORM)
            continue;
        for (k = 0; k < 2; k++) {
            const struct inputs_file *src = k == 0 ? v->video : v->audio;
            enum plan_step step = k == 0 ? v->plan.video.step
                                         : v->plan.audio.step;

            if (!src || step == PLAN_KEEP || (k == 1 && !v->plan.has_audio))
                continue;
            if (!v->prep)
                v->prep = xcalloc(2, sizeof(*v->prep));
            prep_setup(&v->prep[k], src, k == 0 ? PREP_VIDEO : PREP_AUDIO,
                       &v->plan, plan_limits_get(m->endpoint), &v->mj->policy,
                       work, validate_prep_done, NULL);
            all[n].p = &v->prep[k];
            all[n++].use = &v->use[k];
        }
    }
    validate_share(all, n, pool);
    free(all);
    media_pool_drain(pool);
    for (i = 0; i < m->njobs; i++) {
        struct validate_job *v = &jobs[i];

        for (k = 0; k < 2; k++) {
            if (!v->use[k] || v->use[k]->ok || v->plan.verdict == PLAN_REJECT)
                continue;
            counts[v->plan.verdict]--;
            v->plan.verdict = PLAN_REJECT;
            counts[PLAN_REJECT]++;
            free(v->why);
            v->why = xstrdup(v->use[k]->err.msg);
        }
    }
    free(work);
    free(dot);
}

/* The windows of every long scene, from each one's analysis; a scene
 * whose analysis fails says why under its job (the run fails it alone). */
static void validate_scenes(const struct manifest *m,
                            struct validate_job *jobs, struct media_pool *pool)
{
    const struct plan_limits *lim = plan_limits_get(m->endpoint);
    size_t i;

    for (i = 0; i < m->njobs; i++) {
        struct validate_job *v = &jobs[i];

        if (v->plan.verdict == PLAN_REJECT || !v->audio ||
            !scenes_wanted(lim, &v->mj->policy, &v->video->facts,
                           &v->audio->facts))
            continue;
        v->scene = xcalloc(1, sizeof(*v->scene));
        v->scene->video = v->video->path;
        v->scene->audio = v->audio->path;
        v->scene->vf = &v->video->facts;
        v->scene->lim = lim;
        v->scene->price = &m->pricing;
        scenes_start(pool, v->scene);
    }
    media_pool_drain(pool);
    /* What the run does with a scene is its windows, not a trim. */
    for (i = 0; i < m->njobs; i++) {
        struct validate_job *v = &jobs[i];

        if (!v->scene || !v->scene->ok)
            continue;
        v->plan.billed_seconds = v->scene->plan.billed;
        v->plan.cost = v->scene->plan.cost;
        free(v->vdesc);
        v->vdesc = xasprintf("a long scene of %.2f s in %d windows, each "
                             "conformed", v->video->facts.video.duration,
                             v->scene->plan.n);
    }
}

static void validate_print_scene(const struct scenes_job *s)
{
    char text[2048];
    int k;

    if (!s->ok) {
        printf("%-24s windows: not planned: %s\n", "", s->err.msg);
        return;
    }
    window_describe(&s->plan, text, sizeof(text));
    printf("%-24s windows: %s\n", "", text);
    printf("%-24s %d windows, %.0f s billed, $%.3f (fixed 10 s windows: %.0f "
           "s, $%.3f)\n", "", s->plan.n,
           s->plan.billed, s->plan.cost, s->plan.fixed_billed,
           s->plan.fixed_cost);
    for (k = 0; k < s->plan.nwarnings; k++)
        printf("%-24s warning %s\n", "", s->plan.warnings[k]);
}

static const char *const validate_verdicts[] = {"accept", "conform", "reject"};

/* Plans one job, or explains why its inputs could not even be probed. */
static void validate_plan(const struct manifest *m, struct validate_job *v)
{
    const struct plan_limits *lim = plan_limits_get(m->endpoint);
    const struct inputs_file *bad = NULL;
    char text[512];

    if (!v->video->ok)
        bad = v->video;
    else if (v->audio && !v->audio->ok)
        bad = v->audio;
    if (bad) {
        v->plan.verdict = PLAN_REJECT;
        v->why = xasprintf("%s: %s", bad == v->video ? "video" : "audio",
                           bad->err.msg);
        return;
    }
    plan_make(lim, &v->mj->policy, &m->pricing, &v->video->facts,
              v->audio ? &v->audio->facts : NULL, &v->plan);
    if (v->plan.verdict == PLAN_REJECT) {
        v->why = xstrdup(v->plan.reason);
        return;
    }
    plan_describe_video(&v->plan, &v->video->facts, text, sizeof(text));
    v->vdesc = xstrdup(text);
    if (v->audio) {
        plan_describe_audio(&v->plan, &v->audio->facts, text, sizeof(text));
        v->adesc = xstrdup(text);
    }
}

static void validate_print_text(const struct manifest *m,
                                const struct validate_job *jobs,
                                const int counts[3], double cost,
                                double billed)
{
    size_t i;
    int k;

    for (i = 0; i < m->njobs; i++) {
        const struct validate_job *v = &jobs[i];

        printf("%-24s %-7s ", v->mj->id, validate_verdicts[v->plan.verdict]);
        if (v->plan.verdict == PLAN_REJECT) {
            printf("%s\n", v->why);
            continue;
        }
        printf("video: %s", v->vdesc);
        if (v->audio)
            printf(" | audio: %s", v->adesc);
        printf(" | %.0f s billed, $%.3f\n", v->plan.billed_seconds,
               v->plan.cost);
        for (k = 0; k < 2; k++)
            if (v->use[k])
                printf("%-24s %s   %s%s\n", "", k ? "audio:" : "video:",
                       v->use[k]->out, v->use[k]->cached ? " (cached)" : "");
        for (k = 0; k < v->plan.nwarnings; k++)
            printf("%-24s warning %s\n", "", v->plan.warnings[k]);
        if (v->scene)
            validate_print_scene(v->scene);
    }
    printf("\n%zu job%s: %d as is, %d to conform, %d rejected\n", m->njobs,
           m->njobs == 1 ? "" : "s", counts[PLAN_ACCEPT], counts[PLAN_CONFORM],
           counts[PLAN_REJECT]);
    printf("estimated cost: $%.2f (%.0f s billed at $%.4f/s in %.0f s "
           "steps; rejected jobs cost nothing)\n",
           cost, billed, m->pricing.rate, m->pricing.increment);
}

static void validate_print_json(const struct manifest *m,
                                const struct validate_job *jobs,
                                const int counts[3], double cost,
                                double billed)
{
    struct report_job *rj = xcalloc(m->njobs + 1, sizeof(*rj));
    size_t i;

    for (i = 0; i < m->njobs; i++) {
        const struct validate_job *v = &jobs[i];
        struct report_job *r = &rj[i];

        r->mj = v->mj;
        r->video = v->video->ok ? &v->video->facts : NULL;
        r->audio = v->audio && v->audio->ok ? &v->audio->facts : NULL;
        r->plan = &v->plan;
        r->state = validate_verdicts[v->plan.verdict];
        r->reason = v->plan.verdict == PLAN_REJECT ? v->why : NULL;
        r->conformed_video = v->use[0] && v->use[0]->ok ? v->use[0]->out : NULL;
        r->conformed_audio = v->use[1] && v->use[1]->ok ? v->use[1]->out : NULL;
        r->windows = v->scene && v->scene->ok ? &v->scene->plan : NULL;
    }
    report_validation_write(stdout, m->path,
                            plan_limits_get(m->endpoint)->name, rj, m->njobs,
                            counts, billed, cost);
    free(rj);
}

static void validate_usage(FILE *f)
{
    fprintf(f,
            "usage: dubbatch validate [OPTIONS] MANIFEST\n"
            "Probes and plans every job; uploads and spends nothing.\n"
            "\n"
            "  --json               print the verdicts as JSON\n"
            "  --conform            also write the conformed inputs to\n"
            "                       <output_dir>/.dubbatch/work and check them\n"
            OPTS_HELP_MEDIA_JOBS OPTS_HELP_MEDIA_TIMEOUT
            "  --output-dir-ok      accept an output_dir outside the batch's "
            "folder or\n                       in a system folder\n"
            "\n"
            "Exit 0 when every job can run, 1 when some are rejected, 2 on "
            "usage errors,\n3 when the manifest is invalid.\n");
}

/* Every job planned from its inputs' probes; counts per verdict. */
static struct validate_job *validate_jobs(const struct manifest *m,
                                          const struct inputs *in,
                                          int counts[3])
{
    struct validate_job *jobs = xcalloc(m->njobs + 1, sizeof(*jobs));
    size_t i;

    for (i = 0; i < m->njobs; i++) {
        struct validate_job *v = &jobs[i];

        v->mj = &m->jobs[i];
        v->video = inputs_find(in, v->mj->video);
        v->audio = v->mj->audio ? inputs_find(in, v->mj->audio) : NULL;
        validate_plan(m, v);
        counts[v->plan.verdict]++;
    }
    return jobs;
}

static void validate_free(struct validate_job *jobs, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (jobs[i].prep) {
            prep_release(&jobs[i].prep[0]);
            prep_release(&jobs[i].prep[1]);
            free(jobs[i].prep);
        }
        if (jobs[i].scene) {
            scenes_release(jobs[i].scene);
            free(jobs[i].scene);
        }
        free(jobs[i].why);
        free(jobs[i].vdesc);
        free(jobs[i].adesc);
    }
    free(jobs);
}

/* What the jobs that can run would bill, and cost. */
static void validate_sum(const struct manifest *m,
                         const struct validate_job *jobs, double *cost,
                         double *billed)
{
    size_t i;

    for (i = 0; i < m->njobs; i++) {
        if (jobs[i].plan.verdict == PLAN_REJECT)
            continue;
        *cost += jobs[i].plan.cost;
        *billed += jobs[i].plan.billed_seconds;
    }
}

static const struct option validate_longopts[] = {
    {"json", no_argument, NULL, 'J'},
    {"conform", no_argument, NULL, 'C'},
    {"media-jobs", required_argument, NULL, 'j'},
    {"media-timeout", required_argument, NULL, 't'},
    {"output-dir-ok", no_argument, NULL, 'O'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

int cmd_validate(int argc, char **argv)
{
    struct manifest m;
    struct buf errors = {0};
    struct dub_err e = {0};
    struct inputs in = {0};
    struct media_pool *pool;
    struct validate_job *jobs;
    struct opts_media med;
    int c, json = 0, conform = 0;
    int counts[3] = {0, 0, 0};
    double cost = 0, billed = 0;
    unsigned flags = MANIFEST_CHECK_OUTPUT;

    opts_media_init(&med);
    while ((c = getopt_long(argc, argv, "hj:", validate_longopts, NULL)) != -1) {
        switch (c) {
        case 'J':
            json = 1;
            break;
        case 'C':
            conform = 1;
            break;
        case 'j': case 't':
            if (opts_media_take(c, optarg, &med) < 0)
                return EXIT_USAGE;
            break;
        case 'O':
            flags &= ~MANIFEST_CHECK_OUTPUT;
            break;
        case 'h':
            validate_usage(stdout);
            return EXIT_DONE;
        default:
            validate_usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (argc - optind != 1) {
        validate_usage(stderr);
        return EXIT_USAGE;
    }
    if (manifest_load_flags(argv[optind], flags, &m, &errors, &e) < 0) {
        fputs(errors.data ? errors.data : "", stderr);
        fprintf(stderr, "dubbatch: %s; nothing was run\n", e.msg);
        buf_release(&errors);
        manifest_release(&m);
        return EXIT_MANIFEST;
    }
    buf_release(&errors);

    inputs_collect(&in, &m);
    pool = media_pool_new(med.jobs, med.timeout_ms);
    inputs_probe(&in, pool, conform);

    jobs = validate_jobs(&m, &in, counts);
    validate_scenes(&m, jobs, pool);
    if (conform)
        validate_conform(&m, jobs, pool, counts);
    media_pool_free(pool);
    validate_sum(&m, jobs, &cost, &billed);
    if (json)
        validate_print_json(&m, jobs, counts, cost, billed);
    else
        validate_print_text(&m, jobs, counts, cost, billed);
    validate_free(jobs, m.njobs);
    inputs_release(&in);
    manifest_release(&m);
    if (opts_close_stdout() < 0)
        return EXIT_USAGE;
    return counts[PLAN_REJECT] ? EXIT_SOME_FAILED : EXIT_DONE;
}

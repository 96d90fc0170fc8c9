/*
 * longscene: a long scene through every media step the runner will wire
 * together, with the fake's copy mode standing in for the model (a
 * window's result is the window's own conformed slice), for
 * tests/integration/longscene.sh and scripts/bench-long.sh.
 *
 *   longscene PICTURE DUB OUTDIR [--reference] [--mov] [--off K:N]...
 *
 * Steps, each through the dubbatch-media workers: probe both, analyze,
 * plan the windows (window.c), conform every window's picture slice (and
 * the dub's slice for the windows sent), stitch, deliver with the dub,
 * verify.  --reference also conforms the whole scene to
 * OUTDIR/reference.mp4 (what the stitched picture must match frame for
 * frame); --off K:N makes window K's result N frames long or short, as a
 * model's might be.  Files: OUTDIR/wNN.mp4 (slices), wNN.m4a, rNN.mp4
 * (results that are off), picture.mp4 (stitched), scene.mp4 or scene.mov
 * (delivered).  Prints one "key value" line per fact and time.  Exit 0
 * when every step succeeded, 1 otherwise.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "media.h"
#include "plan.h"
#include "scene.h"
#include "util.h"
#include "window.h"
#include "wire.h"

#define LONGSCENE_MAX_OFF 8

struct slot {
    const char *what;
    int ok;
    struct wire_reply r;  /* kept: facts, stitch, delivery, verify */
    struct scene_analysis analysis;
};

static void done(void *arg, const struct wire_reply *r)
{
    struct slot *s = arg;

    s->ok = r->ok;
    s->r = *r;
    /* The reply's arrays are released after this callback: keep a copy. */
    memset(&s->r.analysis, 0, sizeof(s->r.analysis));
    if (r->has_analysis) {
        s->analysis = r->analysis;
        s->analysis.levels = xmalloc((size_t)r->analysis.nlevels *
                                         sizeof(float) + 1);
        memcpy(s->analysis.levels, r->analysis.levels,
               (size_t)r->analysis.nlevels * sizeof(float));
        s->analysis.shots = xmalloc((size_t)r->analysis.nshots *
                                        sizeof(double) + 1);
        memcpy(s->analysis.shots, r->analysis.shots,
               (size_t)r->analysis.nshots * sizeof(double));
    }
    if (!r->ok)
        fprintf(stderr, "longscene: %s: %s\n", s->what, r->err.msg);
}

static double secs(int64_t ms)
{
    return ms / 1000.0;
}

/* Runs what is queued; 0 when every slot in s[0..n) succeeded. */
static int drain(struct media_pool *p, struct slot *s, int n)
{
    int i, rc = 0;

    media_pool_drain(p);
    for (i = 0; i < n; i++)
        if (!s[i].ok)
            rc = -1;
    return rc;
}

int main(int argc, char **argv)
{
    const char *picture, *dub, *dir;
    int reference = 0, mov = 0, noff = 0, offk[LONGSCENE_MAX_OFF];
    int64_t offn[LONGSCENE_MAX_OFF];
    struct plan_limits lim = *plan_limits_get(PLAN_A2V);
    struct plan_policy pol = {0};
    struct plan_pricing price = {0.014, 5};
    struct media_pool *pool;
    struct slot probes[2] = {{.what = "probe picture"}, {.what = "probe dub"}};
    struct slot an = {.what = "analyze"}, ref = {.what = "reference"};
    struct slot st = {.what = "stitch"}, dl = {.what = "deliver"};
    struct slot vf = {.what = "verify"};
    struct slot *slices;
    struct window_scene ws;
    struct window_plan wp;
    struct plan scene;
    struct scene_part *parts;
    struct media_delivery d;
    char text[8192], *path;
    int64_t t0;
    int i, k, rc = 1;

    if (argc < 4) {
        fprintf(stderr, "usage: longscene PICTURE DUB OUTDIR [--reference] "
                        "[--mov] [--off K:N]...\n");
        return 2;
    }
    picture = argv[1];
    dub = argv[2];
    dir = argv[3];
    for (i = 4; i < argc; i++) {
        if (strcmp(argv[i], "--reference") == 0) {
            reference = 1;
        } else if (strcmp(argv[i], "--mov") == 0) {
            mov = 1;
        } else if (strcmp(argv[i], "--off") == 0 && i + 1 < argc &&
                   noff < LONGSCENE_MAX_OFF) {
            long long n;

            if (sscanf(argv[++i], "%d:%lld", &offk[noff], &n) != 2)
                return 2;
            offn[noff++] = n;
        } else {
            return 2;
        }
    }
    pool = media_pool_new(2, 600000);

    media_probe(pool, picture, done, &probes[0]);
    media_probe(pool, dub, done, &probes[1]);
    if (drain(pool, probes, 2) < 0)
        goto out;
    /* The scene's own conform plan, with no length limit: what the lead's
     * runner plans for a long scene before cutting it. */
    lim.video_max = 1e9;
    lim.audio_max = 1e9;
    plan_make(&lim, &pol, &price, &probes[0].r.facts, &probes[1].r.facts,
              &scene);
    scene.video.step = PLAN_ENCODE;
    printf("frames %lld\nfps %d/%d\n", (long long)scene.video.frames,
           scene.video.fps_num, scene.video.fps_den);

    t0 = util_mono_ms();
    media_analyze(pool, picture, dub, done, &an);
    if (drain(pool, &an, 1) < 0)
        goto out;
    printf("analyze_seconds %.3f\n", secs(util_mono_ms() - t0));
    t0 = util_mono_ms();
    ws.frames = scene.video.frames;
    ws.fps_num = scene.video.fps_num;
    ws.fps_den = scene.video.fps_den;
    ws.a = &an.analysis;
    window_plan_make(&ws, plan_limits_get(PLAN_A2V), &price, &wp);
    printf("plan_seconds %.6f\n", secs(util_mono_ms() - t0));
    window_describe(&wp, text, sizeof(text));
    printf("windows %s\n", text);
    printf("nwindows %d\nbilled %.0f\nfixed_billed %.0f\nsilent_billed "
           "%.0f\nquiet_cuts %d\ncost %.3f\nfixed_cost %.3f\n",
           wp.n, wp.billed, wp.fixed_billed, wp.silent_billed, wp.quiet_cuts,
           wp.cost, wp.fixed_cost);
    for (i = 0; i < wp.nwarnings; i++)
        printf("warning %s\n", wp.warnings[i]);

    t0 = util_mono_ms();
    if (reference) {
        path = util_path_join(dir, "reference.mp4");
        media_conform(pool, picture, &probes[0].r.facts, &scene, 0, path,
                      done, &ref);
        free(path);
        if (drain(pool, &ref, 1) < 0)
            goto out;
        printf("reference_seconds %.3f\n", secs(util_mono_ms() - t0));
    }

    /* Slices: every window's picture; the dub's for those sent.  A result
     * that is off is a slice of another length from the same frame. */
    t0 = util_mono_ms();
    slices = xcalloc((size_t)(3 * wp.n), sizeof(*slices));
    parts = xcalloc((size_t)wp.n, sizeof(*parts));
    for (i = 0; i < wp.n; i++) {
        const struct window *w = &wp.w[i];
        struct plan slice = scene;
        char name[32];

        slice.video.why |= PLAN_V_SLICE;
        slice.video.start = w->start;
        slice.video.frames = w->end - w->start;
        slice.video.duration = (double)slice.video.frames *
                               scene.video.fps_den / scene.video.fps_num;
        snprintf(name, sizeof(name), "w%02d.mp4", i + 1);
        slices[i].what = "slice";
        parts[i].path = util_path_join(dir, name);
        parts[i].frames = slice.video.frames;
        media_conform(pool, picture, &probes[0].r.facts, &slice, 0,
                      parts[i].path, done, &slices[i]);
        for (k = 0; k < noff; k++) {
            if (offk[k] != i + 1)
                continue;
            slice.video.frames += offn[k];
            snprintf(name, sizeof(name), "r%02d.mp4", i + 1);
            free((char *)parts[i].path);
            parts[i].path = util_path_join(dir, name);
            slices[2 * wp.n + i].what = "result off";
            media_conform(pool, picture, &probes[0].r.facts, &slice, 0,
                          parts[i].path, done, &slices[2 * wp.n + i]);
        }
        if (!w->silent) {
            slice.audio.why |= PLAN_A_SLICE;
            slice.audio.step = PLAN_ENCODE;
            slice.audio.start = (double)w->start * scene.video.fps_den /
                                scene.video.fps_num;
            slice.audio.duration = (double)(w->end - w->start) *
                                   scene.video.fps_den / scene.video.fps_num;
            if (slice.audio.bitrate <= 0)
                slice.audio.bitrate = 128000;
            snprintf(name, sizeof(name), "w%02d.m4a", i + 1);
            path = util_path_join(dir, name);
            slices[wp.n + i].what = "audio slice";
            media_conform(pool, dub, &probes[1].r.facts, &slice, 1, path,
                          done, &slices[wp.n + i]);
            free(path);
        }
    }
    media_pool_drain(pool);
    for (i = 0; i < 3 * wp.n; i++)
        if (slices[i].what && !slices[i].ok)
            goto out;
    printf("slices_seconds %.3f\n", secs(util_mono_ms() - t0));

    t0 = util_mono_ms();
    path = util_path_join(dir, "picture.mp4");
    media_stitch(pool, parts, wp.n, &scene.video, path, done, &st);
    if (drain(pool, &st, 1) < 0)
        goto out;
    printf("stitch_seconds %.3f\nstitch_copied %d\nstitch_mended %d\n",
           secs(util_mono_ms() - t0), st.r.stitch.copied,
           st.r.stitch.mended);

    t0 = util_mono_ms();
    memset(&d, 0, sizeof(d));
    d.picture = path;
    d.dub = dub;
    d.mov = mov;
    d.fingerprint = "longscene";
    d.request = "fake-copy";
    d.out = util_path_join(dir, mov ? "scene.mov" : "scene.mp4");
    media_deliver(pool, &d, done, &dl);
    if (drain(pool, &dl, 1) < 0)
        goto out;
    printf("deliver_seconds %.3f\naudio_cut %.3f\naudio_short %.3f\n"
           "audio_encoded %d\n",
           secs(util_mono_ms() - t0), dl.r.delivery.audio_cut,
           dl.r.delivery.audio_short, dl.r.delivery.audio_encoded);

    media_verify(pool, d.out, scene.video.frames, scene.video.fps_num,
                 scene.video.fps_den, dl.r.delivery.audio_seconds, done, &vf);
    if (drain(pool, &vf, 1) < 0)
        goto out;
    printf("verified %lld frames at %d/%d, audio %.3f s\n",
           (long long)vf.r.verify.frames, vf.r.verify.fps_num,
           vf.r.verify.fps_den, vf.r.verify.audio_seconds);
    rc = 0;
out:
    media_pool_free(pool);
    return rc;
}

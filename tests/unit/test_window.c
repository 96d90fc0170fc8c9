/*
 * window: the long-scene planner, from tables of synthetic dubs (speech at
 * -15 dBFS, pauses at -90 dBFS, every 10 ms) and shot changes.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "util.h"
#include "window.h"

#define SPEECH_DB (-15.0f)
#define PAUSE_DB (-90.0f)

/* A stretch of the dub [from, to) seconds at a level. */
struct span {
    double from, to;
    float db;
};

struct wcase {
    const char *name;
    int fps_num, fps_den;
    int64_t frames;
    double audio_seconds;
    struct span quiet[8];   /* everything else is speech */
    double shots[4];        /* 0 ends the list */
    const char *want;       /* window_describe */
    double billed, fixed_billed, silent_billed;
    int quiet_cuts;
};

static const struct wcase cases[] = {
    {"25 s goes as 10 + 10 + 5, not 3 x 8.3 (cuts on the pause and the "
     "shot change)",
     25, 1, 625, 25.0,
     {{0, 0.3, PAUSE_DB}, {4.6, 5.0, PAUSE_DB}, {8.2, 8.5, PAUSE_DB},
      {9.7, 10.3, PAUSE_DB}, {16.5, 16.8, PAUSE_DB}, {19.6, 20.2, PAUSE_DB},
      {24.7, 25.0, PAUSE_DB}},
     {20.0},
     "0.00-10.00 s pause, 10.00-20.00 s shot change, 20.00-25.00 s end",
     25, 25, 0, 0},
    {"a shot change outside a pause is no cut",
     25, 1, 375, 15.0,
     {{6.9, 7.3, PAUSE_DB}},
     {5.0},
     "0.00-7.08 s pause, 7.08-15.00 s end",
     20, 15, 0, 0},
    {"29.97 fps: 10 + 5 needs the boundary on frame 299 (9.977 s)",
     30000, 1001, 448, 14.948,
     {{4.6, 5.0, PAUSE_DB}, {9.7, 10.2, PAUSE_DB}},
     {0},
     "0.00-9.98 s pause, 9.98-14.95 s end",
     15, 15, 0, 0},
    {"no pause in a 10 s span: the quietest 20 ms of each reach",
     25, 1, 625, 25.0,
     {{5.98, 6.02, -40.0f}, {14.0, 14.4, PAUSE_DB}, {19.98, 20.02, -40.0f}},
     {0},
     "0.00-6.00 s quietest 20 ms (no pause), 6.00-14.20 s pause, "
     "14.20-20.00 s quietest 20 ms (no pause), 20.00-25.00 s end",
     35, 25, 0, 2},
    {"a window without speech is not sent",
     25, 1, 925, 37.0,
     {{4.0, 4.6, PAUSE_DB}, {8.5, 9.0, PAUSE_DB}, {12.2, 12.8, PAUSE_DB},
      {24.6, 29.6, PAUSE_DB}, {33.0, 33.4, PAUSE_DB}},
     {12.6},
     NULL,
     40, 40, 5, 1},
    {"the picture past the end of the dub keeps the source",
     25, 1, 500, 16.0,
     {{7.8, 8.2, PAUSE_DB}, {15.8, 16.0, PAUSE_DB}},
     {0},
     "0.00-8.00 s pause, 8.00-15.84 s pause, 15.84-20.00 s end (no speech, "
     "not sent)",
     20, 20, 5, 0},
    {"a scene within the limit is one window",
     25, 1, 200, 8.0,
     {{3.0, 3.5, PAUSE_DB}},
     {0},
     "0.00-8.00 s end",
     10, 10, 0, 0},
};

static void make_analysis(const struct wcase *c, struct scene_analysis *a)
{
    int i, k;

    memset(a, 0, sizeof(*a));
    a->audio_seconds = c->audio_seconds;
    a->nlevels = (int)lround(c->audio_seconds / SCENE_STEP);
    a->levels = calloc((size_t)a->nlevels, sizeof(*a->levels));
    for (i = 0; i < a->nlevels; i++) {
        double t = (i + 0.5) * SCENE_STEP;

        a->levels[i] = SPEECH_DB;
        for (k = 0; k < 8 && c->quiet[k].to > 0; k++)
            if (t >= c->quiet[k].from && t < c->quiet[k].to)
                a->levels[i] = c->quiet[k].db;
    }
    a->shots = calloc(4, sizeof(*a->shots));
    for (k = 0; k < 4 && c->shots[k] > 0; k++)
        a->shots[a->nshots++] = c->shots[k];
}

/* Every window legal and the scene covered exactly. */
static int covers(const struct window_plan *p, int64_t frames, double fps)
{
    int64_t at = 0;
    int i;

    for (i = 0; i < p->n; i++) {
        double len = (p->w[i].end - p->w[i].start) / fps;

        if (p->w[i].start != at || p->w[i].end <= at)
            return 0;
        if (!p->w[i].silent && (len < 2.0 - 1e-9 || len > 10.0 + 1e-9) &&
            p->n > 1)
            return 0;
        at = p->w[i].end;
    }
    return at == frames;
}

int main(void)
{
    const struct plan_limits *lim = plan_limits_get(PLAN_A2V);
    struct plan_pricing price = {0.014, 5};
    char got[1024], name[256];
    size_t i;

    for (i = 0; i < DUB_ARRAY_LEN(cases); i++) {
        const struct wcase *c = &cases[i];
        struct scene_analysis a;
        struct window_scene s;
        struct window_plan p;
        double fps = (double)c->fps_num / c->fps_den;

        make_analysis(c, &a);
        s.frames = c->frames;
        s.fps_num = c->fps_num;
        s.fps_den = c->fps_den;
        s.a = &a;
        window_plan_make(&s, lim, &price, &p);
        window_describe(&p, got, sizeof(got));
        if (c->want)
            test_str(c->name, got, c->want);
        snprintf(name, sizeof(name), "%s: windows cover the scene", c->name);
        test_cond(name, covers(&p, c->frames, fps));
        snprintf(name, sizeof(name), "%s: billed %.0f s", c->name, c->billed);
        test_cond(name, fabs(p.billed - c->billed) < 1e-6);
        snprintf(name, sizeof(name), "%s: fixed windows bill %.0f s", c->name,
                 c->fixed_billed);
        test_cond(name, fabs(p.fixed_billed - c->fixed_billed) < 1e-6);
        snprintf(name, sizeof(name), "%s: unsent windows save %.0f s",
                 c->name, c->silent_billed);
        test_cond(name, fabs(p.silent_billed - c->silent_billed) < 1e-6);
        snprintf(name, sizeof(name), "%s: %d quiet cuts", c->name,
                 c->quiet_cuts);
        test_cond(name, p.quiet_cuts == c->quiet_cuts);
        if (!c->want)
            printf("  (%s)\n", got);
        window_plan_release(&p);
        scene_analysis_release(&a);
    }

    {
        /* The 37 s acceptance scene's silent stretch is one unsent window
         * inside its pause, and the shot change is a cut. */
        const struct wcase *c = &cases[4];
        struct scene_analysis a;
        struct window_scene s = {c->frames, c->fps_num, c->fps_den, &a};
        struct window_plan p;
        int k, silent = -1, shot = 0;

        make_analysis(c, &a);
        window_plan_make(&s, lim, &price, &p);
        for (k = 0; k < p.n; k++) {
            if (p.w[k].silent)
                silent = k;
            if (p.w[k].cut == WINDOW_CUT_SHOT && p.w[k].end == 315)
                shot = 1;
        }
        test_cond("silent window: one, inside 24.60-29.60 s",
                  silent >= 0 && p.w[silent].start / 25.0 >= 24.6 &&
                      p.w[silent].end / 25.0 <= 29.6 &&
                      p.w[silent].billed == 0);
        test_cond("the shot change at frame 315 is a cut", shot);
        window_plan_release(&p);
        scene_analysis_release(&a);
    }
    {
        /* The dub running past the picture is cut, with a warning. */
        struct wcase c = cases[2];
        struct scene_analysis a;
        struct window_scene s = {c.frames, c.fps_num, c.fps_den, &a};
        struct window_plan p;

        c.audio_seconds = 15.0;
        make_analysis(&c, &a);
        window_plan_make(&s, lim, &price, &p);
        test_cond("dub past the picture: 0.05 s cut",
                  fabs(p.audio_cut - 0.052) < 0.001 && p.nwarnings == 1 &&
                      strstr(p.warnings[0], "0.05 s past the picture"));
        window_plan_release(&p);
        scene_analysis_release(&a);
    }
    return test_report();
}

/*
 * window: a long scene cut into the windows the model takes (2..10 s for
 * audio-to-video, from plan.c's endpoint table), from the dub's loudness
 * and the picture's shot changes (probe/analyze.c measures both).  Pure,
 * like plan.c: no I/O.
 *
 * The windows cover the scene's frames exactly, every boundary on a frame.
 * A boundary goes in a pause of the dub (at least WINDOW_PAUSE_MIN under
 * WINDOW_PAUSE_DB below its speech level), preferably on a shot change
 * that falls in one; only where a 10 s span holds no pause does it go at
 * the quietest 20 ms.  Among the boundary sets that qualify, the one that
 * bills least wins (billing is per window, in the pricing's steps), then
 * the one with the best cuts.  A window whose dub holds no speech is not
 * sent: the scene keeps its source frames there.
 */
#ifndef DUB_WINDOW_H
#define DUB_WINDOW_H

#include <stddef.h>
#include <stdint.h>

#include "plan.h"
#include "scene.h"

/* Quieter than the speech level by this much is a pause ... */
#define WINDOW_PAUSE_DB 20.0
/* ... when it lasts this long (seconds). */
#define WINDOW_PAUSE_MIN 0.2

enum window_cut {
    WINDOW_CUT_END,    /* the scene's last frame */
    WINDOW_CUT_PAUSE,  /* in a pause of the dub */
    WINDOW_CUT_SHOT,   /* on a shot change that falls in a pause */
    WINDOW_CUT_QUIET,  /* no pause within reach: the quietest 20 ms */
};

struct window {
    int64_t start, end;  /* frames [start, end) of the scene */
    enum window_cut cut; /* why it ends at end */
    int silent;          /* no speech in the dub here: not sent */
    double billed;       /* seconds; 0 when silent */
};

/* The scene as conformed (frames at a constant rate) and its analysis. */
struct window_scene {
    int64_t frames;
    int fps_num, fps_den;
    const struct scene_analysis *a;
};

#define WINDOW_MAX_WARNINGS 4

struct window_plan {
    int n;
    struct window *w;     /* n windows in order; window_plan_release */
    int fps_num, fps_den;
    double billed, cost;  /* the windows sent */
    double fixed_billed, fixed_cost; /* fixed windows of the longest
                                        length, for comparison */
    double silent_billed; /* what the unsent windows would have billed */
    int quiet_cuts;       /* boundaries placed with no pause in reach */
    double speech_db;     /* the dub's speech level (dBFS) */
    double audio_cut;     /* seconds of dub past the picture: cut */
    double picture_kept;  /* seconds of picture past the dub: source */
    int nwarnings;
    char warnings[WINDOW_MAX_WARNINGS][256];
};

/* Plans s.  Always fills out (a scene within the limit is one window). */
void window_plan_make(const struct window_scene *s,
                      const struct plan_limits *lim,
                      const struct plan_pricing *price,
                      struct window_plan *out);
void window_plan_release(struct window_plan *p);

/* The cut's words: "pause", "shot change", "quietest 20 ms (no pause)",
 * "end". */
const char *window_cut_name(enum window_cut c);

/* "0.00-9.84 s pause, 9.84-19.80 s shot change, ..." into out (at most n
 * bytes, cut when full); silent windows say "no speech, not sent". */
void window_describe(const struct window_plan *p, char *out, size_t n);

#endif

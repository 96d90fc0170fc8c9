/*
 * window: boundaries for a long scene, chosen by dynamic programming over
 * the frames that may carry one (window.h has the rules).
 *
 * Each frame boundary b (the cut before frame b) is classed: a shot change
 * in a pause, a pause, a quiet point (the quietest 20 ms a window can
 * reach from a boundary with no pause in that reach), or no cut.  best[b]
 * is the cheapest way to cover frames [0, b) with windows ending on
 * classed boundaries: billed seconds first, then the fewest frames sent
 * (silence kept from the source is work the model need not do), then the
 * summed penalty of the cuts, which prefers shot changes to pauses, the
 * middle of a pause to its edge, any pause to a quiet point, and fewer
 * cuts to more.
 */
#include "window.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* A percentile of the loudness that sits in the speech, whatever share of
 * the dub is silence: the 90th. */
#define WINDOW_SPEECH_PCT 0.9
/* Quieter than this is silence however quiet the speech is (dBFS). */
#define WINDOW_SILENCE_DB (-60.0)
/* A cut keeps this far (seconds) from the speech on either side. */
#define WINDOW_PAUSE_MARGIN 0.04
/* Penalties: lower is a better cut. */
#define WINDOW_PEN_SHOT 1.0
#define WINDOW_PEN_PAUSE 2.0
#define WINDOW_PEN_EDGE 0.5   /* added at a pause's margin, 0 at its middle */
#define WINDOW_PEN_QUIET 20.0 /* plus a tenth of the level over -120 dB */
/* Billed seconds equal within this. */
#define WINDOW_EPS 1e-6

enum window_class { WC_NONE, WC_PAUSE, WC_SHOT, WC_QUIET };

struct window_cand {
    enum window_class cls;
    double pen;
};

struct window_best {
    double billed, pen;
    int64_t sent;       /* frames in windows sent */
    int64_t from;       /* the previous boundary; -1: unreachable */
    int silent;
};

struct window_ctx {
    const struct window_scene *s;
    const struct plan_pricing *price;
    int64_t n, minf, maxf;
    double fps;
    char *quiet;           /* per level: under the pause threshold */
    int nlevels;
    struct window_cand *c; /* per boundary 0..n */
    int64_t *speech;       /* prefix: frames [0, f) holding speech */
};

static void window_warn(struct window_plan *p, const char *fmt, ...)
    DUB_PRINTF(2, 3);

static void window_warn(struct window_plan *p, const char *fmt, ...)
{
    va_list ap;

    if (p->nwarnings >= WINDOW_MAX_WARNINGS)
        return;
    va_start(ap, fmt);
    vsnprintf(p->warnings[p->nwarnings++], sizeof(p->warnings[0]), fmt, ap);
    va_end(ap);
}

static int window_cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;

    return (x > y) - (x < y);
}

/* The speech level: a high percentile of the dub's loudness over the
 * picture's length. */
static double window_speech_db(const float *levels, int n)
{
    float *sorted;
    double db;

    if (n <= 0)
        return WINDOW_SILENCE_DB;
    sorted = xmalloc((size_t)n * sizeof(*sorted));
    memcpy(sorted, levels, (size_t)n * sizeof(*sorted));
    qsort(sorted, (size_t)n, sizeof(*sorted), window_cmp_float);
    db = sorted[(int)(WINDOW_SPEECH_PCT * (n - 1))];
    free(sorted);
    return db;
}

static double window_time(const struct window_ctx *x, int64_t b)
{
    return (double)b / x->fps;
}

/* The level index holding time t (-1 before the dub). */
static int window_level_at(double t)
{
    return (int)floor(t / SCENE_STEP + 1e-9);
}

static int window_is_quiet(const struct window_ctx *x, int i)
{
    return i < 0 || i >= x->nlevels || x->quiet[i];
}

/* Loudness of the 20 ms around time t, dBFS. */
static double window_level_around(const struct window_ctx *x, double t)
{
    const struct scene_analysis *a = x->s->a;
    int i = window_level_at(t), k;
    double power = 0;

    for (k = i - 1; k <= i; k++)
        if (k >= 0 && k < a->nlevels)
            power += pow(10.0, a->levels[k] / 10.0) / 2;
    return power > 0 ? 10.0 * log10(power) : -120.0;
}

/* Marks the pauses' boundaries: every frame boundary inside a run of
 * quiet levels at least WINDOW_PAUSE_MIN long, a margin away from speech. */
static void window_pauses(struct window_ctx *x)
{
    int need = (int)lround(WINDOW_PAUSE_MIN / SCENE_STEP);
    int i = 0, end = (int)ceil(window_time(x, x->n) / SCENE_STEP) + 1;

    while (i < end) {
        int j = i;
        double ps, pe;
        int64_t b;

        if (!window_is_quiet(x, i)) {
            i++;
            continue;
        }
        while (j < end && window_is_quiet(x, j))
            j++;
        ps = i * SCENE_STEP;
        pe = j * SCENE_STEP;
        if (j - i >= need) {
            for (b = (int64_t)ceil((ps + WINDOW_PAUSE_MARGIN) * x->fps - 1e-9);
                 b < x->n && window_time(x, b) <= pe - WINDOW_PAUSE_MARGIN + 1e-9;
                 b++) {
                double t = window_time(x, b);
                double d = fmin(t - ps, pe - t);

                if (b <= 0)
                    continue;
                x->c[b].cls = WC_PAUSE;
                x->c[b].pen = WINDOW_PEN_PAUSE +
                              WINDOW_PEN_EDGE * (1.0 - d / ((pe - ps) / 2));
            }
        }
        i = j;
    }
}

/* A shot change on a pause's boundary is the best cut there is. */
static void window_shots(struct window_ctx *x)
{
    const struct scene_analysis *a = x->s->a;
    int i;

    for (i = 0; i < a->nshots; i++) {
        int64_t b = llround(a->shots[i] * x->fps);

        if (b > 0 && b < x->n && x->c[b].cls == WC_PAUSE) {
            x->c[b].cls = WC_SHOT;
            x->c[b].pen = WINDOW_PEN_SHOT;
        }
    }
}

static void window_quiet_at(struct window_ctx *x, int64_t b)
{
    if (x->c[b].cls != WC_NONE)
        return;
    x->c[b].cls = WC_QUIET;
    x->c[b].pen = WINDOW_PEN_QUIET +
                  (window_level_around(x, window_time(x, b)) + 120.0) / 10.0;
}

/* Frames [0, f) with speech in the dub under them, for silence tests. */
static void window_speech(struct window_ctx *x)
{
    int64_t f;

    x->speech[0] = 0;
    for (f = 0; f < x->n; f++) {
        int i0 = window_level_at(window_time(x, f));
        int i1 = window_level_at(window_time(x, f + 1) - 1e-9), i;
        int any = 0;

        for (i = i0; i <= i1 && !any; i++)
            any = !window_is_quiet(x, i);
        x->speech[f + 1] = x->speech[f] + any;
    }
}

static double window_billed(const struct window_ctx *x, int64_t frames)
{
    double billed;

    plan_cost(x->price, (double)frames / x->fps, &billed);
    return billed;
}

/* Offers best[b] the window [a, b). */
static void window_relax(const struct window_ctx *x, struct window_best *best,
                         int64_t a, int64_t b, int silent)
{
    double billed = best[a].billed +
                    (silent ? 0 : window_billed(x, b - a));
    double pen = best[a].pen + (b < x->n ? x->c[b].pen : 0);
    int64_t sent = best[a].sent + (silent ? 0 : b - a);
    struct window_best *to = &best[b];

    if (to->from >= 0) {
        if (billed > to->billed + WINDOW_EPS)
            return;
        if (billed >= to->billed - WINDOW_EPS &&
            (sent > to->sent || (sent == to->sent && pen >= to->pen)))
            return;
    }
    to->billed = billed;
    to->sent = sent;
    to->pen = pen;
    to->from = a;
    to->silent = silent;
}

static int window_is_pause(const struct window_ctx *x, int64_t b)
{
    return x->c[b].cls == WC_PAUSE || x->c[b].cls == WC_SHOT;
}

/* From a, when no pause lies in a window's reach: the quietest 20 ms of
 * that reach, leaving the rest at least a window long. */
static void window_quiet_from(struct window_ctx *x, struct window_best *best,
                              int64_t a)
{
    int64_t lo = a + x->minf, hi = a + x->maxf, b, q = -1;
    double qdb = 0;

    if (hi >= x->n)
        return;
    for (b = lo; b <= hi; b++)
        if (window_is_pause(x, b))
            return;
    if (hi > x->n - x->minf)
        hi = x->n - x->minf;
    for (b = lo; b <= hi; b++) {
        double db = window_level_around(x, window_time(x, b));

        /* Of equal levels the latest, which reaches furthest. */
        if (q < 0 || db <= qdb) {
            q = b;
            qdb = db;
        }
    }
    if (q < 0)
        return;
    window_quiet_at(x, q);
    window_relax(x, best, a, q, 0);
}

/*
 * The dynamic programme, pushing forward from each boundary reached:
 * windows of legal length to the pause boundaries and the end, silent
 * windows of any length from the minimum while the dub stays silent, and
 * the quiet point where no pause is in reach.  all: every boundary may be
 * a quiet point (the fallback when the pauses cannot be joined into
 * windows of legal lengths).  0 when the scene's end is reached.
 */
static int window_solve(struct window_ctx *x, struct window_best *best,
                        int all)
{
    int64_t a, b;

    for (b = 0; b <= x->n; b++)
        best[b].from = -1;
    best[0].from = 0;
    best[0].billed = best[0].pen = 0;
    best[0].sent = 0;
    if (all)
        for (b = 1; b < x->n; b++)
            window_quiet_at(x, b);
    for (a = 0; a < x->n; a++) {
        if (best[a].from < 0)
            continue;
        for (b = a + x->minf; b <= x->n && b <= a + x->maxf; b++)
            if (b == x->n || window_is_pause(x, b) ||
                (all && x->c[b].cls == WC_QUIET))
                window_relax(x, best, a, b, x->speech[b] == x->speech[a]);
        for (b = a + 1; b <= x->n && x->speech[b] == x->speech[a]; b++)
            if (b - a > x->maxf && (b == x->n || window_is_pause(x, b)))
                window_relax(x, best, a, b, 1);
        if (!all)
            window_quiet_from(x, best, a);
    }
    return best[x->n].from < 0 ? -1 : 0;
}

static enum window_cut window_cut_of(const struct window_ctx *x, int64_t b)
{
    if (b >= x->n)
        return WINDOW_CUT_END;
    switch (x->c[b].cls) {
    case WC_SHOT: return WINDOW_CUT_SHOT;
    case WC_QUIET: return WINDOW_CUT_QUIET;
    default: return WINDOW_CUT_PAUSE;
    }
}

/* The chosen windows, walked back from the end. */
static void window_collect(const struct window_ctx *x,
                           const struct window_best *best,
                           struct window_plan *p)
{
    int64_t b;
    int n = 0, i;

    for (b = x->n; b > 0; b = best[b].from)
        n++;
    p->w = xcalloc((size_t)n, sizeof(*p->w));
    p->n = n;
    i = n;
    for (b = x->n; b > 0; b = best[b].from) {
        struct window *w = &p->w[--i];

        w->start = best[b].from;
        w->end = b;
        w->cut = window_cut_of(x, b);
        w->silent = best[b].silent;
    }
}

/* The whole scene as one window: within the limit, or no plan fits. */
static void window_single(const struct window_ctx *x, struct window_plan *p)
{
    p->w = xcalloc(1, sizeof(*p->w));
    p->n = 1;
    p->w[0].end = x->n;
    p->w[0].cut = WINDOW_CUT_END;
    p->w[0].silent = x->n > 0 && x->speech[x->n] == 0;
}

static void window_totals(const struct window_ctx *x, struct window_plan *p)
{
    int64_t f;
    int i;

    for (i = 0; i < p->n; i++) {
        struct window *w = &p->w[i];
        double billed = window_billed(x, w->end - w->start);

        if (w->silent) {
            p->silent_billed += billed;
            continue;
        }
        w->billed = billed;
        p->billed += billed;
        if (w->cut == WINDOW_CUT_QUIET)
            p->quiet_cuts++;
    }
    p->cost = p->billed * x->price->rate;
    for (f = 0; f < x->n; f += x->maxf)
        p->fixed_billed +=
            window_billed(x, f + x->maxf <= x->n ? x->maxf : x->n - f);
    p->fixed_cost = p->fixed_billed * x->price->rate;
}

static void window_lengths(const struct window_ctx *x, struct window_plan *p)
{
    double picture = window_time(x, x->n);
    double audio = x->s->a->audio_seconds;
    double half = 0.5 / x->fps;

    if (audio - picture > half) {
        p->audio_cut = audio - picture;
        window_warn(p, "the dub runs %.2f s past the picture: its last "
                    "%.2f s are cut", p->audio_cut, p->audio_cut);
    } else if (picture - audio > half) {
        p->picture_kept = picture - audio;
        window_warn(p, "the picture runs %.2f s past the dub: those %.2f s "
                    "keep the source", p->picture_kept, p->picture_kept);
    }
    if (p->quiet_cuts)
        window_warn(p, "%d boundar%s at the quietest 20 ms: no pause of "
                    "%.0f ms within %.0f s", p->quiet_cuts,
                    p->quiet_cuts == 1 ? "y" : "ies",
                    WINDOW_PAUSE_MIN * 1000, x->maxf / x->fps);
}

void window_plan_make(const struct window_scene *s,
                      const struct plan_limits *lim,
                      const struct plan_pricing *price,
                      struct window_plan *out)
{
    const struct scene_analysis *a = s->a;
    struct window_ctx x;
    struct window_best *best;
    double pause_db;
    int i, ok;

    memset(out, 0, sizeof(*out));
    memset(&x, 0, sizeof(x));
    x.s = s;
    x.price = price;
    x.n = s->frames;
    x.fps = (double)s->fps_num / s->fps_den;
    x.maxf = (int64_t)floor(lim->video_max * x.fps + 1e-6);
    x.minf = (int64_t)ceil(lim->video_min * x.fps - 1e-6);
    out->fps_num = s->fps_num;
    out->fps_den = s->fps_den;
    /* Only the dub under the picture counts: what runs past it is cut. */
    x.nlevels = a->nlevels;
    if (x.nlevels > (int)ceil(window_time(&x, x.n) / SCENE_STEP))
        x.nlevels = (int)ceil(window_time(&x, x.n) / SCENE_STEP);
    out->speech_db = window_speech_db(a->levels, x.nlevels);
    pause_db = fmax(out->speech_db - WINDOW_PAUSE_DB, WINDOW_SILENCE_DB);
    x.quiet = xcalloc((size_t)x.nlevels + 1, 1);
    for (i = 0; i < x.nlevels; i++)
        x.quiet[i] = a->levels[i] < pause_db;
    x.c = xcalloc((size_t)x.n + 1, sizeof(*x.c));
    x.speech = xcalloc((size_t)x.n + 1, sizeof(*x.speech));
    best = xcalloc((size_t)x.n + 1, sizeof(*best));
    window_speech(&x);

    if (x.n <= x.maxf) {
        window_single(&x, out);
    } else {
        window_pauses(&x);
        window_shots(&x);
        ok = window_solve(&x, best, 0) == 0 || window_solve(&x, best, 1) == 0;
        if (ok)
            window_collect(&x, best, out);
        else
            window_single(&x, out);
    }
    window_totals(&x, out);
    window_lengths(&x, out);
    free(best);
    free(x.speech);
    free(x.c);
    free(x.quiet);
}

void window_plan_release(struct window_plan *p)
{
    free(p->w);
    p->w = NULL;
    p->n = 0;
}

const char *window_cut_name(enum window_cut c)
{
    switch (c) {
    case WINDOW_CUT_PAUSE: return "pause";
    case WINDOW_CUT_SHOT: return "shot change";
    case WINDOW_CUT_QUIET: return "quietest 20 ms (no pause)";
    default: return "end";
    }
}

void window_describe(const struct window_plan *p, char *out, size_t n)
{
    struct joiner j = {out, n, 0, ", "};
    double fps = (double)p->fps_num / p->fps_den;
    int i;

    if (!n)
        return;
    out[0] = '\0';
    for (i = 0; i < p->n; i++) {
        const struct window *w = &p->w[i];

        joiner_add(&j, "%.2f-%.2f s %s%s", w->start / fps, w->end / fps,
                   window_cut_name(w->cut),
                   w->silent ? " (no speech, not sent)" : "");
    }
}

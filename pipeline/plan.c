/*
 * plan: decides, from probe facts alone, whether an input fits its endpoint
 * as it is, what conforming it takes, or why it cannot be done.  The rules
 * are design.md section 6; the recipes behind them are field-notes.md (d).
 * plandesc.c puts a plan's steps in words.
 */
#include "plan.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

/* One row per endpoint: what it accepts, what its request holds, and where
 * its result is.  From kling-lipsync-api.md.  Byte limits are read as
 * decimal megabytes: the docs do not say which, and the smaller reading is
 * the safe one. */
static const struct plan_limits plan_table[] = {
    [PLAN_A2V] = {
        .name = "audio-to-video",
        .model = "fal-ai/kling-video/lipsync/audio-to-video",
        .video_min = 2.0, .video_max = 10.0,
        .side_min = 720, .side_max = 1920,
        .video_max_bytes = 100000000,
        .needs_audio = 1,
        .audio_min = 2.0, .audio_max = 60.0,
        .audio_max_bytes = 5000000,
        .payload = {"video_url", "audio_url"},
        .result = "video",
    },
    [PLAN_T2V] = {
        .name = "text-to-video",
        .model = "fal-ai/kling-video/lipsync/text-to-video",
        .video_min = 2.0, .video_max = 60.0,
        .side_min = 720, .side_max = 1920,
        .video_max_bytes = 100000000,
        .text_max = 120,
        .speed_min = 0.8, .speed_max = 2.0,
        .payload = {"video_url", "text", "voice_id", "voice_language",
                    "voice_speed"},
        .result = "video",
    },
};

/* Above this an encoded frame rate buys nothing for lip sync and costs
 * upload bytes; such clips (slow-motion phone footage) go to 30 fps. */
#define PLAN_MAX_FPS 60
/* AAC target: transparent for speech, far under the 5 MB budget at 60 s. */
#define PLAN_AAC_MAX_BITRATE 192000
#define PLAN_AAC_MIN_BITRATE 32000
/* Share of the byte budget an encode aims at; the rest absorbs container
 * overhead and encoder overshoot (field-notes d8). */
#define PLAN_BYTE_MARGIN 0.9
/* A clip this close above a billing step is worth a warning. */
#define PLAN_BILLING_NEAR 0.25
/* A stream copy keeps the source's start offset and edit list, which can
 * add a few hundredths of a second to the container's duration (10.000 s
 * of H.264 with B-frames copied from Matroska reads 10.023 s).  Within
 * this much of the limit, re-encode so the frame count decides. */
#define PLAN_REMUX_MARGIN 0.1
/* Durations are compared with this slack, so 10.000 s computed from
 * 250/25 does not fail as 10.000000001. */
#define PLAN_EPS 1e-9

const struct plan_limits *plan_limits_get(enum plan_endpoint ep)
{
    return &plan_table[ep];
}

int plan_endpoint_parse(const char *name, enum plan_endpoint *ep)
{
    size_t i;

    for (i = 0; i < DUB_ARRAY_LEN(plan_table); i++) {
        if (strcmp(plan_table[i].name, name) == 0) {
            *ep = (enum plan_endpoint)i;
            return 0;
        }
    }
    return -1;
}

double plan_cost(const struct plan_pricing *price, double seconds,
                 double *billed_seconds)
{
    double steps = ceil(seconds / price->increment - PLAN_EPS);
    double billed;

    if (steps < 1)
        steps = 1;
    billed = steps * price->increment;
    if (billed_seconds)
        *billed_seconds = billed;
    return billed * price->rate;
}

static void plan_reject(struct plan *p, const char *fmt, ...)
    DUB_PRINTF(2, 3);

static void plan_reject(struct plan *p, const char *fmt, ...)
{
    va_list ap;

    if (p->verdict == PLAN_REJECT)
        return; /* the first reason is the one a person needs */
    p->verdict = PLAN_REJECT;
    va_start(ap, fmt);
    vsnprintf(p->reason, sizeof(p->reason), fmt, ap);
    va_end(ap);
}

static void plan_warn(struct plan *p, const char *fmt, ...) DUB_PRINTF(2, 3);

static void plan_warn(struct plan *p, const char *fmt, ...)
{
    va_list ap;

    if (p->nwarnings >= PLAN_MAX_WARNINGS)
        return;
    va_start(ap, fmt);
    vsnprintf(p->warnings[p->nwarnings++], sizeof(p->warnings[0]), fmt, ap);
    va_end(ap);
}

/* Nearest even integer, never below 2. */
static int plan_even(double x)
{
    int v = (int)lround(x / 2.0) * 2;

    return v < 2 ? 2 : v;
}

static int plan_clamp(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static double plan_clampd(double v, double lo, double hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/*
 * Output frame rate.  A constant rate up to PLAN_MAX_FPS is kept; a
 * variable one becomes the nearest common rate to its average.
 */
static void plan_fps(const struct facts_video *v, struct plan_video *pv)
{
    static const int common[][2] = {
        {24000, 1001}, {24, 1}, {25, 1}, {30000, 1001}, {30, 1},
        {50, 1}, {60000, 1001}, {60, 1},
    };
    double fps = v->fps_den > 0 ? (double)v->fps_num / v->fps_den : 0;
    size_t i, best = 4;

    if (fps <= 0 || !isfinite(fps) || fps > PLAN_MAX_FPS + 0.5) {
        pv->fps_num = 30;
        pv->fps_den = 1;
        return;
    }
    if (!v->vfr) {
        pv->fps_num = v->fps_num;
        pv->fps_den = v->fps_den;
        return;
    }
    for (i = 0; i < DUB_ARRAY_LEN(common); i++)
        if (fabs((double)common[i][0] / common[i][1] - fps) <
            fabs((double)common[best][0] / common[best][1] - fps))
            best = i;
    pv->fps_num = common[best][0];
    pv->fps_den = common[best][1];
}

/*
 * Size: both display sides within [min, max] with the aspect kept.  A scale
 * factor s works when min <= side * s <= max for both sides; among those the
 * one nearest 1 changes the picture least.  When no s works (aspect outside
 * min/max .. max/min) the policy pads or crops (field-notes d3).
 */
static void plan_size(const struct plan_limits *lim,
                      const struct plan_policy *pol, struct plan_video *pv,
                      struct plan *p)
{
    double w = pv->in_w, h = pv->in_h;
    double lo = fmax(lim->side_min / w, lim->side_min / h);
    double hi = fmin(lim->side_max / w, lim->side_max / h);
    double s, aspect = w / h;

    if (lo <= hi + PLAN_EPS) {
        s = plan_clampd(1.0, lo, hi);
        pv->scale_w = plan_clamp(plan_even(w * s), lim->side_min, lim->side_max);
        pv->scale_h = plan_clamp(plan_even(h * s), lim->side_min, lim->side_max);
        pv->out_w = pv->scale_w;
        pv->out_h = pv->scale_h;
        if (fabs(s - 1.0) > PLAN_EPS)
            pv->why |= PLAN_V_SCALE;
        else if (pv->out_w != pv->in_w || pv->out_h != pv->in_h)
            pv->why |= PLAN_V_ODD;
        return;
    }
    if (pol->fit == PLAN_FIT_REJECT) {
        plan_reject(p,
                    "aspect ratio %.2f:1 (%dx%d) cannot fit %d..%d px on both "
                    "sides by scaling; set fit: pad or fit: crop",
                    aspect, pv->in_w, pv->in_h, lim->side_min, lim->side_max);
        return;
    }
    if (pol->fit == PLAN_FIT_PAD) {
        /* Bring the long side into range; the short side then falls below
         * the minimum and black bars make up the rest. */
        double longer = fmax(w, h);

        s = plan_clampd(1.0, lim->side_min / longer, lim->side_max / longer);
        pv->scale_w = plan_even(w * s);
        pv->scale_h = plan_even(h * s);
        pv->out_w = plan_clamp(pv->scale_w, lim->side_min, lim->side_max);
        pv->out_h = plan_clamp(pv->scale_h, lim->side_min, lim->side_max);
        pv->scale_w = plan_clamp(pv->scale_w, 2, pv->out_w);
        pv->scale_h = plan_clamp(pv->scale_h, 2, pv->out_h);
        pv->why |= PLAN_V_PAD;
    } else {
        /* Bring the short side into range; the long side then overflows the
         * maximum and the centre is kept. */
        double shorter = fmin(w, h);

        s = plan_clampd(1.0, lim->side_min / shorter, lim->side_max / shorter);
        pv->scale_w = plan_even(w * s);
        pv->scale_h = plan_even(h * s);
        pv->out_w = plan_clamp(pv->scale_w, lim->side_min, lim->side_max);
        pv->out_h = plan_clamp(pv->scale_h, lim->side_min, lim->side_max);
        pv->why |= PLAN_V_CROP;
    }
    if (fabs(s - 1.0) > PLAN_EPS)
        pv->why |= PLAN_V_SCALE;
}

static int plan_is_mov_family(const struct facts *f)
{
    return util_starts_with(f->container, "mov,mp4");
}

/* Frames in duration seconds at the plan's rate, rounded down (so a trim is
 * never over) or up (so a loop is never short). */
static int64_t plan_frames(double seconds, const struct plan_video *pv, int up)
{
    double n = seconds * pv->fps_num / pv->fps_den;

    return (int64_t)(up ? ceil(n - 1e-6) : floor(n + 1e-6));
}

static void plan_video(const struct plan_limits *lim,
                       const struct plan_policy *pol, const struct facts *f,
                       struct plan *p)
{
    const struct facts_video *v = &f->video;
    struct plan_video *pv = &p->video;
    double vdur;
    int64_t frames_in;

    if (!f->has_video) {
        plan_reject(p, "the video input has no video stream%s",
                    f->has_cover ? " (only cover art)" : "");
        return;
    }
    if (v->display_w <= 0 || v->display_h <= 0) {
        plan_reject(p, "the video stream has no picture size");
        return;
    }
    pv->in_w = v->display_w;
    pv->in_h = v->display_h;
    pv->rotation = v->rotation;
    if (v->rotation)
        pv->why |= PLAN_V_ROTATE;
    if (v->sar_num != v->sar_den)
        pv->why |= PLAN_V_SAR;
    if (v->vfr)
        pv->why |= PLAN_V_CFR;
    if (strcmp(v->codec, "h264") != 0)
        pv->why |= PLAN_V_CODEC;
    if ((strcmp(v->pix_fmt, "yuv420p") != 0 &&
         strcmp(v->pix_fmt, "yuvj420p") != 0) || v->bit_depth > 8 || v->hdr)
        pv->why |= PLAN_V_PIXFMT;
    if (!plan_is_mov_family(f))
        pv->why |= PLAN_V_CONTAINER;
    if (f->size > lim->video_max_bytes)
        pv->why |= PLAN_V_BYTES;
    plan_fps(v, pv);
    plan_size(lim, pol, pv, p);

    vdur = v->duration > 0 ? v->duration : f->duration;
    pv->in_duration = vdur;
    frames_in = v->frames > 0 && !v->vfr ? v->frames : plan_frames(vdur, pv, 0);
    if (frames_in < 1)
        frames_in = 1;
    pv->frames = frames_in;
    if (vdur > lim->video_max + PLAN_EPS) {
        /* A scene under PLAN_LONG_SEGMENT is cut into windows before a run
         * plans its parts (scenes.c); planned whole, it trims. */
        if (pol->long_video == PLAN_LONG_REJECT)
            plan_reject(p, "the video is %.2f s, over the %.0f s limit "
                        "(long: reject)", vdur, lim->video_max);
        pv->frames = plan_frames(lim->video_max, pv, 0);
        pv->why |= PLAN_V_TRIM;
    } else if (vdur < lim->video_min - PLAN_EPS) {
        if (pol->short_video == PLAN_SHORT_REJECT)
            plan_reject(p, "the video is %.2f s, under the %.0f s minimum "
                        "(short_video: reject)", vdur, lim->video_min);
        pv->frames = plan_frames(lim->video_min, pv, 1);
        pv->why |= pol->short_video == PLAN_SHORT_FREEZE ? PLAN_V_FREEZE
                                                          : PLAN_V_LOOP;
    } else if (f->duration > lim->video_max + PLAN_EPS) {
        /* The picture fits but the clip's own audio runs past the limit,
         * and the container reports the longer of the two. */
        pv->why |= PLAN_V_DROP_AUDIO;
    }
    pv->duration = (double)pv->frames * pv->fps_den / pv->fps_num;

    if (pv->why & ~(unsigned)(PLAN_V_CONTAINER | PLAN_V_DROP_AUDIO))
        pv->step = PLAN_ENCODE;
    else if (pv->why && vdur > lim->video_max - PLAN_REMUX_MARGIN)
        pv->step = PLAN_ENCODE;
    else if (pv->why)
        pv->step = PLAN_REMUX;
    else
        pv->step = PLAN_KEEP;
    if (pv->step != PLAN_ENCODE) {
        pv->scale_w = pv->out_w = pv->in_w;
        pv->scale_h = pv->out_h = pv->in_h;
        pv->duration = vdur;
    }
    if (pv->in_w < lim->side_min && pv->in_h < lim->side_min)
        plan_warn(p, "the video is upscaled from %dx%d: the result will look "
                  "soft", pv->in_w, pv->in_h);
}

static int plan_audio_codec_ok(const struct facts *f)
{
    const char *c = f->audio.codec;
    const char *box = f->container_short;

    if (strcmp(box, "mp3") == 0)
        return strcmp(c, "mp3") == 0;
    if (strcmp(box, "wav") == 0)
        return util_starts_with(c, "pcm_");
    if (strcmp(box, "aac") == 0)
        return strcmp(c, "aac") == 0;
    if (plan_is_mov_family(f))
        return strcmp(c, "aac") == 0;
    return 0;
}

static int plan_audio_copyable(const struct facts *f)
{
    return strcmp(f->audio.codec, "aac") == 0 ||
           strcmp(f->audio.codec, "mp3") == 0;
}

static void plan_audio(const struct plan_limits *lim,
                       const struct plan_policy *pol, const struct facts *f,
                       struct plan *p)
{
    const struct facts_audio *a = &f->audio;
    struct plan_audio *pa = &p->audio;
    unsigned encode_why;
    double adur, est_bytes;

    p->has_audio = 1;
    if (!f->has_audio) {
        plan_reject(p, "the audio input has no audio stream");
        return;
    }
    adur = a->duration > 0 ? a->duration : f->duration;
    pa->in_duration = adur;
    pa->duration = adur;
    pa->sample_rate = a->sample_rate;
    pa->channels = a->channels;
    if (f->has_video)
        pa->why |= PLAN_A_EXTRACT;
    if (f->has_cover || f->nb_streams > 1)
        pa->why |= PLAN_A_STRIP;
    if (!plan_audio_codec_ok(f) && !f->has_video)
        pa->why |= PLAN_A_FORMAT;
    if (a->duration_estimated || f->duration_estimated)
        pa->why |= PLAN_A_ESTIMATED;
    if (adur > lim->audio_max + PLAN_EPS) {
        if (pol->long_audio == PLAN_LONG_REJECT)
            plan_reject(p, "the audio is %.2f s, over the %.0f s limit "
                        "(long_audio: reject)", adur, lim->audio_max);
        pa->duration = lim->audio_max;
        pa->why |= PLAN_A_TRIM;
    } else if (adur < lim->audio_min - PLAN_EPS) {
        pa->duration = lim->audio_min;
        pa->why |= PLAN_A_PAD;
    }
    if (a->channels > 2) {
        pa->channels = 2;
        pa->why |= PLAN_A_DOWNMIX;
    }
    if (a->sample_rate > 48000) {
        pa->sample_rate = 48000;
        pa->why |= PLAN_A_RESAMPLE;
    }
    /* A stream copy keeps only the audio: when the file is over the limit
     * because of cover art or a picture track, copying may be enough. */
    est_bytes = a->bit_rate > 0 ? a->bit_rate * adur / 8.0 : (double)f->size;
    if (f->size > lim->audio_max_bytes &&
        !((pa->why & (PLAN_A_STRIP | PLAN_A_EXTRACT)) &&
          est_bytes < PLAN_BYTE_MARGIN * lim->audio_max_bytes))
        pa->why |= PLAN_A_BYTES;

    encode_why = PLAN_A_FORMAT | PLAN_A_BYTES | PLAN_A_TRIM | PLAN_A_PAD |
                 PLAN_A_DOWNMIX | PLAN_A_RESAMPLE;
    if ((pa->why & encode_why) ||
        ((pa->why & (PLAN_A_EXTRACT | PLAN_A_STRIP | PLAN_A_ESTIMATED)) &&
         !plan_audio_copyable(f)))
        pa->step = PLAN_ENCODE;
    else if (pa->why)
        pa->step = PLAN_REMUX;
    else
        pa->step = PLAN_KEEP;

    if (pa->step == PLAN_ENCODE) {
        double fit = PLAN_BYTE_MARGIN * lim->audio_max_bytes * 8.0 /
                     fmax(pa->duration, 1.0);
        int cap = pa->channels == 1 ? PLAN_AAC_MAX_BITRATE * 2 / 3
                                    : PLAN_AAC_MAX_BITRATE;
        int br = (int)fmin(cap, floor(fit / 1000.0) * 1000.0);

        pa->bitrate = br < PLAN_AAC_MIN_BITRATE ? PLAN_AAC_MIN_BITRATE : br;
        snprintf(pa->ext, sizeof(pa->ext), "m4a");
    } else if (pa->step == PLAN_REMUX) {
        snprintf(pa->ext, sizeof(pa->ext), "%s",
                 strcmp(a->codec, "mp3") == 0 ? "mp3" : "m4a");
    } else {
        snprintf(pa->ext, sizeof(pa->ext), "%.7s",
                 plan_is_mov_family(f) ? "m4a" : f->container_short);
    }
}

static void plan_billing(const struct plan_pricing *price, struct plan *p)
{
    const struct plan_video *pv = &p->video;
    double d = pv->duration, over, fps;
    int64_t drop;

    p->cost = plan_cost(price, d, &p->billed_seconds);
    over = d - (p->billed_seconds - price->increment);
    if (p->billed_seconds <= price->increment || over <= 0 ||
        over > PLAN_BILLING_NEAR)
        return;
    fps = pv->fps_den > 0 ? (double)pv->fps_num / pv->fps_den : 30;
    drop = (int64_t)ceil(over * fps - 1e-6);
    plan_warn(p,
              "%.3f s bills as %.0f s ($%.3f); trimming %lld frame%s to "
              "%.3f s would bill %.0f s ($%.3f)",
              d, p->billed_seconds, p->cost, (long long)drop,
              drop == 1 ? "" : "s", d - drop / fps,
              p->billed_seconds - price->increment,
              (p->billed_seconds - price->increment) * price->rate);
}

void plan_make(const struct plan_limits *lim, const struct plan_policy *pol,
               const struct plan_pricing *price, const struct facts *video,
               const struct facts *audio, struct plan *out)
{
    memset(out, 0, sizeof(*out));
    out->verdict = PLAN_ACCEPT;
    plan_video(lim, pol, video, out);
    if (lim->needs_audio && audio)
        plan_audio(lim, pol, audio, out);
    if (out->verdict == PLAN_REJECT)
        return;
    if (out->video.step != PLAN_KEEP ||
        (out->has_audio && out->audio.step != PLAN_KEEP))
        out->verdict = PLAN_CONFORM;
    plan_billing(price, out);
}

void plan_make_audio(const struct plan_limits *lim,
                     const struct plan_policy *pol, const struct facts *audio,
                     struct plan *out)
{
    memset(out, 0, sizeof(*out));
    out->verdict = PLAN_ACCEPT;
    plan_audio(lim, pol, audio, out);
    if (out->verdict != PLAN_REJECT && out->audio.step != PLAN_KEEP)
        out->verdict = PLAN_CONFORM;
}

/*
 * plan: a plan's steps in words, for people: what conforming a video or an
 * audio file will do and why, one clause per reason.  The decisions
 * themselves are in plan.c.
 */
#include "plan.h"

#include <stddef.h>

#include "util.h"

static double plan_fps_value(const struct plan_video *pv)
{
    return pv->fps_den > 0 ? (double)pv->fps_num / pv->fps_den : 0;
}

void plan_describe_video(const struct plan *p, const struct facts *f,
                         char *out, size_t outlen)
{
    const struct plan_video *pv = &p->video;
    struct joiner t = {out, outlen, 0, "; "};

    if (!outlen)
        return;
    out[0] = '\0';
    if (pv->step == PLAN_KEEP) {
        joiner_add(&t, "as is");
        return;
    }
    if (pv->why & PLAN_V_SLICE)
        joiner_add(&t, "window of frames %lld-%lld (%.2f-%.2f s)",
                   (long long)pv->start, (long long)(pv->start + pv->frames),
                   pv->start / plan_fps_value(pv),
                   (pv->start + pv->frames) / plan_fps_value(pv));
    if (pv->why & PLAN_V_ROTATE)
        joiner_add(&t, "rotate %d (%dx%d coded -> %dx%d upright)", pv->rotation,
                 f->video.coded_w, f->video.coded_h, pv->in_w, pv->in_h);
    if (pv->why & PLAN_V_SAR)
        joiner_add(&t, "square pixels (SAR %d:%d, %dx%d -> %dx%d)",
                 f->video.sar_num, f->video.sar_den, f->video.coded_w,
                 f->video.coded_h, pv->in_w, pv->in_h);
    if (pv->why & PLAN_V_SCALE)
        joiner_add(&t, "scale %dx%d -> %dx%d", pv->in_w, pv->in_h, pv->scale_w,
                 pv->scale_h);
    if (pv->why & PLAN_V_ODD)
        joiner_add(&t, "even size %dx%d -> %dx%d", pv->in_w, pv->in_h,
                 pv->out_w, pv->out_h);
    if (pv->why & PLAN_V_PAD)
        joiner_add(&t, "pad %dx%d -> %dx%d (black bars)", pv->scale_w,
                 pv->scale_h, pv->out_w, pv->out_h);
    if (pv->why & PLAN_V_CROP)
        joiner_add(&t, "crop %dx%d -> %dx%d (centre)", pv->scale_w, pv->scale_h,
                 pv->out_w, pv->out_h);
    if (pv->why & PLAN_V_TRIM)
        joiner_add(&t, "trim %.2f s -> %.2f s (%lld frames)", pv->in_duration,
                 pv->duration, (long long)pv->frames);
    if (pv->why & PLAN_V_LOOP)
        joiner_add(&t, "loop %.2f s -> %.2f s (%lld frames)", pv->in_duration,
                 pv->duration, (long long)pv->frames);
    if (pv->why & PLAN_V_FREEZE)
        joiner_add(&t, "freeze the last frame %.2f s -> %.2f s (%lld frames)",
                 pv->in_duration, pv->duration, (long long)pv->frames);
    if (pv->why & PLAN_V_CFR)
        joiner_add(&t, "constant %.3g fps (was variable)", plan_fps_value(pv));
    if (pv->why & PLAN_V_PIXFMT)
        joiner_add(&t, "8-bit yuv420p (was %s%s)", f->video.pix_fmt,
                 f->video.hdr ? ", HDR" : "");
    if (pv->why & PLAN_V_CODEC)
        joiner_add(&t, "re-encode %s -> h264", f->video.codec);
    if (pv->why & PLAN_V_BYTES)
        joiner_add(&t, "re-encode to fit 100 MB (was %.1f MB)", f->size / 1e6);
    if (pv->why & PLAN_V_CONTAINER)
        joiner_add(&t, pv->step == PLAN_REMUX ? "remux %s -> mp4 (stream copy)"
                                            : "%s -> mp4",
                 f->container_short);
    if (pv->why & PLAN_V_DROP_AUDIO)
        joiner_add(&t, "drop the clip's own audio (the file runs %.2f s)",
                 f->duration);
    if (pv->step == PLAN_REMUX && !(pv->why & PLAN_V_CONTAINER))
        joiner_add(&t, "stream copy to mp4");
}

void plan_describe_audio(const struct plan *p, const struct facts *f,
                         char *out, size_t outlen)
{
    const struct plan_audio *pa = &p->audio;
    struct joiner t = {out, outlen, 0, "; "};

    if (!outlen)
        return;
    out[0] = '\0';
    if (!p->has_audio)
        return;
    if (pa->step == PLAN_KEEP) {
        joiner_add(&t, "as is");
        return;
    }
    if (pa->why & PLAN_A_SLICE)
        joiner_add(&t, "window %.2f-%.2f s", pa->start,
                   pa->start + pa->duration);
    if (pa->why & PLAN_A_EXTRACT)
        joiner_add(&t, "extract the first audio stream from %s",
                 f->container_short);
    if (pa->why & PLAN_A_STRIP)
        joiner_add(&t, "drop %s", f->has_cover ? "cover art" : "extra streams");
    if (pa->why & PLAN_A_FORMAT)
        joiner_add(&t, "%s in %s is not accepted", f->audio.codec,
                 f->container_short);
    if (pa->why & PLAN_A_ESTIMATED)
        joiner_add(&t, "raw %s duration is an estimate (measured %.2f s)",
                 f->container_short, pa->in_duration);
    if (pa->why & PLAN_A_BYTES)
        joiner_add(&t, "%.2f MB is over 5 MB", f->size / 1e6);
    if (pa->why & PLAN_A_TRIM)
        joiner_add(&t, "trim %.2f s -> %.2f s", pa->in_duration, pa->duration);
    if (pa->why & PLAN_A_PAD)
        joiner_add(&t, "pad with silence %.2f s -> %.2f s", pa->in_duration,
                 pa->duration);
    if (pa->why & PLAN_A_DOWNMIX)
        joiner_add(&t, "downmix %d channels -> stereo", f->audio.channels);
    if (pa->why & PLAN_A_RESAMPLE)
        joiner_add(&t, "resample %d Hz -> %d Hz", f->audio.sample_rate,
                 pa->sample_rate);
    if (pa->step == PLAN_ENCODE)
        joiner_add(&t, "encode AAC %d kb/s in .m4a", pa->bitrate / 1000);
    else
        joiner_add(&t, "stream copy to .%s", pa->ext);
}

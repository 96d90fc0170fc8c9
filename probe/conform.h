/*
 * conform: executes a plan (pipeline/plan.h) with libavformat, libavcodec
 * and libavfilter, writing a file that fits the model.  Runs inside a media
 * worker process; keeps no global state and never exits the process.
 *
 * Outputs are written to "<out>.tmp.<pid>" and renamed, so a conformed file
 * is never half-written, even when two processes make the same one.  KEEP plans have nothing to write and fail: callers
 * use the input as it is.
 */
#ifndef DUB_CONFORM_H
#define DUB_CONFORM_H

#include <stddef.h>

#include "facts.h"
#include "plan.h"
#include "scene.h"
#include "util.h"

/* The filter graph that turns f's video into pv's, as libavfilter text:
 * rotation, scale (lanczos), square pixels, pad or crop, constant rate,
 * loop or freeze, 8-bit 4:2:0.  Pure, for tests. */
void conform_video_filters(const struct facts *f, const struct plan_video *pv,
                           char *out, size_t n);
/* The same for audio: resample, downmix, pad with silence. */
void conform_audio_filters(const struct facts *f, const struct plan_audio *pa,
                           char *out, size_t n);

int conform_video(const char *in, const struct facts *f,
                  const struct plan_video *pv, const char *out,
                  struct dub_err *e);
int conform_audio(const char *in, const struct facts *f,
                  const struct plan_audio *pa, const char *out,
                  struct dub_err *e);
/* One AAC encode of f's first audio stream as pa says (rate, channels,
 * bitrate, duration), with no byte limit: for files that are delivered,
 * not uploaded. */
int conform_audio_encode(const char *in, const struct facts *f,
                         const struct plan_audio *pa, const char *out,
                         struct dub_err *e);

/* The pictures of parts joined in order into out, encoded as conform
 * encodes video (pv: the scene's size, rate and length): each part gives
 * exactly its frames, those past them dropped and missing ones repeating
 * its last.  Callers check how far off a part may be (stitch.c). */
int conform_join(const struct scene_part *parts, int n,
                 const struct plan_video *pv, const char *out,
                 struct dub_err *e);

#endif

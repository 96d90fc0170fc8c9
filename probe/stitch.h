/*
 * stitch: a long scene's windows joined, in order, into one picture.  Each
 * part must give its window's frame count: one that is up to
 * SCENE_MEND_FRAMES off is brought to it (frames past the count dropped,
 * missing ones repeating its last frame), one further off fails the
 * stitch with both counts named.
 *
 * Stream copy when it is safe: every part exactly its count, the same
 * codec, size, pixel format, decoder set-up (extradata) and frame delay,
 * each starting on a keyframe.  Otherwise the parts are decoded and
 * re-encoded with conform's encoder settings (conform_join), since a
 * frame can be neither dropped from nor repeated in a coded stream.
 * Written to "<out>.tmp.<pid>" and renamed.  Runs in a media worker.
 */
#ifndef DUB_STITCH_H
#define DUB_STITCH_H

#include "plan.h"
#include "scene.h"
#include "util.h"

/* Joins parts[0..n) into out (pv: the scene's size, rate and length, for
 * a re-encode); fills s.  -1 and e on failure. */
int stitch_parts(const struct scene_part *parts, int n,
                 const struct plan_video *pv, const char *out,
                 struct scene_stitch *s, struct dub_err *e);

#endif

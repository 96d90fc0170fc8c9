/*
 * thumb: a poster frame of a video as a JPEG, for the results page.
 */
#ifndef DUB_THUMB_H
#define DUB_THUMB_H

#include "util.h"

/*
 * Writes the frame nearest at_seconds (clamped into the clip) of in's first
 * video stream to out as a JPEG at most max_w pixels wide, upright (the
 * display matrix applied) and with square pixels.  The file appears whole
 * or not at all.
 */
int thumb_write(const char *in, double at_seconds, int max_w, const char *out,
                struct dub_err *e);

#endif

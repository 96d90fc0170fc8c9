/*
 * analyze: what the window planner (pipeline/window.h) needs to know about
 * a long scene, measured in process with libav in a media worker: the
 * dub's loudness every SCENE_STEP (decoded, RMS over all channels, in
 * dBFS) and the picture's shot changes (libavfilter's scdet scene score).
 */
#ifndef DUB_ANALYZE_H
#define DUB_ANALYZE_H

#include "scene.h"
#include "util.h"

/* Fills a (the caller releases it with scene_analysis_release, also on
 * failure).  -1 and e naming the file on failure. */
int analyze_scene(const char *picture, const char *dub,
                  struct scene_analysis *a, struct dub_err *e);

#endif

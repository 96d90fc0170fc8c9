/*
 * deliver: the file a studio receives.  The picture of one file (a fal
 * result, or a stitched scene) with the audio of another (the studio's
 * original dub, its first audio stream, even from a .mov or .mxf mix) or
 * of the picture file itself, in MP4 or QuickTime, by stream copy where the
 * container can hold the audio's codec.  Runs in a media worker.
 *
 * The picture decides the length: audio past its end is cut (to the
 * sample for PCM, to the packet's duration otherwise) and reported; a dub
 * that ends early is kept as it is, so the last seconds play without
 * sound, and reported too.  PCM (and any codec MP4 cannot hold) is
 * encoded to AAC for an MP4 (128 kb/s a channel, at most stereo): the
 * output's name promises MP4, and a studio that wants the PCM kept asks
 * for QuickTime (deliver_container: mov).
 *
 * The job's fingerprint and fal's request ids go into the file as
 * free-form tags (facts.h names them), which probe_file reads back.
 * Written to "<out>.tmp.<pid>" and renamed.
 */
#ifndef DUB_DELIVER_H
#define DUB_DELIVER_H

#include "scene.h"
#include "util.h"

struct deliver_spec {
    const char *picture;     /* its first video stream is the picture */
    const char *audio;       /* the dub; NULL: picture's own first audio */
    const char *out;
    int mov;                 /* 1: QuickTime (.mov), 0: MP4 */
    const char *fingerprint; /* tags; NULL or "" leaves one out */
    const char *request;
};

/* Writes s->out; fills d.  -1 and e (naming the file) on failure. */
int deliver_file(const struct deliver_spec *s, struct scene_delivery *d,
                 struct dub_err *e);

#endif

/*
 * scene: what the long-scene media ops report, as plain data (the way
 * facts.h is for a probe).  probe/ fills these structs with libav, wire.c
 * carries them over the worker pipe, the planner (window.c) and the runner
 * read them.  No libav types appear here.
 */
#ifndef DUB_SCENE_H
#define DUB_SCENE_H

#include <stdint.h>

/* What deliver did to the audio it muxed over a picture. */
struct scene_delivery {
    double picture_seconds; /* the picture's length: the file's length */
    double audio_seconds;   /* the audio's length in the delivered file */
    double audio_cut;       /* seconds of audio past the picture, dropped */
    double audio_short;     /* seconds the audio ends before the picture */
    int audio_encoded;      /* 1: the container cannot hold the audio's
                               codec (PCM in mp4), so it was encoded to AAC */
    char audio_codec[32];   /* in the delivered file */
};

/* Seconds of dub each loudness value covers. */
#define SCENE_STEP 0.01

/*
 * A scene as the window planner needs it: how loud the dub is, every
 * SCENE_STEP, and where the picture changes shot.  The arrays belong to
 * the struct (scene_analysis_release frees them).
 */
struct scene_analysis {
    double audio_seconds;   /* the dub, decoded */
    int nlevels;
    float *levels;          /* dBFS: RMS over all channels of each step */
    double picture_seconds;
    int nshots;
    double *shots;          /* seconds: start of each new shot's first
                               frame, in the picture's own timeline */
};

void scene_analysis_release(struct scene_analysis *a);

struct dub_err;
struct facts;

/* One window's picture for stitching: the model's result, or for a window
 * not sent its conformed source slice, and the frames it must give. */
struct scene_part {
    const char *path;
    int64_t frames;
};

/* Windows a scene may have: 42 minutes of 10 s windows. */
#define SCENE_MAX_PARTS 256
/* A part this many frames off its window is brought to its count (frames
 * past it dropped, missing ones repeat its last frame); further off, the
 * stitch fails naming both counts. */
#define SCENE_MEND_FRAMES 2

/* What stitch did. */
struct scene_stitch {
    int copied;           /* 1: stream copy; 0: re-encoded */
    int64_t frames;       /* written */
    int mended;           /* parts that were off their count */
    int nparts;
    int64_t got[SCENE_MAX_PARTS]; /* frames each part held */
};

/* What verify found in a delivered file (scene_check). */
struct scene_verify {
    int64_t frames;
    int fps_num, fps_den;
    double picture_seconds;
    double audio_seconds;
};

/*
 * Checks a delivered file's facts (of path) against its scene: frames and
 * frame rate exactly the scene's, and audio lasting audio_seconds (0: as
 * long as the picture) within one frame.  Fills v; -1 and e naming what is
 * off.
 */
int scene_check(const char *path, const struct facts *f, int64_t frames,
                int fps_num, int fps_den, double audio_seconds,
                struct scene_verify *v, struct dub_err *e);

#endif

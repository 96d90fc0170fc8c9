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

#endif

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

#endif

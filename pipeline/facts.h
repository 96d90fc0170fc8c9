/*
 * facts: what a probe learned about one media file, as plain data.
 *
 * probe/probe.c fills it (with libav), the media workers send it over their
 * pipe as JSON (wire.c), plan.c reads it, report.c prints it.  No libav types appear
 * here, so the pipeline never needs a libav header.
 */
#ifndef DUB_FACTS_H
#define DUB_FACTS_H

#include <stdint.h>


#define FACTS_MAX_STREAMS 16

/* Free-form tags a delivered file carries (probe/deliver.c writes them,
 * probe.c reads them back), so a run that lost its database still knows
 * its own finished outputs: the job's fingerprint and fal's request ids. */
#define FACTS_TAG_FINGERPRINT "dubbatch_fingerprint"
#define FACTS_TAG_REQUEST "dubbatch_request"

struct facts_stream {
    int index;
    char kind[12];     /* "video", "audio", "subtitle", "data", "attachment" */
    char codec[32];    /* libav codec name, e.g. "h264", "aac" */
    int attached_pic;  /* cover art: never "the video" */
};

struct facts_video {
    int index;            /* stream index in the file */
    char codec[32];
    char profile[32];
    int coded_w, coded_h; /* as stored */
    int sar_num, sar_den; /* sample aspect ratio; 1:1 when unknown */
    int rotation;         /* clockwise degrees to display: 0, 90, 180, 270 */
    int display_w, display_h; /* after SAR and rotation */
    int fps_num, fps_den; /* average frame rate */
    int vfr;              /* 1 when frame durations vary */
    char pix_fmt[32];
    int bit_depth;
    int hdr;              /* PQ or HLG transfer */
    double duration;      /* seconds, of this stream */
    double start_time;    /* seconds: the stream's first timestamp */
    int64_t frames;       /* counted or from the header; 0 when unknown */
    int64_t bit_rate;
};

struct facts_audio {
    int index;
    char codec[32];
    int sample_rate;
    int channels;
    double duration;      /* seconds, of this stream */
    double start_time;    /* seconds: the stream's first timestamp */
    int duration_estimated; /* 1 when only guessed from the bit rate */
    int64_t bit_rate;
};

struct facts {
    char container[64];   /* demuxer name by content, e.g. "mov,mp4,m4a,3gp,3g2,mj2" */
    char container_short[16]; /* "mp4", "mov", "mkv", "wav", "mp3", "aac", "ogg", ... */
    int64_t size;         /* bytes; -1 for a remote file of unknown size */
    double duration;      /* container duration, seconds */
    int duration_estimated;
    int nb_streams;
    struct facts_stream streams[FACTS_MAX_STREAMS];
    int has_video;        /* a real video stream (not cover art) */
    struct facts_video video;
    int has_audio;
    struct facts_audio audio; /* the first audio stream */
    int nb_audio;         /* how many audio streams */
    int has_cover;        /* an attached picture is present */
    char tag_fingerprint[65]; /* FACTS_TAG_FINGERPRINT, "" when absent */
    char tag_request[256];    /* FACTS_TAG_REQUEST: request ids, comma
                                 separated; "" when absent */
};

#endif

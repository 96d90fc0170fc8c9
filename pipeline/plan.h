/*
 * plan: probe facts + endpoint limits + policy -> what to do to each input.
 *
 * Pure: no I/O, no allocation that outlives a call.  The limits of each
 * endpoint live in one table (plan.c) taken from kling-lipsync-api.md.  The
 * conform engine (probe/conform.c) executes a plan; plan_describe() says in
 * words what it will do.
 */
#ifndef DUB_PLAN_H
#define DUB_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "facts.h"

enum plan_endpoint { PLAN_A2V, PLAN_T2V };

struct plan_limits {
    const char *name;        /* "audio-to-video" as written in manifests */
    const char *model;       /* fal endpoint id */
    double video_min, video_max;   /* seconds */
    int side_min, side_max;        /* both display sides, pixels */
    int64_t video_max_bytes;
    int needs_audio;               /* audio_url is part of the request */
    double audio_min, audio_max;   /* seconds */
    int64_t audio_max_bytes;
    int text_max;                  /* Unicode code points */
    double speed_min, speed_max;
    const char *payload[6];        /* the model input's fields, in order
                                      (fal.c knows where each comes from) */
    const char *result;            /* the output's member with the File */
};

const struct plan_limits *plan_limits_get(enum plan_endpoint ep);
/* Looks an endpoint up by its manifest name; -1 when unknown. */
int plan_endpoint_parse(const char *name, enum plan_endpoint *ep);

enum plan_fit { PLAN_FIT_PAD, PLAN_FIT_CROP, PLAN_FIT_REJECT };
enum plan_short { PLAN_SHORT_LOOP, PLAN_SHORT_FREEZE, PLAN_SHORT_REJECT };
/* PLAN_LONG_SEGMENT: a long audio-to-video scene cut into windows and
 * stitched (design.md section 6a); until that is built it plans as TRIM. */
enum plan_long { PLAN_LONG_TRIM, PLAN_LONG_REJECT, PLAN_LONG_SEGMENT };
/* The sound of a delivered result: the studio's dubbed track, or the
 * model's; and the container it is delivered in (design.md section 6a). */
enum plan_deliver_audio { PLAN_DELIVER_ORIGINAL, PLAN_DELIVER_MODEL };
enum plan_container { PLAN_CONTAINER_MP4, PLAN_CONTAINER_MOV };

struct plan_policy {
    enum plan_fit fit;            /* aspect no scale can fit */
    enum plan_short short_video;  /* under the minimum */
    enum plan_long long_video;    /* over the maximum (manifest: long) */
    enum plan_long long_audio;    /* TRIM or REJECT */
    enum plan_deliver_audio deliver_audio;
    enum plan_container deliver_container;
};

/* Billing: ceil(duration / increment) * increment * rate. */
struct plan_pricing {
    double rate;       /* USD per billed second */
    double increment;  /* seconds per billing step */
};

enum plan_step {
    PLAN_KEEP,    /* use the file as it is */
    PLAN_REMUX,   /* stream copy into a new container, no re-encoding */
    PLAN_ENCODE,  /* decode, filter, encode */
};

/* Why a video is touched; several may hold at once. */
enum plan_video_why {
    PLAN_V_ROTATE = 1 << 0,   /* display matrix baked in */
    PLAN_V_SAR = 1 << 1,      /* non-square pixels made square */
    PLAN_V_SCALE = 1 << 2,
    PLAN_V_PAD = 1 << 3,
    PLAN_V_CROP = 1 << 4,
    PLAN_V_ODD = 1 << 5,      /* odd dimensions made even */
    PLAN_V_TRIM = 1 << 6,
    PLAN_V_LOOP = 1 << 7,
    PLAN_V_FREEZE = 1 << 8,
    PLAN_V_CFR = 1 << 9,      /* variable frame rate made constant */
    PLAN_V_PIXFMT = 1 << 10,  /* 10-bit, 4:2:2, 4:4:4, HDR -> yuv420p */
    PLAN_V_CODEC = 1 << 11,   /* codec the model may not take */
    PLAN_V_CONTAINER = 1 << 12, /* not MP4/MOV: stream copy into MP4 */
    PLAN_V_BYTES = 1 << 13,   /* over the byte limit */
    PLAN_V_DROP_AUDIO = 1 << 14, /* its own audio makes the file too long */
    PLAN_V_SLICE = 1 << 15,   /* one window of a long scene: frames from
                                 start (always encoded) */
};

enum plan_audio_why {
    PLAN_A_EXTRACT = 1 << 0,  /* audio taken out of a video container */
    PLAN_A_FORMAT = 1 << 1,   /* codec or container the model does not take */
    PLAN_A_BYTES = 1 << 2,    /* over the byte limit */
    PLAN_A_TRIM = 1 << 3,
    PLAN_A_PAD = 1 << 4,
    PLAN_A_DOWNMIX = 1 << 5,
    PLAN_A_STRIP = 1 << 6,    /* cover art or extra streams dropped */
    PLAN_A_ESTIMATED = 1 << 7, /* raw ADTS: container gives a real duration */
    PLAN_A_RESAMPLE = 1 << 8,
    PLAN_A_SLICE = 1 << 9,    /* one window of a long scene: from start,
                                 silence after the dub's end (encoded) */
};

struct plan_video {
    enum plan_step step;
    unsigned why;              /* enum plan_video_why bits */
    int rotation;              /* clockwise degrees to bake in */
    int in_w, in_h;            /* display size of the input */
    int scale_w, scale_h;      /* after scaling, square pixels */
    int out_w, out_h;          /* the output frame (after pad or crop) */
    int fps_num, fps_den;      /* constant output rate */
    int64_t start;             /* PLAN_V_SLICE: the window's first frame,
                                  counted as the whole clip conformed */
    int64_t frames;            /* exact output frame count */
    double in_duration;
    double duration;           /* frames * fps_den / fps_num */
};

struct plan_audio {
    enum plan_step step;
    unsigned why;              /* enum plan_audio_why bits */
    int bitrate;               /* AAC bits/s when encoding */
    int sample_rate;
    int channels;
    double in_duration;
    double start;              /* PLAN_A_SLICE: seconds into the dub */
    double duration;           /* output duration */
    char ext[8];               /* output container: "m4a" (AAC), or for a
                                  stream copy "m4a" or "mp3" by codec */
};

enum plan_verdict { PLAN_ACCEPT, PLAN_CONFORM, PLAN_REJECT };

#define PLAN_MAX_WARNINGS 4

struct plan {
    enum plan_verdict verdict;
    char reason[512];          /* why rejected, for a person */
    struct plan_video video;
    int has_audio;             /* audio-to-video */
    struct plan_audio audio;
    double billed_seconds;
    double cost;               /* USD, estimated */
    int nwarnings;
    char warnings[PLAN_MAX_WARNINGS][256];
};

/*
 * Plans one job.  audio is NULL for text-to-video.  Always fills out; a
 * rejection is a verdict, not an error.
 */
void plan_make(const struct plan_limits *lim, const struct plan_policy *pol,
               const struct plan_pricing *price, const struct facts *video,
               const struct facts *audio, struct plan *out);

/* Plans an audio file alone (dubbatch conform --as audio). */
void plan_make_audio(const struct plan_limits *lim,
                     const struct plan_policy *pol, const struct facts *audio,
                     struct plan *out);

/* What the plan does, in words: "scale 3840x2160 -> 1920x1080; trim 12.00 s
 * -> 9.97 s (299 frames)", or "as is".  Writes at most outlen bytes. */
void plan_describe_video(const struct plan *p, const struct facts *video,
                         char *out, size_t outlen);
void plan_describe_audio(const struct plan *p, const struct facts *audio,
                         char *out, size_t outlen);

/* Estimated cost of a video of this many seconds. */
double plan_cost(const struct plan_pricing *price, double seconds,
                 double *billed_seconds);

#endif

/*
 * conformint: what the two files of the conform module share (conform.c,
 * conformstage.c); not for other modules, which use conform.h.
 */
#ifndef DUB_CONFORMINT_H
#define DUB_CONFORMINT_H

#include <stdint.h>

#include <libavcodec/avcodec.h>
#include <libavfilter/avfilter.h>
#include <libavformat/avformat.h>

#include "conform.h"

/* One conversion's libav state, on its caller's stack. */
struct conv {
    AVFormatContext *ic, *oc;
    AVCodecContext *dec, *enc;
    AVFilterGraph *graph;
    AVFilterContext *src, *sink;
    AVFrame *frame, *filt;
    AVPacket *pkt;
    AVStream *ost;
    int index;          /* input stream */
    int input_done;     /* decoder flushed, source closed */
    int64_t end_pts;    /* where the last decoded frame ends */
    int64_t want;       /* frames (video) or samples (audio) to write */
    int64_t done;
};

/* Stream index of in, and its decoder, into c. */
int conform_open_input(struct conv *c, const char *in, int index);
/* The output container at tmp, of the kind out's name says, with one
 * stream. */
int conform_open_output(struct conv *c, const char *tmp, const char *out);
int conform_write_header(struct conv *c);
/* Frees all of c; safe on a partly built one. */
void conform_close(struct conv *c);
/* One frame (NULL: the flush) encoded and its packets written. */
int conform_encode(struct conv *c, AVFrame *f);
/* One decoded frame into the filter graph; at the input's end, the
 * flush. */
int conform_feed(struct conv *c);
/* Filtered frames to the encoder until c->want (frames, or samples for
 * audio) are written or the graph ends. */
int conform_pump(struct conv *c, int audio);
/* For a window: the input read from the keyframe at or before at
 * (seconds). */
int conform_seek(struct conv *c, double at);
/* tmp renamed to out when ret is not an error, else removed and ret said
 * as e about in. */
int conform_finish(const char *tmp, const char *out, int ret, const char *in,
                   struct dub_err *e);

#endif

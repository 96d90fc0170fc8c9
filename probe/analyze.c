/*
 * analyze: the dub's loudness and the picture's shot changes, decoded in
 * process.  Shaped like FFmpeg's doc/examples decode_filter_video.c and
 * decode_filter_audio.c: read a packet, decode, push the frames through a
 * filter graph, take what comes out; one end: label; AVERROR stays here.
 */
#define _POSIX_C_SOURCE 200809L
#include "analyze.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavfilter/buffersink.h>
#include <libavfilter/buffersrc.h>
#include <libavformat/avformat.h>

#include "lav.h"

/*
 * Shot changes: scdet's score (0..100, the mean difference to the previous
 * frame, less the previous difference) over a small copy of the picture.
 * At 10 (scdet's default) a cut between two shots scores 20 and more,
 * while pans and talking heads stay under 5; scoring 320 px wide frames
 * finds the same cuts as full size at a fraction of the cost.
 */
#define ANALYZE_VIDEO_FILTERS \
    "scale=320:-2:flags=fast_bilinear,format=yuv420p,scdet=threshold=10"
/* Every channel, as float planes, so loudness is the whole mix's. */
#define ANALYZE_AUDIO_FILTERS "aformat=sample_fmts=fltp"
/* Level of digital silence, so the log never sees zero. */
#define ANALYZE_FLOOR_DB (-120.0)

struct an {
    AVFormatContext *ic;
    AVCodecContext *dec;
    AVFilterGraph *graph;
    AVFilterContext *src, *sink;
    AVPacket *pkt;
    AVFrame *frame, *filt;
    int index;
    struct scene_analysis *out;
    int64_t first_pts;   /* video: the first frame's, in the sink's base */
    int64_t end_pts;     /* video: where the last frame ends */
    int cap;             /* allocated levels or shots */
    double sum;          /* audio: sum of squares in the current step */
    int count;           /* audio: samples (per channel) in it */
    int step;            /* audio: samples per step */
    int64_t samples;     /* audio: decoded, per channel */
};

static void an_close(struct an *c)
{
    avformat_close_input(&c->ic);
    avcodec_free_context(&c->dec);
    avfilter_graph_free(&c->graph);
    av_packet_free(&c->pkt);
    av_frame_free(&c->frame);
    av_frame_free(&c->filt);
}

static int an_open(struct an *c, const char *path, enum AVMediaType type,
                   const char *desc)
{
    const AVCodec *codec;
    AVStream *st;
    int ret, index;

    c->pkt = av_packet_alloc();
    c->frame = av_frame_alloc();
    c->filt = av_frame_alloc();
    if (!c->pkt || !c->frame || !c->filt)
        return AVERROR(ENOMEM);
    if ((ret = lav_open_input(&c->ic, path)) < 0)
        return ret;
    index = lav_first_stream(c->ic, type);
    if (index < 0)
        return AVERROR_STREAM_NOT_FOUND;
    st = c->ic->streams[index];
    c->index = st->index;
    codec = avcodec_find_decoder(st->codecpar->codec_id);
    if (!codec)
        return AVERROR_DECODER_NOT_FOUND;
    c->dec = avcodec_alloc_context3(codec);
    if (!c->dec)
        return AVERROR(ENOMEM);
    if ((ret = avcodec_parameters_to_context(c->dec, st->codecpar)) < 0)
        return ret;
    c->dec->pkt_timebase = st->time_base;
    c->dec->thread_count = 0;
    /* The deblocking filter is most of an H.264 decode and changes no
     * scene score that matters. */
    if (type == AVMEDIA_TYPE_VIDEO)
        c->dec->skip_loop_filter = AVDISCARD_ALL;
    if ((ret = avcodec_open2(c->dec, codec, NULL)) < 0)
        return ret;
    return lav_graph(&c->graph, &c->src, &c->sink, c->dec, st, desc);
}

static void an_push_level(struct an *c)
{
    struct scene_analysis *a = c->out;
    double ms = c->sum / c->count;

    if (a->nlevels == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 4096;
        a->levels = xrealloc(a->levels, (size_t)c->cap * sizeof(*a->levels));
    }
    a->levels[a->nlevels++] =
        ms > 0 ? (float)fmax(10.0 * log10(ms), ANALYZE_FLOOR_DB)
               : (float)ANALYZE_FLOOR_DB;
    c->sum = 0;
    c->count = 0;
}

/* One filtered audio frame: squares summed over channels, a level per
 * step. */
static void an_take_audio(struct an *c, const AVFrame *f)
{
    int ch = f->ch_layout.nb_channels, i, k;

    for (i = 0; i < f->nb_samples; i++) {
        double sq = 0;

        for (k = 0; k < ch; k++) {
            float v = ((const float *)f->extended_data[k])[i];

            sq += (double)v * v;
        }
        c->sum += sq / ch;
        if (++c->count == c->step)
            an_push_level(c);
    }
    c->samples += f->nb_samples;
}

/* One filtered video frame: scdet marks a new shot with lavfi.scd.time. */
static void an_take_video(struct an *c, const AVFrame *f)
{
    struct scene_analysis *a = c->out;
    AVRational tb = av_buffersink_get_time_base(c->sink);
    int64_t pts = f->pts == AV_NOPTS_VALUE ? c->end_pts : f->pts;
    int64_t dur = f->pkt_duration > 0
                      ? av_rescale_q(f->pkt_duration, c->dec->pkt_timebase, tb)
                      : 0;

    if (c->first_pts == AV_NOPTS_VALUE)
        c->first_pts = pts;
    else if (av_dict_get(f->metadata, "lavfi.scd.time", NULL, 0)) {
        if (a->nshots == c->cap) {
            c->cap = c->cap ? 2 * c->cap : 64;
            a->shots = xrealloc(a->shots, (size_t)c->cap * sizeof(*a->shots));
        }
        a->shots[a->nshots++] = (double)(pts - c->first_pts) * av_q2d(tb);
    }
    if (pts + dur > c->end_pts)
        c->end_pts = pts + dur;
}

/* Pulls what the graph has ready. */
static int an_pull(struct an *c)
{
    int ret;

    for (;;) {
        ret = av_buffersink_get_frame(c->sink, c->filt);
        if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF)
            return 0;
        if (ret < 0)
            return ret;
        if (c->dec->codec_type == AVMEDIA_TYPE_AUDIO)
            an_take_audio(c, c->filt);
        else
            an_take_video(c, c->filt);
        av_frame_unref(c->filt);
    }
}

/* Decoded frames into the graph, and out. */
static int an_drain(struct an *c)
{
    int ret;

    for (;;) {
        ret = avcodec_receive_frame(c->dec, c->frame);
        if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF)
            return 0;
        if (ret < 0)
            return ret;
        c->frame->pts = c->frame->best_effort_timestamp;
        ret = av_buffersrc_add_frame_flags(c->src, c->frame,
                                           AV_BUFFERSRC_FLAG_KEEP_REF);
        av_frame_unref(c->frame);
        if (ret < 0 || (ret = an_pull(c)) < 0)
            return ret;
    }
}

static int an_run(struct an *c)
{
    int ret;

    while ((ret = av_read_frame(c->ic, c->pkt)) >= 0) {
        if (c->pkt->stream_index == c->index) {
            ret = avcodec_send_packet(c->dec, c->pkt);
            /* A damaged packet is skipped, as the ffmpeg CLI does. */
            if (ret == AVERROR_INVALIDDATA)
                ret = 0;
            if (ret >= 0)
                ret = an_drain(c);
        }
        av_packet_unref(c->pkt);
        if (ret < 0)
            return ret;
    }
    if (ret != AVERROR_EOF)
        return ret;
    /* Flush: the decoder, then the graph. */
    if ((ret = avcodec_send_packet(c->dec, NULL)) < 0 ||
        (ret = an_drain(c)) < 0)
        return ret;
    if ((ret = av_buffersrc_add_frame_flags(c->src, NULL, 0)) < 0)
        return ret;
    return an_pull(c);
}

int analyze_scene(const char *picture, const char *dub,
                  struct scene_analysis *a, struct dub_err *e)
{
    struct an c;
    int ret;

    memset(a, 0, sizeof(*a));
    memset(&c, 0, sizeof(c));
    c.out = a;
    if ((ret = an_open(&c, dub, AVMEDIA_TYPE_AUDIO, ANALYZE_AUDIO_FILTERS)) < 0)
        goto end;
    c.step = (int)lround(c.dec->sample_rate * SCENE_STEP);
    if (c.step < 1) {
        ret = AVERROR_INVALIDDATA;
        goto end;
    }
    if ((ret = an_run(&c)) < 0)
        goto end;
    if (c.count > 0)
        an_push_level(&c);
    a->audio_seconds = (double)c.samples / c.dec->sample_rate;
    an_close(&c);

    memset(&c, 0, sizeof(c));
    c.out = a;
    c.first_pts = AV_NOPTS_VALUE;
    dub = NULL; /* from here on a failure names the picture */
    if ((ret = an_open(&c, picture, AVMEDIA_TYPE_VIDEO, ANALYZE_VIDEO_FILTERS)) < 0)
        goto end;
    if ((ret = an_run(&c)) < 0)
        goto end;
    if (c.first_pts != AV_NOPTS_VALUE)
        a->picture_seconds = (double)(c.end_pts - c.first_pts) *
                             av_q2d(av_buffersink_get_time_base(c.sink));
end:
    an_close(&c);
    if (ret == AVERROR_STREAM_NOT_FOUND)
        return dub_errf(e, DUB_EMEDIA, "analyze: '%s' has no %s stream",
                        dub ? dub : picture, dub ? "audio" : "video");
    if (ret < 0)
        return lav_error(e, ret, "analyze '%s'", dub ? dub : picture);
    return 0;
}

/*
 * thumb: decode one frame, turn it upright, scale it, encode it as JPEG.
 * Shaped like FFmpeg's demux_decode.c: open, seek, decode until a frame,
 * then one filter graph and one encoder call; one end: label.
 */
#define _POSIX_C_SOURCE 200809L
#include "thumb.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>
#include <libavfilter/buffersink.h>
#include <libavfilter/buffersrc.h>
#include <libavformat/avformat.h>
#include <libavutil/display.h>
#include <libavutil/opt.h>

/* JPEG quality scale of the mjpeg encoder (2 best .. 31 worst): a contact
 * sheet needs recognisable faces, not fidelity. */
#define THUMB_QSCALE 5

struct thumb {
    AVFormatContext *ic;
    AVCodecContext *dec, *enc;
    AVFilterGraph *graph;
    AVFilterContext *src, *sink;
    AVFrame *frame, *out;
    AVPacket *pkt;
    int vindex;
};

static int thumb_fail(struct dub_err *e, const char *in, const char *what,
                      int ret)
{
    char buf[AV_ERROR_MAX_STRING_SIZE];

    av_strerror(ret, buf, sizeof(buf));
    return dub_errf(e, DUB_EMEDIA, "poster frame of '%s': %s: %s", in, what,
                    buf);
}

static int thumb_open(struct thumb *t, const char *in, struct dub_err *e)
{
    AVDictionary *opts = NULL;
    const AVCodec *codec = NULL;
    int ret;

    av_dict_set(&opts, "protocol_whitelist", "file", 0);
    ret = avformat_open_input(&t->ic, in, NULL, &opts);
    av_dict_free(&opts);
    if (ret < 0)
        return thumb_fail(e, in, "cannot open", ret);
    if ((ret = avformat_find_stream_info(t->ic, NULL)) < 0)
        return thumb_fail(e, in, "cannot read streams", ret);
    ret = av_find_best_stream(t->ic, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
    if (ret < 0)
        return thumb_fail(e, in, "no video stream", ret);
    t->vindex = ret;
    t->dec = avcodec_alloc_context3(codec);
    if (!t->dec)
        return thumb_fail(e, in, "decoder", AVERROR(ENOMEM));
    avcodec_parameters_to_context(t->dec, t->ic->streams[ret]->codecpar);
    if ((ret = avcodec_open2(t->dec, codec, NULL)) < 0)
        return thumb_fail(e, in, "cannot open the decoder", ret);
    return 0;
}

/* Decodes the first frame at or after the seek point. */
static int thumb_decode(struct thumb *t, double at, const char *in,
                        struct dub_err *e)
{
    AVStream *st = t->ic->streams[t->vindex];
    int64_t ts;
    int ret;

    if (t->ic->duration > 0 && at * AV_TIME_BASE > t->ic->duration * 0.9)
        at = t->ic->duration * 0.9 / AV_TIME_BASE;
    ts = av_rescale_q((int64_t)(at * AV_TIME_BASE), AV_TIME_BASE_Q,
                      st->time_base);
    /* A failed seek is not fatal: the first frame is a fine poster. */
    av_seek_frame(t->ic, t->vindex, ts, AVSEEK_FLAG_BACKWARD);
    while ((ret = av_read_frame(t->ic, t->pkt)) >= 0) {
        if (t->pkt->stream_index != t->vindex) {
            av_packet_unref(t->pkt);
            continue;
        }
        ret = avcodec_send_packet(t->dec, t->pkt);
        av_packet_unref(t->pkt);
        if (ret < 0 && ret != AVERROR(EAGAIN))
            return thumb_fail(e, in, "cannot decode", ret);
        ret = avcodec_receive_frame(t->dec, t->frame);
        if (ret == 0)
            return 0;
        if (ret != AVERROR(EAGAIN))
            return thumb_fail(e, in, "cannot decode", ret);
    }
    avcodec_send_packet(t->dec, NULL);
    if (avcodec_receive_frame(t->dec, t->frame) == 0)
        return 0;
    return thumb_fail(e, in, "no frame", ret);
}

static const char *thumb_rotate(const AVStream *st)
{
    const uint8_t *m = av_stream_get_side_data(st, AV_PKT_DATA_DISPLAYMATRIX,
                                               NULL);
    double theta = m ? -av_display_rotation_get((const int32_t *)m) : 0;
    long deg = lround(theta / 90.0) * 90 % 360;

    if (deg < 0)
        deg += 360;
    return deg == 90 ? "transpose=clock," : deg == 180 ? "hflip,vflip,"
           : deg == 270 ? "transpose=cclock," : "";
}

static int thumb_filter(struct thumb *t, int max_w, const char *in,
                        struct dub_err *e)
{
    AVStream *st = t->ic->streams[t->vindex];
    AVFilterInOut *outs = avfilter_inout_alloc(), *ins = avfilter_inout_alloc();
    AVRational sar = t->frame->sample_aspect_ratio;
    char args[256], desc[256];
    int ret;

    t->graph = avfilter_graph_alloc();
    if (!outs || !ins || !t->graph) {
        ret = AVERROR(ENOMEM);
        goto end;
    }
    if (sar.num <= 0 || sar.den <= 0)
        sar = (AVRational){1, 1};
    snprintf(args, sizeof(args),
             "video_size=%dx%d:pix_fmt=%d:time_base=1/1:pixel_aspect=%d/%d",
             t->frame->width, t->frame->height, t->frame->format, sar.num,
             sar.den);
    ret = avfilter_graph_create_filter(&t->src, avfilter_get_by_name("buffer"),
                                       "in", args, NULL, t->graph);
    if (ret < 0)
        goto end;
    ret = avfilter_graph_create_filter(&t->sink,
                                       avfilter_get_by_name("buffersink"),
                                       "out", NULL, NULL, t->graph);
    if (ret < 0)
        goto end;
    snprintf(desc, sizeof(desc),
             "scale=iw*sar:ih,setsar=1,%sscale='min(%d,iw)':-2:flags=bicubic,"
             "format=yuvj420p",
             thumb_rotate(st), max_w);
    outs->name = av_strdup("in");
    outs->filter_ctx = t->src;
    ins->name = av_strdup("out");
    ins->filter_ctx = t->sink;
    ret = avfilter_graph_parse_ptr(t->graph, desc, &ins, &outs, NULL);
    if (ret >= 0)
        ret = avfilter_graph_config(t->graph, NULL);
    if (ret >= 0)
        ret = av_buffersrc_add_frame(t->src, t->frame);
    if (ret >= 0)
        ret = av_buffersink_get_frame(t->sink, t->out);
end:
    avfilter_inout_free(&ins);
    avfilter_inout_free(&outs);
    if (ret < 0)
        return thumb_fail(e, in, "cannot scale the frame", ret);
    return 0;
}

static int thumb_encode(struct thumb *t, const char *in, const char *out,
                        struct dub_err *e)
{
    const AVCodec *codec = avcodec_find_encoder(AV_CODEC_ID_MJPEG);
    char *tmp = NULL;
    FILE *f = NULL;
    int ret, rc = -1, fd;

    if (!codec || !(t->enc = avcodec_alloc_context3(codec))) {
        thumb_fail(e, in, "no JPEG encoder", AVERROR_ENCODER_NOT_FOUND);
        goto end;
    }
    t->enc->width = t->out->width;
    t->enc->height = t->out->height;
    t->enc->pix_fmt = AV_PIX_FMT_YUVJ420P;
    t->enc->time_base = (AVRational){1, 25};
    t->enc->flags |= AV_CODEC_FLAG_QSCALE;
    t->enc->global_quality = FF_QP2LAMBDA * THUMB_QSCALE;
    t->out->quality = t->enc->global_quality;
    t->out->pict_type = AV_PICTURE_TYPE_I;
    if ((ret = avcodec_open2(t->enc, codec, NULL)) < 0 ||
        (ret = avcodec_send_frame(t->enc, t->out)) < 0 ||
        (ret = avcodec_receive_packet(t->enc, t->pkt)) < 0) {
        thumb_fail(e, in, "cannot encode JPEG", ret);
        goto end;
    }
    fd = util_tmp_open(out, &tmp, e);
    if (fd < 0)
        goto end;
    f = fdopen(fd, "wb");
    if (!f)
        close(fd);
    if (!f || fwrite(t->pkt->data, 1, (size_t)t->pkt->size, f) !=
                  (size_t)t->pkt->size || fclose(f) != 0) {
        f = NULL;
        dub_errf(e, DUB_EIO, "cannot write '%s'", tmp);
        goto end;
    }
    f = NULL;
    if (rename(tmp, out) < 0) {
        dub_errf(e, DUB_EIO, "cannot rename '%s'", tmp);
        goto end;
    }
    rc = 0;
end:
    if (f)
        fclose(f);
    if (rc < 0 && tmp)
        unlink(tmp);
    free(tmp);
    return rc;
}

int thumb_write(const char *in, double at_seconds, int max_w, const char *out,
                struct dub_err *e)
{
    struct thumb t = {0};
    int rc = -1;

    t.frame = av_frame_alloc();
    t.out = av_frame_alloc();
    t.pkt = av_packet_alloc();
    if (!t.frame || !t.out || !t.pkt) {
        dub_errf(e, DUB_EMEDIA, "out of memory for '%s'", in);
        goto end;
    }
    if (thumb_open(&t, in, e) < 0 || thumb_decode(&t, at_seconds, in, e) < 0 ||
        thumb_filter(&t, max_w, in, e) < 0 || thumb_encode(&t, in, out, e) < 0)
        goto end;
    rc = 0;
end:
    av_packet_free(&t.pkt);
    av_frame_free(&t.out);
    av_frame_free(&t.frame);
    avcodec_free_context(&t.enc);
    avcodec_free_context(&t.dec);
    avfilter_graph_free(&t.graph);
    avformat_close_input(&t.ic);
    return rc;
}

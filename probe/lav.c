/*
 * lav: shared libav steps of the probe/ modules that write files.
 */
#define _POSIX_C_SOURCE 200809L
#include "lav.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>
#include <libavfilter/avfilter.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>

int lav_open_input(AVFormatContext **ic, const char *in)
{
    AVDictionary *opts = NULL;
    int ret;

    av_dict_set(&opts, "protocol_whitelist",
                util_starts_with(in, "https://") ? "https,tls,tcp" : "file", 0);
    ret = avformat_open_input(ic, in, NULL, &opts);
    av_dict_free(&opts);
    if (ret < 0)
        return ret;
    return avformat_find_stream_info(*ic, NULL);
}

int lav_first_stream(const AVFormatContext *ic, int type)
{
    unsigned i;

    for (i = 0; i < ic->nb_streams; i++)
        if ((int)ic->streams[i]->codecpar->codec_type == type &&
            !(ic->streams[i]->disposition & AV_DISPOSITION_ATTACHED_PIC))
            return (int)i;
    return -1;
}

/* The buffer source's arguments: what the decoder hands out. */
static void lav_src_args(AVCodecContext *dec, const AVStream *st, char *args,
                         size_t n)
{
    char layout[128];
    AVRational sar = dec->sample_aspect_ratio;

    if (dec->codec_type == AVMEDIA_TYPE_VIDEO) {
        if (sar.num <= 0 || sar.den <= 0)
            sar = (AVRational){1, 1};
        snprintf(args, n,
                 "video_size=%dx%d:pix_fmt=%d:time_base=%d/%d:"
                 "pixel_aspect=%d/%d",
                 dec->width, dec->height, dec->pix_fmt, st->time_base.num,
                 st->time_base.den, sar.num, sar.den);
        return;
    }
    if (dec->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC)
        av_channel_layout_default(&dec->ch_layout, dec->ch_layout.nb_channels);
    av_channel_layout_describe(&dec->ch_layout, layout, sizeof(layout));
    snprintf(args, n,
             "time_base=%d/%d:sample_rate=%d:sample_fmt=%s:channel_layout=%s",
             st->time_base.num, st->time_base.den, dec->sample_rate,
             av_get_sample_fmt_name(dec->sample_fmt), layout);
}

int lav_graph(AVFilterGraph **graph, AVFilterContext **src,
              AVFilterContext **sink, AVCodecContext *dec, const AVStream *st,
              const char *desc)
{
    int video = dec->codec_type == AVMEDIA_TYPE_VIDEO;
    AVFilterInOut *outs = avfilter_inout_alloc();
    AVFilterInOut *ins = avfilter_inout_alloc();
    char args[512];
    int ret;

    *graph = avfilter_graph_alloc();
    if (!outs || !ins || !*graph) {
        ret = AVERROR(ENOMEM);
        goto end;
    }
    lav_src_args(dec, st, args, sizeof(args));
    ret = avfilter_graph_create_filter(
        src, avfilter_get_by_name(video ? "buffer" : "abuffer"), "in", args,
        NULL, *graph);
    if (ret < 0)
        goto end;
    ret = avfilter_graph_create_filter(
        sink, avfilter_get_by_name(video ? "buffersink" : "abuffersink"),
        "out", NULL, NULL, *graph);
    if (ret < 0)
        goto end;
    outs->name = av_strdup("in");
    outs->filter_ctx = *src;
    ins->name = av_strdup("out");
    ins->filter_ctx = *sink;
    if ((ret = avfilter_graph_parse_ptr(*graph, desc, &ins, &outs, NULL)) < 0)
        goto end;
    ret = avfilter_graph_config(*graph, NULL);
end:
    avfilter_inout_free(&ins);
    avfilter_inout_free(&outs);
    return ret;
}

int lav_error(struct dub_err *e, int ret, const char *fmt, ...)
{
    char what[512], buf[AV_ERROR_MAX_STRING_SIZE];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    av_strerror(ret, buf, sizeof(buf));
    return dub_errf(e, DUB_EMEDIA, "%s: %s", what, buf);
}

char *lav_tmp_name(const char *out)
{
    struct dub_err e = {0};
    char *tmp = NULL, rnd[17];
    int fd = util_tmp_open(out, &tmp, &e);

    if (fd >= 0) {
        close(fd);
        return tmp;
    }
    /* Opening it will fail the same way and say why; the name is still
     * one nobody could have guessed and planted a link at. */
    util_random_hex(rnd, 8);
    return xasprintf("%s.tmp.%s", out, rnd);
}

int lav_commit(const char *tmp, const char *out, struct dub_err *e)
{
    if (rename(tmp, out) == 0)
        return 0;
    dub_errf(e, DUB_EIO, "cannot rename '%s' to '%s': %s", tmp, out,
             strerror(errno));
    unlink(tmp);
    return -1;
}

/*
 * stitch: count each part's frames, decide between stream copy and a
 * re-encode, and for the copy write every part's packets shifted to where
 * its window starts (FFmpeg's doc/examples remux.c over several inputs).
 */
#define _POSIX_C_SOURCE 200809L
#include "stitch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>

#include "conform.h"
#include "lav.h"

struct stitch_in {
    AVFormatContext *ic;
    AVStream *st;
    int64_t frames;      /* the picture's frames (packets) */
    int64_t delay;       /* first packet's pts less its dts, stream base */
    int key;             /* the first packet is a keyframe */
};

static void stitch_close(struct stitch_in *in)
{
    avformat_close_input(&in->ic);
    in->st = NULL;
}

/* Opens a part and reads what deciding needs: its frame count (from the
 * index where the container has one) and its first packet. */
static int stitch_open(struct stitch_in *in, const char *path)
{
    AVPacket *pkt = av_packet_alloc();
    int ret, index, first = 1;

    memset(in, 0, sizeof(*in));
    if (!pkt)
        return AVERROR(ENOMEM);
    if ((ret = lav_open_input(&in->ic, path)) < 0)
        goto end;
    index = lav_first_stream(in->ic, AVMEDIA_TYPE_VIDEO);
    if (index < 0) {
        ret = AVERROR_STREAM_NOT_FOUND;
        goto end;
    }
    in->st = in->ic->streams[index];
    in->frames = in->st->nb_frames;
    while ((ret = av_read_frame(in->ic, pkt)) >= 0) {
        if (pkt->stream_index == index) {
            if (first) {
                in->key = (pkt->flags & AV_PKT_FLAG_KEY) != 0;
                if (pkt->pts != AV_NOPTS_VALUE && pkt->dts != AV_NOPTS_VALUE)
                    in->delay = pkt->pts - pkt->dts;
                first = 0;
            }
            if (in->st->nb_frames <= 0)
                in->frames++;
        }
        av_packet_unref(pkt);
        if (!first && in->st->nb_frames > 0)
            break;
    }
    ret = ret == AVERROR_EOF || ret >= 0 ? 0 : ret;
    if (ret >= 0)
        ret = avformat_seek_file(in->ic, -1, INT64_MIN, 0, INT64_MAX,
                                 AVSEEK_FLAG_BACKWARD);
end:
    av_packet_free(&pkt);
    return ret;
}

/* 1 when part b's packets can follow part a's in one stream. */
static int stitch_compatible(const struct stitch_in *a,
                             const struct stitch_in *b)
{
    const AVCodecParameters *x = a->st->codecpar, *y = b->st->codecpar;

    return x->codec_id == y->codec_id && x->width == y->width &&
           x->height == y->height && x->format == y->format &&
           x->extradata_size == y->extradata_size &&
           (x->extradata_size == 0 ||
            memcmp(x->extradata, y->extradata, (size_t)x->extradata_size) ==
                0) &&
           av_compare_ts(a->delay, a->st->time_base, b->delay,
                         b->st->time_base) == 0 &&
           b->key;
}

/* The copy: each part's packets, shifted to its window's first frame. */
static int stitch_copy(struct stitch_in *ins, int n,
                       const struct plan_video *pv, const char *tmp)
{
    AVFormatContext *oc = NULL;
    AVDictionary *opts = NULL;
    AVPacket *pkt = av_packet_alloc();
    AVRational frame = {pv->fps_den, pv->fps_num};
    AVStream *ost;
    int64_t offset = 0;
    int ret, i;

    if (!pkt)
        return AVERROR(ENOMEM);
    if ((ret = avformat_alloc_output_context2(&oc, NULL, "mp4", tmp)) < 0)
        goto end;
    ost = avformat_new_stream(oc, NULL);
    if (!ost) {
        ret = AVERROR(ENOMEM);
        goto end;
    }
    if ((ret = avcodec_parameters_copy(ost->codecpar,
                                       ins[0].st->codecpar)) < 0)
        goto end;
    ost->codecpar->codec_tag = 0;
    ost->time_base = ins[0].st->time_base;
    ost->avg_frame_rate = (AVRational){pv->fps_num, pv->fps_den};
    if ((ret = avio_open(&oc->pb, tmp, AVIO_FLAG_WRITE)) < 0)
        goto end;
    av_dict_set(&opts, "movflags", "+faststart", 0);
    ret = avformat_write_header(oc, &opts);
    av_dict_free(&opts);
    if (ret < 0)
        goto end;
    for (i = 0; i < n; i++) {
        AVStream *st = ins[i].st;
        int64_t origin = st->start_time != AV_NOPTS_VALUE ? st->start_time : 0;

        while ((ret = av_read_frame(ins[i].ic, pkt)) >= 0) {
            if (pkt->stream_index != st->index) {
                av_packet_unref(pkt);
                continue;
            }
            if (pkt->pts != AV_NOPTS_VALUE)
                pkt->pts -= origin;
            if (pkt->dts != AV_NOPTS_VALUE)
                pkt->dts -= origin;
            av_packet_rescale_ts(pkt, st->time_base, ost->time_base);
            if (pkt->pts != AV_NOPTS_VALUE)
                pkt->pts += offset;
            if (pkt->dts != AV_NOPTS_VALUE)
                pkt->dts += offset;
            pkt->stream_index = 0;
            pkt->pos = -1;
            /* av_interleaved_write_frame takes the packet's contents. */
            if ((ret = av_interleaved_write_frame(oc, pkt)) < 0)
                goto end;
        }
        if (ret != AVERROR_EOF)
            goto end;
        offset += av_rescale_q(ins[i].frames, frame, ost->time_base);
    }
    ret = av_write_trailer(oc);
end:
    av_packet_free(&pkt);
    if (oc) {
        avio_closep(&oc->pb);
        avformat_free_context(oc);
    }
    return ret;
}

int stitch_parts(const struct scene_part *parts, int n,
                 const struct plan_video *pv, const char *out,
                 struct scene_stitch *s, struct dub_err *e)
{
    struct stitch_in *ins;
    char *tmp;
    int i, ret = 0, copy = 1, rc = -1;

    memset(s, 0, sizeof(*s));
    if (n < 1 || n > SCENE_MAX_PARTS)
        return dub_errf(e, DUB_EINTERNAL, "stitch: %d windows (1..%d)", n,
                        SCENE_MAX_PARTS);
    ins = xcalloc((size_t)n, sizeof(*ins));
    tmp = lav_tmp_name(out);
    s->nparts = n;
    for (i = 0; i < n; i++) {
        int64_t off;

        if ((ret = stitch_open(&ins[i], parts[i].path)) < 0) {
            if (ret == AVERROR_STREAM_NOT_FOUND)
                dub_errf(e, DUB_EMEDIA, "stitch: window %d ('%s') has no "
                         "video stream", i + 1, parts[i].path);
            else
                lav_error(e, ret, "stitch: cannot read window %d ('%s')",
                          i + 1, parts[i].path);
            goto end;
        }
        s->got[i] = ins[i].frames;
        off = ins[i].frames - parts[i].frames;
        if (off < -SCENE_MEND_FRAMES || off > SCENE_MEND_FRAMES) {
            dub_errf(e, DUB_EMEDIA,
                     "stitch: window %d ('%s') came back with %lld frames "
                     "where %lld were sent (more than %d off)", i + 1,
                     parts[i].path, (long long)ins[i].frames,
                     (long long)parts[i].frames, SCENE_MEND_FRAMES);
            goto end;
        }
        if (off != 0) {
            s->mended++;
            copy = 0;
        }
        if (i == 0 ? !ins[0].key : !stitch_compatible(&ins[0], &ins[i]))
            copy = 0;
    }
    for (i = 0; i < n; i++)
        s->frames += parts[i].frames;
    if (copy) {
        ret = stitch_copy(ins, n, pv, tmp);
        if (ret < 0) {
            unlink(tmp);
            lav_error(e, ret, "stitch '%s'", out);
            goto end;
        }
        rc = lav_commit(tmp, out, e);
        s->copied = 1;
        goto end;
    }
    for (i = 0; i < n; i++)
        stitch_close(&ins[i]);
    rc = conform_join(parts, n, pv, out, e);
end:
    for (i = 0; i < n; i++)
        stitch_close(&ins[i]);
    free(ins);
    free(tmp);
    return rc;
}

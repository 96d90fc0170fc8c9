/*
 * conform: plan -> compliant file, in process with libav (dubbatch never
 * runs the ffmpeg program).
 *
 * Shaped like FFmpeg's doc/examples transcode.c and remux.c: one static
 * function per stage returning an AVERROR, a context struct on the caller's
 * stack instead of globals, drain loops where EAGAIN and EOF are flow
 * control, and one end: label.  AVERROR never leaves this file: it becomes a
 * struct dub_err with av_strerror's words.
 *
 * The video is cut by counting frames out of the filter graph, never by
 * time, so a 10 s limit gives 300 frames at 30 fps or 299 at 29.97, and the
 * file is never 10.01 s long (field-notes d4).  The stages the
 * conversions share are in conformstage.c.
 */
#define _POSIX_C_SOURCE 200809L
#include "conformint.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>
#include <libavfilter/buffersink.h>
#include <libavfilter/buffersrc.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>

#include "lav.h"

/* libx264 settings.  CRF 18 is visually lossless for talking heads, which
 * matters because the model re-renders the mouth from what it is given;
 * "fast" is within a few percent of "medium" in size at that CRF and
 * markedly quicker on 2 cores. */
#define CONFORM_X264_PRESET "fast"
#define CONFORM_X264_CRF "18"
/* Bit-rate ceiling.  40 Mb/s keeps 10 s at 50 MB, half the 100 MB limit;
 * longer text-to-video clips get a lower ceiling from the same budget. */
#define CONFORM_MAXRATE_CAP 40000000
#define CONFORM_BYTE_SHARE 0.8
/* Audio re-encodes at 0.85x the bit rate while the file is over the byte
 * limit (field-notes d8), a bounded number of times. */
#define CONFORM_AUDIO_RETRIES 4
#define CONFORM_AUDIO_STEP 0.85

/* ==== Filter descriptions (pure) ======================================== */

void conform_video_filters(const struct facts *f, const struct plan_video *pv,
                           char *out, size_t n)
{
    struct joiner t = {out, n, 0, ","};
    double fps = (double)pv->fps_num / pv->fps_den;

    if (!n)
        return;
    out[0] = '\0';
    if (pv->rotation == 90)
        joiner_add(&t, "transpose=clock");
    else if (pv->rotation == 180)
        joiner_add(&t, "hflip,vflip");
    else if (pv->rotation == 270)
        joiner_add(&t, "transpose=cclock");
    /* The plan's size is already upright and in square pixels, so one
     * scale fixes size and pixel aspect together. */
    joiner_add(&t, "scale=%d:%d:flags=lanczos", pv->scale_w, pv->scale_h);
    joiner_add(&t, "setsar=1");
    if (pv->why & PLAN_V_PAD)
        joiner_add(&t, "pad=%d:%d:(ow-iw)/2:(oh-ih)/2:color=black",
                    pv->out_w, pv->out_h);
    else if (pv->why & PLAN_V_CROP)
        joiner_add(&t, "crop=%d:%d:(iw-ow)/2:(ih-oh)/2", pv->out_w,
                    pv->out_h);
    /* A window starts the constant-rate grid at its own first frame: the
     * same grid as the whole clip's, which starts at its first timestamp,
     * so window k's frames are the whole conform's frames start.. . */
    if (pv->why & PLAN_V_SLICE)
        joiner_add(&t, "fps=%d/%d:start_time=%.9f", pv->fps_num, pv->fps_den,
                   f->video.start_time + (double)pv->start * pv->fps_den /
                                             pv->fps_num);
    else
        joiner_add(&t, "fps=%d/%d", pv->fps_num, pv->fps_den);
    if (pv->why & PLAN_V_LOOP) {
        /* loop keeps the frames in memory: a short clip is at most 2 s. */
        long size = (long)ceil(pv->in_duration * fps) + 2;

        joiner_add(&t, "loop=loop=-1:size=%ld:start=0",
                    size > 32767 ? 32767 : size);
    } else if (pv->why & PLAN_V_FREEZE) {
        joiner_add(&t, "tpad=stop_mode=clone:stop_duration=%.3f",
                    pv->duration - pv->in_duration + 1.0);
    }
    joiner_add(&t, "format=yuv420p");
}

void conform_audio_filters(const struct facts *f, const struct plan_audio *pa,
                           char *out, size_t n)
{
    struct joiner t = {out, n, 0, ","};

    if (!n)
        return;
    out[0] = '\0';
    /* A window counts from the dub's first sample, as the analysis did. */
    if (pa->why & PLAN_A_SLICE)
        joiner_add(&t, "atrim=start=%.9f", f->audio.start_time + pa->start);
    joiner_add(&t, "aformat=sample_fmts=fltp:sample_rates=%d:channel_layouts=%s",
                pa->sample_rate, pa->channels == 1 ? "mono" : "stereo");
    /* Silence is added without end; the writer stops at the planned count.
     * A window past the dub's end is silence too. */
    if (pa->why & (PLAN_A_PAD | PLAN_A_SLICE))
        joiner_add(&t, "apad");
}

/* ==== Stream copy (remux.c) ============================================= */

static int conform_remux(const char *in, int index, const char *out,
                         struct dub_err *e)
{
    struct conv c = {0};
    char *tmp = lav_tmp_name(out);
    AVStream *ist;
    int ret, rc;

    if ((ret = lav_open_input(&c.ic, in)) < 0)
        goto end;
    if (index < 0 || (unsigned)index >= c.ic->nb_streams) {
        ret = AVERROR_STREAM_NOT_FOUND;
        goto end;
    }
    ist = c.ic->streams[index];
    if (!(c.pkt = av_packet_alloc()) ||
        (ret = conform_open_output(&c, tmp, out)) < 0)
        goto end;
    if ((ret = avcodec_parameters_copy(c.ost->codecpar, ist->codecpar)) < 0)
        goto end;
    /* The source container's tag may mean nothing in the new one. */
    c.ost->codecpar->codec_tag = 0;
    c.ost->time_base = ist->time_base;
    if ((ret = conform_write_header(&c)) < 0)
        goto end;
    while ((ret = av_read_frame(c.ic, c.pkt)) >= 0) {
        if (c.pkt->stream_index != index) {
            av_packet_unref(c.pkt);
            continue;
        }
        av_packet_rescale_ts(c.pkt, ist->time_base, c.ost->time_base);
        c.pkt->stream_index = 0;
        c.pkt->pos = -1;
        if ((ret = av_interleaved_write_frame(c.oc, c.pkt)) < 0)
            goto end;
    }
    ret = av_write_trailer(c.oc);
end:
    if (ret == AVERROR_EOF)
        ret = 0;
    conform_close(&c);
    rc = conform_finish(tmp, out, ret, in, e);
    free(tmp);
    return rc;
}

/* ==== Video ============================================================= */

static int conform_video_encoder(struct conv *c, const struct plan_video *pv)
{
    const AVCodec *codec = avcodec_find_encoder_by_name("libx264");
    AVCodecContext *enc;
    double budget;
    int64_t maxrate;
    int ret;

    if (!codec)
        return AVERROR_ENCODER_NOT_FOUND;
    enc = c->enc = avcodec_alloc_context3(codec);
    if (!enc)
        return AVERROR(ENOMEM);
    enc->width = pv->out_w;
    enc->height = pv->out_h;
    enc->pix_fmt = AV_PIX_FMT_YUV420P;
    enc->sample_aspect_ratio = (AVRational){1, 1};
    enc->time_base = (AVRational){pv->fps_den, pv->fps_num};
    enc->framerate = (AVRational){pv->fps_num, pv->fps_den};
    enc->color_primaries = AVCOL_PRI_BT709;
    enc->color_trc = AVCOL_TRC_BT709;
    enc->colorspace = AVCOL_SPC_BT709;
    enc->color_range = AVCOL_RANGE_MPEG;
    budget = CONFORM_BYTE_SHARE *
             (double)plan_limits_get(PLAN_A2V)->video_max_bytes * 8.0 /
             fmax(pv->duration, 1.0);
    maxrate = (int64_t)fmin(CONFORM_MAXRATE_CAP, budget);
    enc->rc_max_rate = maxrate;
    enc->rc_buffer_size = (int)fmin(2.0 * maxrate, INT32_MAX);
    enc->thread_count = 0; /* as the ffmpeg CLI: one per core */
    av_opt_set(enc->priv_data, "preset", CONFORM_X264_PRESET, 0);
    av_opt_set(enc->priv_data, "crf", CONFORM_X264_CRF, 0);
    if (c->oc->oformat->flags & AVFMT_GLOBALHEADER)
        enc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    if ((ret = avcodec_open2(enc, codec, NULL)) < 0)
        return ret;
    if ((ret = avcodec_parameters_from_context(c->ost->codecpar, enc)) < 0)
        return ret;
    c->ost->time_base = enc->time_base;
    c->ost->avg_frame_rate = enc->framerate;
    return 0;
}

int conform_video(const char *in, const struct facts *f,
                  const struct plan_video *pv, const char *out,
                  struct dub_err *e)
{
    struct conv c = {0};
    char *tmp, desc[512];
    int ret, rc;

    if (pv->step == PLAN_KEEP)
        return dub_errf(e, DUB_EINTERNAL, "'%s' needs no conforming", in);
    if (!f->has_video)
        return dub_errf(e, DUB_EMEDIA, "'%s' has no video stream", in);
    if (pv->step == PLAN_REMUX && !(pv->why & PLAN_V_SLICE))
        return conform_remux(in, f->video.index, out, e);
    if (pv->step != PLAN_ENCODE)
        return dub_errf(e, DUB_EINTERNAL, "a window of '%s' is always encoded",
                        in);

    tmp = lav_tmp_name(out);
    c.frame = av_frame_alloc();
    c.filt = av_frame_alloc();
    c.pkt = av_packet_alloc();
    if (!c.frame || !c.filt || !c.pkt) {
        ret = AVERROR(ENOMEM);
        goto end;
    }
    if ((ret = conform_open_input(&c, in, f->video.index)) < 0)
        goto end;
    if ((pv->why & PLAN_V_SLICE) &&
        (ret = conform_seek(&c, f->video.start_time +
                                    (double)pv->start * pv->fps_den /
                                        pv->fps_num)) < 0)
        goto end;
    conform_video_filters(f, pv, desc, sizeof(desc));
    if ((ret = lav_graph(&c.graph, &c.src, &c.sink, c.dec,
                         c.ic->streams[c.index], desc)) < 0)
        goto end;
    if ((ret = conform_open_output(&c, tmp, out)) < 0 ||
        (ret = conform_video_encoder(&c, pv)) < 0 ||
        (ret = conform_write_header(&c)) < 0)
        goto end;
    c.want = pv->frames;
    ret = conform_pump(&c, 0);
end:
    conform_close(&c);
    rc = conform_finish(tmp, out, ret, in, e);
    free(tmp);
    return rc;
}

/* ==== Audio ============================================================= */

static int conform_audio_once(const char *in, const struct facts *f,
                              const struct plan_audio *pa, int bitrate,
                              const char *tmp, const char *out)
{
    struct conv c = {0};
    const AVCodec *codec = avcodec_find_encoder(AV_CODEC_ID_AAC);
    char desc[256];
    int ret;

    c.frame = av_frame_alloc();
    c.filt = av_frame_alloc();
    c.pkt = av_packet_alloc();
    if (!c.frame || !c.filt || !c.pkt) {
        ret = AVERROR(ENOMEM);
        goto end;
    }
    if (!codec) {
        ret = AVERROR_ENCODER_NOT_FOUND;
        goto end;
    }
    if ((ret = conform_open_input(&c, in, f->audio.index)) < 0)
        goto end;
    if ((pa->why & PLAN_A_SLICE) &&
        (ret = conform_seek(&c, f->audio.start_time + pa->start)) < 0)
        goto end;
    conform_audio_filters(f, pa, desc, sizeof(desc));
    if ((ret = lav_graph(&c.graph, &c.src, &c.sink, c.dec,
                         c.ic->streams[c.index], desc)) < 0)
        goto end;
    if ((ret = conform_open_output(&c, tmp, out)) < 0)
        goto end;
    c.enc = avcodec_alloc_context3(codec);
    if (!c.enc) {
        ret = AVERROR(ENOMEM);
        goto end;
    }
    c.enc->sample_fmt = AV_SAMPLE_FMT_FLTP;
    c.enc->sample_rate = pa->sample_rate;
    av_channel_layout_default(&c.enc->ch_layout, pa->channels == 1 ? 1 : 2);
    c.enc->bit_rate = bitrate;
    c.enc->time_base = (AVRational){1, pa->sample_rate};
    if (c.oc->oformat->flags & AVFMT_GLOBALHEADER)
        c.enc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    if ((ret = avcodec_open2(c.enc, codec, NULL)) < 0 ||
        (ret = avcodec_parameters_from_context(c.ost->codecpar, c.enc)) < 0)
        goto end;
    c.ost->time_base = c.enc->time_base;
    /* The AAC encoder takes exactly frame_size samples per frame: the sink
     * cuts them to size, which spares an AVAudioFifo. */
    av_buffersink_set_frame_size(c.sink, (unsigned)c.enc->frame_size);
    if ((ret = conform_write_header(&c)) < 0)
        goto end;
    c.want = (int64_t)llround(pa->duration * pa->sample_rate);
    ret = conform_pump(&c, 1);
end:
    conform_close(&c);
    return ret;
}

int conform_audio_encode(const char *in, const struct facts *f,
                         const struct plan_audio *pa, const char *out,
                         struct dub_err *e)
{
    char *tmp = lav_tmp_name(out);
    int ret = conform_audio_once(in, f, pa, pa->bitrate, tmp, out);
    int rc = conform_finish(tmp, out, ret, in, e);

    free(tmp);
    return rc;
}

int conform_audio(const char *in, const struct facts *f,
                  const struct plan_audio *pa, const char *out,
                  struct dub_err *e)
{
    int64_t limit = plan_limits_get(PLAN_A2V)->audio_max_bytes;
    char *tmp;
    int bitrate = pa->bitrate, tries, ret = 0, rc;
    struct stat st;

    if (pa->step == PLAN_KEEP)
        return dub_errf(e, DUB_EINTERNAL, "'%s' needs no conforming", in);
    if (!f->has_audio)
        return dub_errf(e, DUB_EMEDIA, "'%s' has no audio stream", in);
    if (pa->step == PLAN_REMUX && !(pa->why & PLAN_A_SLICE))
        return conform_remux(in, f->audio.index, out, e);
    if (pa->step != PLAN_ENCODE)
        return dub_errf(e, DUB_EINTERNAL, "a window of '%s' is always encoded",
                        in);
    tmp = lav_tmp_name(out);
    for (tries = 0; tries < CONFORM_AUDIO_RETRIES; tries++) {
        ret = conform_audio_once(in, f, pa, bitrate, tmp, out);
        if (ret < 0 || stat(tmp, &st) < 0 || st.st_size <= limit)
            break;
        bitrate = (int)(bitrate * CONFORM_AUDIO_STEP);
    }
    if (ret >= 0 && tries == CONFORM_AUDIO_RETRIES) {
        unlink(tmp);
        free(tmp);
        return dub_errf(e, DUB_EREJECT,
                        "conform '%s': still over %lld bytes at %d b/s", in,
                        (long long)limit, bitrate);
    }
    rc = conform_finish(tmp, out, ret, in, e);
    free(tmp);
    return rc;
}

/* ==== Joining windows =================================================== */

/* Encodes one frame (a reference, so the last can be repeated) as the
 * output's next. */
static int conform_put(struct conv *out, AVFrame *f)
{
    AVFrame *dup = av_frame_clone(f);
    int ret;

    if (!dup)
        return AVERROR(ENOMEM);
    dup->pts = out->done++;
    dup->pict_type = AV_PICTURE_TYPE_NONE;
    ret = conform_encode(out, dup);
    av_frame_free(&dup);
    return ret;
}

/* One part into the encoder: up to want frames, then its last frame again
 * until there are want. */
static int conform_join_part(struct conv *out, const struct scene_part *part,
                             const char *desc, AVFrame *last)
{
    struct conv in = {0};
    int64_t got = 0;
    int ret;

    in.frame = av_frame_alloc();
    in.filt = av_frame_alloc();
    in.pkt = av_packet_alloc();
    if (!in.frame || !in.filt || !in.pkt) {
        ret = AVERROR(ENOMEM);
        goto end;
    }
    if ((ret = conform_open_input(&in, part->path, -1)) < 0 ||
        (ret = lav_graph(&in.graph, &in.src, &in.sink, in.dec,
                         in.ic->streams[in.index], desc)) < 0)
        goto end;
    while (got < part->frames) {
        ret = av_buffersink_get_frame(in.sink, in.filt);
        if (ret == AVERROR(EAGAIN)) {
            if (in.input_done)
                break;
            if ((ret = conform_feed(&in)) < 0)
                goto end;
            continue;
        }
        if (ret == AVERROR_EOF)
            break;
        if (ret < 0)
            goto end;
        av_frame_unref(last);
        if ((ret = av_frame_ref(last, in.filt)) < 0 ||
            (ret = conform_put(out, in.filt)) < 0)
            goto end;
        av_frame_unref(in.filt);
        got++;
    }
    ret = got > 0 ? 0 : AVERROR_INVALIDDATA;
    while (ret >= 0 && got < part->frames) {
        ret = conform_put(out, last);
        got++;
    }
end:
    conform_close(&in);
    return ret;
}

int conform_join(const struct scene_part *parts, int n,
                 const struct plan_video *pv, const char *out,
                 struct dub_err *e)
{
    struct conv c = {0};
    char *tmp = lav_tmp_name(out), desc[256];
    AVFrame *last = av_frame_alloc();
    int i, ret, rc;

    /* A model's result may come back at another size: the scene's. */
    snprintf(desc, sizeof(desc),
             "scale=%d:%d:flags=lanczos,setsar=1,format=yuv420p", pv->out_w,
             pv->out_h);
    c.pkt = av_packet_alloc();
    if (!c.pkt || !last) {
        ret = AVERROR(ENOMEM);
        goto end;
    }
    if ((ret = conform_open_output(&c, tmp, out)) < 0 ||
        (ret = conform_video_encoder(&c, pv)) < 0 ||
        (ret = conform_write_header(&c)) < 0)
        goto end;
    for (i = 0; i < n; i++) {
        if ((ret = conform_join_part(&c, &parts[i], desc, last)) < 0) {
            av_frame_free(&last);
            conform_close(&c);
            unlink(tmp);
            free(tmp);
            return lav_error(e, ret, "stitch: cannot join window %d ('%s')",
                             i + 1, parts[i].path);
        }
    }
    if ((ret = conform_encode(&c, NULL)) >= 0)
        ret = av_write_trailer(c.oc);
end:
    av_frame_free(&last);
    conform_close(&c);
    rc = conform_finish(tmp, out, ret, out, e);
    free(tmp);
    return rc;
}

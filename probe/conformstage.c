/*
 * conform: the stages video, audio and joining share, each returning an
 * AVERROR as in FFmpeg's doc/examples transcode.c: open the input's stream
 * and its decoder, open the output, write its header, feed the filter
 * graph, pump it into the encoder, encode, seek to a window, and commit or
 * remove the temporary file.
 */
#define _POSIX_C_SOURCE 200809L
#include "conformint.h"

#include <string.h>
#include <unistd.h>

#include <libavfilter/buffersink.h>
#include <libavfilter/buffersrc.h>
#include <libavutil/opt.h>

#include "lav.h"

/* Seconds of audio decoded before a window: an AAC or MP3 frame needs the
 * one before it to decode cleanly. */
#define CONFORM_AUDIO_PREROLL 0.2

int conform_open_input(struct conv *c, const char *in, int index)
{
    const AVCodec *codec;
    int ret;

    if ((ret = lav_open_input(&c->ic, in)) < 0)
        return ret;
    /* -1: the first video stream that is not cover art. */
    if (index < 0)
        index = lav_first_stream(c->ic, AVMEDIA_TYPE_VIDEO);
    if (index < 0 || (unsigned)index >= c->ic->nb_streams)
        return AVERROR_STREAM_NOT_FOUND;
    c->index = index;
    codec = avcodec_find_decoder(c->ic->streams[index]->codecpar->codec_id);
    if (!codec)
        return AVERROR_DECODER_NOT_FOUND;
    c->dec = avcodec_alloc_context3(codec);
    if (!c->dec)
        return AVERROR(ENOMEM);
    if ((ret = avcodec_parameters_to_context(
             c->dec, c->ic->streams[index]->codecpar)) < 0)
        return ret;
    c->dec->pkt_timebase = c->ic->streams[index]->time_base;
    /* The API's default is one thread; the ffmpeg CLI's is one per core. */
    c->dec->thread_count = 0;
    return avcodec_open2(c->dec, codec, NULL);
}

static const char *conform_muxer(const char *out)
{
    char ext[8];

    util_ext(out, ext, sizeof(ext));
    if (strcmp(ext, "m4a") == 0)
        return "ipod";
    if (strcmp(ext, "mp3") == 0)
        return "mp3";
    return "mp4";
}

/* The output container, with one stream; faststart puts the index first
 * so fal (or a browser) can read the file while it downloads. */
int conform_open_output(struct conv *c, const char *tmp, const char *out)
{
    int ret;

    ret = avformat_alloc_output_context2(&c->oc, NULL, conform_muxer(out), tmp);
    if (ret < 0)
        return ret;
    c->ost = avformat_new_stream(c->oc, NULL);
    if (!c->ost)
        return AVERROR(ENOMEM);
    return avio_open(&c->oc->pb, tmp, AVIO_FLAG_WRITE);
}

int conform_write_header(struct conv *c)
{
    AVDictionary *opts = NULL;
    int ret;

    if (strcmp(c->oc->oformat->name, "mp3") != 0)
        av_dict_set(&opts, "movflags", "+faststart", 0);
    ret = avformat_write_header(c->oc, &opts);
    av_dict_free(&opts);
    return ret;
}

void conform_close(struct conv *c)
{
    if (c->oc && !(c->oc->oformat->flags & AVFMT_NOFILE))
        avio_closep(&c->oc->pb);
    avformat_free_context(c->oc);
    avformat_close_input(&c->ic);
    avcodec_free_context(&c->dec);
    avcodec_free_context(&c->enc);
    avfilter_graph_free(&c->graph);
    av_frame_free(&c->frame);
    av_frame_free(&c->filt);
    av_packet_free(&c->pkt);
    memset(c, 0, sizeof(*c));
}

/* Sends one frame (NULL: flush) to the encoder and writes what comes out. */
int conform_encode(struct conv *c, AVFrame *f)
{
    int ret = avcodec_send_frame(c->enc, f);

    while (ret >= 0) {
        ret = avcodec_receive_packet(c->enc, c->pkt);
        if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF)
            return 0;
        if (ret < 0)
            return ret;
        av_packet_rescale_ts(c->pkt, c->enc->time_base, c->ost->time_base);
        c->pkt->stream_index = 0;
        /* av_interleaved_write_frame takes the packet's contents. */
        if ((ret = av_interleaved_write_frame(c->oc, c->pkt)) < 0)
            return ret;
    }
    return ret;
}

/* Feeds the filter graph one decoded frame.  Frames the decoder already
 * holds come first; only when it wants more is a packet read.  At the end
 * of the input the decoder is flushed and the source closed. */
int conform_feed(struct conv *c)
{
    int ret;

    for (;;) {
        ret = avcodec_receive_frame(c->dec, c->frame);
        if (ret == 0) {
            c->frame->pts = c->frame->best_effort_timestamp;
            if (c->frame->pts != AV_NOPTS_VALUE)
                c->end_pts = c->frame->pts + c->frame->pkt_duration;
            ret = av_buffersrc_add_frame_flags(c->src, c->frame,
                                               AV_BUFFERSRC_FLAG_KEEP_REF);
            av_frame_unref(c->frame);
            return ret;
        }
        if (ret == AVERROR_EOF) {
            /* Closing at the end of the last frame, not at its start, lets
             * the fps filter keep that frame (as the ffmpeg CLI does). */
            c->input_done = 1;
            return av_buffersrc_close(c->src, c->end_pts, 0);
        }
        if (ret != AVERROR(EAGAIN))
            return ret;
        ret = av_read_frame(c->ic, c->pkt);
        if (ret == AVERROR_EOF) {
            avcodec_send_packet(c->dec, NULL);
            continue;
        }
        if (ret < 0)
            return ret;
        if (c->pkt->stream_index != c->index) {
            av_packet_unref(c->pkt);
            continue;
        }
        ret = avcodec_send_packet(c->dec, c->pkt);
        av_packet_unref(c->pkt);
        /* A damaged packet is skipped, as the ffmpeg CLI does. */
        if (ret < 0 && ret != AVERROR_INVALIDDATA)
            return ret;
    }
}

/*
 * Pulls filtered frames and encodes them until `want` units (frames, or
 * samples for audio) are written or the graph ends.  Output timestamps are
 * the running count, so the result is constant-rate by construction; the
 * last audio frame is shortened to land exactly on the planned length.
 */
int conform_pump(struct conv *c, int audio)
{
    int ret;

    while (c->done < c->want) {
        ret = av_buffersink_get_frame(c->sink, c->filt);
        if (ret == AVERROR(EAGAIN)) {
            if (c->input_done)
                break;
            if ((ret = conform_feed(c)) < 0)
                return ret;
            continue;
        }
        if (ret == AVERROR_EOF)
            break;
        if (ret < 0)
            return ret;
        c->filt->pts = c->done;
        c->filt->pict_type = AV_PICTURE_TYPE_NONE;
        if (audio) {
            if (c->done + c->filt->nb_samples > c->want)
                c->filt->nb_samples = (int)(c->want - c->done);
            c->done += c->filt->nb_samples;
        } else {
            c->done++;
        }
        ret = conform_encode(c, c->filt);
        av_frame_unref(c->filt);
        if (ret < 0)
            return ret;
    }
    if ((ret = conform_encode(c, NULL)) < 0)
        return ret;
    return av_write_trailer(c->oc);
}

/* A window is decoded from the keyframe at or before at (seconds on the
 * stream's timeline), less a little for audio decoders that need the
 * frame before; the filters drop what comes before the window. */
int conform_seek(struct conv *c, double at)
{
    AVStream *st = c->ic->streams[c->index];

    if (st->codecpar->codec_type == AVMEDIA_TYPE_AUDIO)
        at -= CONFORM_AUDIO_PREROLL;
    if (at <= 0)
        return 0;
    return av_seek_frame(c->ic, c->index,
                         (int64_t)floor(at / av_q2d(st->time_base)),
                         AVSEEK_FLAG_BACKWARD);
}

int conform_finish(const char *tmp, const char *out, int ret, const char *in,
                   struct dub_err *e)
{
    if (ret < 0) {
        unlink(tmp);
        return lav_error(e, ret, "conform '%s': cannot conform", in);
    }
    return lav_commit(tmp, out, e);
}

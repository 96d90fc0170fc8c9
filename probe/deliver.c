/*
 * deliver: a picture and a dub muxed into the delivered file, by stream
 * copy (FFmpeg's doc/examples remux.c, with two inputs).  Packets of the
 * two inputs are merged by time, so the muxer interleaves them without
 * holding a whole track in memory.
 */
#define _POSIX_C_SOURCE 200809L
#include "deliver.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>

#include "conform.h"
#include "facts.h"
#include "lav.h"

/* AAC for a dub MP4 cannot hold: transparent for a speech mix. */
#define DELIVER_AAC_PER_CHANNEL 128000

struct deliver_in {
    AVFormatContext *ic;
    AVStream *ist, *ost;
    AVPacket *pkt;      /* the input's next packet, when pending */
    int pending;
    int eof;
};

struct deliver_ctx {
    struct deliver_in v, a;
    AVFormatContext *oc;
    int64_t end;        /* the picture's end, in the audio's time base */
    int64_t dub_end;    /* the dub's end as read, same base */
    int64_t out_end;    /* the written audio's end, same base */
    int pcm_bytes;      /* bytes per PCM sample frame; 0: not PCM */
};

static int deliver_open(struct deliver_in *in, const char *path,
                        enum AVMediaType type)
{
    int ret, index;

    if ((ret = lav_open_input(&in->ic, path)) < 0)
        return ret;
    index = lav_first_stream(in->ic, type);
    if (index < 0)
        return AVERROR_STREAM_NOT_FOUND;
    in->ist = in->ic->streams[index];
    in->pkt = av_packet_alloc();
    return in->pkt ? 0 : AVERROR(ENOMEM);
}

static int deliver_open_error(struct dub_err *e, int ret, const char *path,
                              const char *kind)
{
    if (ret == AVERROR_STREAM_NOT_FOUND)
        return dub_errf(e, DUB_EMEDIA, "deliver: '%s' has no %s stream", path,
                        kind);
    return lav_error(e, ret, "deliver: cannot read '%s'", path);
}

static void deliver_close(struct deliver_in *in)
{
    avformat_close_input(&in->ic);
    av_packet_free(&in->pkt);
}

static int64_t deliver_start(const AVStream *st)
{
    return st->start_time != AV_NOPTS_VALUE ? st->start_time : 0;
}

/* The picture's length from its index, in its own time base. */
static int64_t deliver_picture_length(const struct deliver_in *v)
{
    if (v->ist->duration != AV_NOPTS_VALUE && v->ist->duration > 0)
        return v->ist->duration;
    if (v->ic->duration > 0)
        return av_rescale_q(v->ic->duration, AV_TIME_BASE_Q,
                            v->ist->time_base);
    return 0;
}

static double deliver_seconds(int64_t t, const AVStream *st)
{
    return (double)t * av_q2d(st->time_base);
}

/* Reads the input's next packet of its stream, unless one is pending. */
static int deliver_next(struct deliver_in *in)
{
    int ret;

    while (!in->pending && !in->eof) {
        ret = av_read_frame(in->ic, in->pkt);
        if (ret == AVERROR_EOF) {
            in->eof = 1;
            break;
        }
        if (ret < 0)
            return ret;
        if (in->pkt->stream_index != in->ist->index) {
            av_packet_unref(in->pkt);
            continue;
        }
        in->pending = 1;
    }
    return 0;
}

static int deliver_add_stream(struct deliver_ctx *c, struct deliver_in *in)
{
    AVDictionaryEntry *lang;
    int ret;

    in->ost = avformat_new_stream(c->oc, NULL);
    if (!in->ost)
        return AVERROR(ENOMEM);
    if ((ret = avcodec_parameters_copy(in->ost->codecpar,
                                       in->ist->codecpar)) < 0)
        return ret;
    /* The source container's tag may mean nothing in this one. */
    in->ost->codecpar->codec_tag = 0;
    in->ost->time_base = in->ist->time_base;
    in->ost->avg_frame_rate = in->ist->avg_frame_rate;
    lang = av_dict_get(in->ist->metadata, "language", NULL, 0);
    if (lang)
        av_dict_set(&in->ost->metadata, "language", lang->value, 0);
    return 0;
}

/* The straddling packet is cut to the picture's end: PCM to the sample,
 * any other codec by its duration, which the muxer writes as the last
 * sample's length (a decoder still decodes the whole packet). */
static void deliver_cut(struct deliver_ctx *c, AVPacket *pkt, int64_t t)
{
    int64_t keep = c->end - t;

    if (c->pcm_bytes > 0) {
        int64_t samples = av_rescale_q(
            keep, c->a.ist->time_base,
            (AVRational){1, c->a.ist->codecpar->sample_rate});

        if (samples * c->pcm_bytes < pkt->size)
            av_shrink_packet(pkt, (int)(samples * c->pcm_bytes));
    }
    pkt->duration = keep;
}

/* Writes the pending packet of in; audio past the picture is dropped. */
static int deliver_write(struct deliver_ctx *c, struct deliver_in *in)
{
    AVPacket *pkt = in->pkt;
    int ret;

    in->pending = 0;
    if (in == &c->a) {
        int64_t t = pkt->pts != AV_NOPTS_VALUE ? pkt->pts : pkt->dts;

        if (pkt->duration <= 0 && c->pcm_bytes > 0)
            pkt->duration = av_rescale_q(
                pkt->size / c->pcm_bytes,
                (AVRational){1, c->a.ist->codecpar->sample_rate},
                c->a.ist->time_base);

        if (t == AV_NOPTS_VALUE || t >= c->end) {
            if (t != AV_NOPTS_VALUE && t + pkt->duration > c->dub_end)
                c->dub_end = t + pkt->duration;
            av_packet_unref(pkt);
            return 0;
        }
        if (t + pkt->duration > c->dub_end)
            c->dub_end = t + pkt->duration;
        if (t + pkt->duration > c->end)
            deliver_cut(c, pkt, t);
        if (t + pkt->duration > c->out_end)
            c->out_end = t + pkt->duration;
    }
    av_packet_rescale_ts(pkt, in->ist->time_base, in->ost->time_base);
    pkt->stream_index = in->ost->index;
    pkt->pos = -1;
    /* av_interleaved_write_frame takes the packet's contents. */
    ret = av_interleaved_write_frame(c->oc, pkt);
    return ret;
}

/* Both inputs merged by time until both end. */
static int deliver_copy(struct deliver_ctx *c)
{
    int ret;

    for (;;) {
        struct deliver_in *in;

        if ((ret = deliver_next(&c->v)) < 0 || (ret = deliver_next(&c->a)) < 0)
            return ret;
        if (!c->v.pending && !c->a.pending)
            return 0;
        if (!c->a.pending)
            in = &c->v;
        else if (!c->v.pending)
            in = &c->a;
        else
            in = av_compare_ts(c->v.pkt->dts, c->v.ist->time_base,
                               c->a.pkt->dts, c->a.ist->time_base) <= 0
                     ? &c->v
                     : &c->a;
        if ((ret = deliver_write(c, in)) < 0)
            return ret;
    }
}

static int deliver_header(struct deliver_ctx *c, const struct deliver_spec *s)
{
    AVDictionary *opts = NULL;
    int ret;

    if (s->fingerprint && *s->fingerprint)
        av_dict_set(&c->oc->metadata, FACTS_TAG_FINGERPRINT, s->fingerprint, 0);
    if (s->request && *s->request)
        av_dict_set(&c->oc->metadata, FACTS_TAG_REQUEST, s->request, 0);
    /* use_metadata_tags writes keys of any name (an mdta box), which plain
     * MP4 tags (a fixed list of iTunes atoms) cannot. */
    av_dict_set(&opts, "movflags", "+faststart+use_metadata_tags", 0);
    ret = avformat_write_header(c->oc, &opts);
    av_dict_free(&opts);
    return ret;
}

/*
 * A dub whose codec the container cannot hold, encoded to AAC in a
 * temporary .m4a beside out, up to the picture's end.  Returns its path
 * (caller unlinks and frees) or NULL with e.
 */
static char *deliver_encode(const char *dub, const struct deliver_in *a,
                            double seconds, const char *out,
                            struct dub_err *e)
{
    const AVCodecParameters *par = a->ist->codecpar;
    struct facts f;
    struct plan_audio pa;
    char *path = xasprintf("%s.dub.m4a", out);
    double dub_seconds = a->ist->duration != AV_NOPTS_VALUE
                             ? deliver_seconds(a->ist->duration, a->ist)
                             : seconds;

    memset(&f, 0, sizeof(f));
    f.has_audio = 1;
    f.audio.index = a->ist->index;
    memset(&pa, 0, sizeof(pa));
    pa.step = PLAN_ENCODE;
    pa.sample_rate = par->sample_rate > 48000 ? 48000 : par->sample_rate;
    pa.channels = par->ch_layout.nb_channels == 1 ? 1 : 2;
    pa.bitrate = DELIVER_AAC_PER_CHANNEL * pa.channels;
    pa.duration = fmin(dub_seconds, seconds);
    snprintf(pa.ext, sizeof(pa.ext), "m4a");
    if (conform_audio_encode(dub, &f, &pa, path, e) < 0) {
        free(path);
        return NULL;
    }
    return path;
}

/* The output at tmp: both streams, the header, the packets merged by
 * time, the trailer.  Returns 0 or an AVERROR. */
static int deliver_mux(struct deliver_ctx *c, const struct deliver_spec *s,
                       const AVOutputFormat *ofmt, const char *tmp)
{
    int ret;

    ret = avformat_alloc_output_context2(&c->oc, ofmt, NULL, tmp);
    if (ret >= 0)
        ret = deliver_add_stream(c, &c->v);
    if (ret >= 0)
        ret = deliver_add_stream(c, &c->a);
    if (ret >= 0)
        ret = avio_open(&c->oc->pb, tmp, AVIO_FLAG_WRITE);
    if (ret >= 0)
        ret = deliver_header(c, s);
    if (ret >= 0)
        ret = deliver_copy(c);
    if (ret >= 0)
        ret = av_write_trailer(c->oc);
    return ret;
}

/* What was delivered of the dub, against the picture's end: its seconds
 * written, cut and short.  dub_seconds is the dub's own length, or -1 to
 * take it from what was read. */
static void deliver_measure(const struct deliver_ctx *c, double dub_seconds,
                            struct scene_delivery *d)
{
    double start = deliver_seconds(deliver_start(c->a.ist), c->a.ist);
    double end = deliver_seconds(c->end, c->a.ist);

    if (dub_seconds < 0)
        dub_seconds = deliver_seconds(c->dub_end, c->a.ist) - start;
    d->audio_seconds = deliver_seconds(c->out_end, c->a.ist) - start;
    d->audio_cut = fmax(0, start + dub_seconds - end);
    d->audio_short = fmax(0, end - (start + dub_seconds));
}

int deliver_file(const struct deliver_spec *s, struct scene_delivery *d,
                 struct dub_err *e)
{
    struct deliver_ctx c;
    const char *dub = s->audio ? s->audio : s->picture;
    const AVOutputFormat *ofmt = av_guess_format(s->mov ? "mov" : "mp4",
                                                 NULL, NULL);
    char *tmp = lav_tmp_name(s->out), *encoded = NULL;
    int64_t vstart, vlen;
    double dub_seconds = -1;
    int ret, rc = -1;

    memset(&c, 0, sizeof(c));
    memset(d, 0, sizeof(*d));
    if ((ret = deliver_open(&c.v, s->picture, AVMEDIA_TYPE_VIDEO)) < 0) {
        deliver_open_error(e, ret, s->picture, "video");
        goto end;
    }
    if ((ret = deliver_open(&c.a, dub, AVMEDIA_TYPE_AUDIO)) < 0) {
        deliver_open_error(e, ret, dub, "audio");
        goto end;
    }
    vstart = deliver_start(c.v.ist);
    vlen = deliver_picture_length(&c.v);
    if (vlen <= 0) {
        dub_errf(e, DUB_EMEDIA, "deliver: '%s' has no picture length",
                 s->picture);
        goto end;
    }
    d->picture_seconds = deliver_seconds(vlen, c.v.ist);
    if (!ofmt || avformat_query_codec(ofmt, c.a.ist->codecpar->codec_id,
                                      FF_COMPLIANCE_NORMAL) != 1) {
        if (c.a.ist->duration != AV_NOPTS_VALUE)
            dub_seconds = deliver_seconds(c.a.ist->duration, c.a.ist);
        encoded = deliver_encode(dub, &c.a, d->picture_seconds, s->out, e);
        if (!encoded)
            goto end;
        deliver_close(&c.a);
        if ((ret = deliver_open(&c.a, encoded, AVMEDIA_TYPE_AUDIO)) < 0) {
            lav_error(e, ret, "deliver: cannot read '%s'", encoded);
            goto end;
        }
        d->audio_encoded = 1;
    }
    c.end = av_rescale_q(vstart + vlen, c.v.ist->time_base,
                         c.a.ist->time_base);
    c.pcm_bytes = av_get_exact_bits_per_sample(c.a.ist->codecpar->codec_id) *
                  c.a.ist->codecpar->ch_layout.nb_channels / 8;

    ret = deliver_mux(&c, s, ofmt, tmp);
    if (ret < 0) {
        lav_error(e, ret, "deliver '%s' with '%s'", s->picture, dub);
        goto end;
    }
    deliver_measure(&c, dub_seconds, d);
    snprintf(d->audio_codec, sizeof(d->audio_codec), "%s",
             avcodec_get_name(c.a.ist->codecpar->codec_id));
    rc = 0;
end:
    if (c.oc) {
        avio_closep(&c.oc->pb);
        avformat_free_context(c.oc);
    }
    deliver_close(&c.v);
    deliver_close(&c.a);
    if (encoded) {
        unlink(encoded);
        free(encoded);
    }
    if (rc == 0)
        rc = lav_commit(tmp, s->out, e);
    else
        unlink(tmp);
    free(tmp);
    return rc;
}

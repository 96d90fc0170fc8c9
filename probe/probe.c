/*
 * probe: what a media file holds, read with libavformat and libavcodec.
 *
 * The numbers that decide a verdict are the ones most files lie about:
 * the coded size hides a display matrix and a sample aspect ratio, cover art
 * looks like a video stream, and some containers only guess their duration
 * from the bit rate.  Each of those is resolved here, so plan.c can trust
 * what it gets (field-notes.md section d1).
 */
#define _POSIX_C_SOURCE 200809L
#include "probe.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/display.h>
#include <libavutil/pixdesc.h>

/* Packets read to decide whether the frame rate varies.  Phones switch rate
 * within the first seconds, and 120 packets of a 10 s clip cost little. */
#define PROBE_VFR_PACKETS 120
/* A delta this far from the median counts as irregular ... */
#define PROBE_VFR_TOLERANCE 0.2
/* ... and this share of irregular deltas makes the stream variable.  A lone
 * dropped frame must not. */
#define PROBE_VFR_SHARE 0.1

/* The last message libav logged at error level, to explain a failure that
 * its error code alone does not ("moov atom not found"). */
static char probe_last_log[256];

static void probe_log_cb(void *avcl, int level, const char *fmt, va_list vl)
{
    size_t n;

    if (level > AV_LOG_ERROR)
        return;
    vsnprintf(probe_last_log, sizeof(probe_last_log), fmt, vl);
    n = strlen(probe_last_log);
    while (n > 0 && (probe_last_log[n - 1] == '\n' ||
                     probe_last_log[n - 1] == '.'))
        probe_last_log[--n] = '\0';
}

void probe_quiet(void)
{
    av_log_set_callback(probe_log_cb);
}

static void probe_copy(char *dst, size_t n, const char *src)
{
    snprintf(dst, n, "%s", src ? src : "");
}

/* A short container name a person (and the model's format list) knows. */
static void probe_container_short(const AVFormatContext *ic, struct facts *f)
{
    const char *name = ic->iformat->name;
    const AVDictionaryEntry *brand;

    if (strcmp(name, "mov,mp4,m4a,3gp,3g2,mj2") == 0) {
        brand = av_dict_get(ic->metadata, "major_brand", NULL, 0);
        if (brand && strncmp(brand->value, "qt", 2) == 0)
            probe_copy(f->container_short, sizeof(f->container_short), "mov");
        else if (brand && strncmp(brand->value, "M4A", 3) == 0)
            probe_copy(f->container_short, sizeof(f->container_short), "m4a");
        else
            probe_copy(f->container_short, sizeof(f->container_short), "mp4");
    } else if (strcmp(name, "matroska,webm") == 0) {
        probe_copy(f->container_short, sizeof(f->container_short), "mkv");
    } else {
        size_t n = strcspn(name, ",");

        if (n >= sizeof(f->container_short))
            n = sizeof(f->container_short) - 1;
        memcpy(f->container_short, name, n);
        f->container_short[n] = '\0';
    }
}

/* The tags a delivered file carries (deliver.c), so a run that lost its
 * database recognises its own outputs; other files have none. */
static void probe_tags(const AVFormatContext *ic, struct facts *f)
{
    const AVDictionaryEntry *t;

    t = av_dict_get(ic->metadata, FACTS_TAG_FINGERPRINT, NULL, 0);
    if (t)
        probe_copy(f->tag_fingerprint, sizeof(f->tag_fingerprint), t->value);
    t = av_dict_get(ic->metadata, FACTS_TAG_REQUEST, NULL, 0);
    if (t)
        probe_copy(f->tag_request, sizeof(f->tag_request), t->value);
}

static const char *probe_kind(enum AVMediaType t)
{
    switch (t) {
    case AVMEDIA_TYPE_VIDEO: return "video";
    case AVMEDIA_TYPE_AUDIO: return "audio";
    case AVMEDIA_TYPE_SUBTITLE: return "subtitle";
    case AVMEDIA_TYPE_ATTACHMENT: return "attachment";
    default: return "data";
    }
}

/* Where a stream's timeline starts: window slices count from here. */
static double probe_start_time(const AVStream *st)
{
    return st->start_time != AV_NOPTS_VALUE
               ? st->start_time * av_q2d(st->time_base)
               : 0;
}

static double probe_stream_duration(const AVFormatContext *ic,
                                    const AVStream *st)
{
    if (st->duration != AV_NOPTS_VALUE && st->duration > 0)
        return st->duration * av_q2d(st->time_base);
    if (ic->duration != AV_NOPTS_VALUE && ic->duration > 0)
        return ic->duration / (double)AV_TIME_BASE;
    return 0;
}

/* Clockwise degrees, the way a person turns the phone: 0, 90, 180, 270. */
static int probe_rotation(const AVStream *st)
{
    const uint8_t *sd;
    double theta;
    int deg;

    sd = av_stream_get_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, NULL);
    if (!sd)
        return 0;
    theta = -av_display_rotation_get((const int32_t *)sd);
    if (isnan(theta))
        return 0;
    deg = (int)lround(theta / 90.0) * 90;
    deg %= 360;
    if (deg < 0)
        deg += 360;
    return deg;
}

static void probe_video(const AVFormatContext *ic, const AVStream *st,
                        struct facts_video *v)
{
    const AVCodecParameters *par = st->codecpar;
    const AVPixFmtDescriptor *desc;
    AVRational sar = par->sample_aspect_ratio;
    AVRational fps = st->avg_frame_rate;
    const char *profile;
    int w;

    v->index = st->index;
    probe_copy(v->codec, sizeof(v->codec), avcodec_get_name(par->codec_id));
    profile = avcodec_profile_name(par->codec_id, par->profile);
    probe_copy(v->profile, sizeof(v->profile), profile);
    v->coded_w = par->width;
    v->coded_h = par->height;
    if (st->sample_aspect_ratio.num > 0)
        sar = st->sample_aspect_ratio;
    if (sar.num <= 0 || sar.den <= 0)
        sar = (AVRational){1, 1};
    av_reduce(&v->sar_num, &v->sar_den, sar.num, sar.den, INT_MAX);
    v->rotation = probe_rotation(st);
    w = (int)lround((double)par->width * v->sar_num / v->sar_den);
    if (v->rotation == 90 || v->rotation == 270) {
        v->display_w = par->height;
        v->display_h = w;
    } else {
        v->display_w = w;
        v->display_h = par->height;
    }
    if (fps.num <= 0 || fps.den <= 0)
        fps = st->r_frame_rate;
    if (fps.num > 0 && fps.den > 0)
        av_reduce(&v->fps_num, &v->fps_den, fps.num, fps.den, INT_MAX);
    desc = av_pix_fmt_desc_get(par->format);
    if (desc) {
        probe_copy(v->pix_fmt, sizeof(v->pix_fmt), desc->name);
        v->bit_depth = desc->comp[0].depth;
    }
    v->hdr = par->color_trc == AVCOL_TRC_SMPTE2084 ||
             par->color_trc == AVCOL_TRC_ARIB_STD_B67;
    v->duration = probe_stream_duration(ic, st);
    v->start_time = probe_start_time(st);
    v->frames = st->nb_frames;
    v->bit_rate = par->bit_rate;
}

static void probe_audio(const AVFormatContext *ic, const AVStream *st,
                        struct facts_audio *a)
{
    const AVCodecParameters *par = st->codecpar;

    a->index = st->index;
    probe_copy(a->codec, sizeof(a->codec), avcodec_get_name(par->codec_id));
    a->sample_rate = par->sample_rate;
    a->channels = par->ch_layout.nb_channels;
    a->duration = probe_stream_duration(ic, st);
    a->start_time = probe_start_time(st);
    a->bit_rate = par->bit_rate;
}

static int probe_cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

    return (x > y) - (x < y);
}

/* Decides variable frame rate from real timestamps: r_frame_rate and
 * avg_frame_rate agreeing is weak evidence (field-notes d1). */
static int probe_vfr(const int64_t *pts, int n)
{
    int64_t deltas[PROBE_VFR_PACKETS];
    int64_t median;
    int i, nd = 0, odd = 0;

    for (i = 1; i < n; i++)
        if (pts[i] > pts[i - 1])
            deltas[nd++] = pts[i] - pts[i - 1];
    if (nd < 4)
        return 0;
    qsort(deltas, (size_t)nd, sizeof(deltas[0]), probe_cmp_i64);
    median = deltas[nd / 2];
    for (i = 0; i < nd; i++)
        if (llabs(deltas[i] - median) > PROBE_VFR_TOLERANCE * median)
            odd++;
    return odd > PROBE_VFR_SHARE * nd;
}

/*
 * Reads packets: the first PROBE_VFR_PACKETS video timestamps, and, when
 * measure is set, every packet to learn the true durations that the
 * container only estimated.
 */
static int probe_scan(AVFormatContext *ic, struct facts *f, int measure,
                      struct dub_err *e, const char *path)
{
    int64_t pts[PROBE_VFR_PACKETS];
    int64_t vend = 0, aend = 0;
    int npts = 0, ret;
    AVPacket *pkt = av_packet_alloc();

    if (!pkt)
        return dub_errf(e, DUB_EMEDIA, "out of memory probing '%s'", path);
    /* MP4 and MOV index every sample: their timestamps decide VFR without
     * reading a byte of media, and only a duration guess needs packets. */
    if (f->has_video && !measure) {
        AVStream *vs = ic->streams[f->video.index];
        int ne = avformat_index_get_entries_count(vs);

        if (ne >= PROBE_VFR_PACKETS || (f->video.frames > 0 && ne >= f->video.frames)) {
            for (npts = 0; npts < ne && npts < PROBE_VFR_PACKETS; npts++)
                pts[npts] = avformat_index_get_entry(vs, npts)->timestamp;
            av_packet_free(&pkt);
            qsort(pts, (size_t)npts, sizeof(pts[0]), probe_cmp_i64);
            f->video.vfr = probe_vfr(pts, npts);
            return 0;
        }
    }
    for (;;) {
        ret = av_read_frame(ic, pkt);
        if (ret < 0)
            break;
        if (f->has_video && pkt->stream_index == f->video.index) {
            if (npts < PROBE_VFR_PACKETS && pkt->pts != AV_NOPTS_VALUE)
                pts[npts++] = pkt->pts;
            if (pkt->pts != AV_NOPTS_VALUE && pkt->pts + pkt->duration > vend)
                vend = pkt->pts + pkt->duration;
        } else if (f->has_audio && pkt->stream_index == f->audio.index) {
            int64_t t = pkt->pts != AV_NOPTS_VALUE ? pkt->pts : pkt->dts;

            if (t != AV_NOPTS_VALUE && t + pkt->duration > aend)
                aend = t + pkt->duration;
        }
        av_packet_unref(pkt);
        if (!measure && (!f->has_video || npts >= PROBE_VFR_PACKETS))
            break;
    }
    av_packet_free(&pkt);
    if (ret < 0 && ret != AVERROR_EOF && measure)
        return dub_errf(e, DUB_EMEDIA, "cannot read '%s' to measure it: %s",
                        path, av_err2str(ret));
    if (f->has_video) {
        qsort(pts, (size_t)npts, sizeof(pts[0]), probe_cmp_i64);
        f->video.vfr = probe_vfr(pts, npts);
    }
    if (measure) {
        AVStream *vs = f->has_video ? ic->streams[f->video.index] : NULL;
        AVStream *as = f->has_audio ? ic->streams[f->audio.index] : NULL;
        double d = 0;

        if (vs && vend > 0) {
            int64_t start = vs->start_time != AV_NOPTS_VALUE ? vs->start_time : 0;

            f->video.duration = (vend - start) * av_q2d(vs->time_base);
            d = f->video.duration;
        }
        if (as && aend > 0) {
            int64_t start = as->start_time != AV_NOPTS_VALUE ? as->start_time : 0;

            f->audio.duration = (aend - start) * av_q2d(as->time_base);
            if (f->audio.duration > d)
                d = f->audio.duration;
        }
        if (d > 0)
            f->duration = d;
    }
    return 0;
}

/* Media data past this share of the declared duration missing is a cut
 * file, not the rounding of a container: a cut at 30% of a clip shows as
 * 1.3 s of 5 s. */
#define PROBE_CUT_SHARE 0.9
#define PROBE_CUT_SLACK 0.5

/* Seconds from a stream's start to ts, in its time base. */
static double probe_at(const AVStream *st, int64_t ts)
{
    int64_t start = st->start_time != AV_NOPTS_VALUE ? st->start_time : 0;

    return (ts - start) * av_q2d(st->time_base);
}

/*
 * A file whose index promises more than its bytes hold (an MP4 with its
 * moov first, cut short: the header still claims the whole clip) would be
 * accepted on its header and fail at fal after holding a slot.  The index
 * says where every sample lies; the first one past the end of the file is
 * where the media stops.  Reading the index costs no I/O.
 */
static int probe_truncated(AVFormatContext *ic, const struct facts *f,
                           double declared, double measured,
                           const char *path, struct dub_err *e)
{
    int idx[2] = {f->has_video ? f->video.index : -1,
                  f->has_audio ? f->audio.index : -1};
    double stops = -1;
    int k;

    for (k = 0; k < 2 && f->size > 0; k++) {
        const AVStream *st = idx[k] >= 0 ? ic->streams[idx[k]] : NULL;
        int n = st ? avformat_index_get_entries_count(st) : 0, i;

        for (i = 0; i < n; i++) {
            const AVIndexEntry *ie = avformat_index_get_entry((AVStream *)st, i);

            if (ie && ie->pos + ie->size > f->size) {
                double at = probe_at(st, ie->timestamp);

                if (stops < 0 || at < stops)
                    stops = at;
                break;
            }
        }
    }
    /* Without an index, packets read to their end say the same. */
    if (stops < 0 && measured > 0 && declared > 0 &&
        measured < declared * PROBE_CUT_SHARE &&
        declared - measured > PROBE_CUT_SLACK)
        stops = measured;
    if (stops < 0)
        return 0;
    return dub_errf(e, DUB_EMEDIA, "'%s' is truncated: media data stops at "
                    "%.1f s of %.1f s", path, stops > 0 ? stops : 0,
                    declared);
}

static int probe_local_check(const char *path, struct facts *f,
                             struct dub_err *e)
{
    struct stat st;

    if (stat(path, &st) < 0) {
        if (errno == ENOENT)
            return dub_errf(e, DUB_EMEDIA, "'%s' does not exist", path);
        return dub_errf(e, DUB_EIO, "cannot read '%s': %s", path,
                        strerror(errno));
    }
    if (S_ISDIR(st.st_mode))
        return dub_errf(e, DUB_EMEDIA, "'%s' is a directory, not a media file",
                        path);
    if (!S_ISREG(st.st_mode))
        return dub_errf(e, DUB_EMEDIA, "'%s' is not a regular file", path);
    if (st.st_size == 0)
        return dub_errf(e, DUB_EMEDIA, "'%s' is empty (0 bytes)", path);
    f->size = st.st_size;
    return 0;
}

/*
 * MP4 and MOV headers already hold sizes, rates, durations and frame
 * counts; only the pixel format of H.264/HEVC lives in the SPS.  Asking
 * avformat_find_stream_info() for it decodes at least seven frames of
 * H.264 to guess the reorder delay, which is most of a probe's time on a
 * 4K clip.  The codec's parser reads the SPS from the first packet instead.
 * Returns 1 when every stream is described, 0 when the slow path is needed.
 */
static int probe_mov_fast(AVFormatContext *ic)
{
    AVCodecParameters *par = NULL;
    AVCodecParserContext *parser = NULL;
    AVCodecContext *avctx = NULL;
    AVPacket *pkt = NULL;
    int vindex = -1, done = 0;
    unsigned i;

    if (strcmp(ic->iformat->name, "mov,mp4,m4a,3gp,3g2,mj2") != 0)
        return 0;
    for (i = 0; i < ic->nb_streams; i++) {
        AVCodecParameters *p = ic->streams[i]->codecpar;

        if (p->codec_type == AVMEDIA_TYPE_AUDIO &&
            (p->sample_rate <= 0 || p->ch_layout.nb_channels <= 0))
            return 0;
        if (p->codec_type != AVMEDIA_TYPE_VIDEO ||
            (ic->streams[i]->disposition & AV_DISPOSITION_ATTACHED_PIC))
            continue;
        if (p->width <= 0 || vindex >= 0 ||
            ic->streams[i]->avg_frame_rate.num <= 0)
            return 0;
        if (p->format == AV_PIX_FMT_NONE && p->codec_id != AV_CODEC_ID_H264 &&
            p->codec_id != AV_CODEC_ID_HEVC)
            return 0;
        vindex = (int)i;
    }
    if (vindex < 0)
        return 1;
    par = ic->streams[vindex]->codecpar;
    if (par->format != AV_PIX_FMT_NONE)
        return 1;
    parser = av_parser_init(par->codec_id);
    avctx = avcodec_alloc_context3(NULL);
    pkt = av_packet_alloc();
    if (!parser || !avctx || !pkt ||
        avcodec_parameters_to_context(avctx, par) < 0)
        goto end;
    while (!done && av_read_frame(ic, pkt) >= 0) {
        if (pkt->stream_index == vindex) {
            uint8_t *out = NULL;
            int outlen = 0;

            av_parser_parse2(parser, avctx, &out, &outlen, pkt->data,
                             pkt->size, pkt->pts, pkt->dts, pkt->pos);
            if (parser->format != AV_PIX_FMT_NONE) {
                par->format = parser->format;
                if (par->profile == FF_PROFILE_UNKNOWN)
                    par->profile = avctx->profile;
            }
            done = 1;
        }
        av_packet_unref(pkt);
    }
    /* The scan that follows starts from the top again. */
    avformat_seek_file(ic, -1, INT64_MIN, 0, INT64_MAX, AVSEEK_FLAG_BACKWARD);
end:
    av_packet_free(&pkt);
    avcodec_free_context(&avctx);
    av_parser_close(parser);
    return par->format != AV_PIX_FMT_NONE;
}

/* 1 when the file starts like an ISO media file (an MP4/MOV box), so a
 * missing index means a cut-off file rather than a file of another kind
 * that only carries a .mp4 name. */
static int probe_looks_isobmff(const char *path)
{
    static const char *const boxes[] = {"ftyp", "moov", "mdat", "free",
                                        "wide", "skip", "pnot"};
    unsigned char head[8];
    FILE *f = fopen(path, "rb");
    size_t n, i;

    if (!f)
        return 0;
    n = fread(head, 1, sizeof(head), f);
    fclose(f);
    if (n < sizeof(head))
        return 0;
    for (i = 0; i < sizeof(boxes) / sizeof(boxes[0]); i++)
        if (memcmp(head + 4, boxes[i], 4) == 0)
            return 1;
    return 0;
}

/* Turns an open/read failure into words: libav's code says little
 * ("Invalid data found when processing input"), its log says more. */
static int probe_open_error(struct dub_err *e, const char *path, int ret)
{
    char buf[AV_ERROR_MAX_STRING_SIZE];

    av_strerror(ret, buf, sizeof(buf));
    if (ret == AVERROR(ENOENT))
        return dub_errf(e, DUB_EMEDIA, "'%s' does not exist", path);
    if (ret == AVERROR(EACCES))
        return dub_errf(e, DUB_EIO, "'%s' is not readable (permission denied)",
                        path);
    if (strstr(probe_last_log, "moov atom not found") &&
        probe_looks_isobmff(path))
        return dub_errf(e, DUB_EMEDIA,
                        "'%s' is truncated or unfinished (no index: moov atom "
                        "not found)", path);
    if (ret == AVERROR_INVALIDDATA || strstr(probe_last_log, "moov atom"))
        return dub_errf(e, DUB_EMEDIA,
                        "'%s' is not a media file or is corrupt (%s%s%s)",
                        path, buf, probe_last_log[0] ? ": " : "",
                        probe_last_log);
    return dub_errf(e, DUB_EMEDIA, "cannot open '%s' as media: %s", path, buf);
}

/* Each stream's kind and codec into f (up to FACTS_MAX_STREAMS), and the
 * first video and the first audio stream's facts; a cover picture is
 * noted, not taken for the video. */
static void probe_streams(const AVFormatContext *ic, struct facts *f)
{
    unsigned i;

    for (i = 0; i < ic->nb_streams; i++) {
        const AVStream *st = ic->streams[i];
        enum AVMediaType type = st->codecpar->codec_type;
        int cover = (st->disposition & AV_DISPOSITION_ATTACHED_PIC) != 0;

        if (i < FACTS_MAX_STREAMS) {
            struct facts_stream *s = &f->streams[f->nb_streams++];

            s->index = (int)i;
            probe_copy(s->kind, sizeof(s->kind), probe_kind(type));
            probe_copy(s->codec, sizeof(s->codec),
                       avcodec_get_name(st->codecpar->codec_id));
            s->attached_pic = cover;
        }
        if (type == AVMEDIA_TYPE_VIDEO && cover) {
            f->has_cover = 1;
        } else if (type == AVMEDIA_TYPE_VIDEO && !f->has_video &&
                   st->codecpar->width > 0) {
            f->has_video = 1;
            probe_video(ic, st, &f->video);
        } else if (type == AVMEDIA_TYPE_AUDIO) {
            if (!f->has_audio) {
                f->has_audio = 1;
                probe_audio(ic, st, &f->audio);
            }
            f->nb_audio++;
        }
    }
}

int probe_file(const char *path, struct facts *f, struct dub_err *e)
{
    AVFormatContext *ic = NULL;
    AVDictionary *opts = NULL;
    int remote = util_starts_with(path, "https://");
    int ret, rc = -1, measure;
    double declared;

    memset(f, 0, sizeof(*f));
    probe_last_log[0] = '\0';
    if (!remote && strstr(path, "://"))
        return dub_errf(e, DUB_EMEDIA,
                        "'%s': only local files and https:// URLs are allowed",
                        path);
    if (!remote && probe_local_check(path, f, e) < 0)
        return -1;

    /* A local file must not make libav open anything else (an HLS playlist
     * naming URLs, a concat list naming other files). */
    av_dict_set(&opts, "protocol_whitelist", remote ? "https,tls,tcp" : "file",
                0);
    if (remote)
        av_dict_set(&opts, "rw_timeout", "30000000", 0);
    ret = avformat_open_input(&ic, path, NULL, &opts);
    av_dict_free(&opts);
    if (ret < 0)
        return probe_open_error(e, path, ret);
    ret = probe_mov_fast(ic) ? 0 : avformat_find_stream_info(ic, NULL);
    if (ret < 0) {
        probe_open_error(e, path, ret);
        goto end;
    }

    probe_copy(f->container, sizeof(f->container), ic->iformat->name);
    probe_container_short(ic, f);
    probe_tags(ic, f);
    if (remote)
        f->size = ic->pb ? avio_size(ic->pb) : -1;
    if (ic->duration != AV_NOPTS_VALUE && ic->duration > 0)
        f->duration = ic->duration / (double)AV_TIME_BASE;
    f->duration_estimated =
        ic->duration_estimation_method == AVFMT_DURATION_FROM_BITRATE;

    probe_streams(ic, f);
    if (!f->has_video && !f->has_audio) {
        dub_errf(e, DUB_EMEDIA, "'%s' has no video or audio stream", path);
        goto end;
    }
    if (f->has_audio)
        f->audio.duration_estimated = f->duration_estimated;
    declared = f->duration_estimated ? 0 : f->duration;
    /* Matroska and others give no per-stream duration: the container's is
     * the longest stream's, and a video cut against a limit needs its own. */
    measure = f->duration_estimated ||
              (f->has_video &&
               ic->streams[f->video.index]->duration == AV_NOPTS_VALUE) ||
              (f->has_audio &&
               ic->streams[f->audio.index]->duration == AV_NOPTS_VALUE);
    if (probe_scan(ic, f, measure, e, path) < 0)
        goto end;
    if (!remote && probe_truncated(ic, f, declared, measure ? f->duration : 0,
                                   path, e) < 0)
        goto end;
    if (f->duration <= 0) {
        dub_errf(e, DUB_EMEDIA, "'%s' has no duration (empty or corrupt)",
                 path);
        goto end;
    }
    rc = 0;
end:
    avformat_close_input(&ic);
    return rc;
}

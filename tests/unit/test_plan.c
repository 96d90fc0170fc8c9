/*
 * plan: every rule of design.md section 6 and every boundary, from tables of
 * made-up probe facts.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "plan.h"
#include "test.h"

static const struct plan_policy pol_default = {
    PLAN_FIT_PAD,   PLAN_SHORT_LOOP,       PLAN_LONG_TRIM,
    PLAN_LONG_TRIM, PLAN_DELIVER_ORIGINAL, PLAN_CONTAINER_MP4};
static const struct plan_pricing fal_price = {0.014, 5.0};

/* A video file: h264 yuv420p in MP4 unless the case changes it. */
static struct facts vid(int w, int h, int fn, int fd, double dur)
{
    struct facts f;

    memset(&f, 0, sizeof(f));
    snprintf(f.container, sizeof(f.container), "mov,mp4,m4a,3gp,3g2,mj2");
    snprintf(f.container_short, sizeof(f.container_short), "mp4");
    f.size = 5000000;
    f.duration = dur;
    f.nb_streams = 1;
    f.has_video = 1;
    snprintf(f.video.codec, sizeof(f.video.codec), "h264");
    snprintf(f.video.pix_fmt, sizeof(f.video.pix_fmt), "yuv420p");
    f.video.bit_depth = 8;
    f.video.coded_w = f.video.display_w = w;
    f.video.coded_h = f.video.display_h = h;
    f.video.sar_num = f.video.sar_den = 1;
    f.video.fps_num = fn;
    f.video.fps_den = fd;
    f.video.duration = dur;
    f.video.frames = (int64_t)llround(dur * fn / fd);
    return f;
}

static struct facts aud(const char *box, const char *codec, double dur,
                        int64_t size, int channels)
{
    struct facts f;

    memset(&f, 0, sizeof(f));
    if (strcmp(box, "m4a") == 0)
        snprintf(f.container, sizeof(f.container), "mov,mp4,m4a,3gp,3g2,mj2");
    else
        snprintf(f.container, sizeof(f.container), "%s", box);
    snprintf(f.container_short, sizeof(f.container_short), "%s", box);
    f.size = size;
    f.duration = dur;
    f.nb_streams = 1;
    f.has_audio = 1;
    f.nb_audio = 1;
    snprintf(f.audio.codec, sizeof(f.audio.codec), "%s", codec);
    f.audio.sample_rate = 48000;
    f.audio.channels = channels;
    f.audio.duration = dur;
    f.audio.bit_rate = (int64_t)(size * 8 / (dur > 0 ? dur : 1));
    return f;
}

static struct plan run(const struct facts *v, const struct facts *a,
                       const struct plan_policy *pol)
{
    struct plan p;

    plan_make(plan_limits_get(a ? PLAN_A2V : PLAN_T2V), pol ? pol : &pol_default,
              &fal_price, v, a, &p);
    return p;
}

static void vdesc(const struct plan *p, const struct facts *v, char *out,
                  size_t n)
{
    plan_describe_video(p, v, out, n);
}

struct vcase {
    const char *name;
    struct facts v;
    struct plan_policy pol;
    enum plan_verdict verdict;
    enum plan_step step;
    unsigned why;
    int out_w, out_h;
    int64_t frames;
    const char *desc; /* a substring of the description, or NULL */
};

static void video_cases(void)
{
    static struct vcase cases[32];
    struct facts ok_audio = aud("mp3", "mp3", 8, 128000, 1);
    size_t n = 0, i;

#define CASE(nm, facts, policy, vd, st, wh, ow, oh, fr, ds)                 \
    do {                                                                    \
        cases[n].name = nm; cases[n].v = facts; cases[n].pol = policy;      \
        cases[n].verdict = vd; cases[n].step = st; cases[n].why = wh;       \
        cases[n].out_w = ow; cases[n].out_h = oh; cases[n].frames = fr;     \
        cases[n].desc = ds; n++;                                            \
    } while (0)

    CASE("compliant 1080p passes untouched", vid(1920, 1080, 30, 1, 4.0),
         pol_default, PLAN_ACCEPT, PLAN_KEEP, 0, 1920, 1080, 120, "as is");
    CASE("4k 12 s scales and trims by frame count",
         vid(3840, 2160, 30, 1, 12.0), pol_default, PLAN_CONFORM, PLAN_ENCODE,
         PLAN_V_SCALE | PLAN_V_TRIM, 1920, 1080, 300,
         "scale 3840x2160 -> 1920x1080; trim 12.00 s -> 10.00 s (300 frames)");
    CASE("29.97 fps 25 s trims to 299 frames, never 10.01 s",
         vid(1920, 1080, 30000, 1001, 25.0), pol_default, PLAN_CONFORM,
         PLAN_ENCODE, PLAN_V_TRIM, 1920, 1080, 299, "(299 frames)");
    CASE("640x360 scales up to 1280x720", vid(640, 360, 30, 1, 4.0),
         pol_default, PLAN_CONFORM, PLAN_ENCODE, PLAN_V_SCALE, 1280, 720, 120,
         "scale 640x360 -> 1280x720");
    CASE("32:9 pads by default", vid(3840, 1080, 25, 1, 4.0), pol_default,
         PLAN_CONFORM, PLAN_ENCODE, PLAN_V_SCALE | PLAN_V_PAD, 1920, 720, 100,
         "pad 1920x540 -> 1920x720");
    CASE("32:9 crops on request", vid(3840, 1080, 25, 1, 4.0),
         ((struct plan_policy){PLAN_FIT_CROP, PLAN_SHORT_LOOP, PLAN_LONG_TRIM,
                               PLAN_LONG_TRIM, PLAN_DELIVER_ORIGINAL,
                               PLAN_CONTAINER_MP4}),
         PLAN_CONFORM, PLAN_ENCODE, PLAN_V_CROP, 1920, 1080, 100,
         "crop 3840x1080 -> 1920x1080 (centre)");
    CASE("32:9 rejected on request", vid(3840, 1080, 25, 1, 4.0),
         ((struct plan_policy){PLAN_FIT_REJECT, PLAN_SHORT_LOOP,
                               PLAN_LONG_TRIM, PLAN_LONG_TRIM,
                               PLAN_DELIVER_ORIGINAL, PLAN_CONTAINER_MP4}),
         PLAN_REJECT, PLAN_KEEP, 0, 0, 0, 0, NULL);
    CASE("9:32 pads the width", vid(608, 2160, 25, 1, 4.0), pol_default,
         PLAN_CONFORM, PLAN_ENCODE, PLAN_V_SCALE | PLAN_V_PAD, 720, 1920, 100,
         "pad 540x1920 -> 720x1920");
    CASE("exactly 720 px passes", vid(720, 1280, 25, 1, 4.0), pol_default,
         PLAN_ACCEPT, PLAN_KEEP, 0, 720, 1280, 100, NULL);
    CASE("719 px scales up", vid(719, 1280, 25, 1, 4.0), pol_default,
         PLAN_CONFORM, PLAN_ENCODE, PLAN_V_SCALE, 720, 1282, 100, NULL);
    CASE("exactly 1920 px passes", vid(1920, 1080, 25, 1, 4.0), pol_default,
         PLAN_ACCEPT, PLAN_KEEP, 0, 1920, 1080, 100, NULL);
    CASE("1921 px scales down", vid(1921, 1080, 25, 1, 4.0), pol_default,
         PLAN_CONFORM, PLAN_ENCODE, PLAN_V_SCALE, 1920, 1080, 100, NULL);
    CASE("odd size becomes even", vid(1281, 721, 25, 1, 4.0), pol_default,
         PLAN_CONFORM, PLAN_ENCODE, PLAN_V_ODD, 1282, 722, 100, "even size");
    CASE("exactly 2.000 s passes", vid(1280, 720, 25, 1, 2.0), pol_default,
         PLAN_ACCEPT, PLAN_KEEP, 0, 1280, 720, 50, NULL);
    CASE("exactly 10.000 s passes", vid(1280, 720, 25, 1, 10.0), pol_default,
         PLAN_ACCEPT, PLAN_KEEP, 0, 1280, 720, 250, NULL);
    CASE("10.04 s trims to 250 frames", vid(1280, 720, 25, 1, 10.04),
         pol_default, PLAN_CONFORM, PLAN_ENCODE, PLAN_V_TRIM, 1280, 720, 250,
         NULL);
    CASE("long: segment trims until segmentation is built",
         vid(1280, 720, 25, 1, 12.0),
         ((struct plan_policy){PLAN_FIT_PAD, PLAN_SHORT_LOOP,
                               PLAN_LONG_SEGMENT, PLAN_LONG_TRIM,
                               PLAN_DELIVER_ORIGINAL, PLAN_CONTAINER_MP4}),
         PLAN_CONFORM, PLAN_ENCODE, PLAN_V_TRIM, 1280, 720, 250,
         "trim 12.00 s -> 10.00 s (250 frames)");
    CASE("long video rejected on request", vid(1280, 720, 25, 1, 12.0),
         ((struct plan_policy){PLAN_FIT_PAD, PLAN_SHORT_LOOP, PLAN_LONG_REJECT,
                               PLAN_LONG_TRIM, PLAN_DELIVER_ORIGINAL,
                               PLAN_CONTAINER_MP4}),
         PLAN_REJECT, PLAN_KEEP, 0, 0, 0, 0, NULL);
    CASE("1.2 s loops to 2.0 s", vid(1280, 720, 25, 1, 1.2), pol_default,
         PLAN_CONFORM, PLAN_ENCODE, PLAN_V_LOOP, 1280, 720, 50,
         "loop 1.20 s -> 2.00 s (50 frames)");
    CASE("1.2 s freezes on request", vid(1280, 720, 25, 1, 1.2),
         ((struct plan_policy){PLAN_FIT_PAD, PLAN_SHORT_FREEZE, PLAN_LONG_TRIM,
                               PLAN_LONG_TRIM, PLAN_DELIVER_ORIGINAL,
                               PLAN_CONTAINER_MP4}),
         PLAN_CONFORM, PLAN_ENCODE, PLAN_V_FREEZE, 1280, 720, 50, "freeze");
    CASE("1.99 s at 29.97 loops to 60 frames (2.002 s)",
         vid(1280, 720, 30000, 1001, 1.99), pol_default, PLAN_CONFORM,
         PLAN_ENCODE, PLAN_V_LOOP, 1280, 720, 60, NULL);
    {
        struct facts f = vid(1280, 720, 30, 1, 4.0);

        f.video.rotation = 90;
        f.video.display_w = 720;
        f.video.display_h = 1280;
        CASE("rotated phone clip is turned upright", f, pol_default,
             PLAN_CONFORM, PLAN_ENCODE, PLAN_V_ROTATE, 720, 1280, 120,
             "rotate 90 (1280x720 coded -> 720x1280 upright)");
        f = vid(1440, 1080, 25, 1, 4.0);
        f.video.sar_num = 4;
        f.video.sar_den = 3;
        f.video.display_w = 1920;
        CASE("anamorphic gets square pixels", f, pol_default, PLAN_CONFORM,
             PLAN_ENCODE, PLAN_V_SAR, 1920, 1080, 100, "square pixels");
        f = vid(1280, 720, 60, 1, 5.0);
        f.video.vfr = 1;
        f.video.fps_num = 1920000;
        f.video.fps_den = 63509;
        CASE("variable frame rate becomes constant", f, pol_default,
             PLAN_CONFORM, PLAN_ENCODE, PLAN_V_CFR, 1280, 720, 150,
             "constant 30 fps");
        f = vid(1280, 720, 25, 1, 4.0);
        snprintf(f.video.pix_fmt, sizeof(f.video.pix_fmt), "yuv420p10le");
        f.video.bit_depth = 10;
        CASE("10-bit becomes 8-bit", f, pol_default, PLAN_CONFORM, PLAN_ENCODE,
             PLAN_V_PIXFMT, 1280, 720, 100, "8-bit yuv420p (was yuv420p10le)");
        f = vid(1280, 720, 25, 1, 4.0);
        snprintf(f.video.codec, sizeof(f.video.codec), "hevc");
        CASE("hevc is re-encoded", f, pol_default, PLAN_CONFORM, PLAN_ENCODE,
             PLAN_V_CODEC, 1280, 720, 100, "re-encode hevc -> h264");
        f = vid(1280, 720, 25, 1, 4.0);
        snprintf(f.container, sizeof(f.container), "matroska,webm");
        snprintf(f.container_short, sizeof(f.container_short), "mkv");
        CASE("h264 in mkv is a stream copy", f, pol_default, PLAN_CONFORM,
             PLAN_REMUX, PLAN_V_CONTAINER, 1280, 720, 100,
             "remux mkv -> mp4 (stream copy)");
        f = vid(1280, 720, 25, 1, 9.8);
        f.duration = 10.05;
        CASE("own audio running long is dropped by stream copy", f,
             pol_default, PLAN_CONFORM, PLAN_REMUX, PLAN_V_DROP_AUDIO, 1280,
             720, 245, "drop the clip's own audio");
        f = vid(1280, 720, 25, 1, 10.0);
        snprintf(f.container, sizeof(f.container), "matroska,webm");
        snprintf(f.container_short, sizeof(f.container_short), "mkv");
        CASE("a copy near the limit is re-encoded so frames decide", f,
             pol_default, PLAN_CONFORM, PLAN_ENCODE, PLAN_V_CONTAINER, 1280,
             720, 250, "mkv -> mp4");
        f = vid(1920, 1080, 25, 1, 4.0);
        f.size = 100000001;
        CASE("over 100 MB is re-encoded", f, pol_default, PLAN_CONFORM,
             PLAN_ENCODE, PLAN_V_BYTES, 1920, 1080, 100, "fit 100 MB");
        f = vid(1920, 1080, 25, 1, 4.0);
        f.size = 100000000;
        CASE("exactly 100,000,000 bytes passes", f, pol_default, PLAN_ACCEPT,
             PLAN_KEEP, 0, 1920, 1080, 100, NULL);
    }
#undef CASE

    for (i = 0; i < n; i++) {
        struct vcase *c = &cases[i];
        struct plan p = run(&c->v, &ok_audio, &c->pol);
        char name[256], desc[512];

        snprintf(name, sizeof(name), "%s: verdict", c->name);
        test_cond(name, p.verdict == c->verdict);
        if (c->verdict == PLAN_REJECT) {
            snprintf(name, sizeof(name), "%s: reason given", c->name);
            test_cond(name, p.reason[0] != '\0');
            continue;
        }
        snprintf(name, sizeof(name), "%s: step and reasons", c->name);
        test_cond(name, p.video.step == c->step && p.video.why == c->why);
        snprintf(name, sizeof(name), "%s: output %dx%d", c->name, c->out_w,
                 c->out_h);
        test_cond(name, p.video.out_w == c->out_w && p.video.out_h == c->out_h);
        if (c->step == PLAN_ENCODE) {
            snprintf(name, sizeof(name), "%s: %lld frames", c->name,
                     (long long)c->frames);
            test_cond(name, p.video.frames == c->frames);
            snprintf(name, sizeof(name), "%s: within limits", c->name);
            test_cond(name, p.video.duration <= 10.0 + 1e-9 &&
                                p.video.duration >= 2.0 - 1e-9 &&
                                p.video.out_w >= 720 && p.video.out_w <= 1920 &&
                                p.video.out_h >= 720 && p.video.out_h <= 1920 &&
                                p.video.out_w % 2 == 0 && p.video.out_h % 2 == 0);
        }
        if (c->desc) {
            vdesc(&p, &c->v, desc, sizeof(desc));
            snprintf(name, sizeof(name), "%s: says '%s'", c->name, c->desc);
            test_cond(name, strstr(desc, c->desc) != NULL);
            if (!strstr(desc, c->desc))
                printf("  description: %s\n", desc);
        }
    }
}

struct acase {
    const char *name;
    struct facts a;
    enum plan_long long_audio;
    enum plan_verdict verdict;
    enum plan_step step;
    unsigned why;
    double duration;
    const char *ext;
};

static void audio_cases(void)
{
    struct facts v = vid(1920, 1080, 30, 1, 4.0);
    struct acase cases[24];
    size_t n = 0, i;
    struct facts f;

#define ACASE(nm, facts, la, vd, st, wh, du, ex)                             \
    do {                                                                     \
        cases[n].name = nm; cases[n].a = facts; cases[n].long_audio = la;    \
        cases[n].verdict = vd; cases[n].step = st; cases[n].why = wh;        \
        cases[n].duration = du; cases[n].ext = ex; n++;                      \
    } while (0)

    ACASE("mp3 passes untouched", aud("mp3", "mp3", 8, 128000, 1),
          PLAN_LONG_TRIM, PLAN_ACCEPT, PLAN_KEEP, 0, 8, "mp3");
    ACASE("small wav passes", aud("wav", "pcm_s16le", 5, 960078, 2),
          PLAN_LONG_TRIM, PLAN_ACCEPT, PLAN_KEEP, 0, 5, "wav");
    ACASE("m4a aac passes", aud("m4a", "aac", 6, 100000, 2), PLAN_LONG_TRIM,
          PLAN_ACCEPT, PLAN_KEEP, 0, 6, "m4a");
    ACASE("40 s wav over 5 MB is encoded",
          aud("wav", "pcm_s16le", 40, 7680078, 2), PLAN_LONG_TRIM,
          PLAN_CONFORM, PLAN_ENCODE, PLAN_A_BYTES, 40, "m4a");
    ACASE("exactly 5,000,000 bytes passes", aud("mp3", "mp3", 50, 5000000, 2),
          PLAN_LONG_TRIM, PLAN_ACCEPT, PLAN_KEEP, 0, 50, "mp3");
    ACASE("5,000,001 bytes is encoded", aud("mp3", "mp3", 50, 5000001, 2),
          PLAN_LONG_TRIM, PLAN_CONFORM, PLAN_ENCODE, PLAN_A_BYTES, 50, "m4a");
    ACASE("exactly 60 s passes", aud("mp3", "mp3", 60, 960000, 1),
          PLAN_LONG_TRIM, PLAN_ACCEPT, PLAN_KEEP, 0, 60, "mp3");
    ACASE("70 s is trimmed to 60 s", aud("mp3", "mp3", 70, 1120000, 1),
          PLAN_LONG_TRIM, PLAN_CONFORM, PLAN_ENCODE, PLAN_A_TRIM, 60, "m4a");
    ACASE("70 s rejected on request", aud("mp3", "mp3", 70, 1120000, 1),
          PLAN_LONG_REJECT, PLAN_REJECT, PLAN_KEEP, 0, 0, NULL);
    ACASE("exactly 2.0 s passes", aud("wav", "pcm_s16le", 2.0, 384078, 2),
          PLAN_LONG_TRIM, PLAN_ACCEPT, PLAN_KEEP, 0, 2, "wav");
    ACASE("1 s is padded with silence", aud("wav", "pcm_s16le", 1.0, 192078, 2),
          PLAN_LONG_TRIM, PLAN_CONFORM, PLAN_ENCODE, PLAN_A_PAD, 2, "m4a");
    ACASE("ogg vorbis is transcoded", aud("ogg", "vorbis", 6, 60000, 2),
          PLAN_LONG_TRIM, PLAN_CONFORM, PLAN_ENCODE, PLAN_A_FORMAT, 6, "m4a");
    ACASE("flac is transcoded", aud("flac", "flac", 6, 600000, 2),
          PLAN_LONG_TRIM, PLAN_CONFORM, PLAN_ENCODE, PLAN_A_FORMAT, 6, "m4a");
    ACASE("5.1 is downmixed", aud("wav", "pcm_s16le", 6, 3456078, 6),
          PLAN_LONG_TRIM, PLAN_CONFORM, PLAN_ENCODE, PLAN_A_DOWNMIX, 6, "m4a");
    f = aud("aac", "aac", 30, 268802, 1);
    f.duration_estimated = 1;
    f.audio.duration_estimated = 1;
    ACASE("raw ADTS is copied into m4a", f, PLAN_LONG_TRIM, PLAN_CONFORM,
          PLAN_REMUX, PLAN_A_ESTIMATED, 30, "m4a");
    f = aud("mp3", "mp3", 6, 500000, 2);
    f.has_cover = 1;
    f.nb_streams = 2;
    ACASE("cover art is stripped by stream copy", f, PLAN_LONG_TRIM,
          PLAN_CONFORM, PLAN_REMUX, PLAN_A_STRIP, 6, "mp3");
    f = aud("m4a", "aac", 7, 6000000, 2);
    f.has_video = 1;
    f.nb_streams = 2;
    f.audio.bit_rate = 128000;
    snprintf(f.container_short, sizeof(f.container_short), "mov");
    ACASE("audio in a video container is extracted", f, PLAN_LONG_TRIM,
          PLAN_CONFORM, PLAN_REMUX, PLAN_A_EXTRACT | PLAN_A_STRIP, 7, "m4a");
#undef ACASE

    for (i = 0; i < n; i++) {
        struct acase *c = &cases[i];
        struct plan_policy pol = pol_default;
        struct plan p;
        char name[256];

        pol.long_audio = c->long_audio;
        p = run(&v, &c->a, &pol);
        snprintf(name, sizeof(name), "%s: verdict", c->name);
        test_cond(name, p.verdict == c->verdict);
        if (c->verdict == PLAN_REJECT)
            continue;
        snprintf(name, sizeof(name), "%s: step and reasons", c->name);
        test_cond(name, p.audio.step == c->step && p.audio.why == c->why);
        if (p.audio.step != c->step || p.audio.why != c->why)
            printf("  step %d why %#x\n", p.audio.step, p.audio.why);
        snprintf(name, sizeof(name), "%s: %.1f s .%s", c->name, c->duration,
                 c->ext);
        test_cond(name, fabs(p.audio.duration - c->duration) < 1e-6 &&
                            strcmp(p.audio.ext, c->ext) == 0);
        if (p.audio.step == PLAN_ENCODE) {
            snprintf(name, sizeof(name), "%s: bitrate fits 5 MB with margin",
                     c->name);
            test_cond(name, p.audio.bitrate >= 32000 &&
                                p.audio.bitrate * p.audio.duration / 8 <
                                    0.9 * 5000000 + 1);
        }
    }
}

static void billing_cases(void)
{
    struct facts a = aud("mp3", "mp3", 8, 128000, 1);
    struct facts v = vid(1280, 720, 30000, 1001, 150 * 1001 / 30000.0);
    struct plan_pricing per_step = {0.014 / 5, 5.0};
    struct plan p;
    double billed;

    p = run(&v, &a, NULL);
    test_cond("5.005 s bills two steps", p.billed_seconds == 10.0);
    test_cond("5.005 s costs $0.14 at the default rate",
              fabs(p.cost - 0.14) < 1e-9);
    test_cond("5.005 s warns that trimming 1 frame halves the cost",
              p.nwarnings == 1 && strstr(p.warnings[0], "trimming 1 frame") &&
                  strstr(p.warnings[0], "bill 5 s"));
    v = vid(1920, 1080, 30, 1, 4.0);
    p = run(&v, &a, NULL);
    test_cond("4 s bills one 5 s step ($0.07)",
              p.billed_seconds == 5.0 && fabs(p.cost - 0.07) < 1e-9 &&
                  p.nwarnings == 0);
    test_cond("the per-step reading is five times cheaper",
              fabs(plan_cost(&per_step, 4.0, &billed) - 0.014) < 1e-9 &&
                  billed == 5.0);
    test_cond("exactly 10.000 s is two steps, not three",
              fabs(plan_cost(&fal_price, 10.0, &billed) - 0.14) < 1e-9 &&
                  billed == 10.0);
    {
        struct plan_policy reject = {
            PLAN_FIT_REJECT, PLAN_SHORT_LOOP,       PLAN_LONG_TRIM,
            PLAN_LONG_TRIM,  PLAN_DELIVER_ORIGINAL, PLAN_CONTAINER_MP4};

        v = vid(3840, 1080, 25, 1, 4.0);
        p = run(&v, &a, &reject);
        test_cond("rejected jobs cost nothing", p.cost == 0);
    }
}

static void text_to_video_cases(void)
{
    struct facts v = vid(1280, 720, 25, 1, 30.0);
    struct plan p = run(&v, NULL, NULL);

    test_cond("t2v takes 30 s of video as is",
              p.verdict == PLAN_ACCEPT && !p.has_audio);
    test_cond("t2v bills 30 s", p.billed_seconds == 30.0);
    v = vid(1280, 720, 25, 1, 70.0);
    p = run(&v, NULL, NULL);
    test_cond("t2v trims 70 s to 60 s",
              p.verdict == PLAN_CONFORM && p.video.frames == 1500);
    {
        enum plan_endpoint ep = PLAN_A2V;

        test_cond("endpoint names parse",
                  plan_endpoint_parse("text-to-video", &ep) == 0 &&
                      ep == PLAN_T2V &&
                      plan_endpoint_parse("video-to-audio", &ep) < 0);
    }
}

static void missing_stream_cases(void)
{
    struct facts a = aud("mp3", "mp3", 8, 128000, 1);
    struct facts v = aud("mp3", "mp3", 8, 128000, 1);
    struct plan p = run(&v, &a, NULL);

    test_cond("a video input with no video stream is rejected",
              p.verdict == PLAN_REJECT && strstr(p.reason, "no video stream"));
    v = vid(1280, 720, 25, 1, 4.0);
    a = vid(1280, 720, 25, 1, 4.0);
    p = run(&v, &a, NULL);
    test_cond("an audio input with no audio stream is rejected",
              p.verdict == PLAN_REJECT && strstr(p.reason, "no audio stream"));
}

int main(void)
{
    video_cases();
    audio_cases();
    billing_cases();
    text_to_video_cases();
    missing_stream_cases();
    return test_report();
}

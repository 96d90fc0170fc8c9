/*
 * conform: plan -> filter graph text, golden-tested without running libav.
 */
#include <stdio.h>
#include <string.h>

#include "conform.h"
#include "test.h"

static struct plan_video pv(int rot, int sw, int sh, int ow, int oh, int fn,
                            int fd, unsigned why)
{
    struct plan_video v;

    memset(&v, 0, sizeof(v));
    v.step = PLAN_ENCODE;
    v.rotation = rot;
    v.scale_w = sw;
    v.scale_h = sh;
    v.out_w = ow;
    v.out_h = oh;
    v.fps_num = fn;
    v.fps_den = fd;
    v.why = why;
    v.in_duration = 1.2;
    v.duration = 2.0;
    v.frames = 50;
    return v;
}

struct vcase {
    const char *name;
    struct plan_video v;
    const char *want;
};

int main(void)
{
    struct facts f;
    char got[512];
    size_t i;
    struct vcase vc[] = {
        {"scale only", pv(0, 1920, 1080, 1920, 1080, 30, 1, PLAN_V_SCALE),
         "scale=1920:1080:flags=lanczos,setsar=1,fps=30/1,format=yuv420p"},
        {"rotate 90 is transpose=clock (as the ffmpeg CLI)",
         pv(90, 720, 1280, 720, 1280, 30, 1, PLAN_V_ROTATE),
         "transpose=clock,scale=720:1280:flags=lanczos,setsar=1,fps=30/1,"
         "format=yuv420p"},
        {"rotate 180", pv(180, 1280, 720, 1280, 720, 25, 1, PLAN_V_ROTATE),
         "hflip,vflip,scale=1280:720:flags=lanczos,setsar=1,fps=25/1,"
         "format=yuv420p"},
        {"rotate 270", pv(270, 720, 1280, 720, 1280, 25, 1, PLAN_V_ROTATE),
         "transpose=cclock,scale=720:1280:flags=lanczos,setsar=1,fps=25/1,"
         "format=yuv420p"},
        {"anamorphic: one scale makes square pixels",
         pv(0, 1920, 1080, 1920, 1080, 25, 1, PLAN_V_SAR),
         "scale=1920:1080:flags=lanczos,setsar=1,fps=25/1,format=yuv420p"},
        {"pad centres black bars",
         pv(0, 1920, 540, 1920, 720, 25, 1, PLAN_V_SCALE | PLAN_V_PAD),
         "scale=1920:540:flags=lanczos,setsar=1,"
         "pad=1920:720:(ow-iw)/2:(oh-ih)/2:color=black,fps=25/1,format=yuv420p"},
        {"crop keeps the centre",
         pv(0, 3840, 1080, 1920, 1080, 25, 1, PLAN_V_CROP),
         "scale=3840:1080:flags=lanczos,setsar=1,crop=1920:1080:(iw-ow)/2:"
         "(ih-oh)/2,fps=25/1,format=yuv420p"},
        {"29.97 fps stays exact", pv(0, 1920, 1080, 1920, 1080, 30000, 1001,
                                     PLAN_V_TRIM),
         "scale=1920:1080:flags=lanczos,setsar=1,fps=30000/1001,format=yuv420p"},
        {"loop keeps the short clip in memory",
         pv(0, 1280, 720, 1280, 720, 25, 1, PLAN_V_LOOP),
         "scale=1280:720:flags=lanczos,setsar=1,fps=25/1,"
         "loop=loop=-1:size=32:start=0,format=yuv420p"},
        {"freeze clones the last frame",
         pv(0, 1280, 720, 1280, 720, 25, 1, PLAN_V_FREEZE),
         "scale=1280:720:flags=lanczos,setsar=1,fps=25/1,"
         "tpad=stop_mode=clone:stop_duration=1.800,format=yuv420p"},
    };
    struct plan_audio pa;

    memset(&f, 0, sizeof(f));
    for (i = 0; i < sizeof(vc) / sizeof(vc[0]); i++) {
        conform_video_filters(&f, &vc[i].v, got, sizeof(got));
        test_str(vc[i].name, got, vc[i].want);
    }

    memset(&pa, 0, sizeof(pa));
    pa.step = PLAN_ENCODE;
    pa.sample_rate = 48000;
    pa.channels = 2;
    conform_audio_filters(&f, &pa, got, sizeof(got));
    test_str("audio: stereo float at the planned rate", got,
             "aformat=sample_fmts=fltp:sample_rates=48000:channel_layouts=stereo");
    pa.channels = 1;
    pa.sample_rate = 44100;
    pa.why = PLAN_A_PAD;
    conform_audio_filters(&f, &pa, got, sizeof(got));
    test_str("audio: mono, padded with silence", got,
             "aformat=sample_fmts=fltp:sample_rates=44100:channel_layouts=mono,"
             "apad");
    conform_video_filters(&f, &vc[0].v, got, 16);
    test_cond("a short buffer is cut, not overrun", strlen(got) == 15);
    return test_report();
}

/*
 * scene: the long-scene media ops' results (scene.h).
 */
#include "scene.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "facts.h"
#include "util.h"

void scene_analysis_release(struct scene_analysis *a)
{
    free(a->levels);
    free(a->shots);
    memset(a, 0, sizeof(*a));
}

int scene_check(const char *path, const struct facts *f, int64_t frames,
                int fps_num, int fps_den, double audio_seconds,
                struct scene_verify *v, struct dub_err *e)
{
    double frame = (double)fps_den / fps_num;
    double want;

    memset(v, 0, sizeof(*v));
    if (!f->has_video)
        return dub_errf(e, DUB_EMEDIA, "'%s' has no video stream", path);
    v->frames = f->video.frames;
    v->fps_num = f->video.fps_num;
    v->fps_den = f->video.fps_den;
    v->picture_seconds = f->video.duration;
    v->audio_seconds = f->has_audio ? f->audio.duration : 0;
    if (v->frames != frames)
        return dub_errf(e, DUB_EMEDIA, "'%s' has %lld frames, its scene %lld",
                        path, (long long)v->frames, (long long)frames);
    if ((int64_t)v->fps_num * fps_den != (int64_t)fps_num * v->fps_den)
        return dub_errf(e, DUB_EMEDIA, "'%s' runs at %d/%d fps, its scene at "
                        "%d/%d", path, v->fps_num, v->fps_den, fps_num,
                        fps_den);
    if (!f->has_audio)
        return dub_errf(e, DUB_EMEDIA, "'%s' has no audio stream", path);
    want = audio_seconds > 0 ? audio_seconds : v->picture_seconds;
    if (fabs(v->audio_seconds - want) > frame + 1e-6)
        return dub_errf(e, DUB_EMEDIA, "'%s': its audio lasts %.3f s, not "
                        "%.3f s (within one frame)", path, v->audio_seconds,
                        want);
    return 0;
}

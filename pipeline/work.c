/*
 * work: the fingerprint.
 *
 * A fingerprint that changes between dubbatch versions would redo, and
 * pay again for, every finished job of a batch in progress.  So the
 * fields of the first version are hashed in its exact format, and each
 * field added since counts only when it is set to something other than
 * its default: an upgrade leaves the fingerprints of existing work alone,
 * and a setting that changes the work still changes its fingerprint.
 */
#include "work.h"

#include <stddef.h>
#include <stdio.h>

#include "manifest.h"
#include "plan.h"
#include "sha256.h"
#include "util.h"

/* Policy fields hashed by the first version, in its format. */
#define WORK_FIRST_FIELDS 4

/* Fields added since: "name=value" when not at their default.  Every
 * field of struct plan_policy is here, among the first four, or among the
 * ones that are not fal's work; tests/unit/test_work.c checks that against
 * the struct's size. */
static const struct work_later {
    const char *name;
    size_t off;   /* an int (enum) in struct plan_policy */
    int dflt;
} work_later[] = {
    {NULL, 0, 0},
};

/* How the result is delivered (its sound, its container) is not what fal
 * is asked to do: changing it must not pay for the work again, so it is
 * not in the fingerprint. */
static const size_t work_delivery[] = {
    offsetof(struct plan_policy, deliver_audio),
    offsetof(struct plan_policy, deliver_container),
};

int work_policy_fields(void)
{
    return WORK_FIRST_FIELDS + (int)DUB_ARRAY_LEN(work_later) - 1 +
           (int)DUB_ARRAY_LEN(work_delivery);
}

void work_fingerprint(const struct plan_limits *lim,
                      const struct manifest_job *mj, const char *video_sha,
                      const char *audio_sha, char out[65])
{
    const struct plan_policy *pol = &mj->policy;
    struct buf b = {0};
    size_t i;

    buf_printf(&b, "%s\n%s\n%s\n%s\n%s\n%s\n%.2f\n%d %d %d %d", lim->model,
               video_sha, audio_sha ? audio_sha : "",
               mj->text ? mj->text : "", mj->voice_id ? mj->voice_id : "",
               mj->voice_language ? mj->voice_language : "", mj->voice_speed,
               pol->fit, pol->short_video, pol->long_video, pol->long_audio);
    for (i = 0; work_later[i].name; i++) {
        int v = *(const int *)((const char *)pol + work_later[i].off);

        if (v != work_later[i].dflt)
            buf_printf(&b, "\n%s=%d", work_later[i].name, v);
    }
    sha256_hex(b.data, b.len, out);
    buf_release(&b);
}

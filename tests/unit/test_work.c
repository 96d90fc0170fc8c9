/*
 * work: the fingerprint decides "same work"; it must not move between
 * versions for unchanged work, and every policy field must count.
 */
#include <stdio.h>
#include <string.h>

#include "manifest.h"
#include "plan.h"
#include "test.h"
#include "sha256.h"
#include "work.h"

int main(void)
{
    const struct plan_limits *lim = plan_limits_get(PLAN_A2V);
    struct manifest_job a = {0}, b;
    char fa[65], fb[65], legacy[65];
    struct buf txt = {0};

    a.id = "x";
    a.voice_speed = 1.0;
    work_fingerprint(lim, &a, "v1", "a1", fa);
    b = a;
    b.id = "y";
    b.video = "/elsewhere/same.mp4";
    work_fingerprint(lim, &b, "v1", "a1", fb);
    test_str("ids and paths are not the work; content is", fb, fa);
    work_fingerprint(lim, &a, "v2", "a1", fb);
    test_cond("other video content is other work", strcmp(fa, fb) != 0);
    work_fingerprint(lim, &a, "v1", NULL, fb);
    test_cond("no audio is other work", strcmp(fa, fb) != 0);
    b = a;
    b.policy.fit = PLAN_FIT_CROP;
    work_fingerprint(lim, &b, "v1", "a1", fb);
    test_cond("a policy field changes the work", strcmp(fa, fb) != 0);
    work_fingerprint(plan_limits_get(PLAN_T2V), &a, "v1", "a1", fb);
    test_cond("another endpoint is other work", strcmp(fa, fb) != 0);

    /* The text dubbatch 0.1 hashed: existing state.db records stay done. */
    buf_printf(&txt, "%s\n%s\n%s\n%s\n%s\n%s\n%.2f\n%d %d %d %d", lim->model,
               "v1", "a1", "", "", "", 1.0, 0, 0, 0, 0);
    sha256_hex(txt.data, txt.len, legacy);
    buf_release(&txt);
    test_str("unchanged work keeps the fingerprint of earlier versions", fa,
             legacy);
    test_cond("every field of the policy counts",
              sizeof(struct plan_policy) ==
                  (size_t)work_policy_fields() * sizeof(int));
    return test_report();
}

/*
 * prep: the conform chain as media-pool callbacks.
 */
#define _POSIX_C_SOURCE 200809L
#include "prep.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "media.h"
#include "wire.h"

static void prep_finish(struct prep *p)
{
    p->done(p, p->arg);
}

/* The result must pass the checks any input must pass. */
static void prep_check(struct prep *p)
{
    static const struct plan_pricing any = {1, 1};
    struct plan again;

    if (p->kind == PREP_VIDEO)
        plan_make(p->lim, p->pol, &any, &p->result, NULL, &again);
    else
        plan_make_audio(p->lim, p->pol, &p->result, &again);
    if (again.verdict == PLAN_ACCEPT) {
        p->ok = 1;
        return;
    }
    {
        char *before = wire_facts_text(p->facts);
        char *after = wire_facts_text(&p->result);

        dub_errf(&p->err, DUB_EREJECT,
                 "the conformed %s still does not fit (%s); input probe: %s; "
                 "output probe: %s",
                 p->kind == PREP_VIDEO ? "video" : "audio",
                 again.verdict == PLAN_REJECT ? again.reason
                                              : "it would need more work",
                 before, after);
        free(before);
        free(after);
    }
}

static void prep_result(void *arg, const struct wire_reply *r)
{
    struct prep *p = arg;

    if (!r->ok) {
        p->err = r->err;
    } else if (!r->has_facts) {
        dub_errf(&p->err, DUB_EWORKER, "no facts for '%s'", p->out);
    } else {
        p->result = r->facts;
        prep_check(p);
    }
    prep_finish(p);
}

static void prep_hashed(void *arg, const struct wire_reply *r)
{
    struct prep *p = arg;
    struct buf key = {0};
    char *plan_text, *name, digest[65];
    struct stat st;

    if (!r->ok || !r->sha256[0]) {
        p->err = r->err;
        if (r->ok)
            dub_errf(&p->err, DUB_EWORKER, "no hash for '%s'", p->in);
        prep_finish(p);
        return;
    }
    snprintf(p->in_sha, sizeof(p->in_sha), "%s", r->sha256);
    /* The key names the content and the exact steps, so an edited plan or
     * a replaced file never picks up a stale result. */
    plan_text = wire_plan_text(p->plan, p->kind == PREP_AUDIO);
    buf_printf(&key, "%s\n%s\n%s", p->in_sha,
               p->kind == PREP_VIDEO ? "video" : "audio", plan_text);
    sha256_hex(key.data, key.len, digest);
    free(plan_text);
    buf_release(&key);
    digest[24] = '\0';
    name = xasprintf("%s.%s", digest,
                     p->kind == PREP_VIDEO ? "mp4" : p->plan->audio.ext);
    p->out = util_path_join(p->workdir, name);
    free(name);
    if (stat(p->out, &st) == 0 && st.st_size > 0) {
        p->cached = 1;
        media_probe(p->pool, p->out, prep_result, p);
    } else {
        media_conform(p->pool, p->in, p->facts, p->plan,
                      p->kind == PREP_AUDIO, p->out, prep_result, p);
    }
}

void prep_start(struct media_pool *pool, struct prep *p)
{
    p->pool = pool;
    p->ok = 0;
    p->cached = 0;
    if (util_mkdirs(p->workdir, &p->err) < 0) {
        prep_finish(p);
        return;
    }
    media_hash(pool, p->in, prep_hashed, p);
}

void prep_release(struct prep *p)
{
    free(p->out);
    p->out = NULL;
}

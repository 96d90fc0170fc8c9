/*
 * prep: the conform chain as media-pool callbacks.
 */
#define _POSIX_C_SOURCE 200809L
#include "prep.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "inputs.h"
#include "media.h"
#include "sha256.h"
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
        char *before = wire_facts_text(&p->in->facts);
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

void prep_setup(struct prep *p, const struct inputs_file *in,
                enum prep_kind kind, const struct plan *plan,
                const struct plan_limits *lim, const struct plan_policy *pol,
                const char *workdir, prep_fn *done, void *arg)
{
    struct buf key = {0};
    char *plan_text, *name;

    prep_release(p);
    memset(p, 0, sizeof(*p));
    p->in = in;
    p->kind = kind;
    p->plan = plan;
    p->lim = lim;
    p->pol = pol;
    p->done = done;
    p->arg = arg;
    /* The content and the exact steps, so an edited plan or a replaced
     * file never picks up a stale result.  An input that could not be
     * hashed (a URL) stands in by its name. */
    plan_text = wire_plan_text(plan, kind == PREP_AUDIO);
    buf_printf(&key, "%s\n%s\n%s", in->sha256[0] ? in->sha256 : in->path,
               kind == PREP_VIDEO ? "video" : "audio", plan_text);
    sha256_hex(key.data, key.len, p->key);
    free(plan_text);
    buf_release(&key);
    name = xasprintf("%.24s.%s", p->key,
                     kind == PREP_VIDEO ? "mp4" : plan->audio.ext);
    p->out = util_path_join(workdir, name);
    free(name);
}

void prep_start(struct media_pool *pool, struct prep *p)
{
    char *dir = util_dirname(p->out);
    struct stat st;

    p->pool = pool;
    p->ok = 0;
    p->cached = 0;
    if (util_mkdirs(dir, &p->err) < 0) {
        free(dir);
        prep_finish(p);
        return;
    }
    free(dir);
    if (stat(p->out, &st) == 0 && st.st_size > 0) {
        p->cached = 1;
        media_probe(pool, p->out, prep_result, p);
    } else {
        media_conform(pool, p->in->path, &p->in->facts, p->plan,
                      p->kind == PREP_AUDIO, p->out, prep_result, p);
    }
}

void prep_release(struct prep *p)
{
    free(p->out);
    p->out = NULL;
}

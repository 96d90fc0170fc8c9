/*
 * prep: the conform chain as media-pool callbacks.
 */
#define _POSIX_C_SOURCE 200809L
#include "prep.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "media.h"
#include "wire.h"

static void prep_finish(struct prep *p)
{
    p->done(p, p->arg);
}

static cJSON *prep_plan_json(const struct prep *p)
{
    return p->kind == PREP_VIDEO ? wire_plan_video(&p->plan->video)
                                 : wire_plan_audio(&p->plan->audio);
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
        cJSON *a = wire_facts(p->facts), *b = wire_facts(&p->result);
        char *before = cJSON_PrintUnformatted(a);
        char *after = cJSON_PrintUnformatted(b);

        dub_errf(&p->err, DUB_EREJECT,
                 "the conformed %s still does not fit (%s); input probe: %s; "
                 "output probe: %s",
                 p->kind == PREP_VIDEO ? "video" : "audio",
                 again.verdict == PLAN_REJECT ? again.reason
                                              : "it would need more work",
                 before, after);
        free(before);
        free(after);
        cJSON_Delete(a);
        cJSON_Delete(b);
    }
}

static void prep_result(void *arg, const struct media_result *r)
{
    struct prep *p = arg;

    if (!r->ok) {
        p->err = r->err;
    } else if (wire_facts_parse(cJSON_GetObjectItemCaseSensitive(r->reply,
                                                                 "facts"),
                                &p->result) < 0) {
        dub_errf(&p->err, DUB_EWORKER, "no facts for '%s'", p->out);
    } else {
        prep_check(p);
    }
    prep_finish(p);
}

static void prep_hashed(void *arg, const struct media_result *r)
{
    struct prep *p = arg;
    const cJSON *sha = r->ok ? cJSON_GetObjectItemCaseSensitive(r->reply,
                                                                "sha256")
                             : NULL;
    cJSON *plan, *task;
    struct buf key = {0};
    char *plan_text, digest[65];
    struct stat st;

    if (!r->ok || !cJSON_IsString(sha)) {
        p->err = r->err;
        if (r->ok)
            dub_errf(&p->err, DUB_EWORKER, "no hash for '%s'", p->in);
        prep_finish(p);
        return;
    }
    snprintf(p->in_sha, sizeof(p->in_sha), "%s", sha->valuestring);
    /* The key names the content and the exact steps, so an edited plan or
     * a replaced file never picks up a stale result. */
    plan = prep_plan_json(p);
    plan_text = cJSON_PrintUnformatted(plan);
    buf_printf(&key, "%s\n%s\n%s", p->in_sha,
               p->kind == PREP_VIDEO ? "video" : "audio", plan_text);
    sha256_hex(key.data, key.len, digest);
    free(plan_text);
    buf_release(&key);
    digest[24] = '\0';
    {
        char *name = xasprintf("%s.%s", digest,
                               p->kind == PREP_VIDEO ? "mp4"
                                                     : p->plan->audio.ext);

        p->out = util_path_join(p->workdir, name);
        free(name);
    }
    task = cJSON_CreateObject();
    if (stat(p->out, &st) == 0 && st.st_size > 0) {
        p->cached = 1;
        cJSON_Delete(plan);
        cJSON_AddStringToObject(task, "op", "probe");
        cJSON_AddStringToObject(task, "path", p->out);
    } else {
        cJSON_AddStringToObject(task, "op", "conform");
        cJSON_AddStringToObject(task, "kind",
                                p->kind == PREP_VIDEO ? "video" : "audio");
        cJSON_AddStringToObject(task, "in", p->in);
        cJSON_AddStringToObject(task, "out", p->out);
        cJSON_AddItemToObject(task, "facts", wire_facts(p->facts));
        cJSON_AddItemToObject(task, "plan", plan);
    }
    media_pool_submit(p->pool, task, p->in, prep_result, p);
}

void prep_start(struct media_pool *pool, struct prep *p)
{
    cJSON *task = cJSON_CreateObject();

    p->pool = pool;
    p->ok = 0;
    p->cached = 0;
    if (util_mkdirs(p->workdir, &p->err) < 0) {
        cJSON_Delete(task);
        prep_finish(p);
        return;
    }
    cJSON_AddStringToObject(task, "op", "hash");
    cJSON_AddStringToObject(task, "path", p->in);
    media_pool_submit(pool, task, p->in, prep_hashed, p);
}

void prep_release(struct prep *p)
{
    free(p->out);
    p->out = NULL;
}

/*
 * preflight: the key and fal's hosts checked before any work.
 */
#define _POSIX_C_SOURCE 200809L
#include "preflight.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fal.h"
#include "log.h"
#include "remote.h"

/* A request id no request has: the queue answers it NOT_FOUND. */
#define PREFLIGHT_NO_ID "00000000-0000-0000-0000-000000000000"
/* The first wait before asking an unreachable host again. */
#define PREFLIGHT_FIRST_WAIT_MS 500

/* What one call met, kept past its callback. */
struct preflight_reply {
    enum fal_op op;
    int done;
    enum fal_verdict verdict;
    int status;
    int unreached;     /* no connection: the request never left */
    int not_found;     /* the queue's NOT_FOUND */
    char err[512];
};

static void preflight_done(void *arg, const struct remote_result *r)
{
    struct preflight_reply *p = arg;

    struct dub_err words = {0};

    p->done = 1;
    p->verdict = r->verdict;
    snprintf(p->err, sizeof(p->err), "%.511s", r->err ? r->err->msg : "");
    if (r->resp) {
        p->status = r->resp->status;
        p->unreached = r->resp->transport_failed && !r->resp->maybe_sent;
        p->not_found = fal_not_found(r->resp);
        /* fal's own words, without the retry budget's preface. */
        if (fal_classify(p->op, r->resp, &words) != FAL_OK)
            snprintf(p->err, sizeof(p->err), "%.511s", words.msg);
    }
}

/* One call, waited for; an unreachable host asked again until reach_ms
 * has passed. */
static void preflight_ask(struct remote *r, enum fal_op op,
                          const struct http_req *req, int64_t reach_ms,
                          struct preflight_reply *out)
{
    int64_t give_up = util_mono_ms() + reach_ms;
    int64_t wait = PREFLIGHT_FIRST_WAIT_MS;
    struct dub_err e = {0};

    for (;;) {
        memset(out, 0, sizeof(*out));
        out->op = op;
        if (remote_call(r, op, req, preflight_done, out, &e) < 0) {
            out->verdict = FAL_FATAL;
            snprintf(out->err, sizeof(out->err), "%.511s", e.msg);
            return;
        }
        while (!out->done)
            remote_poll(r, NULL, 0, 1000);
        if (!out->unreached || util_mono_ms() + wait > give_up)
            return;
        poll(NULL, 0, (int)wait);
        wait *= 2;
    }
}

/* The verdict on one host from what it answered; the words say what to
 * check, by the flag that sets the URL. */
static void preflight_judge(struct preflight_host *h,
                            const struct preflight_reply *rep,
                            const char *flag, int keyed)
{
    h->verdict = PREFLIGHT_OK;
    if (rep->unreached) {
        h->verdict = PREFLIGHT_BAD;
        snprintf(h->msg, sizeof(h->msg),
                 "cannot reach fal's %s at %s (%s): check %s and the "
                 "network", h->what, h->base, rep->err, flag);
    } else if (keyed && (rep->status == 401 || rep->status == 403)) {
        h->verdict = PREFLIGHT_BAD;
        snprintf(h->msg, sizeof(h->msg),
                 "fal's %s at %s refused the key (%s): check FAL_KEY or "
                 "--key-file%s", h->what, h->base, rep->err,
                 rep->status == 403 ? ", and the account's balance" : "");
    } else if (!keyed ? rep->status > 0
                      : rep->verdict == FAL_OK || rep->not_found) {
        snprintf(h->msg, sizeof(h->msg), "%s answers", h->base);
    } else if (rep->status == 404) {
        h->verdict = PREFLIGHT_BAD;
        snprintf(h->msg, sizeof(h->msg),
                 "%s is not fal's %s (%s): check %s", h->base, h->what,
                 rep->err, flag);
    } else {
        h->verdict = PREFLIGHT_SHAKY;
        snprintf(h->msg, sizeof(h->msg),
                 "fal's %s at %s is failing for now (%s)", h->what, h->base,
                 rep->err);
    }
}

int preflight_fal(const struct falcfg *cfg, const char *endpoint,
                  int64_t reach_ms, struct preflight *p, struct dub_err *e)
{
    static const char *const what[PREFLIGHT_HOSTS] = {
        "platform API", "queue", "storage"};
    static const char *const flag[PREFLIGHT_HOSTS] = {
        "--fal-api-url (FAL_API_URL)", "--fal-queue-url (FAL_QUEUE_URL)",
        "--fal-rest-url (FAL_REST_URL)"};
    const char *base[PREFLIGHT_HOSTS] = {cfg->api, cfg->queue, cfg->rest};
    struct preflight_reply rep;
    struct fal_handle h;
    struct remote *r;
    int64_t now = util_now_ms();
    char *url;
    int i;

    memset(p, 0, sizeof(*p));
    if (!(r = remote_new(cfg, e)))
        return -1;
    /* One try per call: a failing edge is the run's to outlast, not ours. */
    remote_set_retry(r, 1, 0, 0);
    fal_handle_build(&h, cfg->queue, endpoint, PREFLIGHT_NO_ID);
    for (i = 0; i < PREFLIGHT_HOSTS; i++) {
        struct http_req req = {0};

        p->host[i].what = what[i];
        snprintf(p->host[i].base, sizeof(p->host[i].base), "%s", base[i]);
        url = i == 0 ? fal_listing_url(cfg->api, endpoint, now - 60000, now,
                                       NULL)
            : i == 1 ? xstrdup(h.status_url)
                     : xasprintf("%s/", cfg->rest);
        req.method = "GET";
        req.url = url;
        req.auth = i < 2;
        req.timeout_ms = 20000;
        req.who = "preflight";
        preflight_ask(r, i == 0 ? FAL_OP_LIST : FAL_OP_STATUS, &req, reach_ms,
                      &rep);
        free(url);
        preflight_judge(&p->host[i], &rep, flag[i], i < 2);
        log_ev(LOG_DEBUG, NULL, NULL, "preflight", "%s", p->host[i].msg);
    }
    fal_handle_release(&h);
    remote_free(r);
    for (i = 0; i < PREFLIGHT_HOSTS; i++)
        if (p->host[i].verdict == PREFLIGHT_BAD)
            return dub_errf(e, DUB_EUSAGE, "%s", p->host[i].msg);
    return 0;
}

/*
 * falclient: drives dubbatch's fal client (remote.c over http.c and fal.c)
 * end to end, for tests/integration/falclient.sh.
 *
 *   falclient upload FILE CONTENT-TYPE        prints the file URL
 *   falclient job VIDEO AUDIO OUT [--cancel]  upload, submit, poll, result,
 *                                             download (OUT.part, renamed)
 *   falclient tts VIDEO TEXT VOICE OUT        the same for text-to-video
 *   falclient list ENDPOINT SECONDS           fal's requests of the last
 *                                             SECONDS, every page
 *   falclient get URL [--auth] [--download F] one request through http.c
 *                                             alone, classified
 *   falclient abort URL                       starts a GET, then
 *                                             http_abort_all()
 *
 * Configuration as dubbatch: FAL_KEY (or FAL_KEY_ID + FAL_KEY_SECRET, or
 * the file FAL_KEY_FILE), FAL_QUEUE_URL, FAL_REST_URL, FAL_API_URL.
 * Exit 0 done, 1 failed, 2 usage or configuration, 3 a submit whose
 * outcome was unknown was found again in fal's listing (the request id is
 * adopted and the job finished), 4 a listing could not settle it.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fal.h"
#include "falcfg.h"
#include "log.h"
#include "plan.h"
#include "remote.h"

struct job {
    struct remote *r;
    const char *endpoint;
    char *video_url, *audio_url;
    char *payload;
    int64_t submitted_at;
    struct fal_handle h;
    char *result_url;
    const char *out;
    char *part;
    FILE *fout;
    int done, rc, pending, adopted, resubmit;
    int64_t next_poll;
    int polls;
    unsigned seed;
};

static void job_fail(struct job *j, const char *what, const struct dub_err *e)
{
    fprintf(stderr, "falclient: %s: %s\n", what, e ? e->msg : "failed");
    j->rc = 1;
    j->done = 1;
}

static void uploaded(void *arg, const char *url,
                     const struct remote_result *res)
{
    char **slot = arg;

    if (!url) {
        fprintf(stderr, "falclient: %s\n", res->err->msg);
        *slot = xstrdup("");
        return;
    }
    *slot = xstrdup(url);
    printf("uploaded %s\n", url);
}

/* Runs the loop until the job ends or its next poll is due. */
static void run(struct job *j)
{
    while (!j->done) {
        int64_t wait = j->next_poll ? j->next_poll - util_mono_ms() : 1000;

        remote_poll(j->r, NULL, 0,
                    wait < 0 ? 0 : wait > 1000 ? 1000 : (int)wait);
        if (j->next_poll && util_mono_ms() >= j->next_poll && !j->pending) {
            j->next_poll = 0;
            return; /* the caller polls again */
        }
    }
}

static void downloaded(void *arg, const struct remote_result *res)
{
    enum fal_verdict v = res->verdict;
    struct http_resp *resp = res->resp;
    const struct dub_err *e = res->err;
    struct job *j = arg;

    j->pending = 0;
    fclose(j->fout);
    j->fout = NULL;
    if (v != FAL_OK) {
        unlink(j->part);
        job_fail(j, "download", e);
        return;
    }
    /* Only a whole file gets the final name. */
    if (rename(j->part, j->out) < 0) {
        perror("rename");
        j->rc = 1;
    }
    printf("downloaded %s (%lld bytes)\n", j->out, (long long)resp->bytes);
    j->done = 1;
}

static void got_result(void *arg, const struct remote_result *res)
{
    enum fal_verdict v = res->verdict;
    struct http_resp *resp = res->resp;
    const struct dub_err *e = res->err;
    struct job *j = arg;
    struct dub_err pe = {0};
    struct http_req req = {0};
    struct fal_output o;

    j->pending = 0;
    if (v != FAL_OK) {
        job_fail(j, "result", e);
        return;
    }
    if (fal_parse_output(resp->body.data, "video", &o, &pe) < 0) {
        job_fail(j, "result", &pe);
        return;
    }
    printf("result %s (%s, %lld bytes) request %s\n", o.url,
           o.content_type ? o.content_type : "no type",
           (long long)o.file_size,
           resp->request_id[0] ? resp->request_id : "?");
    j->result_url = o.url;
    o.url = NULL;
    fal_output_release(&o);
    j->part = xasprintf("%s.part", j->out);
    j->fout = fopen(j->part, "wb");
    if (!j->fout) {
        perror(j->part);
        j->rc = 1;
        j->done = 1;
        return;
    }
    req.method = "GET";
    req.url = j->result_url;
    req.download = j->fout;
    j->pending = 1;
    if (remote_call(j->r, FAL_OP_DOWNLOAD, &req, downloaded, j,
                    &pe) < 0)
        job_fail(j, "download", &pe);
}

static void polled(void *arg, const struct remote_result *res)
{
    enum fal_verdict v = res->verdict;
    struct http_resp *resp = res->resp;
    const struct dub_err *e = res->err;
    struct job *j = arg;
    struct fal_status s;
    struct dub_err pe = {0};
    struct http_req req = {0};
    int failed;

    j->pending = 0;
    if (v != FAL_OK) {
        job_fail(j, "status", e);
        return;
    }
    if (fal_parse_status(resp->body.data, &s, &pe) < 0) {
        job_fail(j, "status", &pe);
        return;
    }
    if (s.nlogs)
        fputs(s.logs.data, stdout);
    if (s.state != FAL_COMPLETED) {
        double u = (double)rand_r(&j->seed) / ((double)RAND_MAX + 1.0);

        printf("status %s %d\n",
               s.state == FAL_IN_QUEUE ? "IN_QUEUE" : "IN_PROGRESS",
               s.queue_position);
        /* Polls back off too: 50 ms doubling to 400 ms, jittered. */
        j->next_poll = util_mono_ms() + fal_backoff_ms(j->polls++, 50, 400, u);
        fal_status_release(&s);
        return;
    }
    printf("status COMPLETED%s%s\n", s.error ? " error: " : "",
           s.error ? s.error : "");
    failed = s.error != NULL;
    fal_status_release(&s);
    /* Fetched at once: fal keeps a result only minutes. */
    req.method = "GET";
    req.url = j->h.response_url;
    req.auth = 1;
    j->pending = 1;
    /* A failed request's result is its error, whatever the code. */
    if (remote_call(j->r, failed ? FAL_OP_ERROR : FAL_OP_RESULT, &req,
                    got_result, j,
                    &pe) < 0)
        job_fail(j, "result", &pe);
}

static void poll_status(struct job *j)
{
    struct http_req req = {0};
    struct dub_err e = {0};
    char *url = fal_status_url(j->h.status_url, 1);

    req.method = "GET";
    req.url = url;
    req.auth = 1;
    j->pending = 1;
    if (remote_call(j->r, FAL_OP_STATUS, &req, polled, j,
                    &e) < 0)
        job_fail(j, "status", &e);
    free(url);
}

static void cancelled(void *arg, const struct remote_result *res)
{
    enum fal_verdict v = res->verdict;
    struct http_resp *resp = res->resp;
    const struct dub_err *e = res->err;
    static const char *const what[] = {"requested", "already completed",
                                       "gone", "failed"};
    struct job *j = arg;

    j->pending = 0;
    printf("cancel HTTP %d: %s%s%s\n", resp ? resp->status : 0,
           what[resp ? fal_parse_cancel(resp) : FAL_CANCEL_FAILED],
           v == FAL_OK ? "" : " ", v == FAL_OK ? "" : e->msg);
}

/* The request was adopted from the listing: its URLs are rebuilt the way
 * both official clients do (owner/app/requests/id), since fal never sent
 * them to us. */
static void adopt(struct job *j, const char *id)
{
    fal_handle_build(&j->h, remote_config(j->r)->queue, j->endpoint, id);
}

static void submit(struct job *j);

static void found(void *arg, int ok, const char *id,
                  const struct remote_result *res)
{
    struct job *j = arg;
    const struct dub_err *e = res->err;

    j->pending = 0;
    if (ok < 0) {
        /* Never resubmit on a listing we could not read. */
        fprintf(stderr, "falclient: listing: %s\n", e->msg);
        j->rc = 4;
        j->done = 1;
        return;
    }
    if (ok == 0) {
        /* A complete listing without our input: fal never took it. */
        if (j->resubmit++) {
            printf("not found in fal's listing twice: giving up\n");
            j->rc = 4;
            j->done = 1;
            return;
        }
        printf("not found in fal's listing: submitting again\n");
        submit(j);
        return;
    }
    printf("adopted %s\n", id);
    j->adopted = 1;
    adopt(j, id);
}

static void submitted(void *arg, const struct remote_result *res)
{
    enum fal_verdict v = res->verdict;
    struct http_resp *resp = res->resp;
    const struct dub_err *e = res->err;
    struct job *j = arg;
    struct dub_err pe = {0};

    j->pending = 0;
    if (v == FAL_UNKNOWN) {
        printf("submit outcome unknown: %s\n", e->msg);
        j->pending = 1;
        remote_find(j->r, j->endpoint, j->payload, j->submitted_at, found, j);
        return;
    }
    if (v != FAL_OK) {
        job_fail(j, "submit", e);
        return;
    }
    if (fal_parse_submit(resp->body.data, &j->h, &pe) < 0) {
        /* fal answered 200: the request exists, find it. */
        printf("submit reply unreadable: %s\n", pe.msg);
        j->pending = 1;
        remote_find(j->r, j->endpoint, j->payload, j->submitted_at, found, j);
        return;
    }
    printf("submitted %s\n", j->h.request_id);
}

static void submit(struct job *j)
{
    struct http_req req = {0};
    struct dub_err e = {0};
    char *url = fal_submit_url(remote_config(j->r)->queue, j->endpoint);

    req.method = "POST";
    req.url = url;
    req.auth = 1;
    req.content_type = "application/json";
    req.body = j->payload;
    req.body_len = strlen(j->payload);
    req.once = 1;
    j->submitted_at = util_now_ms();
    j->pending = 1;
    /* Retried only when fal_classify proves it never arrived (429, an
     * ingress 503, a refused connection); otherwise FAL_UNKNOWN. */
    if (remote_call(j->r, FAL_OP_SUBMIT, &req, submitted, j,
                    &e) < 0)
        job_fail(j, "submit", &e);
    free(url);
}

static void settle(struct remote *r, int *pending)
{
    while (*pending)
        remote_poll(r, NULL, 0, 200);
}

static int job(struct remote *r, const char *endpoint, const char *video,
               const char *audio, const char *text, const char *voice,
               const char *out, int cancel)
{
    struct job j = {0};
    struct fal_input in;
    int busy;

    j.r = r;
    j.endpoint = endpoint;
    j.out = out;
    j.seed = (unsigned)getpid();
    remote_upload(r, video, NULL, "video/mp4", "video.mp4", uploaded, &j.video_url);
    if (audio)
        remote_upload(r, audio, NULL, "audio/mpeg", "audio.mp3", uploaded,
                      &j.audio_url);
    do {
        remote_poll(r, NULL, 0, 200);
        busy = !j.video_url || (audio && !j.audio_url);
    } while (busy);
    if (!*j.video_url || (audio && !*j.audio_url)) {
        free(j.video_url);
        free(j.audio_url);
        return 1;
    }
    in.video_url = j.video_url;
    in.audio_url = j.audio_url;
    in.text = text;
    in.voice_id = voice;
    in.voice_language = "en";
    in.voice_speed = 1.0;
    j.payload = fal_payload(plan_limits_get(audio ? PLAN_A2V : PLAN_T2V)->payload,
                            &in);
    submit(&j);
    /* A found-not-found resubmit is pending again: settle loops on. */
    settle(r, &j.pending);
    if (!j.done && cancel) {
        struct http_req c = {0};
        struct dub_err e = {0};

        c.method = "PUT";
        c.url = j.h.cancel_url;
        c.auth = 1;
        j.pending = 1;
        if (remote_call(r, FAL_OP_CANCEL, &c, cancelled, &j,
                        &e) < 0)
            j.pending = 0;
        settle(r, &j.pending);
    }
    while (!j.done) {
        poll_status(&j);
        run(&j);
    }
    fal_handle_release(&j.h);
    free(j.video_url);
    free(j.audio_url);
    free(j.payload);
    free(j.result_url);
    free(j.part);
    return j.rc ? j.rc : j.adopted ? 3 : 0;
}

/* ==== The listing ======================================================= */

struct lister {
    struct remote *r;
    const char *endpoint;
    int64_t since, until;
    int pending, rc, pages;
};

static void list_page(struct lister *l, const char *cursor);

static void listed(void *arg, const struct remote_result *res)
{
    enum fal_verdict v = res->verdict;
    struct http_resp *resp = res->resp;
    const struct dub_err *e = res->err;
    struct lister *l = arg;
    struct fal_listing page;
    struct dub_err pe = {0};
    int i;

    l->pending = 0;
    if (v != FAL_OK) {
        fprintf(stderr, "falclient: listing: %s\n", e->msg);
        l->rc = 1;
        return;
    }
    if (fal_parse_listing(resp->body.data, &page, &pe) < 0) {
        fprintf(stderr, "falclient: listing: %s\n", pe.msg);
        l->rc = 1;
        return;
    }
    l->pages++;
    for (i = 0; i < page.n; i++)
        printf("listed %s %s %s\n", page.items[i].request_id,
               page.items[i].status,
               page.items[i].json_input ? page.items[i].json_input : "-");
    if (page.has_more)
        list_page(l, page.next_cursor);
    fal_listing_release(&page);
}

static void list_page(struct lister *l, const char *cursor)
{
    struct http_req req = {0};
    struct dub_err e = {0};
    char *url = fal_listing_url(remote_config(l->r)->api, l->endpoint,
                                l->since, l->until, cursor);

    req.method = "GET";
    req.url = url;
    req.auth = 1;
    l->pending = 1;
    if (remote_call(l->r, FAL_OP_LIST, &req, listed, l,
                    &e) < 0) {
        fprintf(stderr, "falclient: %s\n", e.msg);
        l->pending = 0;
        l->rc = 1;
    }
    free(url);
}

static int list(struct remote *r, const char *endpoint, const char *secs)
{
    struct lister l = {0};
    long s;

    if (util_parse_long(secs, 0, 86400 * 30, &s) < 0)
        return 2;
    l.r = r;
    l.endpoint = endpoint;
    l.until = util_now_ms() + 60000;
    l.since = util_now_ms() - s * 1000;
    list_page(&l, NULL);
    settle(r, &l.pending);
    printf("pages %d\n", l.pages);
    return l.rc;
}

/* ==== http.c alone ====================================================== */

struct raw {
    int done, aborted, maybe_sent;
    enum fal_op op;
};

static void raw_done(void *arg, struct http_resp *resp)
{
    struct raw *w = arg;
    struct dub_err e = {0};
    enum fal_verdict v = fal_classify(w->op, resp, &e);

    w->done = 1;
    w->aborted = resp->aborted;
    w->maybe_sent = resp->maybe_sent;
    printf("status %d bytes %lld verdict %d\n", resp->status,
           (long long)resp->bytes, (int)v);
    if (v != FAL_OK)
        printf("error %s\n", e.msg);
}

static int raw(const struct falcfg *cfg, int argc, char **argv, int abort)
{
    struct http_config hc = {0};
    struct http_req req = {0};
    struct dub_err e = {0};
    struct raw w = {0};
    struct http *h;
    FILE *f = NULL;
    int i, rc = 0;
    int64_t until;

    hc.key = cfg->key;
    hc.auth_bases[0] = cfg->queue;
    hc.auth_bases[1] = cfg->rest;
    hc.auth_bases[2] = cfg->api;
    h = http_new(&hc, &e);
    if (!h) {
        fprintf(stderr, "falclient: %s\n", e.msg);
        return 2;
    }
    req.method = "GET";
    req.url = argv[0];
    w.op = FAL_OP_STATUS;
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--auth") == 0) {
            req.auth = 1;
        } else if (strcmp(argv[i], "--download") == 0 && i + 1 < argc) {
            f = fopen(argv[++i], "wb");
            if (!f) {
                perror(argv[i]);
                http_free(h);
                return 2;
            }
            req.download = f;
            w.op = FAL_OP_DOWNLOAD;
        }
    }
    if (http_start(h, &req, raw_done, &w, &e) < 0) {
        fprintf(stderr, "falclient: %s\n", e.msg);
        http_free(h);
        if (f)
            fclose(f);
        return 2;
    }
    until = util_mono_ms() + (abort ? 300 : 30000);
    while (!w.done && util_mono_ms() < until)
        http_poll(h, NULL, 0, 100);
    if (abort && !w.done) {
        http_abort_all(h);
        printf("aborted %d maybe_sent %d pending %d\n", w.aborted,
               w.maybe_sent, http_pending(h));
    }
    rc = w.done ? 0 : 1;
    http_free(h);
    if (f)
        fclose(f);
    return rc;
}

int main(int argc, char **argv)
{
    struct falcfg cfg;
    struct dub_err e = {0};
    struct remote *r;
    int rc = 2;

    log_setup(LOG_DEBUG, LOG_TEXT);
    if (argc < 2)
        goto usage;
    if (falcfg_load(&cfg, getenv("FAL_KEY_FILE"), NULL, NULL, NULL, &e) < 0) {
        fprintf(stderr, "falclient: %s\n", e.msg);
        return 2;
    }
    if ((strcmp(argv[1], "get") == 0 || strcmp(argv[1], "abort") == 0) &&
        argc >= 3) {
        rc = raw(&cfg, argc - 2, argv + 2, strcmp(argv[1], "abort") == 0);
        falcfg_release(&cfg);
        return rc;
    }
    r = remote_new(&cfg, &e);
    falcfg_release(&cfg);
    if (!r) {
        fprintf(stderr, "falclient: %s\n", e.msg);
        return 2;
    }
    /* Backoff in tests: a hundred times shorter, and a call gives up
     * after 20 s instead of a quarter of an hour. */
    remote_set_retry(r, 20000, FAL_BACKOFF_BASE_MS / 100,
                     FAL_BACKOFF_CAP_MS / 100);
    if (strcmp(argv[1], "upload") == 0 && argc == 4) {
        char *url = NULL;

        remote_upload(r, argv[2], NULL, argv[3], "file.bin", uploaded, &url);
        while (!url)
            remote_poll(r, NULL, 0, 200);
        rc = *url ? 0 : 1;
        free(url);
    } else if (strcmp(argv[1], "job") == 0 && (argc == 5 || argc == 6)) {
        rc = job(r, "fal-ai/kling-video/lipsync/audio-to-video", argv[2],
                 argv[3], NULL, NULL, argv[4],
                 argc == 6 && strcmp(argv[5], "--cancel") == 0);
    } else if (strcmp(argv[1], "tts") == 0 && argc == 6) {
        rc = job(r, "fal-ai/kling-video/lipsync/text-to-video", argv[2], NULL,
                 argv[3], argv[4], argv[5], 0);
    } else if (strcmp(argv[1], "list") == 0 && argc == 4) {
        rc = list(r, argv[2], argv[3]);
    } else {
        remote_free(r);
        goto usage;
    }
    remote_free(r);
    return rc;
usage:
    fprintf(stderr, "usage: falclient upload FILE TYPE | job VIDEO AUDIO OUT "
                    "[--cancel] | tts VIDEO TEXT VOICE OUT | list ENDPOINT "
                    "SECONDS | get URL [--auth] [--download FILE] | abort "
                    "URL\n");
    return 2;
}

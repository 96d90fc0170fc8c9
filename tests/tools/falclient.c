/*
 * falclient: drives dubbatch's fal client (remote.c over http.c and fal.c)
 * end to end, for tests/integration/falclient.sh.
 *
 *   falclient upload FILE CONTENT-TYPE        prints the file URL
 *   falclient job VIDEO AUDIO OUT [--cancel]  upload, submit, poll, result,
 *                                             download (OUT.part, renamed)
 *   falclient tts VIDEO TEXT VOICE OUT        the same for text-to-video
 *
 * Configuration as dubbatch: FAL_KEY, FAL_QUEUE_URL, FAL_REST_URL,
 * FAL_API_URL.  Exit 0 done, 1 failed, 2 usage, 3 a submit whose outcome
 * was unknown and was found again in fal's listing (the request id is
 * adopted and the job finished), 4 unknown and not found.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fal.h"
#include "falcfg.h"
#include "log.h"
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
    int done, rc, pending, adopted, cancel;
    int64_t next_poll;
    int polls;
};

static void job_fail(struct job *j, const char *what, const struct dub_err *e)
{
    fprintf(stderr, "falclient: %s: %s\n", what, e ? e->msg : "failed");
    j->rc = 1;
    j->done = 1;
}

static void uploaded(void *arg, const char *url, const struct dub_err *e)
{
    char **slot = arg;

    if (!url) {
        fprintf(stderr, "falclient: %s\n", e->msg);
        *slot = xstrdup("");
        return;
    }
    *slot = xstrdup(url);
    printf("uploaded %s\n", url);
}

static void run(struct job *j)
{
    while (!j->done) {
        int64_t wait = j->next_poll ? j->next_poll - util_mono_ms() : 1000;

        remote_poll(j->r, NULL, 0, wait < 0 ? 0 : wait > 1000 ? 1000 : (int)wait);
        if (j->next_poll && util_mono_ms() >= j->next_poll && !j->pending) {
            j->next_poll = 0;
            return; /* the caller polls again */
        }
    }
}

static void downloaded(void *arg, enum fal_verdict v, struct http_resp *resp,
                       const struct dub_err *e)
{
    struct job *j = arg;

    (void)resp;
    j->pending = 0;
    fclose(j->fout);
    if (v != FAL_OK) {
        unlink(j->part);
        job_fail(j, "download", e);
        return;
    }
    if (rename(j->part, j->out) < 0) {
        perror("rename");
        j->rc = 1;
    }
    printf("downloaded %s (%lld bytes)\n", j->out, (long long)resp->bytes);
    j->done = 1;
}

static void got_result(void *arg, enum fal_verdict v, struct http_resp *resp,
                       const struct dub_err *e)
{
    struct job *j = arg;
    struct dub_err pe = {0};
    struct http_req req = {0};
    int64_t size;

    j->pending = 0;
    if (v != FAL_OK) {
        job_fail(j, "result", e);
        return;
    }
    if (fal_parse_result(resp->body.data, &j->result_url, &size, &pe) < 0) {
        job_fail(j, "result", &pe);
        return;
    }
    printf("result %s\n", j->result_url);
    j->part = xasprintf("%s.part", j->out);
    j->fout = fopen(j->part, "wb");
    req.method = "GET";
    req.url = j->result_url;
    req.download = j->fout;
    j->pending = 1;
    if (remote_call(j->r, FAL_OP_DOWNLOAD, &req, REMOTE_TRIES, downloaded, j,
                    &pe) < 0)
        job_fail(j, "download", &pe);
}

static void polled(void *arg, enum fal_verdict v, struct http_resp *resp,
                   const struct dub_err *e)
{
    struct job *j = arg;
    struct fal_status s;
    struct dub_err pe = {0};
    struct http_req req = {0};

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
        printf("status %s %d\n", s.state == FAL_IN_QUEUE ? "IN_QUEUE"
                                                         : "IN_PROGRESS",
               s.queue_position);
        j->next_poll = util_mono_ms() + 100;
        fal_status_release(&s);
        return;
    }
    printf("status COMPLETED%s%s\n", s.error ? " error: " : "",
           s.error ? s.error : "");
    fal_status_release(&s);
    req.method = "GET";
    req.url = j->h.response_url;
    req.auth = 1;
    j->pending = 1;
    if (remote_call(j->r, FAL_OP_RESULT, &req, REMOTE_TRIES, got_result, j,
                    &pe) < 0)
        job_fail(j, "result", &pe);
}

static void poll_status(struct job *j)
{
    struct http_req req = {0};
    struct dub_err e = {0};
    char *url = fal_status_url(j->h.status_url);

    req.method = "GET";
    req.url = url;
    req.auth = 1;
    j->pending = 1;
    if (remote_call(j->r, FAL_OP_STATUS, &req, REMOTE_TRIES, polled, j, &e) < 0)
        job_fail(j, "status", &e);
    free(url);
}

static void cancelled(void *arg, enum fal_verdict v, struct http_resp *resp,
                      const struct dub_err *e)
{
    struct job *j = arg;

    j->pending = 0;
    printf("cancel HTTP %d%s%s\n", resp ? resp->status : 0, v == FAL_OK ? "" : " ",
           v == FAL_OK ? "" : e->msg);
}

/* The request was adopted from the listing: its URLs are rebuilt the way
 * both official clients do (owner/app/requests/id), since fal never sent
 * them to us. */
static void adopt(struct job *j, const char *id)
{
    const struct falcfg *c = remote_config(j->r);

    j->h.request_id = xstrdup(id);
    j->h.response_url = xasprintf("%s/fal-ai/kling-video/requests/%s", c->queue, id);
    j->h.status_url = xasprintf("%s/status", j->h.response_url);
    j->h.cancel_url = xasprintf("%s/cancel", j->h.response_url);
}

static void found(void *arg, int ok, const char *id, const struct dub_err *e)
{
    struct job *j = arg;

    j->pending = 0;
    if (ok < 0) {
        job_fail(j, "listing", e);
        return;
    }
    if (ok == 0) {
        printf("not found in fal's listing\n");
        j->rc = 4;
        j->done = 1;
        return;
    }
    printf("adopted %s\n", id);
    j->adopted = 1;
    adopt(j, id);
}

static void submitted(void *arg, enum fal_verdict v, struct http_resp *resp,
                      const struct dub_err *e)
{
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
        job_fail(j, "submit", &pe);
        return;
    }
    printf("submitted %s\n", j->h.request_id);
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
    struct http_req req = {0};
    struct dub_err e = {0};
    char *url;
    int busy;

    j.r = r;
    j.endpoint = endpoint;
    j.out = out;
    j.cancel = cancel;
    remote_upload(r, video, "video/mp4", "video.mp4", uploaded, &j.video_url);
    if (audio)
        remote_upload(r, audio, "audio/mpeg", "audio.mp3", uploaded, &j.audio_url);
    do {
        remote_poll(r, NULL, 0, 200);
        busy = !j.video_url || (audio && !j.audio_url);
    } while (busy);
    if (!*j.video_url || (audio && !*j.audio_url))
        return 1;
    j.payload = audio ? fal_payload_a2v(j.video_url, j.audio_url)
                      : fal_payload_t2v(j.video_url, text, voice, "en", 1.0);
    url = fal_submit_url(remote_config(r)->queue, endpoint);
    req.method = "POST";
    req.url = url;
    req.auth = 1;
    req.content_type = "application/json";
    req.body = j.payload;
    req.body_len = strlen(j.payload);
    req.once = 1;
    j.submitted_at = util_now_ms();
    j.pending = 1;
    /* Retried only when fal_classify proves it never arrived (429, 503,
     * refused connections); a maybe-delivered submit comes back UNKNOWN. */
    if (remote_call(r, FAL_OP_SUBMIT, &req, REMOTE_TRIES, submitted, &j, &e) < 0) {
        fprintf(stderr, "falclient: %s\n", e.msg);
        return 1;
    }
    free(url);
    settle(r, &j.pending);
    if (!j.done && cancel) {
        struct http_req c = {0};

        c.method = "PUT";
        c.url = j.h.cancel_url;
        c.auth = 1;
        j.pending = 1;
        remote_call(r, FAL_OP_CANCEL, &c, REMOTE_TRIES, cancelled, &j, &e);
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

int main(int argc, char **argv)
{
    struct falcfg cfg;
    struct dub_err e = {0};
    struct remote *r;
    int rc = 2;

    log_setup(LOG_WARN, LOG_TEXT);
    if (argc < 2)
        goto usage;
    if (falcfg_load(&cfg, getenv("FAL_KEY_FILE"), NULL, NULL, NULL, &e) < 0) {
        fprintf(stderr, "falclient: %s\n", e.msg);
        return 2;
    }
    r = remote_new(&cfg, &e);
    falcfg_release(&cfg);
    if (!r) {
        fprintf(stderr, "falclient: %s\n", e.msg);
        return 2;
    }
    /* Backoff in tests: a hundred times shorter. */
    remote_set_speedup(r, 100);
    if (strcmp(argv[1], "upload") == 0 && argc == 4) {
        char *url = NULL;

        remote_upload(r, argv[2], argv[3], "file.bin", uploaded, &url);
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
    } else {
        remote_free(r);
        goto usage;
    }
    remote_free(r);
    return rc;
usage:
    fprintf(stderr, "usage: falclient upload FILE TYPE | job VIDEO AUDIO OUT "
                    "[--cancel] | tts VIDEO TEXT VOICE OUT\n");
    return 2;
}

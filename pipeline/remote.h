/*
 * remote: fal calls with retries, on top of http.c (transport) and fal.c
 * (protocol).  Everything is asynchronous: a call returns at once and its
 * callback runs from inside remote_poll(), which the owner's event loop
 * calls with its own fds.  A retry is a due time, never a sleep.
 *
 * remote_call() sends one request and retries transient failures with
 * exponential backoff and jitter; remote_upload() and remote_find() are
 * the multi-request chains (storage upload, single or multipart; finding a
 * submitted request in fal's listing after a lost reply).
 */
#ifndef DUB_REMOTE_H
#define DUB_REMOTE_H

#include <poll.h>
#include <stdint.h>

#include "fal.h"
#include "falcfg.h"
#include "http.h"

struct remote;

/* Backoff between tries: fal's JS client uses 1 s doubling to 30-60 s;
 * a batch that waits 12 minutes per job can afford the same (fal.h). */
#define REMOTE_BACKOFF_BASE_MS FAL_BACKOFF_BASE_MS
#define REMOTE_BACKOFF_CAP_MS FAL_BACKOFF_CAP_MS
#define REMOTE_TRIES 6

struct remote *remote_new(const struct falcfg *cfg, struct dub_err *e);
void remote_free(struct remote *r);
/* The configuration the remote was made with (borrowed). */
const struct falcfg *remote_config(const struct remote *r);
/* For tests: makes backoff waits this many times shorter. */
void remote_set_speedup(struct remote *r, int factor);

/*
 * The outcome of a call: the verdict (FAL_OK, FAL_FATAL, FAL_UNKNOWN, or
 * FAL_RETRY when the tries ran out), the last reply (borrowed for the
 * callback), and the error for anything but FAL_OK.
 */
typedef void remote_fn(void *arg, enum fal_verdict v, struct http_resp *resp,
                       const struct dub_err *e);

/* Sends req (copied) up to tries times.  A download is rewound before
 * each try.  Returns -1 and e when the request is refused outright. */
int remote_call(struct remote *r, enum fal_op op, const struct http_req *req,
                int tries, remote_fn *done, void *arg, struct dub_err *e);

/* Uploads path to fal storage; done gets the file URL (borrowed) or NULL
 * and the error. */
typedef void remote_upload_fn(void *arg, const char *file_url,
                              const struct dub_err *e);
void remote_upload(struct remote *r, const char *path,
                   const char *content_type, const char *file_name,
                   remote_upload_fn *done, void *arg);

/*
 * Looks for a request of endpoint whose input equals payload, sent at or
 * after since_ms, through fal's request listing (all pages).  done gets:
 * found 1 and the request id, found 0 after a complete listing without a
 * match, or found -1 and the error when the listing could not be read.
 */
typedef void remote_find_fn(void *arg, int found, const char *request_id,
                            const struct dub_err *e);
void remote_find(struct remote *r, const char *endpoint, const char *payload,
                 int64_t since_ms, remote_find_fn *done, void *arg);

/* Runs due retries, then http_poll() with the caller's fds.  Returns the
 * number of calls in flight or waiting. */
int remote_poll(struct remote *r, struct pollfd *extra, int nextra,
                int timeout_ms);
int remote_pending(struct remote *r);

#endif

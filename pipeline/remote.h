/*
 * remote: fal calls with retries, on top of http.c (transport) and fal.c
 * (protocol and the retry policy).  Everything is asynchronous: a call
 * returns at once and its callback runs from inside remote_poll(), which
 * the owner's event loop calls with its own fds.  A retry is a due time,
 * never a sleep.
 *
 * remote_call() sends one request and retries what fal_classify() calls
 * transient, with exponential backoff and full jitter (a Retry-After is a
 * floor), for as long as the retry budget allows (FAL_RETRY_FOR_MS, the
 * run's --retry-for), not a fixed number of tries.  remote_upload() and
 * remote_list()/remote_find() are the multi-request chains: storage upload
 * (single or multipart, re-initiated when a signed URL expires) and fal's
 * request listing, page by page.
 */
#ifndef DUB_REMOTE_H
#define DUB_REMOTE_H

#include <poll.h>
#include <stdint.h>

#include "fal.h"
#include "falcfg.h"
#include "http.h"

struct remote;

struct remote *remote_new(const struct falcfg *cfg, struct dub_err *e);
void remote_free(struct remote *r);
/* The configuration the remote was made with (borrowed). */
const struct falcfg *remote_config(const struct remote *r);
/* How long one call keeps retrying, and the backoff's first step and cap
 * (0 keeps the default).  Tests shorten the backoff. */
void remote_set_retry(struct remote *r, int64_t retry_for_ms, int64_t base_ms,
                      int64_t cap_ms);

/*
 * How a call (or a chain) ended.  verdict is FAL_OK, a final verdict of
 * the policy, or FAL_RETRY when the failures were still transient as the
 * time ran out.  resp is the last reply (borrowed, may be NULL), err the
 * error for anything but FAL_OK.  faults counts the transient failures
 * met on the way, fault_ms the time they cost (failed tries and waits).
 */
struct remote_result {
    enum fal_verdict verdict;
    struct http_resp *resp;
    const struct dub_err *err;
    int faults;
    int64_t fault_ms;
};

typedef void remote_fn(void *arg, const struct remote_result *r);

/* Sends req (copied).  A download is rewound before each try.  Returns -1
 * and e when the request is refused outright (done is not called). */
int remote_call(struct remote *r, enum fal_op op, const struct http_req *req,
                remote_fn *done, void *arg, struct dub_err *e);

/* Uploads path to fal storage; done gets the file URL (borrowed) on
 * FAL_OK, NULL otherwise.  With want, every read checks that path is still
 * that file (fileid.h): a swapped input fails, it is never sent. */
typedef void remote_upload_fn(void *arg, const char *file_url,
                              const struct remote_result *r);
void remote_upload(struct remote *r, const char *path,
                   const struct fileid *want, const char *content_type,
                   const char *file_name, remote_upload_fn *done, void *arg);

/*
 * Reads fal's listing of endpoint's requests sent in [since_ms, until_ms]
 * (widened by a clock-skew allowance), every page.  each() sees every
 * listed request (borrowed) and returns 1 to stop early.  done gets FAL_OK
 * when the listing was read to its end or stopped, else the failure.
 */
typedef int remote_item_fn(void *arg, const struct fal_listed *item);
void remote_list(struct remote *r, const char *endpoint, int64_t since_ms,
                 int64_t until_ms, remote_item_fn *each, remote_fn *done,
                 void *arg);

/*
 * Looks for a request of endpoint whose input equals payload, sent at or
 * after since_ms.  done gets: found 1 and the request id, found 0 after a
 * complete listing without a match, or found -1 when the listing could not
 * be read (r says why).
 */
typedef void remote_find_fn(void *arg, int found, const char *request_id,
                            const struct remote_result *r);
void remote_find(struct remote *r, const char *endpoint, const char *payload,
                 int64_t since_ms, remote_find_fn *done, void *arg);

/* Runs due retries, then http_poll() with the caller's fds.  Returns the
 * number of calls in flight or waiting. */
int remote_poll(struct remote *r, struct pollfd *extra, int nextra,
                int timeout_ms);
int remote_pending(struct remote *r);

#endif

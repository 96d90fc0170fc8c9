/*
 * fal: fal.ai's queue, storage and platform protocol (fal-protocol.md) as
 * pure functions: URLs and bodies to send, replies to parse, failures to
 * classify.  No I/O, so every reply shape is unit-tested from canned text.
 *
 * Every server reply is untrusted: parsers accept unknown fields, refuse
 * wrong types, and bound what they copy.  Returned strings belong to the
 * caller (free), or to the struct they fill (its _release function).
 */
#ifndef DUB_FAL_H
#define DUB_FAL_H

#include <stddef.h>
#include <stdint.h>

#include "http.h"
#include "util.h"

/* fal's hosts; tests point all three at the fake. */
#define FAL_QUEUE_DEFAULT "https://queue.fal.run"
#define FAL_REST_DEFAULT "https://rest.fal.ai"
#define FAL_API_DEFAULT "https://api.fal.ai"

/* The JS client's multipart rule (fal-protocol.md 5.2): files over 90 MiB
 * go up in 10 MiB parts, one after another. */
#define FAL_MULTIPART_THRESHOLD ((int64_t)90 * 1024 * 1024)
#define FAL_PART_SIZE ((int64_t)10 * 1024 * 1024)

/* Rows per page of the request listing (fal-protocol.md 12). */
#define FAL_LIST_LIMIT 50

/*
 * Backoff between tries of one call: exponential from 1 s to 30 s, as
 * fal's JS client (spec 4.5), with full jitter (a uniform draw below the
 * step), so a thousand jobs failing together do not retry together.  The
 * number of tries is not bounded; the time is (FAL_RETRY_FOR_MS, the run's
 * --retry-for): a batch that waits twelve minutes per job can outlast an
 * outage of minutes, where three quick tries cannot.
 */
#define FAL_BACKOFF_BASE_MS 1000
#define FAL_BACKOFF_CAP_MS 30000
#define FAL_RETRY_FOR_MS ((int64_t)15 * 60 * 1000)
/* Neither official client reads Retry-After (spec 4.2); when a server
 * sends one anyway it is a floor for the wait, up to this much. */
#define FAL_RETRY_AFTER_CAP_MS 120000

/* ==== Requests ========================================================== */

/* queue_base + "/" + endpoint id. */
char *fal_submit_url(const char *queue_base, const char *endpoint);
/* What a job gives the model; an endpoint takes some of it. */
struct fal_input {
    const char *video_url, *audio_url;
    const char *text, *voice_id, *voice_language;
    double voice_speed;
};
/* The model input, exactly: the fields named (an endpoint's payload row in
 * plan.c, ended by NULL or after 6) from in.  voice_speed is rounded to
 * one decimal, as the model accepts it. */
char *fal_payload(const char *const fields[6], const struct fal_input *in);
/* status_url, with ?logs=1 (or &logs=1) when logs is set. */
char *fal_status_url(const char *status_url, int logs);
char *fal_initiate_url(const char *rest_base, int multipart);
char *fal_initiate_body(const char *content_type, const char *file_name);

/* Byte ranges of a multipart upload, parts numbered from 1. */
struct fal_part {
    int number;
    int64_t offset, length;
};
/* Slices size into FAL_PART_SIZE parts; returns how many (caller frees
 * *parts).  0 parts for size 0. */
int fal_parts(int64_t size, struct fal_part **parts);
/* {origin}{path}/{n}{query} of an upload_url. */
char *fal_part_url(const char *upload_url, int n);
char *fal_complete_url(const char *upload_url);
/* {"parts":[{"partNumber":n,"etag":"..."},...]} */
char *fal_complete_body(const char *const *etags, int n);

/* The platform listing of an endpoint's requests (fal-protocol.md 12). */
/* GET {api}/v1/models/requests/by-endpoint?endpoint_id=&start=&end=
 * &expand=payloads&limit=FAL_LIST_LIMIT[&cursor=], times as ISO-8601. */
char *fal_listing_url(const char *api_base, const char *endpoint,
                      int64_t start_ms, int64_t end_ms, const char *cursor);

/* ==== Replies =========================================================== */

/*
 * A submitted request.  The URLs are the ones fal sent, never rebuilt, and
 * pass http_url_allowed(); request_id is 1..128 of [A-Za-z0-9._-].
 */
struct fal_handle {
    char *request_id;
    char *status_url, *response_url, *cancel_url;
    int queue_position;
};
int fal_parse_submit(const char *body, struct fal_handle *h,
                     struct dub_err *e);
/* The URLs of a request whose submit reply we never read (found in the
 * listing, or named only by a header), built the way both official
 * clients build them: {queue}/{owner}/{app}/requests/{id}[/status|
 * /cancel], from endpoint's first two segments. */
void fal_handle_build(struct fal_handle *h, const char *queue_base,
                      const char *endpoint, const char *request_id);
void fal_handle_release(struct fal_handle *h);
/* 1 when id is a request id we may put in a URL or a log line. */
int fal_request_id_ok(const char *id);

enum fal_state { FAL_IN_QUEUE, FAL_IN_PROGRESS, FAL_COMPLETED };

/*
 * A status reply.  Anything but IN_QUEUE, IN_PROGRESS or COMPLETED is a
 * protocol error (there is no FAILED).  A COMPLETED request that failed has
 * error set (to error_type's name when fal sent no words).
 */
struct fal_status {
    enum fal_state state;
    int queue_position;   /* >= 0; 0 unless IN_QUEUE */
    char *error;          /* COMPLETED with a model error, or NULL */
    char *error_type;
    struct buf logs;      /* one "timestamp level message" line per entry;
                             control characters in messages become spaces */
    int nlogs;
};
int fal_parse_status(const char *body, struct fal_status *s,
                     struct dub_err *e);
void fal_status_release(struct fal_status *s);

/* The output File (fal-protocol.md 6): url required, the rest optional. */
struct fal_output {
    char *url;
    char *content_type;   /* or NULL */
    char *file_name;      /* or NULL; a name, never used as a path */
    int64_t file_size;    /* -1 when not given */
};
/* member: the endpoint's result member ("video"). */
int fal_parse_output(const char *body, const char *member,
                     struct fal_output *o, struct dub_err *e);
void fal_output_release(struct fal_output *o);
/* The output file: member.url (the endpoint's result member, "video"),
 * and its size when given, else -1. */
int fal_parse_result(const char *body, const char *member, char **url,
                     int64_t *size, struct dub_err *e);
int fal_parse_initiate(const char *body, char **upload_url, char **file_url,
                       struct dub_err *e);
/* A multipart part's etag: the reply's {"etag"}, else the ETag header's
 * value without quotes. */
int fal_parse_part(const char *body, const char *etag_header, char **etag,
                   struct dub_err *e);

struct fal_listed {
    char *request_id;
    char *status;
    char *json_input;     /* canonical JSON of the input, or NULL */
    char *output_url;     /* json_output's video URL when the listing gave
                             it (a finished request), else NULL */
};
struct fal_listing {
    struct fal_listed *items;
    int n;
    int has_more;
    char *next_cursor;
};
/* items (also "requests" or "data", as some clients accept), has_more,
 * next_cursor; an item with no usable request id is skipped. */
int fal_parse_listing(const char *body, struct fal_listing *l,
                      struct dub_err *e);
void fal_listing_release(struct fal_listing *l);
/* 1 when two JSON inputs are the same after normalisation (key order,
 * white space, number spelling). */
int fal_input_equal(const char *a, const char *b);
/*
 * 1 when a listed json_input is our submitted input: every field we sent
 * is there with an equal value (normalised as above).  Fields fal added
 * (defaults it filled in) do not matter (fal-protocol.md 12, step 3).
 */
int fal_input_matches(const char *ours, const char *listed);
/*
 * An input as the files it names: canonical JSON in which every *_url
 * value is cut to its last path segment, the file name fal keeps from the
 * upload.  Two submissions of the same content, uploaded twice under the
 * same content-derived names, give the same key: how a run that lost its
 * database knows its requests.  NULL when json is not an object; caller
 * frees.
 */
char *fal_input_files_key(const char *json);

/* What a cancel achieved (fal-protocol.md 3.5; the sources disagree on
 * the codes, so every documented shape is read). */
enum fal_cancel {
    FAL_CANCEL_REQUESTED, /* 2xx: CANCELLATION_REQUESTED, OK, success */
    FAL_CANCEL_DONE,      /* 400 ALREADY_COMPLETED: fetch the result */
    FAL_CANCEL_GONE,      /* 404 NOT_FOUND: fal no longer knows it */
    FAL_CANCEL_FAILED,    /* anything else: see fal_classify() */
};
enum fal_cancel fal_parse_cancel(const struct http_resp *r);
/* 1 when r is the queue's answer for a request id it does not know (404
 * {"status":"NOT_FOUND"}): a queue host that read the key, as opposed to a
 * server that is not fal's queue at all. */
int fal_not_found(const struct http_resp *r);

/* ==== Failures ========================================================== */

/* The routes of the retry policy.  FAL_OP_ERROR is the result of a
 * request whose status said it failed: the reply, whatever its code, is
 * the model's error, read for its words. */
enum fal_op {
    FAL_OP_SUBMIT, FAL_OP_STATUS, FAL_OP_RESULT, FAL_OP_ERROR,
    FAL_OP_CANCEL, FAL_OP_INITIATE, FAL_OP_UPLOAD, FAL_OP_DOWNLOAD,
    FAL_OP_LIST, FAL_NOPS
};

enum fal_verdict {
    FAL_OK,         /* 2xx */
    FAL_RETRY,      /* transient: try again after a backoff */
    FAL_FATAL,      /* permanent: fail with fal's message */
    FAL_UNKNOWN,    /* a submit that may have reached fal: reconcile */
    FAL_ACCEPTED,   /* a submit answered 2xx that cannot be read: fal has
                       it; find its id, never send it again */
    FAL_REINIT,     /* a signed URL that no longer works: start the upload
                       again, or fetch the result again for a fresh link */
    FAL_LOCAL,      /* the download could not be written here (disk full,
                       read-only): the work is fal's and waits for space */
};

/* "submit", "status", ... for messages. */
const char *fal_op_name(enum fal_op op);

/*
 * Classifies a finished transfer by the retry policy, one table of route x
 * outcome in fal.c (fal-protocol.md 4; design.md section 4).  For anything
 * but FAL_OK, e gets "fal OP: HTTP N: fal's words [request ID]": a detail
 * string, a detail list ("loc: msg (type); ..."), a flat detail with its
 * error_type, storage's XML code and message, or a summary of a non-JSON
 * or empty reply; never more than a few hundred bytes of it.
 * e->retryable and e->http_status are set.
 *
 *  - retried, on every idempotent route: transport failures, resets,
 *    timeouts, bodies cut short, 408, 429, 500, 502, 503, 504, and storage
 *    errors whose S3 code says so (InternalError, SlowDown,
 *    ServiceUnavailable, RequestTimeout); a 500 on a result after a clean
 *    COMPLETED is the edge failing, not the model;
 *  - re-initiated: a signed upload URL or CDN link that expired (403, or
 *    an expired-token code), or a CDN file gone (404);
 *  - fatal: 3xx (redirects are not followed with the key), 400, 401, 403,
 *    404, 422 and other 4xx, other 5xx, 504 with timeout type "user";
 *  - a submit is retried only when it provably never reached fal (no
 *    connection, 429, a 503 from the ingress without fal's request id);
 *    a 2xx, however broken its body, is FAL_ACCEPTED; any other failure
 *    is FAL_UNKNOWN: reconcile through the listing.
 */
enum fal_verdict fal_classify(enum fal_op op, const struct http_resp *r,
                              struct dub_err *e);

/* 1 when fal's error_type names an infrastructure failure its docs call
 * retryable (runner_*, request_timeout, startup_timeout): a request that
 * failed that way may be submitted again. */
int fal_error_retryable(const char *type);

/* Delay before try number attempt (0-based), with full jitter: u (in
 * [0,1), the caller's random source, so tests can pin it) times the step,
 * which doubles from base_ms up to cap_ms. */
int64_t fal_backoff_ms(int attempt, int64_t base_ms, int64_t cap_ms, double u);
/* A Retry-After of delta-seconds in milliseconds, at most cap_ms; -1 when
 * there is none or it is a date. */
int64_t fal_retry_after_ms(const struct http_resp *r, int64_t cap_ms);

/* cJSON's version, for dubbatch doctor. */
const char *fal_json_version(void);

#endif

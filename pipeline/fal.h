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

/* The JS client's multipart rule (fal-protocol.md 5.2). */
#define FAL_MULTIPART_THRESHOLD ((int64_t)90 * 1024 * 1024)
#define FAL_PART_SIZE ((int64_t)10 * 1024 * 1024)

/* ==== Requests ========================================================== */

/* queue_base + "/" + endpoint id. */
char *fal_submit_url(const char *queue_base, const char *endpoint);
/* The model input, exactly: {"video_url","audio_url"}. */
char *fal_payload_a2v(const char *video_url, const char *audio_url);
/* {"video_url","text","voice_id","voice_language","voice_speed"}; the speed
 * is rounded to one decimal, as the model accepts it. */
char *fal_payload_t2v(const char *video_url, const char *text,
                      const char *voice_id, const char *voice_language,
                      double voice_speed);
/* status_url with ?logs=1 (or &logs=1). */
char *fal_status_url(const char *status_url);
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
char *fal_listing_url(const char *api_base, const char *endpoint,
                      int64_t start_ms, int64_t end_ms, const char *cursor);

/* ==== Replies =========================================================== */

struct fal_handle {
    char *request_id;
    char *status_url, *response_url, *cancel_url;
    int queue_position;
};
int fal_parse_submit(const char *body, struct fal_handle *h,
                     struct dub_err *e);
void fal_handle_release(struct fal_handle *h);

enum fal_state { FAL_IN_QUEUE, FAL_IN_PROGRESS, FAL_COMPLETED };

struct fal_status {
    enum fal_state state;
    int queue_position;
    char *error;          /* COMPLETED with a model error */
    char *error_type;
    struct buf logs;      /* one "timestamp level message" line per entry */
    int nlogs;
};
int fal_parse_status(const char *body, struct fal_status *s,
                     struct dub_err *e);
void fal_status_release(struct fal_status *s);

/* The output file: video.url (and its size when given, else -1). */
int fal_parse_result(const char *body, char **video_url, int64_t *size,
                     struct dub_err *e);
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
};
struct fal_listing {
    struct fal_listed *items;
    int n;
    int has_more;
    char *next_cursor;
};
int fal_parse_listing(const char *body, struct fal_listing *l,
                      struct dub_err *e);
void fal_listing_release(struct fal_listing *l);
/* 1 when two JSON inputs are the same after normalisation (key order,
 * white space, number spelling). */
int fal_input_equal(const char *a, const char *b);

/* ==== Failures ========================================================== */

enum fal_op {
    FAL_OP_SUBMIT, FAL_OP_STATUS, FAL_OP_RESULT, FAL_OP_CANCEL,
    FAL_OP_INITIATE, FAL_OP_UPLOAD, FAL_OP_DOWNLOAD, FAL_OP_LIST,
};

enum fal_verdict {
    FAL_OK,         /* 2xx */
    FAL_RETRY,      /* transient: try again after a backoff */
    FAL_FATAL,      /* permanent: fail with fal's message */
    FAL_UNKNOWN,    /* a submit that may have reached fal: reconcile */
};

/*
 * Classifies a finished transfer.  For anything but FAL_OK, e gets a
 * message with fal's own words (detail string or list, error_type), the
 * HTTP status, and fal's request id when known; e->retryable and
 * e->http_status are set.
 */
enum fal_verdict fal_classify(enum fal_op op, const struct http_resp *r,
                              struct dub_err *e);

/* Delay before try number attempt (0-based): exponential from base_ms,
 * capped at cap_ms, times a jitter factor in [0.75, 1.25) from u in [0,1). */
int64_t fal_backoff_ms(int attempt, int64_t base_ms, int64_t cap_ms, double u);

#endif

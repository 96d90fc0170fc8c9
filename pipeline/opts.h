/*
 * opts: small helpers the verbs share for their command lines.
 */
#ifndef DUB_OPTS_H
#define DUB_OPTS_H

#include <stdint.h>

#include "util.h"

/* Default time one media task may take before its worker is killed: a 4K
 * re-encode of 60 s on one slow core fits; a hung demuxer does not. */
#define OPTS_MEDIA_TIMEOUT_MS (600 * 1000)

/* The help lines of the options every verb that starts media workers
 * takes, so each verb words them alike. */
#define OPTS_HELP_MEDIA_JOBS \
    "  -j, --media-jobs N   media worker processes (default: online CPUs)\n"
#define OPTS_HELP_MEDIA_TIMEOUT \
    "  --media-timeout SEC  kill a worker stuck on one file (600)\n"

/* The help lines of the options that say how to reach fal (falcfg.h). */
#define OPTS_HELP_FAL                                                    \
    "  --key-file F         the fal key, in a private file (else FAL_KEY,\n" \
    "                       or FAL_KEY_ID and FAL_KEY_SECRET)\n"            \
    "  --fal-queue-url U    fal's queue (FAL_QUEUE_URL; "                   \
    "https://queue.fal.run)\n"                                              \
    "  --fal-rest-url U     fal's storage (FAL_REST_URL; "                  \
    "https://rest.fal.ai)\n"                                                \
    "  --fal-api-url U      fal's platform (FAL_API_URL; "                  \
    "https://api.fal.ai)\n"

/* Parses --media-jobs N; prints the error and returns -1. */
int opts_media_jobs(const char *arg, int *out);
/* Parses --media-timeout SEC into milliseconds; prints the error and
 * returns -1. */
int opts_media_timeout(const char *arg, int64_t *ms);
/* Parses a whole number in [lo, hi]; prints the error and returns -1. */
int opts_int(const char *flag, const char *arg, long lo, long hi, int *out);
/* Parses a number in [lo, hi]; prints the error and returns -1. */
int opts_double(const char *flag, const char *arg, double lo, double hi,
                double *out);
/* Parses a duration: a number of seconds, or with a unit (90s, 15m, 2h),
 * in [lo_ms, hi_ms]; prints the error and returns -1. */
int opts_duration(const char *flag, const char *arg, int64_t lo_ms,
                  int64_t hi_ms, int64_t *out_ms);
/* Online CPUs, at least 1. */
int opts_default_media_jobs(void);
/* Flushes and closes stdout; -1 (with a message) when output was lost, so a
 * full disk is an error rather than a silently short report. */
int opts_close_stdout(void);

/*
 * The backoff's first step and cap: fal's JS client's numbers, unless
 * DUBBATCH_TEST_BACKOFF_MS=BASE[,CAP] shortens them (a seam for tests,
 * which outlast hundreds of injected faults in seconds; README).
 */
void opts_backoff(int64_t *base_ms, int64_t *cap_ms);

/* --key-file and the --fal-*-url flags, as run, cancel and doctor take
 * them: getopt codes 'k', 'Q', 'R' and 'A'.  NULL when not given. */
struct opts_fal {
    const char *key_file, *queue, *rest, *api;
};
/* 1 when c is one of them (its value kept), else 0. */
int opts_fal_take(int c, const char *arg, struct opts_fal *f);

/* -j/--media-jobs and --media-timeout, as the verbs that start media
 * workers take them: getopt codes 'j' and 't'. */
struct opts_media {
    int jobs;
    int64_t timeout_ms;
};
void opts_media_init(struct opts_media *m);
/* 1 when c is one of them, -1 when its value is bad (said on stderr),
 * else 0. */
int opts_media_take(int c, const char *arg, struct opts_media *m);

#endif

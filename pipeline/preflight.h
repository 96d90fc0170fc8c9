/*
 * preflight: one look at fal before a run spends anything, and the remote
 * half of `dubbatch doctor`.  Three calls that cost nothing:
 *
 *   platform API  the listing of the endpoint's last minute, with the key
 *   queue         the status of a request id that cannot exist, with the
 *                 key: fal's queue answers NOT_FOUND to a key it accepts
 *   storage       a plain GET of the host, no key: does it answer at all
 *
 * A key fal refuses, a host that cannot be reached, or a base URL that is
 * not fal's stops a run before its first job (exit 2), naming the URL and
 * what to check; a batch would otherwise meet the same wall job by job.
 * An edge failing for the moment (5xx, 429, a reset) does not: the run
 * outlasts that anyway.
 */
#ifndef DUB_PREFLIGHT_H
#define DUB_PREFLIGHT_H

#include <stdint.h>

#include "falcfg.h"
#include "util.h"

enum preflight_verdict {
    PREFLIGHT_OK,
    PREFLIGHT_SHAKY,   /* answered, but failing for now: the run goes on */
    PREFLIGHT_BAD,     /* refused the key, unreachable, or not fal */
};

#define PREFLIGHT_HOSTS 3

struct preflight_host {
    const char *what;  /* "platform API", "queue", "storage" */
    char base[256];    /* the configured base URL asked */
    enum preflight_verdict verdict;
    char msg[1024];    /* what it answered, in words; never the key */
};

struct preflight {
    struct preflight_host host[PREFLIGHT_HOSTS];
};

/*
 * Asks the three hosts of cfg about endpoint.  A host that cannot be
 * connected to is asked again, with backoff, for up to reach_ms.  0 when
 * no host is PREFLIGHT_BAD; else -1 and e (DUB_EUSAGE) with the first bad
 * host's message.  p may be read either way.
 */
int preflight_fal(const struct falcfg *cfg, const char *endpoint,
                  int64_t reach_ms, struct preflight *p, struct dub_err *e);

#endif

/*
 * remoteint: what the parts of the remote module share (remote.c, the
 * retrying calls; remoteup.c, the upload chain; remotelist.c, the listing
 * chain); not for other modules, which use remote.h.
 */
#ifndef DUB_REMOTEINT_H
#define DUB_REMOTEINT_H

#include <stdint.h>

#include "remote.h"

struct remote {
    struct falcfg cfg;
    struct http *http;
    struct remote_call *waiting;
    int inflight;
    int64_t retry_for_ms, base_ms, cap_ms;
    unsigned seed;
};

/* What the calls of one chain met on the way, for its own result. */
struct remote_tally {
    int faults;
    int64_t fault_ms;
};

/* r's faults and their time added to t. */
void remote_tally_add(struct remote_tally *t,
                      const struct remote_result *r);
/* last, with the counts of the whole chain (t) instead of its own. */
struct remote_result remote_tally_result(const struct remote_tally *t,
                                         const struct remote_result *last);

#endif

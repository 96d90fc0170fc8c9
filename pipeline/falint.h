/*
 * falint: what the parts of the fal module share (fal.c, falreply.c,
 * falmatch.c, falpolicy.c); not for other modules, which use fal.h.
 */
#ifndef DUB_FALINT_H
#define DUB_FALINT_H

#include <stddef.h>
#include <stdint.h>

#include "fal.h"

struct cJSON;

/* Longest text kept from a server's message: enough for fal's detail
 * lists, short enough that a proxy's error page cannot flood a log. */
#define FAL_MAX_MESSAGE 600
#define FAL_MAX_URL 4096

/* o printed compactly, and deleted; caller frees the text. */
char *fal_print(struct cJSON *o);
/* A string member of o, or NULL. */
const char *fal_str(const struct cJSON *o, const char *name);
/* At most max bytes of s, control characters made spaces; caller frees. */
char *fal_text(const char *s, size_t max);
/* A non-negative integer member within [0, max], else def. */
int64_t fal_int(const struct cJSON *o, const char *name, int64_t max,
                int64_t def);
/* 1 when u came from a reply and is one dubbatch may fetch. */
int fal_url_ok(const char *u);
/* body parsed as a JSON object, else NULL and e ("fal's WHAT reply ..."). */
struct cJSON *fal_object(const char *body, const char *what,
                         struct dub_err *e);
/* j with every object's keys sorted, printed; caller frees. */
char *fal_canonical_text(const struct cJSON *j);

#endif

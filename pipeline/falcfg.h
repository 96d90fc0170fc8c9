/*
 * falcfg: where fal is and who we are to it.  Defaults < environment <
 * flags (design.md section 8).
 *
 *   key:  --key-file F, else FAL_KEY, else FAL_KEY_ID + FAL_KEY_SECRET
 *   URLs: --fal-queue-url / FAL_QUEUE_URL (https://queue.fal.run),
 *         --fal-rest-url / FAL_REST_URL (https://rest.fal.ai),
 *         --fal-api-url / FAL_API_URL (https://api.fal.ai)
 *
 * The key is never printed: messages about it name its source, not its
 * value, and falcfg_release() wipes it.
 */
#ifndef DUB_FALCFG_H
#define DUB_FALCFG_H

#include "util.h"

struct falcfg {
    char *key;     /* "id:secret" */
    char *queue, *rest, *api;
};

/*
 * Flag values may be NULL (not given).  -1 and e (DUB_EUSAGE) when no
 * usable key or URL results.  A key file must be a regular file that
 * neither group nor others may read or write (chmod 600); its content is
 * cleaned as by falcfg_key_clean().  A base URL must pass
 * http_url_allowed() and have no query or fragment; trailing slashes are
 * dropped.
 */
int falcfg_load(struct falcfg *c, const char *key_file, const char *queue,
                const char *rest, const char *api, struct dub_err *e);
void falcfg_release(struct falcfg *c);

/* Trims white space around raw, refuses control characters, spaces, and
 * a key that is not "<id>:<secret>" with both parts non-empty; what names
 * the source in messages, which never quote the key.  Pure, for tests. */
int falcfg_key_clean(const char *raw, const char *what, char **key,
                     struct dub_err *e);

#endif

/*
 * sha256: SHA-256 of memory or of a file, as lower-case hex.
 */
#ifndef DUB_SHA256_H
#define DUB_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

/* Incremental: init, update as often as needed, final. */
struct sha256 {
    uint32_t h[8];
    uint64_t len;
    unsigned char blk[64];
    size_t blen;
};
void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t n);
void sha256_final(struct sha256 *s, unsigned char out[32]);
/* Lower-case hex digest of data (65 bytes with the NUL). */
void sha256_hex(const void *data, size_t n, char out[65]);
/* Hex digest of a file's content; -1 and e when it cannot be read. */
int sha256_file(const char *path, char out[65], struct dub_err *e);

#endif

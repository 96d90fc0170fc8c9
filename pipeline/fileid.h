/*
 * fileid: which file a path named when it was probed (device, inode, size,
 * modification time), so the file uploaded or conformed later is provably
 * the same one: an input swapped for another file, a link or a FIFO in
 * between fails its job instead of sending something else to fal.
 */
#ifndef DUB_FILEID_H
#define DUB_FILEID_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>

struct fileid {
    int64_t dev, ino, size, mtime_ns;
};

void fileid_from_stat(const struct stat *st, struct fileid *id);
/* The id of path (links followed, as the manifest may name one); -1 with
 * errno when it cannot be read. */
int fileid_of(const char *path, struct fileid *id);
int fileid_same(const struct fileid *a, const struct fileid *b);
/* How b differs from a, in words ("its size went from 10 to 12 bytes"),
 * into why. */
void fileid_describe(const struct fileid *a, const struct fileid *b,
                     char *why, size_t len);

struct dub_err;
/* Opens path to read from off: a regular file (a FIFO cannot hang the
 * open: it is made non-blocking), and when want is given the very file it
 * names, checked on the open descriptor.  NULL with e otherwise. */
FILE *fileid_open(const char *path, int64_t off, const struct fileid *want,
                  struct dub_err *e);

#endif

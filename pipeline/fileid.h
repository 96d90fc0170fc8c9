/*
 * fileid: which file a path named when it was probed (device, inode, size,
 * modification time), so the file uploaded or conformed later is provably
 * the same one: an input swapped for another file, a link or a FIFO in
 * between fails its job instead of sending something else to fal.
 */
#ifndef DUB_FILEID_H
#define DUB_FILEID_H

#include <stdint.h>
#include <stdio.h>

struct fileid {
    int64_t dev, ino, size, mtime_ns;
};

/* The id of path (links followed, as the manifest may name one); -1 with
 * errno when it cannot be read. */
int fileid_of(const char *path, struct fileid *id);

struct dub_err;
/* 0 when path is still the file want names; else -1 with e saying how it
 * changed ("'a.mp4' changed after it was probed (its size went from 10 to
 * 12 bytes); run again ..."). */
int fileid_check(const char *path, const struct fileid *want,
                 struct dub_err *e);
/* Opens path to read from off: a regular file (a FIFO cannot hang the
 * open: it is made non-blocking), and when want is given the very file it
 * names, checked on the open descriptor.  NULL with e otherwise. */
FILE *fileid_open(const char *path, int64_t off, const struct fileid *want,
                  struct dub_err *e);

#endif

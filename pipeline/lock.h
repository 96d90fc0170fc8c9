/*
 * lock: one run per output folder.  An exclusive flock on
 * <output_dir>/.dubbatch/lock, which also holds the holder's pid for the
 * message a second run prints.  The kernel drops the lock when its holder
 * dies, so a stale lock (kill -9, reboot) is simply taken over.
 */
#ifndef DUB_LOCK_H
#define DUB_LOCK_H

#include <sys/types.h>

#include "util.h"

/* Takes the lock; returns its fd.  -1 and e: DUB_ELOCKED with *holder set
 * to the other run's pid (0 when unknown) when the folder is busy, another
 * code on an error. */
int lock_take(const char *output_dir, pid_t *holder, struct dub_err *e);
/* With the lock held: removes the temporaries ("<name>.tmp.<16 hex>", a
 * download's "<id>.part.XXXXXX") a run killed mid-write left in the
 * results folder, its thumbs/ and audio/, and .dubbatch/ and its work
 * folder.  No run can be writing them now. */
void lock_sweep(const char *output_dir);
/* Releases the lock taken by lock_take. */
void lock_release(int fd);

#endif

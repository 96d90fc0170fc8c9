/*
 * recover: what a run does when its state database is new to an output
 * folder that has been worked in (state.db deleted, or lost to a disk).
 *
 * Two things survive the database: every delivered <id>.mp4 carries the
 * job's fingerprint and fal's request id in its own tags, and fal keeps a
 * listing of the requests it was sent.  Before anything of such a batch is
 * submitted, fal's listing is read once for the time the folder has been
 * in use; a job whose uploads (named by their content, see local.c) or
 * text match a listed request takes that request up instead of paying for
 * another.
 */
#ifndef DUB_RECOVER_H
#define DUB_RECOVER_H

struct rjob;
struct runner;

/* Starts the listing lookup when this database has not done one and the
 * folder shows earlier work; NULL when there is nothing to recover. */
struct recover *recover_start(struct runner *run);
void recover_free(struct recover *rec);

/*
 * For a job about to be submitted: 1 when fal already has its request (j
 * holds it now, in a remote state), 0 when the listing shows none, -1
 * when the listing is not read yet (j waits and is woken), -2 when it
 * cannot be read (j is parked: nothing is submitted blind).
 */
int recover_check(struct recover *rec, struct rjob *j);

#endif

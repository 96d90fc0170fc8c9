/*
 * work: what a job asks of fal, as one decision.  Its fingerprint is the
 * hash of everything that changes the work: the endpoint, the inputs'
 * content hashes (not their paths), the text-to-video fields and the
 * policy.  Two jobs with one fingerprint are the same work (submitted
 * once, shared); a job whose fingerprint changed since a run finished it
 * is done again.  validate and run use the same function.
 *
 * Pure: no I/O.
 */
#ifndef DUB_WORK_H
#define DUB_WORK_H

struct manifest_job;
struct plan_limits;

/* Policy fields the fingerprint names (tests check none is missing). */
int work_policy_fields(void);

/*
 * Fills out (65 bytes) with the fingerprint of mj on the endpoint lim,
 * given its inputs' content hashes (audio_sha NULL for none).  A file that could not be hashed should pass its
 * path: it is then never "the same work" as another file.
 */
void work_fingerprint(const struct plan_limits *lim,
                      const struct manifest_job *mj, const char *video_sha,
                      const char *audio_sha, char out[65]);

#endif

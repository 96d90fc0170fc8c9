/*
 * scenes: long scenes cut into windows that run as jobs of their own, and
 * joined again.
 *
 * Before the run, scenes_expand() takes every audio-to-video job whose
 * picture is over the model's limit under `long: segment` (by the facts the
 * run probed once per distinct file), analyses it in the workers, plans its windows (window.c), conforms one
 * slice of picture and dub per window into the work folder, and puts a
 * child job in the manifest's place for each window that holds speech:
 * id "<scene>~w01", its slices as inputs, window_of naming the scene.  The
 * runner knows nothing more: each window has its own state row, upload,
 * request id, retries and resume, and dedupe by its slices' content, so a
 * rerun after any crash submits no window twice.
 *
 * After the run's loop, scenes_finish() joins each scene whose windows are
 * all DONE: the windows' results (and, for silent windows, the source's
 * slices) stitched frame-exact, then delivered with the studio's own dub
 * into <scene>.mp4, then verified.  A failed window fails its scene, named.
 */
#ifndef DUB_SCENES_H
#define DUB_SCENES_H

#include "facts.h"
#include "manifest.h"
#include "media.h"
#include "plan.h"
#include "state.h"
#include "window.h"

/* One scene's analysis and window plan.  Fill the inputs, then
 * scenes_start(); the plan is there once the pool has drained. */
struct scenes_job {
    const char *video, *audio;        /* the files, as the manifest names */
    const struct facts *vf;           /* the video's probe */
    const struct plan_limits *lim;
    const struct plan_pricing *price;
    int done, ok;
    struct dub_err err;               /* when !ok: the analysis failed */
    struct window_plan plan;          /* when ok */
};

/* 1 when the job's scene is cut into windows: audio-to-video with a dub,
 * long: segment, and a picture over the endpoint's limit. */
int scenes_wanted(const struct plan_limits *lim, const struct plan_policy *pol,
                  const struct facts *video, const struct facts *audio);
void scenes_start(struct media_pool *pool, struct scenes_job *s);
void scenes_release(struct scenes_job *s);

struct inputs;
struct scene;

/* The long scenes of a batch; owns the scenes' manifest jobs. */
struct scenes {
    struct scene *s;
    size_t n;
};

/*
 * Replaces m's long scenes by their windows' jobs (see above), making the
 * slices in workdir (kept there: a rerun finds them).  A scene that cannot
 * be analysed or sliced is left out of m and fails alone in the report.
 */
void scenes_expand(struct scenes *sc, struct manifest *m,
                   const struct inputs *in, struct media_pool *pool,
                   const char *workdir);

/* Joins every scene whose windows are all DONE (reading their rows from
 * st), delivers and verifies it; the others wait, or fail with the window
 * that failed. */
void scenes_finish(struct scenes *sc, struct state *st,
                   struct media_pool *pool, const char *output_dir,
                   const char *workdir);

/* The scenes as report rows, to follow the jobs': rows[0..sc->n) filled
 * (borrowed from sc).  The number of scenes not DONE in *open and
 * *failed. */
struct report_job;
void scenes_rows(const struct scenes *sc, struct report_job *rows,
                 int *open, int *failed);

void scenes_free(struct scenes *sc);

#endif

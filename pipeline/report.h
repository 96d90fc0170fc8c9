/*
 * report: report.json and report.csv in the output folder, one record per
 * job, written atomically (a temporary file renamed into place) so a reader
 * never sees half a report, also after an interrupted run.
 *
 * The caller owns everything a struct report_job points to.
 */
#ifndef DUB_REPORT_H
#define DUB_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "facts.h"
#include "plan.h"
#include "util.h"

struct cJSON;
struct manifest_job;
struct state_job;

struct window_plan;

struct report_job {
    const struct manifest_job *mj;
    const struct facts *video;   /* NULL when not probed */
    const struct facts *audio;
    const struct plan *plan;     /* NULL when not planned */
    const struct state_job *st;  /* NULL when nothing was recorded */
    const char *state;           /* state name to report */
    const char *reason;          /* why not done, or NULL */
    const char *conformed_video; /* work files, when made */
    const char *conformed_audio;
    const struct window_plan *windows; /* a long scene's, when planned */
    const struct report_window *wins;  /* and per window (windows->n), or
                                          NULL before the run */
};

/* A long scene's window as its own job saw it; NULLs when not sent. */
struct report_window {
    const char *id;          /* "<scene>~w01" */
    const char *state;       /* its job's state name */
    const char *request_id;
};

struct report_batch {
    const char *manifest;
    const char *endpoint;
    int64_t started_at, finished_at; /* epoch ms */
    int interrupted;
    double max_cost;                 /* the batch's --max-cost, 0: none */
};

/* One job as a JSON object. */
struct cJSON *report_job_json(const struct report_job *j);

/* validate --json: the batch's verdicts and totals (counts indexed by
 * enum plan_verdict) to f, a job per line, as report.json is written. */
void report_validation_write(FILE *f, const char *manifest,
                             const char *endpoint,
                             const struct report_job *jobs, size_t n,
                             const int counts[3], double billed,
                             double cost);

/* One probed file for dubbatch probe: its facts, or why not. */
struct report_probe {
    const char *path;
    const struct facts *facts;   /* NULL when the probe failed */
    const char *error;
};
/* A JSON array of {"path","facts"} or {"path","error"}; caller frees. */
char *report_probes_json(const struct report_probe *p, size_t n);

/* Writes <dir>/report.json and <dir>/report.csv. */
int report_write(const char *dir, const struct report_batch *b,
                 const struct report_job *jobs, size_t n, struct dub_err *e);

#endif

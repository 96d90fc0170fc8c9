/*
 * report: the files.  report.json and report.csv written side by side a
 * job at a time, with the batch's totals counted as the jobs pass; and the
 * JSON documents of `validate --json` and `probe`.  A job's columns and
 * record are report.c's.
 */
#define _POSIX_C_SOURCE 200809L
#include "reportint.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "state.h"
#include "wire.h"

static char *report_pretty(cJSON *o)
{
    char *text = cJSON_Print(o);

    cJSON_Delete(o);
    if (!text)
        dub_fatal("out of memory");
    return text;
}

char *report_probes_json(const struct report_probe *p, size_t n)
{
    cJSON *arr = cJSON_CreateArray();
    size_t i;

    for (i = 0; i < n; i++) {
        cJSON *o = cJSON_CreateObject();

        cJSON_AddStringToObject(o, "path", p[i].path);
        if (p[i].facts)
            cJSON_AddItemToObject(o, "facts", wire_facts(p[i].facts));
        else
            cJSON_AddStringToObject(o, "error", p[i].error ? p[i].error : "");
        cJSON_AddItemToArray(arr, o);
    }
    return report_pretty(arr);
}

/* Prints item (unformatted) to f and deletes it; with open set, without
 * the object's closing brace, so that more members can follow. */
static void report_put(FILE *f, cJSON *item, int open)
{
    char *text = cJSON_PrintUnformatted(item);

    if (!text)
        dub_fatal("out of memory");
    fwrite(text, 1, strlen(text) - (open ? 1 : 0), f);
    free(text);
    cJSON_Delete(item);
}

/* A job per line, so 100,000 verdicts cost the memory of one, not a tree
 * of all of them (1.8 GB). */
void report_validation_write(FILE *f, const char *manifest,
                             const char *endpoint,
                             const struct report_job *jobs, size_t n,
                             const int counts[3], double billed,
                             double cost)
{
    cJSON *head = cJSON_CreateObject(), *tot = cJSON_CreateObject();
    size_t i;

    cJSON_AddStringToObject(head, "manifest", manifest);
    cJSON_AddStringToObject(head, "endpoint", endpoint);
    report_put(f, head, 1);
    fputs(",\"jobs\":[\n", f);
    for (i = 0; i < n; i++) {
        report_put(f, report_job_json(&jobs[i]), 0);
        fputs(i + 1 < n ? ",\n" : "\n", f);
    }
    cJSON_AddNumberToObject(tot, "jobs", (double)n);
    cJSON_AddNumberToObject(tot, "accept", counts[PLAN_ACCEPT]);
    cJSON_AddNumberToObject(tot, "conform", counts[PLAN_CONFORM]);
    cJSON_AddNumberToObject(tot, "reject", counts[PLAN_REJECT]);
    cJSON_AddNumberToObject(tot, "billed_seconds", billed);
    cJSON_AddNumberToObject(tot, "cost", cost);
    fputs("],\"totals\":", f);
    report_put(f, tot, 0);
    fputs("}\n", f);
}

/*
 * Both files are written a job at a time, so a batch of any size costs the
 * memory of one job's record: report.json is one object with the batch's
 * fields, then "jobs" with one job per line, then "totals".
 */
/* The batch's sums, counted as the jobs stream past. */
struct report_tally {
    cJSON *states;              /* jobs per state name */
    double cost;                /* what the batch's requests cost */
    double spent;               /* what was sent to fal, over every run */
    int64_t faults, fault_ms;   /* transient faults outlasted */
    int waiting;                /* jobs parked for the next run */
    int attention;              /* jobs a person should look at */
};

static void report_tally_job(struct report_tally *t, const struct report_job *j)
{
    cJSON *c = cJSON_GetObjectItemCaseSensitive(t->states, j->state);

    if (c)
        cJSON_SetNumberValue(c, c->valuedouble + 1);
    else
        cJSON_AddNumberToObject(t->states, j->state, 1);
    /* Shared jobs ride on another job's request: no cost of their own. */
    if (j->plan && j->plan->verdict != PLAN_REJECT &&
        !(j->st && j->st->shared_with))
        t->cost += j->plan->cost;
    if (j->st && j->plan && (j->st->request_id || j->st->acked) &&
        !j->st->shared_with)
        t->spent += j->plan->cost;
    if (j->st) {
        t->faults += j->st->faults;
        t->fault_ms += j->st->fault_ms;
        t->waiting += j->st->waiting != NULL;
    }
    t->attention += (j->st && j->st->waiting) ||
                    strcmp(j->state, "FAILED") == 0 ||
                    strcmp(j->state, "REJECTED") == 0 ||
                    strcmp(j->state, "SKIPPED") == 0 ||
                    strcmp(j->state, "CANCELLED") == 0;
}

static void report_tally_json(cJSON *tot, const struct report_tally *t,
                              const struct report_batch *bt, size_t n)
{
    cJSON_AddNumberToObject(tot, "jobs", (double)n);
    cJSON_AddNumberToObject(tot, "estimated_cost", t->cost);
    /* What was sent to fal over every run of the batch, against its cap. */
    cJSON_AddNumberToObject(tot, "sent_cost", t->spent);
    if (bt->max_cost > 0)
        cJSON_AddNumberToObject(tot, "max_cost", bt->max_cost);
    cJSON_AddNumberToObject(tot, "waiting", t->waiting);
    cJSON_AddNumberToObject(tot, "needs_attention", t->attention);
    cJSON_AddNumberToObject(tot, "faults", (double)t->faults);
    cJSON_AddNumberToObject(tot, "fault_seconds", t->fault_ms / 1000.0);
}

int report_write(const char *dir, const struct report_batch *bt,
                 const struct report_job *jobs, size_t n, struct dub_err *e)
{
    struct util_atomic js, cs;
    struct report_tally t = {0};
    cJSON *head, *tot;
    struct buf row = {0};
    char *path;
    size_t i;
    int rc;

    path = util_path_join(dir, "report.json");
    rc = util_atomic_open(&js, path, e);
    free(path);
    if (rc < 0)
        return -1;
    path = util_path_join(dir, "report.csv");
    rc = util_atomic_open(&cs, path, e);
    free(path);
    if (rc < 0) {
        util_atomic_close(&js, 0, NULL);
        return -1;
    }
    head = cJSON_CreateObject();
    cJSON_AddStringToObject(head, "manifest", bt->manifest);
    cJSON_AddStringToObject(head, "endpoint", bt->endpoint);
    report_time(head, "started_at", bt->started_at);
    report_time(head, "finished_at", bt->finished_at);
    report_seconds(head, "duration_s", report_span(bt->started_at,
                                                   bt->finished_at));
    cJSON_AddBoolToObject(head, "interrupted", bt->interrupted);
    report_put(js.f, head, 1);
    tot = cJSON_CreateObject();
    t.states = cJSON_AddObjectToObject(tot, "states");
    fputs(",\"jobs\":[", js.f);
    report_csv_header(&row);
    fwrite(row.data, 1, row.len, cs.f);
    for (i = 0; i < n; i++) {
        fputs(i ? ",\n" : "\n", js.f);
        report_put(js.f, report_job_json(&jobs[i]), 0);
        buf_reset(&row);
        report_csv_row(&row, &jobs[i]);
        fwrite(row.data, 1, row.len, cs.f);
        report_tally_job(&t, &jobs[i]);
    }
    buf_release(&row);
    report_tally_json(tot, &t, bt, n);
    fputs("\n],\"totals\":", js.f);
    report_put(js.f, tot, 0);
    fputs("}\n", js.f);
    rc = util_atomic_close(&js, 1, e);
    if (util_atomic_close(&cs, rc == 0, rc == 0 ? e : NULL) < 0)
        rc = -1;
    return rc;
}

/*
 * report: report.json (nested, complete) and report.csv (flat, for
 * spreadsheets) from the same records.
 */
#define _POSIX_C_SOURCE 200809L
#include "report.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "manifest.h"
#include "state.h"
#include "wire.h"

static const char *const report_verdicts[] = {"accept", "conform", "reject"};

static double report_span(int64_t from, int64_t to)
{
    return from > 0 && to >= from ? (to - from) / 1000.0 : -1;
}

static void report_time(cJSON *o, const char *name, int64_t ms)
{
    char iso[32];

    if (ms <= 0)
        return;
    util_iso8601(ms, iso);
    cJSON_AddStringToObject(o, name, iso);
}

static void report_seconds(cJSON *o, const char *name, double s)
{
    if (s >= 0)
        cJSON_AddNumberToObject(o, name, s);
}

cJSON *report_job_json(const struct report_job *j)
{
    const struct manifest_job *mj = j->mj;
    const struct state_job *st = j->st;
    cJSON *o = cJSON_CreateObject();
    char desc[1024];
    int k;

    cJSON_AddStringToObject(o, "id", mj->id);
    cJSON_AddStringToObject(o, "state", j->state);
    if (j->reason)
        cJSON_AddStringToObject(o, "reason", j->reason);
    cJSON_AddStringToObject(o, "video", mj->video);
    if (mj->audio)
        cJSON_AddStringToObject(o, "audio", mj->audio);
    if (mj->text) {
        cJSON_AddStringToObject(o, "text", mj->text);
        cJSON_AddStringToObject(o, "voice_id", mj->voice_id);
        cJSON_AddStringToObject(o, "voice_language", mj->voice_language);
        cJSON_AddNumberToObject(o, "voice_speed", mj->voice_speed);
    }
    if (j->plan) {
        const struct plan *p = j->plan;
        cJSON *w;

        cJSON_AddStringToObject(o, "verdict", report_verdicts[p->verdict]);
        if (p->verdict != PLAN_REJECT && j->video) {
            plan_describe_video(p, j->video, desc, sizeof(desc));
            cJSON_AddStringToObject(o, "video_plan", desc);
            cJSON_AddItemToObject(o, "video_steps", wire_plan_video(&p->video));
            if (p->has_audio && j->audio) {
                plan_describe_audio(p, j->audio, desc, sizeof(desc));
                cJSON_AddStringToObject(o, "audio_plan", desc);
                cJSON_AddItemToObject(o, "audio_steps",
                                      wire_plan_audio(&p->audio));
            }
            cJSON_AddNumberToObject(o, "billed_seconds", p->billed_seconds);
            cJSON_AddNumberToObject(o, "cost", p->cost);
        }
        w = cJSON_AddArrayToObject(o, "warnings");
        for (k = 0; k < p->nwarnings; k++)
            cJSON_AddItemToArray(w, cJSON_CreateString(p->warnings[k]));
    }
    if (j->conformed_video)
        cJSON_AddStringToObject(o, "conformed_video", j->conformed_video);
    if (j->conformed_audio)
        cJSON_AddStringToObject(o, "conformed_audio", j->conformed_audio);
    if (j->video)
        cJSON_AddItemToObject(o, "video_facts", wire_facts(j->video));
    if (j->audio)
        cJSON_AddItemToObject(o, "audio_facts", wire_facts(j->audio));
    if (st) {
        cJSON *t;

        cJSON_AddNumberToObject(o, "attempts", st->attempts);
        if (st->request_id)
            cJSON_AddStringToObject(o, "request_id", st->request_id);
        if (st->shared_with)
            cJSON_AddStringToObject(o, "shared_with", st->shared_with);
        if (st->output) {
            cJSON_AddStringToObject(o, "output", st->output);
            cJSON_AddNumberToObject(o, "output_size", (double)st->output_size);
        }
        if (st->output_url)
            cJSON_AddStringToObject(o, "output_url", st->output_url);
        t = cJSON_AddObjectToObject(o, "timings");
        report_time(t, "submitted_at", st->submitted_at);
        report_time(t, "started_at", st->started_at);
        report_time(t, "completed_at", st->completed_at);
        report_time(t, "finished_at", st->finished_at);
        report_seconds(t, "queued_s", report_span(st->submitted_at,
                                                  st->started_at));
        report_seconds(t, "running_s", report_span(st->started_at,
                                                   st->completed_at));
        report_seconds(t, "total_s", report_span(st->created_at,
                                                 st->finished_at));
    }
    return o;
}

static char *report_pretty(cJSON *o)
{
    char *text = cJSON_Print(o);

    cJSON_Delete(o);
    if (!text)
        dub_fatal("out of memory");
    return text;
}

char *report_validation_json(const char *manifest, const char *endpoint,
                             const struct report_job *jobs, size_t n,
                             const int counts[3], double billed, double cost)
{
    cJSON *root = cJSON_CreateObject(), *arr, *tot;
    size_t i;

    cJSON_AddStringToObject(root, "manifest", manifest);
    cJSON_AddStringToObject(root, "endpoint", endpoint);
    arr = cJSON_AddArrayToObject(root, "jobs");
    for (i = 0; i < n; i++)
        cJSON_AddItemToArray(arr, report_job_json(&jobs[i]));
    tot = cJSON_AddObjectToObject(root, "totals");
    cJSON_AddNumberToObject(tot, "jobs", (double)n);
    cJSON_AddNumberToObject(tot, "accept", counts[PLAN_ACCEPT]);
    cJSON_AddNumberToObject(tot, "conform", counts[PLAN_CONFORM]);
    cJSON_AddNumberToObject(tot, "reject", counts[PLAN_REJECT]);
    cJSON_AddNumberToObject(tot, "billed_seconds", billed);
    cJSON_AddNumberToObject(tot, "cost", cost);
    return report_pretty(root);
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

/* RFC 4180: quote every field, double the quotes.  A leading = + - @ is
 * prefixed with ' so a spreadsheet does not run it as a formula (a job id
 * or an error message comes from outside). */
static void report_csv_field(struct buf *b, const char *s, int last)
{
    buf_puts(b, "\"");
    if (s && (*s == '=' || *s == '+' || *s == '-' || *s == '@'))
        buf_puts(b, "'");
    for (; s && *s; s++) {
        if (*s == '"')
            buf_puts(b, "\"\"");
        else
            buf_append(b, s, 1);
    }
    buf_puts(b, last ? "\"\r\n" : "\",");
}

static void report_csv_num(struct buf *b, double v)
{
    char tmp[32];

    if (v < 0)
        tmp[0] = '\0';
    else
        snprintf(tmp, sizeof(tmp), "%.3f", v);
    report_csv_field(b, tmp, 0);
}

static void report_csv_row(struct buf *b, const struct report_job *j)
{
    const struct state_job *st = j->st;
    const struct plan *p = j->plan;
    char vdesc[1024] = "", adesc[1024] = "", size[32] = "";

    if (p && p->verdict != PLAN_REJECT && j->video) {
        plan_describe_video(p, j->video, vdesc, sizeof(vdesc));
        if (p->has_audio && j->audio)
            plan_describe_audio(p, j->audio, adesc, sizeof(adesc));
    }
    if (st && st->output)
        snprintf(size, sizeof(size), "%lld", (long long)st->output_size);
    report_csv_field(b, j->mj->id, 0);
    report_csv_field(b, j->state, 0);
    report_csv_field(b, j->reason, 0);
    report_csv_field(b, j->mj->video, 0);
    report_csv_field(b, j->mj->audio ? j->mj->audio : j->mj->text, 0);
    report_csv_field(b, p ? report_verdicts[p->verdict] : "", 0);
    report_csv_field(b, vdesc, 0);
    report_csv_field(b, adesc, 0);
    report_csv_num(b, p && p->verdict != PLAN_REJECT ? p->billed_seconds : -1);
    report_csv_num(b, p && p->verdict != PLAN_REJECT ? p->cost : -1);
    report_csv_field(b, st ? st->request_id : NULL, 0);
    report_csv_num(b, st ? report_span(st->submitted_at, st->started_at) : -1);
    report_csv_num(b, st ? report_span(st->started_at, st->completed_at) : -1);
    report_csv_num(b, st ? report_span(st->created_at, st->finished_at) : -1);
    report_csv_field(b, st ? st->output : NULL, 0);
    report_csv_field(b, size, 0);
    report_csv_field(b, st ? st->shared_with : NULL, 1);
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

/*
 * Both files are written a job at a time, so a batch of any size costs the
 * memory of one job's record: report.json is one object with the batch's
 * fields, then "jobs" with one job per line, then "totals".
 */
int report_write(const char *dir, const struct report_batch *bt,
                 const struct report_job *jobs, size_t n, struct dub_err *e)
{
    struct util_atomic js, cs;
    cJSON *head, *tot, *counts;
    struct buf row = {0};
    char *path;
    double cost = 0;
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
    counts = cJSON_AddObjectToObject(tot, "states");
    fputs(",\"jobs\":[", js.f);
    fputs("id,state,reason,video,audio_or_text,verdict,video_plan,"
          "audio_plan,billed_seconds,cost,request_id,queued_s,"
          "running_s,total_s,output,output_size,shared_with\r\n", cs.f);
    for (i = 0; i < n; i++) {
        const struct report_job *j = &jobs[i];
        cJSON *c = cJSON_GetObjectItemCaseSensitive(counts, j->state);

        fputs(i ? ",\n" : "\n", js.f);
        report_put(js.f, report_job_json(j), 0);
        buf_reset(&row);
        report_csv_row(&row, j);
        fwrite(row.data, 1, row.len, cs.f);
        if (c)
            cJSON_SetNumberValue(c, c->valuedouble + 1);
        else
            cJSON_AddNumberToObject(counts, j->state, 1);
        /* Shared jobs ride on another job's request: no cost of their own. */
        if (j->plan && j->plan->verdict != PLAN_REJECT &&
            !(j->st && j->st->shared_with))
            cost += j->plan->cost;
    }
    buf_release(&row);
    cJSON_AddNumberToObject(tot, "jobs", (double)n);
    cJSON_AddNumberToObject(tot, "estimated_cost", cost);
    fputs("\n],\"totals\":", js.f);
    report_put(js.f, tot, 0);
    fputs("}\n", js.f);
    rc = util_atomic_close(&js, 1, e);
    if (util_atomic_close(&cs, rc == 0, rc == 0 ? e : NULL) < 0)
        rc = -1;
    return rc;
}

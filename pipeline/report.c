/*
 * report: report.json (nested, complete) and report.csv (flat, for
 * spreadsheets) from the same records: the table of columns, a job's CSV
 * row and its JSON record.  reportfile.c writes the files.
 */
#define _POSIX_C_SOURCE 200809L
#include "reportint.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "manifest.h"
#include "state.h"
#include "window.h"
#include "wire.h"

static const char *const report_verdicts[] = {"accept", "conform", "reject"};

double report_span(int64_t from, int64_t to)
{
    return from > 0 && to >= from ? (to - from) / 1000.0 : -1;
}

void report_time(cJSON *o, const char *name, int64_t ms)
{
    char iso[32];

    if (ms <= 0)
        return;
    util_iso8601(ms, iso);
    cJSON_AddStringToObject(o, name, iso);
}

void report_seconds(cJSON *o, const char *name, double s)
{
    if (s >= 0)
        cJSON_AddNumberToObject(o, name, s);
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

static void report_csv_num(struct buf *b, double v, int last)
{
    char tmp[32];

    if (v < 0)
        tmp[0] = '\0';
    else if (v == (double)(int64_t)v && v < 1e15)
        snprintf(tmp, sizeof(tmp), "%lld", (long long)v);
    else
        snprintf(tmp, sizeof(tmp), "%.3f", v);
    report_csv_field(b, tmp, last);
}

/* ==== Columns ============================================================
 *
 * A report column is one row here: its name (the CSV header, and the JSON
 * key when json is set), and how to read it from a job.  Text getters
 * write into tmp (n bytes) or return a string the job owns; number
 * getters return a negative value for "none".  Nested JSON (facts, steps,
 * timings) is added by report_job_json().
 */
struct report_col {
    const char *name;
    int json;
    const char *(*text)(const struct report_job *j, char *tmp, size_t n);
    double (*num)(const struct report_job *j);
};

static const struct plan *report_planned(const struct report_job *j)
{
    return j->plan && j->plan->verdict != PLAN_REJECT ? j->plan : NULL;
}

static const char *rc_id(const struct report_job *j, char *t, size_t n)
{
    return j->mj->id;
}

static const char *rc_state(const struct report_job *j, char *t, size_t n)
{
    return j->state;
}

static const char *rc_reason(const struct report_job *j, char *t, size_t n)
{
    return j->reason;
}

static const char *rc_waiting(const struct report_job *j, char *t, size_t n)
{
    return j->st ? j->st->waiting : NULL;
}

static const char *rc_resumed(const struct report_job *j, char *t, size_t n)
{
    return j->st ? j->st->resumed : NULL;
}

static const char *rc_video(const struct report_job *j, char *t, size_t n)
{
    return j->mj->video;
}

static const char *rc_audio_or_text(const struct report_job *j, char *t,
                                    size_t n)
{
    return j->mj->audio ? j->mj->audio : j->mj->text;
}

static const char *rc_verdict(const struct report_job *j, char *t, size_t n)
{
    return j->plan ? report_verdicts[j->plan->verdict] : NULL;
}

static const char *rc_video_plan(const struct report_job *j, char *t,
                                 size_t n)
{
    if (!report_planned(j) || !j->video)
        return NULL;
    plan_describe_video(j->plan, j->video, t, n);
    return t;
}

static const char *rc_audio_plan(const struct report_job *j, char *t,
                                 size_t n)
{
    if (!report_planned(j) || !j->plan->has_audio || !j->audio)
        return NULL;
    plan_describe_audio(j->plan, j->audio, t, n);
    return t;
}

static double rc_billed(const struct report_job *j)
{
    return report_planned(j) ? j->plan->billed_seconds : -1;
}

static double rc_cost(const struct report_job *j)
{
    return report_planned(j) ? j->plan->cost : -1;
}

static const char *rc_request_id(const struct report_job *j, char *t,
                                 size_t n)
{
    return j->st ? j->st->request_id : NULL;
}

static double rc_queued(const struct report_job *j)
{
    return j->st ? report_span(j->st->submitted_at, j->st->started_at) : -1;
}

static double rc_running(const struct report_job *j)
{
    return j->st ? report_span(j->st->started_at, j->st->completed_at) : -1;
}

static double rc_total(const struct report_job *j)
{
    return j->st ? report_span(j->st->created_at, j->st->finished_at) : -1;
}

static double rc_faults(const struct report_job *j)
{
    return j->st ? j->st->faults : -1;
}

static double rc_fault_s(const struct report_job *j)
{
    return j->st ? j->st->fault_ms / 1000.0 : -1;
}

static const char *rc_output(const struct report_job *j, char *t, size_t n)
{
    return j->st && j->st->state == JOB_DONE ? j->st->output : NULL;
}

static double rc_output_size(const struct report_job *j)
{
    return j->st && j->st->state == JOB_DONE ? (double)j->st->output_size
                                             : -1;
}

static const char *rc_shared_with(const struct report_job *j, char *t,
                                  size_t n)
{
    return j->st ? j->st->shared_with : NULL;
}

static const struct report_col report_cols[] = {
    {"id", 1, rc_id, NULL},
    {"state", 1, rc_state, NULL},
    {"reason", 1, rc_reason, NULL},
    {"waiting", 1, rc_waiting, NULL},
    {"resumed", 1, rc_resumed, NULL},
    {"video", 1, rc_video, NULL},
    {"audio_or_text", 0, rc_audio_or_text, NULL},
    {"verdict", 1, rc_verdict, NULL},
    {"video_plan", 1, rc_video_plan, NULL},
    {"audio_plan", 1, rc_audio_plan, NULL},
    {"billed_seconds", 1, NULL, rc_billed},
    {"cost", 1, NULL, rc_cost},
    {"request_id", 1, rc_request_id, NULL},
    {"queued_s", 0, NULL, rc_queued},
    {"running_s", 0, NULL, rc_running},
    {"total_s", 0, NULL, rc_total},
    {"faults", 1, NULL, rc_faults},
    {"fault_seconds", 1, NULL, rc_fault_s},
    {"output", 1, rc_output, NULL},
    {"output_size", 1, NULL, rc_output_size},
    {"shared_with", 1, rc_shared_with, NULL},
};

void report_csv_header(struct buf *b)
{
    size_t i;

    for (i = 0; i < DUB_ARRAY_LEN(report_cols); i++)
        buf_printf(b, "%s%s", report_cols[i].name,
                   i + 1 < DUB_ARRAY_LEN(report_cols) ? "," : "\r\n");
}

void report_csv_row(struct buf *b, const struct report_job *j)
{
    char tmp[1024];
    size_t i;

    for (i = 0; i < DUB_ARRAY_LEN(report_cols); i++) {
        const struct report_col *c = &report_cols[i];
        int last = i + 1 == DUB_ARRAY_LEN(report_cols);

        if (c->text)
            report_csv_field(b, c->text(j, tmp, sizeof(tmp)), last);
        else
            report_csv_num(b, c->num(j), last);
    }
}

/* The table's JSON columns of j into o. */
static void report_json_cols(cJSON *o, const struct report_job *j)
{
    char tmp[1024];
    size_t i;

    for (i = 0; i < DUB_ARRAY_LEN(report_cols); i++) {
        const struct report_col *c = &report_cols[i];
        const char *t;
        double v;

        if (!c->json)
            continue;
        if (c->text) {
            t = c->text(j, tmp, sizeof(tmp));
            if (t)
                cJSON_AddStringToObject(o, c->name, t);
        } else if ((v = c->num(j)) >= 0) {
            cJSON_AddNumberToObject(o, c->name, v);
        }
    }
}

/* The plan's bits in words, in bit order (plan.h). */
static const char *const report_video_whys[] = {
    "rotate", "square pixels", "scale", "pad", "crop", "even size", "trim",
    "loop", "freeze", "constant rate", "pixel format", "codec", "container",
    "bytes", "drop audio", NULL,
};
static const char *const report_audio_whys[] = {
    "extract", "format", "bytes", "trim", "pad", "downmix", "strip",
    "measured duration", "resample", NULL,
};

/*
 * The worker's plan JSON made readable: "step" and "why" are numbers on
 * the pipe, and words here ("encode"; ["scale", "trim"]), since a person
 * or a script reads the report.
 */
static cJSON *report_steps(cJSON *o, const char *const *whys)
{
    static const char *const steps[] = {"keep", "remux", "encode"};
    const cJSON *step = cJSON_GetObjectItemCaseSensitive(o, "step");
    const cJSON *why = cJSON_GetObjectItemCaseSensitive(o, "why");
    unsigned bits = cJSON_IsNumber(why) ? (unsigned)why->valuedouble : 0;
    cJSON *names = cJSON_CreateArray();
    int k;

    for (k = 0; whys[k]; k++)
        if (bits & (1u << k))
            cJSON_AddItemToArray(names, cJSON_CreateString(whys[k]));
    cJSON_ReplaceItemInObjectCaseSensitive(o, "why", names);
    if (cJSON_IsNumber(step) && step->valueint >= 0 && step->valueint < 3)
        cJSON_ReplaceItemInObjectCaseSensitive(
            o, "step", cJSON_CreateString(steps[step->valueint]));
    return o;
}

/* cJSON prints doubles in full: 0.98 would read 0.9800000000000002. */
static double report_round(double v, int places)
{
    double k = pow(10, places);

    return round(v * k) / k;
}

/* A long scene's windows: each one's span in seconds and frames, why it
 * ends there, and what it bills; then the scene's sums against fixed
 * windows. */
static void report_windows(cJSON *o, const struct window_plan *p,
                           const struct report_window *wins)
{
    cJSON *a = cJSON_AddArrayToObject(o, "windows");
    double fps = (double)p->fps_num / p->fps_den;
    int k;

    for (k = 0; k < p->n; k++) {
        const struct window *w = &p->w[k];
        cJSON *x = cJSON_CreateObject();

        cJSON_AddNumberToObject(x, "start", report_round(w->start / fps, 3));
        cJSON_AddNumberToObject(x, "end", report_round(w->end / fps, 3));
        cJSON_AddNumberToObject(x, "start_frame", (double)w->start);
        cJSON_AddNumberToObject(x, "frames", (double)(w->end - w->start));
        cJSON_AddStringToObject(x, "cut", window_cut_name(w->cut));
        cJSON_AddBoolToObject(x, "sent", !w->silent);
        cJSON_AddNumberToObject(x, "billed_seconds", w->billed);
        if (wins && wins[k].id)
            cJSON_AddStringToObject(x, "job", wins[k].id);
        if (wins && wins[k].state)
            cJSON_AddStringToObject(x, "state", wins[k].state);
        if (wins && wins[k].request_id)
            cJSON_AddStringToObject(x, "request_id", wins[k].request_id);
        cJSON_AddItemToArray(a, x);
    }
    cJSON_AddNumberToObject(o, "windows_billed_seconds", p->billed);
    cJSON_AddNumberToObject(o, "windows_cost", report_round(p->cost, 6));
    cJSON_AddNumberToObject(o, "fixed_windows_billed_seconds", p->fixed_billed);
    cJSON_AddNumberToObject(o, "silent_billed_seconds_saved", p->silent_billed);
}

cJSON *report_job_json(const struct report_job *j)
{
    const struct manifest_job *mj = j->mj;
    const struct state_job *st = j->st;
    cJSON *o = cJSON_CreateObject(), *t;
    int k;

    report_json_cols(o, j);
    if (mj->audio)
        cJSON_AddStringToObject(o, "audio", mj->audio);
    if (mj->text) {
        cJSON_AddStringToObject(o, "text", mj->text);
        cJSON_AddStringToObject(o, "voice_id", mj->voice_id);
        cJSON_AddStringToObject(o, "voice_language", mj->voice_language);
        cJSON_AddNumberToObject(o, "voice_speed", mj->voice_speed);
    }
    if (report_planned(j) && j->video) {
        cJSON_AddItemToObject(o, "video_steps",
                              report_steps(wire_plan_video(&j->plan->video),
                                           report_video_whys));
        if (j->plan->has_audio && j->audio)
            cJSON_AddItemToObject(o, "audio_steps",
                                  report_steps(wire_plan_audio(&j->plan->audio),
                                               report_audio_whys));
    }
    if (j->plan) {
        t = cJSON_AddArrayToObject(o, "warnings");
        for (k = 0; k < j->plan->nwarnings; k++)
            cJSON_AddItemToArray(t, cJSON_CreateString(j->plan->warnings[k]));
    }
    if (j->windows)
        report_windows(o, j->windows, j->wins);
    if (j->conformed_video)
        cJSON_AddStringToObject(o, "conformed_video", j->conformed_video);
    if (j->conformed_audio)
        cJSON_AddStringToObject(o, "conformed_audio", j->conformed_audio);
    if (j->video)
        cJSON_AddItemToObject(o, "video_facts", wire_facts(j->video));
    if (j->audio)
        cJSON_AddItemToObject(o, "audio_facts", wire_facts(j->audio));
    if (!st)
        return o;
    cJSON_AddNumberToObject(o, "attempts", st->attempts);
    if (st->output_url)
        cJSON_AddStringToObject(o, "output_url", st->output_url);
    t = cJSON_AddObjectToObject(o, "timings");
    report_time(t, "submitted_at", st->submitted_at);
    report_time(t, "started_at", st->started_at);
    report_time(t, "completed_at", st->completed_at);
    report_time(t, "finished_at", st->finished_at);
    report_seconds(t, "queued_s", rc_queued(j));
    report_seconds(t, "running_s", rc_running(j));
    report_seconds(t, "total_s", rc_total(j));
    return o;
}

/*
 * recover: fal's listing, read once for a database new to a worked-in
 * folder, as an index of requests by the files they name.
 */
#define _POSIX_C_SOURCE 200809L
#include "recover.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"
#include "log.h"
#include "manifest.h"
#include "remote.h"
#include "rjob.h"

/* Set in the database once its folder's requests have been looked up. */
#define RECOVER_DONE_KEY "listing_checked"
/* How far before the folder's oldest trace a lost request may have been
 * sent: the trace is written after its submit, by minutes at most. */
#define RECOVER_MARGIN_MS ((int64_t)60 * 60 * 1000)
/* Times the listing is read again when a page came back unreadable (each
 * page's own transient faults are retried by remote.c already). */
#define RECOVER_READS 5

enum recover_phase { RECOVER_READING, RECOVER_READY, RECOVER_FAILED };

struct recover_item {
    char *key;           /* fal_input_files_key() of its input */
    char *request_id;
    char *output_url;    /* when the listing says it finished */
    int taken;
};

struct recover {
    struct runner *run;
    enum recover_phase phase;
    int64_t since;       /* epoch ms: the folder's oldest trace */
    struct recover_item *items;
    size_t n, cap;
    struct rjob *waiters;
    char why[1400];      /* when FAILED */
    int reads;
};

/* The oldest modification time among the entries of dir (epoch ms), and
 * whether there was any; names ending in suffix only, when given. */
/* The oldest regular file in dir (ending in suffix) made before this run
 * began: what this run made itself (a long scene's slices) is no trace. */
static void recover_oldest(const char *dir, const char *suffix,
                           int64_t before, int64_t *at, int *found)
{
    DIR *d = opendir(dir);
    struct dirent *de;

    if (!d)
        return;
    while ((de = readdir(d))) {
        size_t n = strlen(de->d_name), sn = suffix ? strlen(suffix) : 0;
        struct stat st;
        char *path;

        if (de->d_name[0] == '.' ||
            (suffix && (n < sn || strcmp(de->d_name + n - sn, suffix) != 0)))
            continue;
        path = util_path_join(dir, de->d_name);
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
            (int64_t)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000 <
                before) {
            int64_t t = (int64_t)st.st_mtime * 1000;

            if (!*found || t < *at)
                *at = t;
            *found = 1;
        }
        free(path);
    }
    closedir(d);
}

static int recover_cmp(const void *a, const void *b)
{
    return strcmp(((const struct recover_item *)a)->key,
                  ((const struct recover_item *)b)->key);
}

static int recover_item(void *arg, const struct fal_listed *item)
{
    struct recover *rec = arg;
    struct recover_item *it;
    char *key;

    if (!item->json_input || !(key = fal_input_files_key(item->json_input)))
        return 0;
    if (rec->n == rec->cap) {
        rec->cap = rec->cap ? 2 * rec->cap : 64;
        rec->items = xrealloc(rec->items, rec->cap * sizeof(*rec->items));
    }
    it = &rec->items[rec->n++];
    memset(it, 0, sizeof(*it));
    it->key = key;
    it->request_id = xstrdup(item->request_id);
    if (item->output_url && strcmp(item->status, "success") == 0)
        it->output_url = xstrdup(item->output_url);
    return 0;
}

static void recover_read(struct recover *rec);

static void recover_wake(struct recover *rec)
{
    struct rjob *w;

    while ((w = rec->waiters)) {
        rec->waiters = w->next;
        w->where = RJOB_NOWHERE;
        rjob_ready(w);
    }
}

static void recover_clear(struct recover *rec)
{
    size_t i;

    for (i = 0; i < rec->n; i++) {
        free(rec->items[i].key);
        free(rec->items[i].request_id);
        free(rec->items[i].output_url);
    }
    rec->n = 0;
}

static void recover_read_done(void *arg, const struct remote_result *r)
{
    struct recover *rec = arg;
    struct runner *run = rec->run;
    struct dub_err e = {0};

    run->faults += r->faults;
    run->fault_ms += r->fault_ms;
    if (r->verdict == FAL_OK) {
        if (rec->n)
            qsort(rec->items, rec->n, sizeof(*rec->items), recover_cmp);
        if (state_meta_set(run->st, RECOVER_DONE_KEY, "1", &e) < 0)
            rjob_stop(run, EXIT_USAGE, &e);
        rec->phase = RECOVER_READY;
        log_info(NULL, "fal's listing since the folder's first use holds %zu "
                       "requests: jobs that match one take it up",
                 rec->n);
        recover_wake(rec);
        return;
    }
    if (r->verdict == FAL_RETRY && ++rec->reads < RECOVER_READS) {
        /* A page that came back mangled: read again from the start, as a
         * listing cannot be resumed. */
        recover_clear(rec);
        recover_read(rec);
        return;
    }
    rec->phase = RECOVER_FAILED;
    snprintf(rec->why, sizeof(rec->why), "this folder lost its state "
             "database, and fal's listing, which says what was already "
             "sent, cannot be read (%s); nothing is submitted blind",
             r->err->msg);
    log_error(NULL, "%s", rec->why);
    recover_wake(rec);
}

static void recover_read(struct recover *rec)
{
    remote_list(rec->run->r, rec->run->lim->model,
                rec->since - RECOVER_MARGIN_MS, util_now_ms(), recover_item,
                recover_read_done, rec);
}

struct recover *recover_start(struct runner *run)
{
    struct recover *rec;
    struct dub_err e = {0};
    char *done = NULL, *report;
    int64_t since = 0;
    int found = 0, rc;
    struct stat st;

    rc = state_meta_get(run->st, RECOVER_DONE_KEY, &done, &e);
    free(done);
    if (rc != 0) {
        if (rc < 0)
            rjob_stop(run, EXIT_USAGE, &e);
        return NULL;
    }
    /* Traces of earlier work: results, reports, work files, fal's logs. */
    recover_oldest(run->m->output_dir, ".mp4", run->started_at, &since, &found);
    recover_oldest(run->workdir, NULL, run->started_at, &since, &found);
    recover_oldest(run->logdir, NULL, run->started_at, &since, &found);
    report = util_path_join(run->m->output_dir, "report.json");
    if (stat(report, &st) == 0 && (!found || st.st_mtime * 1000LL < since)) {
        since = (int64_t)st.st_mtime * 1000;
        found = 1;
    }
    free(report);
    if (!found) {
        /* A fresh folder: nothing can have been sent from it. */
        if (state_meta_set(run->st, RECOVER_DONE_KEY, "1", &e) < 0)
            rjob_stop(run, EXIT_USAGE, &e);
        return NULL;
    }
    rec = xcalloc(1, sizeof(*rec));
    rec->run = run;
    rec->since = since;
    log_warn(NULL, "this folder was worked in before, but its state database "
                   "is new: looking in fal's listing for requests already "
                   "sent from it, before submitting anything");
    recover_read(rec);
    return rec;
}

void recover_free(struct recover *rec)
{
    if (!rec)
        return;
    recover_clear(rec);
    free(rec->items);
    free(rec);
}

/* Takes up the listed request it for j, which is UPLOADED. */
static void recover_adopt(struct rjob *j, struct recover_item *it)
{
    struct fal_handle h;
    char why[200];

    it->taken = 1;
    free(j->st.payload);
    j->st.payload = rjob_payload(j);
    j->st.submitted_at = j->st.queued_at = util_now_ms();
    j->st.acked = 1;
    fal_handle_build(&h, remote_config(j->run->r)->queue, j->st.endpoint,
                     it->request_id);
    j->st.request_id = h.request_id;
    j->st.status_url = h.status_url;
    j->st.response_url = h.response_url;
    j->st.cancel_url = h.cancel_url;
    snprintf(why, sizeof(why), "fal already has this work: request %s, sent "
             "before the state database was lost", it->request_id);
    rjob_move(j, JOB_SUBMITTING, why);
    if (it->output_url) {
        j->st.output_url = xstrdup(it->output_url);
        j->st.completed_at = util_now_ms();
        rjob_move(j, JOB_COMPLETED, "fal's listing has its result");
    } else {
        rjob_move(j, JOB_QUEUED, "polled from here on");
    }
    rjob_commit(j->run);
}

int recover_check(struct recover *rec, struct rjob *j)
{
    struct recover_item want, *it;
    char *payload;
    int found = 0;

    if (rec->phase == RECOVER_READING) {
        j->where = RJOB_WAITER;
        j->next = rec->waiters;
        rec->waiters = j;
        return -1;
    }
    if (rec->phase == RECOVER_FAILED) {
        rjob_park(j, "%s", rec->why);
        return -2;
    }
    payload = rjob_payload(j);
    want.key = fal_input_files_key(payload);
    free(payload);
    it = want.key && rec->n ? bsearch(&want, rec->items, rec->n,
                                      sizeof(*rec->items), recover_cmp)
                            : NULL;
    free(want.key);
    if (it && !it->taken) {
        recover_adopt(j, it);
        found = 1;
    }
    return found;
}

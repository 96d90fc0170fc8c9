/*
 * page: the contact sheet.  Reads report.json (cJSON, a job at a time),
 * asks the media workers for missing posters, writes index.html
 * atomically, a card at a time; pagehtml.c makes the HTML.
 */
#define _POSIX_C_SOURCE 200809L
#include "pageint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "log.h"
#include "media.h"

/* Poster width: sharp on a phone, two side by side on a laptop. */
#define PAGE_THUMB_W 480
/* Where the source poster is taken: past a fade-in, inside a 2 s clip. */
#define PAGE_THUMB_AT 1.0

/* Hides the cards outside the chosen group; the bar only appears when
 * JavaScript runs, and every card is visible without it. */
static const char page_js[] =
    "(function(){var nav=document.getElementById('filters');"
    "nav.hidden=false;var bs=nav.querySelectorAll('button');"
    "bs.forEach(function(b){b.addEventListener('click',function(){"
    "bs.forEach(function(x){x.setAttribute('aria-pressed',x===b)});"
    "var f=b.getAttribute('data-f');"
    "document.querySelectorAll('.card').forEach(function(c){"
    "c.hidden=f!=='all'&&c.getAttribute('data-group')!==f})})});"
    /* Times in the viewer's own zone; UTC when scripts are off. */
    "document.querySelectorAll('time').forEach(function(t){"
    "var d=new Date(t.getAttribute('datetime'));"
    "if(!isNaN(d))t.textContent=d.toLocaleString()})})();";

const char *page_str(const cJSON *o, const char *name)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, name);

    return cJSON_IsString(it) ? it->valuestring : NULL;
}

double page_num(const cJSON *o, const char *name)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, name);

    return cJSON_IsNumber(it) ? it->valuedouble : -1;
}

const char *page_group(const char *state)
{
    if (strcmp(state, "DONE") == 0)
        return "done";
    if (strcmp(state, "REJECTED") == 0)
        return "rejected";
    if (strcmp(state, "FAILED") == 0 || strcmp(state, "SKIPPED") == 0 ||
        strcmp(state, "CANCELLED") == 0)
        return "failed";
    return "flight";
}

int page_exists(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && st.st_size > 0;
}

static void page_thumb_done(void *arg, const struct wire_reply *r)
{
    (void)arg;
    (void)r; /* a missing poster shows as "no picture"; nothing else */
}

static void page_thumb(struct media_pool *pool, const char *src,
                       const char *out, double at)
{
    if (!pool || !src || page_exists(out) || !page_exists(src))
        return;
    media_thumb(pool, src, out, at, PAGE_THUMB_W, page_thumb_done, NULL);
}

/*
 * The dub of job id, as a path inside the folder: audio/<id>.<ext>, a hard
 * link to (or, across file systems, a copy of) the studio's file, so the
 * folder plays anywhere it is moved.  make 1: put it there when missing.
 * Returns the relative path (caller frees), or NULL.
 */
char *page_dub(const char *dir, const char *id, const char *audio, int make)
{
    char ext[8], *rel, *abs;
    struct dub_err e = {0};

    util_ext(audio, ext, sizeof(ext));
    rel = xasprintf("audio/%s%s%s", id, ext[0] ? "." : "", ext);
    abs = util_path_join(dir, rel);
    if (make && !page_exists(abs) && page_exists(audio) &&
        link(audio, abs) < 0 && util_copy_file(audio, abs, &e) < 0)
        log_warn(id, "%s", e.msg);
    if (!page_exists(abs)) {
        free(rel);
        rel = NULL;
    }
    free(abs);
    return rel;
}

static const char *page_ws(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    return p;
}

typedef void page_job_fn(const cJSON *job, void *arg);

/* The elements of the array whose '[' p follows, each parsed, handed to fn
 * and freed; returns what follows the ']', or NULL when malformed.  The
 * text ends at stop: told its length, cJSON does not measure the rest of
 * the report again for each job (quadratic in the batch). */
static const char *page_walk_jobs(const char *p, const char *stop,
                                  page_job_fn *fn, void *arg)
{
    const char *end;
    cJSON *v;

    for (p = page_ws(p); *p != ']'; p = page_ws(p)) {
        v = cJSON_ParseWithLengthOpts(p, (size_t)(stop - p), &end, 0);
        if (!v)
            return NULL;
        fn(v, arg);
        cJSON_Delete(v);
        p = page_ws(end);
        if (*p == ',')
            p++;
        else if (*p != ']')
            return NULL;
    }
    return p + 1;
}

/*
 * Walks report.json without building the whole tree: the batch's fields
 * are parsed one at a time into root (when given), and each element of
 * "jobs" is parsed, handed to fn and freed, so a page for any batch size
 * holds one job at a time.  Returns 0, or -1 when text is not a report.
 */
static int page_walk(const char *text, cJSON *root, page_job_fn *fn,
                     void *arg)
{
    const char *p = page_ws(text), *end, *stop = text + strlen(text);
    cJSON *key = NULL, *v;

    if (*p++ != '{')
        return -1;
    if (*page_ws(p) == '}')
        return 0;
    for (;;) {
        key = cJSON_ParseWithLengthOpts(p, (size_t)(stop - p), &end, 0);
        if (!cJSON_IsString(key))
            break;
        p = page_ws(end);
        if (*p++ != ':')
            break;
        p = page_ws(p);
        if (strcmp(key->valuestring, "jobs") == 0 && *p == '[') {
            p = page_walk_jobs(p + 1, stop, fn, arg);
        } else if ((v = cJSON_ParseWithLengthOpts(p, (size_t)(stop - p), &end,
                                                  0)) != NULL) {
            if (root)
                cJSON_AddItemToObject(root, key->valuestring, v);
            else
                cJSON_Delete(v);
            p = end;
        } else {
            p = NULL;
        }
        cJSON_Delete(key);
        key = NULL;
        if (!p)
            break;
        p = page_ws(p);
        if (*p == '}')
            return 0;
        if (*p++ != ',')
            break;
    }
    cJSON_Delete(key);
    return -1;
}

struct page_ctx {
    const char *dir;
    char *thumbs;
    int attention;      /* this walk writes the cards that need it */
    struct media_pool *pool;
    struct buf card;
    FILE *out;
};

static void page_job_thumbs(const cJSON *j, void *arg)
{
    struct page_ctx *c = arg;
    const char *id = page_str(j, "id");
    char *src, *res;

    if (!id)
        return;
    src = xasprintf("%s/%s-src.jpg", c->thumbs, id);
    res = xasprintf("%s/%s-out.jpg", c->thumbs, id);
    page_thumb(c->pool, page_str(j, "video"), src, PAGE_THUMB_AT);
    if (page_str(j, "state") && strcmp(page_str(j, "state"), "DONE") == 0)
        page_thumb(c->pool, page_str(j, "output"), res, PAGE_THUMB_AT);
    if (page_str(j, "audio") && c->pool)
        free(page_dub(c->dir, id, page_str(j, "audio"), 1));
    free(src);
    free(res);
}

/* A card a producer must look at first: it did not finish, or waits. */
static int page_attention(const cJSON *j)
{
    const char *g = page_str(j, "state") ? page_group(page_str(j, "state"))
                                         : "flight";

    return strcmp(g, "failed") == 0 || strcmp(g, "rejected") == 0 ||
           page_str(j, "waiting") != NULL;
}

static void page_job_card(const cJSON *j, void *arg)
{
    struct page_ctx *c = arg;

    if (page_attention(j) != c->attention)
        return;
    buf_reset(&c->card);
    page_card(&c->card, c->dir, j);
    fwrite(c->card.data, 1, c->card.len, c->out);
}

int page_write(const char *dir, struct media_pool *pool, struct dub_err *e)
{
    struct buf text = {0}, b = {0};
    struct page_ctx c = {0};
    struct util_atomic out;
    char *path = util_path_join(dir, "report.json");
    const cJSON *tot;
    cJSON *root = cJSON_CreateObject();
    double n;
    int rc;

    rc = util_read_file(path, 256 << 20, &text, e);
    free(path);
    if (rc < 0)
        goto out;
    c.dir = dir;
    c.pool = pool;
    c.thumbs = util_path_join(dir, "thumbs");
    path = util_path_join(dir, "audio");
    rc = util_mkdirs(c.thumbs, e) < 0 || util_mkdirs(path, e) < 0 ? -1 : 0;
    free(path);
    if (rc == 0 && page_walk(text.data, root, page_job_thumbs, &c) < 0)
        rc = dub_errf(e, DUB_EIO, "'%s/report.json' is not a report", dir);
    if (rc < 0)
        goto out;
    if (pool)
        media_pool_drain(pool);

    page_header(&b, root);
    path = util_path_join(dir, "index.html");
    rc = util_atomic_open(&out, path, e);
    free(path);
    if (rc < 0)
        goto out;
    fwrite(b.data, 1, b.len, out.f);
    c.out = out.f;
    /* The cards that need a person first, then the rest, each in manifest
     * order: two walks, still a job at a time. */
    tot = cJSON_GetObjectItemCaseSensitive(root, "totals");
    n = page_num(tot, "needs_attention");
    if (n > 0) {
        fprintf(out.f, "<h2 class=\"section\">Needs attention (%.0f)</h2>\n",
                n);
        c.attention = 1;
        page_walk(text.data, NULL, page_job_card, &c);
        fputs("<h2 class=\"section\">The rest</h2>\n", out.f);
    }
    c.attention = 0;
    page_walk(text.data, NULL, page_job_card, &c);
    fprintf(out.f, "</main><script>%s</script></body></html>\n", page_js);
    rc = util_atomic_close(&out, 1, e);
out:
    buf_release(&c.card);
    buf_release(&b);
    buf_release(&text);
    free(c.thumbs);
    cJSON_Delete(root);
    return rc;
}

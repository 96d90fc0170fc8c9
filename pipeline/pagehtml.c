/*
 * page: the contact sheet's HTML: its style, the batch's header, and one
 * card per job (posters, players, facts and a long scene's windows), every
 * value escaped.  page.c reads report.json and writes the file.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include "pageint.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

static const char page_css[] =
    ":root{--ok:#1b7f3b;--bad:#b3261e;--warn:#9a6700;--run:#0b57d0;"
    "--fg:#1f1f1f;--mute:#5f6368;--bg:#f8f9fa;--card:#fff}"
    "*{box-sizing:border-box}"
    "body{margin:0;font:16px/1.45 system-ui,-apple-system,'Segoe UI',"
    "Roboto,sans-serif;color:var(--fg);background:var(--bg)}"
    "header{padding:1rem 1.25rem;background:var(--card);"
    "border-bottom:1px solid #dadce0}"
    "h1{font-size:1.35rem;margin:0 0 .25rem}"
    ".meta{color:var(--mute);margin:.1rem 0}"
    ".counts{display:flex;flex-wrap:wrap;gap:.5rem;list-style:none;"
    "padding:0;margin:.6rem 0}"
    ".counts li{padding:.2rem .6rem;border-radius:1rem;background:#eef0f2}"
    "nav button{font:inherit;margin:.2rem .3rem .2rem 0;padding:.3rem .8rem;"
    "border:1px solid #c4c7c5;border-radius:1rem;background:#fff;"
    "cursor:pointer}"
    "nav button[aria-pressed=true]{background:#1f1f1f;color:#fff}"
    "main{display:grid;grid-template-columns:repeat(auto-fill,"
    "minmax(min(100%,22rem),1fr));gap:1rem;padding:1rem 1.25rem;"
    "max-width:160rem;margin:0 auto}"
    ".card{background:var(--card);border:1px solid #dadce0;"
    "border-radius:.75rem;padding:.9rem;overflow-wrap:anywhere}"
    ".card h2{font-size:1.05rem;margin:0 0 .5rem;display:flex;"
    "justify-content:space-between;gap:.5rem}"
    ".badge{font-size:.8rem;padding:.1rem .5rem;border-radius:.4rem;"
    "color:#fff;background:var(--mute);white-space:nowrap}"
    ".s-done .badge{background:var(--ok)}"
    ".s-failed .badge{background:var(--bad)}"
    ".s-rejected .badge{background:var(--warn)}"
    ".s-flight .badge{background:var(--run)}"
    ".reason{background:#fce8e6;color:var(--bad);border-left:4px solid "
    "var(--bad);padding:.5rem .7rem;font-weight:600;margin:.4rem 0}"
    ".s-rejected .reason,.reason.waiting{background:#fef7e0;color:#6b4c00;"
    "border-color:var(--warn)}"
    ".posters{display:grid;grid-template-columns:1fr 1fr;gap:.5rem}"
    "figure{margin:0}"
    "figure img{width:100%;height:9rem;object-fit:contain;background:#000;"
    "border-radius:.4rem}"
    "figcaption{font-size:.8rem;color:var(--mute)}"
    ".none{height:9rem;display:flex;align-items:center;"
    "justify-content:center;background:#eef0f2;border-radius:.4rem;"
    "color:var(--mute);font-size:.85rem}"
    "video{width:100%;margin-top:.5rem;border-radius:.4rem;"
    "background:#000;max-height:24rem}"
    "audio{width:100%}"
    "dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem .7rem;"
    "margin:.6rem 0 0;font-size:.9rem}"
    "dt{color:var(--mute)}dd{margin:0}"
    "code{font-size:.85em}"
    ".warn{color:#6b4c00;font-size:.9rem;margin:.4rem 0;padding-left:1.2rem}"
    "main h2.section{grid-column:1/-1;font-size:1.1rem;margin:.5rem 0 0}"
    ".windows{display:flex;gap:2px;margin:.5rem 0 0;height:1.4rem}"
    ".windows span{flex:1 1 0;min-width:2px;border-radius:.2rem;"
    "background:var(--mute);color:#fff;font-size:.7rem;text-align:center;"
    "overflow:hidden;white-space:nowrap}"
    ".windows .w-done{background:var(--ok)}.windows .w-failed{background:"
    "var(--bad)}.windows .w-silent{background:#dadce0;color:var(--fg)}"
    "[hidden]{display:none!important}";

static void page_esc(struct buf *b, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': buf_puts(b, "&amp;"); break;
        case '<': buf_puts(b, "&lt;"); break;
        case '>': buf_puts(b, "&gt;"); break;
        case '"': buf_puts(b, "&quot;"); break;
        case '\'': buf_puts(b, "&#39;"); break;
        default: buf_append(b, s, 1);
        }
    }
}

/* Percent-encodes a relative path for an href or src, keeping '/'. */
static void page_url(struct buf *b, const char *s)
{
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;

        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
            (c >= '0' && c <= '9') || strchr("-._~/", c))
            buf_append(b, s, 1);
        else
            buf_printf(b, "%%%02X", c);
    }
}

/* path relative to dir (both made absolute), or NULL when either cannot
 * be resolved.  Walks the matching leading components, then climbs out of
 * what is left of dir. */
static char *page_relpath(const char *dir, const char *path)
{
    char d[PATH_MAX], p[PATH_MAX];
    const char *a = d, *b = p, *x;
    struct buf out = {0};

    if (!realpath(dir, d) || !realpath(path, p))
        return NULL;
    while (*a && *b) {
        const char *ae = strchr(a + 1, '/'), *be = strchr(b + 1, '/');
        size_t al = ae ? (size_t)(ae - a) : strlen(a);
        size_t bl = be ? (size_t)(be - b) : strlen(b);

        if (al != bl || strncmp(a, b, al) != 0)
            break;
        a += al;
        b += bl;
    }
    for (x = a; *x; x++)
        if (*x == '/')
            buf_puts(&out, "../");
    buf_puts(&out, b + (*b == '/'));
    return buf_detach(&out);
}

static void page_poster(struct buf *b, const char *dir, const char *rel,
                        const char *caption)
{
    char *abs = util_path_join(dir, rel);

    buf_puts(b, "<figure>");
    if (page_exists(abs)) {
        buf_puts(b, "<img src=\"");
        page_url(b, rel);
        buf_printf(b, "\" alt=\"%s poster\" loading=\"lazy\">", caption);
    } else {
        buf_puts(b, "<div class=\"none\">no picture</div>");
    }
    buf_printf(b, "<figcaption>%s</figcaption></figure>", caption);
    free(abs);
}

/* What a producer should know before watching: upscaled, cut, looped. */
static void page_warnings(struct buf *b, const cJSON *w)
{
    const cJSON *it;

    if (!cJSON_IsArray(w) || !cJSON_GetArraySize(w))
        return;
    buf_puts(b, "<ul class=\"warn\">");
    cJSON_ArrayForEach(it, w) {
        if (!cJSON_IsString(it))
            continue;
        buf_puts(b, "<li>");
        page_esc(b, it->valuestring);
        buf_puts(b, "</li>");
    }
    buf_puts(b, "</ul>");
}

/* A <dt>/<dd> pair with the value escaped, or nothing when there is no
 * value; code marks an identifier. */
static void page_dd(struct buf *b, const char *term, const char *pre,
                    const char *value, int code)
{
    if (!value)
        return;
    buf_printf(b, "<dt>%s</dt><dd>%s%s", term, pre, code ? "<code>" : "");
    page_esc(b, value);
    buf_printf(b, "%s</dd>", code ? "</code>" : "");
}

static void page_card_head(struct buf *b, const cJSON *j, const char *id,
                           const char *state)
{
    const char *group = page_group(state);

    buf_printf(b, "<article class=\"card s-%s\" data-group=\"%s\" id=\"job-",
               group, group);
    page_esc(b, id);
    buf_puts(b, "\" data-id=\"");
    page_esc(b, id);
    buf_puts(b, "\" data-state=\"");
    page_esc(b, state);
    buf_puts(b, "\"><h2><span>");
    page_esc(b, id);
    buf_puts(b, "</span><span class=\"badge\">");
    page_esc(b, state);
    buf_puts(b, "</span></h2>");
    if (page_str(j, "reason")) {
        buf_puts(b, "<p class=\"reason\">");
        page_esc(b, page_str(j, "reason"));
        buf_puts(b, "</p>");
    }
    if (page_str(j, "waiting")) {
        buf_puts(b, "<p class=\"reason waiting\">Waiting for the next run: ");
        page_esc(b, page_str(j, "waiting"));
        buf_puts(b, "</p>");
    }
    page_warnings(b, cJSON_GetObjectItemCaseSensitive(j, "warnings"));
}

/* Posters, the result's player and the dub's, all relative to the page. */
static void page_card_media(struct buf *b, const char *dir, const cJSON *j,
                            const char *id, const char *state)
{
    const char *out = page_str(j, "output"), *audio = page_str(j, "audio");
    char *rel, *thumb;

    buf_puts(b, "<div class=\"posters\">");
    thumb = xasprintf("thumbs/%s-src.jpg", id);
    page_poster(b, dir, thumb, "source");
    free(thumb);
    thumb = xasprintf("thumbs/%s-out.jpg", id);
    page_poster(b, dir, thumb, "result");
    buf_puts(b, "</div>");
    if (out && strcmp(state, "DONE") == 0) {
        rel = page_relpath(dir, out);
        if (rel) {
            buf_puts(b, "<video controls preload=\"none\" poster=\"");
            page_url(b, thumb);
            buf_puts(b, "\" src=\"");
            page_url(b, rel);
            buf_puts(b, "\"></video>");
            free(rel);
        }
    }
    free(thumb);
    if (audio) {
        rel = page_dub(dir, id, audio, 0);
        if (rel) {
            buf_puts(b, "<p>Dubbed audio<br><audio controls preload=\"none\" "
                        "src=\"");
            page_url(b, rel);
            buf_puts(b, "\"></audio></p>");
            free(rel);
        }
    }
}

static void page_card_facts(struct buf *b, const cJSON *j)
{
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "timings");
    double v;

    buf_puts(b, "<dl>");
    page_dd(b, "Text", "", page_str(j, "text"), 0);
    page_dd(b, "Video", "", page_str(j, "video_plan"), 0);
    page_dd(b, "Audio", "", page_str(j, "audio_plan"), 0);
    if (t && (page_num(t, "total_s") >= 0 || page_num(t, "running_s") >= 0)) {
        buf_puts(b, "<dt>Timings</dt><dd>");
        if ((v = page_num(t, "queued_s")) >= 0)
            buf_printf(b, "queued %.1f s, ", v);
        if ((v = page_num(t, "running_s")) >= 0)
            buf_printf(b, "ran %.1f s, ", v);
        if ((v = page_num(t, "total_s")) >= 0)
            buf_printf(b, "total %.1f s", v);
        buf_puts(b, "</dd>");
    }
    if ((v = page_num(j, "cost")) >= 0)
        buf_printf(b, "<dt>Cost</dt><dd>$%.3f (%.0f s billed)</dd>", v,
                   page_num(j, "billed_seconds"));
    if ((v = page_num(j, "faults")) > 0)
        buf_printf(b, "<dt>Faults</dt><dd>%.0f transient fault%s outlasted "
                      "(%.1f s)</dd>",
                   v, v == 1 ? "" : "s", page_num(j, "fault_seconds"));
    page_dd(b, "Request", "", page_str(j, "request_id"), 1);
    page_dd(b, "Shared", "the result of ", page_str(j, "shared_with"), 1);
    buf_puts(b, "</dl>");
}

/*
 * A long scene's windows as a strip under its player, each as wide as it
 * is long: green when done, red when failed, grey when it held no speech
 * and was not sent; its span, cut, billing and request in its title.
 */
static void page_windows(struct buf *b, const cJSON *j)
{
    const cJSON *ws = cJSON_GetObjectItemCaseSensitive(j, "windows"), *w;
    char title[512];
    int k = 0;

    if (!cJSON_IsArray(ws))
        return;
    buf_puts(b, "<div class=\"windows\" aria-label=\"windows\">");
    cJSON_ArrayForEach(w, ws) {
        const char *st = page_str(w, "state"), *req = page_str(w, "request_id");
        const char *cut = page_str(w, "cut");
        int sent = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(w, "sent"));
        double from = page_num(w, "start"), to = page_num(w, "end");

        snprintf(title, sizeof(title), "%.2f-%.2f s, %s; %s%s%s", from, to,
                 cut ? cut : "", sent ? (st ? st : "not run") : "no speech, "
                                                                 "not sent",
                 req ? ", request " : "", req ? req : "");
        buf_printf(b, "<span class=\"%s\" style=\"flex-grow:%.0f\" "
                      "title=\"",
                   !sent ? "w-silent"
                   : st && strcmp(st, "DONE") == 0 ? "w-done"
                   : st && strcmp(st, "FAILED") == 0 ? "w-failed" : "",
                   (to - from) * 100);
        page_esc(b, title);
        buf_printf(b, "\">%d</span>", ++k);
    }
    buf_puts(b, "</div>");
}

void page_card(struct buf *b, const char *dir, const cJSON *j)
{
    const char *id = page_str(j, "id"), *state = page_str(j, "state");

    if (!id || !state)
        return;
    page_card_head(b, j, id, state);
    page_card_media(b, dir, j, id, state);
    page_windows(b, j);
    page_card_facts(b, j);
    buf_puts(b, "</article>\n");
}

/* The page's head: the batch, when it ran, and its totals. */
void page_header(struct buf *b, const cJSON *root)
{
    const cJSON *tot, *states, *s;

    buf_puts(b, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                "<meta name=\"viewport\" content=\"width=device-width, "
                "initial-scale=1\"><title>dubbatch: ");
    page_esc(b, page_str(root, "manifest"));
    buf_printf(b, "</title><style>%s</style></head><body><header><h1>dubbatch "
                  "batch <code>", page_css);
    page_esc(b, page_str(root, "manifest"));
    buf_puts(b, "</code></h1><p class=\"meta\">");
    page_esc(b, page_str(root, "endpoint"));
    if (page_str(root, "started_at")) {
        buf_puts(b, " &middot; ran <time datetime=\"");
        page_esc(b, page_str(root, "started_at"));
        buf_puts(b, "\">");
        page_esc(b, page_str(root, "started_at"));
        buf_puts(b, "</time> to <time datetime=\"");
        page_esc(b, page_str(root, "finished_at"));
        buf_puts(b, "\">");
        page_esc(b, page_str(root, "finished_at"));
        buf_printf(b, "</time> (%.0f s)", page_num(root, "duration_s"));
    }
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root, "interrupted")))
        buf_puts(b, " &middot; <strong>interrupted: run again to resume"
                    "</strong>");
    buf_puts(b, "</p><ul class=\"counts\">");
    tot = cJSON_GetObjectItemCaseSensitive(root, "totals");
    states = cJSON_GetObjectItemCaseSensitive(tot, "states");
    cJSON_ArrayForEach(s, states) {
        buf_printf(b, "<li class=\"s-%s\">%.0f ", page_group(s->string),
                   cJSON_IsNumber(s) ? s->valuedouble : 0);
        page_esc(b, s->string);
        buf_puts(b, "</li>");
    }
    buf_printf(b, "<li>%.0f jobs</li><li>estimated cost $%.2f</li>",
               page_num(tot, "jobs"), page_num(tot, "estimated_cost"));
    if (page_num(tot, "waiting") > 0)
        buf_printf(b, "<li class=\"s-flight\">%.0f waiting for the next "
                      "run</li>", page_num(tot, "waiting"));
    if (page_num(tot, "sent_cost") > 0)
        buf_printf(b, "<li>sent to fal $%.2f</li>", page_num(tot, "sent_cost"));
    if (page_num(tot, "max_cost") > 0)
        buf_printf(b, "<li>budget $%.2f</li>", page_num(tot, "max_cost"));
    if (page_num(tot, "faults") > 0)
        buf_printf(b, "<li>%.0f transient faults outlasted (%.0f s)</li>",
                   page_num(tot, "faults"), page_num(tot, "fault_seconds"));
    buf_puts(b, "</ul>");
    buf_puts(b, "<nav id=\"filters\" hidden aria-label=\"filter by state\">"
                "<button data-f=\"all\" aria-pressed=\"true\">All</button>"
                "<button data-f=\"done\" aria-pressed=\"false\">Done</button>"
                "<button data-f=\"failed\" aria-pressed=\"false\">Failed"
                "</button><button data-f=\"rejected\" aria-pressed=\"false\">"
                "Rejected</button><button data-f=\"flight\" "
                "aria-pressed=\"false\">In flight</button></nav></header>"
                "<main>\n");
}

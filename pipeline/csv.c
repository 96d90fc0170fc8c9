/*
 * csv: a reader of RFC 4180 text, one record at a time, and CSV manifests
 * read with it; see csv.h.
 */
#include "csv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema.h"

void csv_init(struct csv *c, const char *text, size_t len)
{
    const char *p, *eol;
    size_t commas = 0, semis = 0, tabs = 0;

    c->p = text;
    c->end = text + len;
    c->line = 1;
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
        c->p += 3;
    eol = memchr(c->p, '\n', (size_t)(c->end - c->p));
    if (!eol)
        eol = c->end;
    for (p = c->p; p < eol; p++) {
        commas += *p == ',';
        semis += *p == ';';
        tabs += *p == '\t';
    }
    c->sep = commas || (!semis && !tabs) ? ',' : semis ? ';' : '\t';
}

static void csv_add(struct csv_record *r, size_t off, int quoted, int line)
{
    struct csv_field *f;

    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 16;
        r->f = xrealloc(r->f, r->cap * sizeof(*r->f));
    }
    f = &r->f[r->n++];
    f->off = off;
    f->len = r->text.len - off;
    f->quoted = quoted;
    f->line = line;
    buf_append(&r->text, "", 1);
}

int csv_next(struct csv *c, struct csv_record *r, int *line, char *why,
             size_t len)
{
    const char *p = c->p, *end = c->end;

    r->n = 0;
    buf_reset(&r->text);
    r->line = c->line;
    if (p >= end)
        return 0;
    for (;;) {
        size_t off = r->text.len;
        int quoted = p < end && *p == '"', at = c->line;

        if (quoted) {
            for (p++;; p++) {
                if (p >= end) {
                    *line = at;
                    snprintf(why, len, "a quoted field is not closed");
                    return -1;
                }
                if (*p == '"' && p + 1 < end && p[1] == '"')
                    p++;
                else if (*p == '"')
                    break;
                c->line += *p == '\n';
                buf_append(&r->text, p, 1);
            }
            p++;
            if (p < end && *p != c->sep && *p != '\r' && *p != '\n') {
                *line = c->line;
                snprintf(why, len, "text after the closing quote of a "
                                   "field (a quote inside a field is "
                                   "written twice)");
                return -1;
            }
        } else {
            const char *q = p;

            while (q < end && *q != c->sep && *q != '\n' &&
                   !(*q == '\r' && (q + 1 == end || q[1] == '\n')))
                q++;
            buf_append(&r->text, p, (size_t)(q - p));
            p = q;
        }
        csv_add(r, off, quoted, at);
        if (p < end && *p == c->sep) {
            p++;
            continue;
        }
        p += p < end && *p == '\r';
        p += p < end && *p == '\n';
        c->line++;
        break;
    }
    c->p = p;
    return 1;
}

const char *csv_text(const struct csv_record *r, size_t i)
{
    return r->text.data + r->f[i].off;
}

void csv_record_release(struct csv_record *r)
{
    buf_release(&r->text);
    free(r->f);
    memset(r, 0, sizeof(*r));
}

/* ==== CSV manifests ====================================================== */

/* A field without the spaces around it, unless it was quoted. */
static char *csv_trim(const char *s, int quoted)
{
    size_t len = strlen(s);

    if (quoted)
        return xstrdup(s);
    while (*s == ' ' || *s == '\t') {
        s++;
        len--;
    }
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    return xstrndup(s, len);
}

/* The header row: each column's name and key (NULL when it has none). */
static void csv_head(struct mtree *t, const struct csv_record *r, char **names,
                              const struct schema_key **cols,
                              enum plan_endpoint *ep)
{
    const struct schema_key *real, *seen;
    int audio = 0, text = 0;
    size_t i, j;
    char *p;

    for (i = 0; i < r->n; i++) {
        names[i] = csv_trim(csv_text(r, i), r->f[i].quoted);
        for (p = names[i]; *p; p++)
            if (*p >= 'A' && *p <= 'Z')
                *p = (char)(*p - 'A' + 'a');
        if (!*names[i])
            continue;
        cols[i] = schema_find(SCHEMA_JOB, names[i], &real);
        if (!cols[i]) {
            struct buf msg = {0};

            schema_unknown(SCHEMA_JOB, names[i], &msg);
            mtree_errf(t, (uint32_t)r->f[i].line, 0, "header", "%s",
                       msg.data);
            buf_release(&msg);
            continue;
        }
        for (j = 0; j < i; j++) {
            if (!cols[j])
                continue;
            schema_find(SCHEMA_JOB, cols[j]->name, &seen);
            if (seen == real)
                mtree_errf(t, (uint32_t)r->f[i].line, 0, "header",
                           "columns %zu and %zu are both '%s'", j + 1,
                           i + 1, real->name);
        }
        audio |= real->endpoints == SCHEMA_A2V && real->needed;
        text |= real->endpoints == SCHEMA_T2V && real->needed;
    }
    if (audio && text)
        mtree_errf(t, (uint32_t)r->line, 0, "header",
                   "columns for both audio-to-video ('audio') and "
                   "text-to-video ('text', 'voice_id'); a batch is one "
                   "or the other");
    /* A text column is what makes a CSV batch text-to-video. */
    *ep = text ? PLAN_T2V : PLAN_A2V;
}

/* One row as a job mapping, without its empty cells. */
static void csv_row(struct mtree *t, const struct csv_record *r, char **names,
                             const struct schema_key **cols, size_t ncols)
{
    size_t i;
    int open = 0;

    for (i = 0; i < r->n; i++) {
        const struct csv_field *f = &r->f[i];
        const char *raw = csv_text(r, i);
        char *v = csv_trim(raw, f->quoted);

        if (!*v && f->len == strlen(raw)) {
            free(v);
            continue;
        }
        if (!open) {
            mtree_open(t, MTREE_MAP, (uint32_t)r->line, 0);
            open = 1;
        }
        if (i >= ncols || !*names[i])
            mtree_errf(t, (uint32_t)f->line, 0, NULL,
                       "a value in column %zu, which the header does "
                       "not name",
                       i + 1);
        else if (f->len != strlen(raw))
            mtree_errf(t, (uint32_t)f->line, 0, names[i],
                       "'%s\\0...' holds a NUL character", raw);
        else if (util_utf8_len(v) < 0)
            mtree_errf(t, (uint32_t)f->line, 0, names[i],
                       "not UTF-8 (save the CSV as UTF-8)");
        else if (cols[i]) {
            mtree_scalar(t, cols[i]->name, strlen(cols[i]->name), 1,
                         (uint32_t)f->line, 0);
            mtree_scalar(t, v, strlen(v), 1, (uint32_t)f->line, 0);
        }
        free(v);
    }
    /* Blank lines and rows of empty cells, as spreadsheets write them, are
     * no jobs. */
    if (open)
        mtree_close(t);
}

static void csv_pair(struct mtree *t, const char *k, const char *v)
{
    mtree_scalar(t, k, strlen(k), 1, 1, 0);
    mtree_scalar(t, v, strlen(v), 1, 1, 0);
}

/* A CSV manifest becomes the tree of the YAML manifest it stands for:
 * version 1, the endpoint its columns imply, and its rows as jobs. */
int csv_manifest(const char *text, size_t len, struct mtree *t)
{
    struct csv in;
    struct csv_record r = {0};
    const struct schema_key **cols = NULL;
    enum plan_endpoint ep;
    char **names = NULL, why[160];
    size_t ncols = 0, i;
    int rc, line = 1;

    csv_init(&in, text, len);
    rc = csv_next(&in, &r, &line, why, sizeof(why));
    if (rc == 0)
        mtree_errf(t, 1, 0, NULL,
                   "empty; a CSV manifest's first row names its "
                   "columns (video, audio, id, ...)");
    if (rc > 0) {
        ncols = r.n;
        names = xcalloc(ncols, sizeof(*names));
        cols = xcalloc(ncols, sizeof(*cols));
        csv_head(t, &r, names, cols, &ep);
        mtree_open(t, MTREE_MAP, 1, 0);
        csv_pair(t, "version", "1");
        csv_pair(t, "endpoint", plan_limits_get(ep)->name);
        mtree_scalar(t, "jobs", 4, 1, 1, 0);
        mtree_open(t, MTREE_SEQ, 1, 0);
        while ((rc = csv_next(&in, &r, &line, why, sizeof(why))) > 0)
            csv_row(t, &r, names, cols, ncols);
        mtree_close(t);
        mtree_close(t);
    }
    if (rc < 0) {
        mtree_errf(t, (uint32_t)line, 0, NULL, "invalid CSV: %s", why);
        t->stop = "is not valid CSV";
    }
    for (i = 0; i < ncols; i++)
        free(names[i]);
    free(names);
    free(cols);
    csv_record_release(&r);
    return rc < 0 || !t->root ? -1 : 0;
}


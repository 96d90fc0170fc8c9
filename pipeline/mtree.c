/*
 * mtree: a node array and a string buffer; see mtree.h.
 */
#include "mtree.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manifest.h"

void mtree_init(struct mtree *t, const char *path, struct buf *errors)
{
    memset(t, 0, sizeof(*t));
    t->path = path;
    t->errors = errors;
}

void mtree_release(struct mtree *t)
{
    free(t->nodes);
    free(t->open);
    buf_release(&t->strs);
    t->nodes = NULL;
    t->open = NULL;
    t->n = t->cap = t->depth = t->open_cap = 0;
    t->root = 0;
}

static uint32_t mtree_add(struct mtree *t, enum mtree_kind kind,
                          uint32_t line, uint32_t col)
{
    struct mtree_node *nd;
    uint32_t i;

    if (t->n + 1 >= t->cap) {
        t->cap = t->cap ? t->cap * 2 : 256;
        t->nodes = xrealloc(t->nodes, t->cap * sizeof(*t->nodes));
    }
    if (!t->n)
        t->n = 1;
    i = (uint32_t)t->n++;
    nd = &t->nodes[i];
    memset(nd, 0, sizeof(*nd));
    nd->kind = (unsigned char)kind;
    nd->line = line;
    nd->col = col;
    if (t->depth) {
        struct mtree_node *parent = &t->nodes[t->open[t->depth - 1]];

        if (parent->last)
            t->nodes[parent->last].next = i;
        else
            parent->first = i;
        parent->last = i;
        parent->count++;
    } else if (!t->root) {
        t->root = i;
    }
    return i;
}

uint32_t mtree_scalar(struct mtree *t, const char *s, size_t len, int plain,
                      uint32_t line, uint32_t col)
{
    uint32_t i = mtree_add(t, MTREE_SCALAR, line, col);

    t->nodes[i].plain = plain != 0;
    t->nodes[i].str = (uint32_t)t->strs.len;
    t->nodes[i].len = (uint32_t)len;
    buf_append(&t->strs, s, len);
    buf_append(&t->strs, "", 1);
    return i;
}

uint32_t mtree_open(struct mtree *t, enum mtree_kind kind, uint32_t line,
                    uint32_t col)
{
    uint32_t i = mtree_add(t, kind, line, col);

    if (t->depth == t->open_cap) {
        t->open_cap = t->open_cap ? t->open_cap * 2 : 16;
        t->open = xrealloc(t->open, t->open_cap * sizeof(*t->open));
    }
    t->open[t->depth++] = i;
    return i;
}

uint32_t mtree_close(struct mtree *t)
{
    return t->depth ? t->open[--t->depth] : 0;
}

uint32_t mtree_alias(struct mtree *t, uint32_t target, uint32_t line,
                     uint32_t col)
{
    uint32_t i = mtree_add(t, MTREE_ALIAS, line, col);

    t->nodes[i].first = target;
    return i;
}

const struct mtree_node *mtree_get(const struct mtree *t, uint32_t i)
{
    if (!i || i >= t->n)
        return NULL;
    if (t->nodes[i].kind == MTREE_ALIAS)
        i = t->nodes[i].first;
    return i && i < t->n ? &t->nodes[i] : NULL;
}

uint32_t mtree_first(const struct mtree *t, uint32_t i)
{
    const struct mtree_node *nd = mtree_get(t, i);

    return nd && (nd->kind == MTREE_SEQ || nd->kind == MTREE_MAP) ? nd->first
                                                                  : 0;
}

uint32_t mtree_next(const struct mtree *t, uint32_t c)
{
    return c && c < t->n ? t->nodes[c].next : 0;
}

const char *mtree_text(const struct mtree *t, uint32_t i)
{
    const struct mtree_node *nd = mtree_get(t, i);

    return nd && nd->kind == MTREE_SCALAR ? t->strs.data + nd->str : NULL;
}

static void mtree_verr(struct mtree *t, uint32_t line, uint32_t col,
                       const char *field, const char *fmt, va_list ap)
{
    struct buf text = {0};
    char msg[1024];

    if (++t->nerrors > MANIFEST_MAX_ERRORS)
        return;
    vsnprintf(msg, sizeof(msg), fmt, ap);
    buf_printf(&text, "%s:", t->path);
    if (line)
        buf_printf(&text, "%lu:", (unsigned long)line);
    if (line && col)
        buf_printf(&text, "%lu:", (unsigned long)col);
    buf_printf(&text, " %s%s%s", field ? field : "", field ? ": " : "", msg);
    /* Ids, keys and values are quoted as written: escape what a terminal
     * would act on. */
    buf_put_clean(t->errors, text.data);
    buf_puts(t->errors, "\n");
    buf_release(&text);
}

void mtree_errf(struct mtree *t, uint32_t line, uint32_t col,
                const char *field, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    mtree_verr(t, line, col, field, fmt, ap);
    va_end(ap);
}

void mtree_err(struct mtree *t, uint32_t i, const char *field,
               const char *fmt, ...)
{
    const struct mtree_node *nd = i && i < t->n ? &t->nodes[i] : NULL;
    va_list ap;

    va_start(ap, fmt);
    mtree_verr(t, nd ? nd->line : 0, nd ? nd->col : 0, field, fmt, ap);
    va_end(ap);
}

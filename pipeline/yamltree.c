/*
 * yamltree: a YAML manifest read event by event into the node tree.
 *
 * Nesting depth and aliases are counted as libyaml's events arrive, so a
 * hostile document is refused at the line where it crosses a limit, having
 * read no further; libyaml's own loader would first build the whole tree,
 * and its scanner slows down with every open bracket.  The file is parsed
 * once.
 */
#define _POSIX_C_SOURCE 200809L
#include "yamltree.h"

#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "manifest.h"

/* Anchors by name, for aliases: open addressing, grown at half full. */
struct yamltree_anchors {
    char **names;
    uint32_t *nodes;
    size_t n, cap;
};

static size_t yamltree_slot(const struct yamltree_anchors *a,
                            const char *name)
{
    size_t h = 2166136261u;
    const unsigned char *p;

    for (p = (const unsigned char *)name; *p; p++)
        h = (h ^ *p) * 16777619u;
    for (h &= a->cap - 1; a->names[h] && strcmp(a->names[h], name) != 0;
         h = (h + 1) & (a->cap - 1))
        ;
    return h;
}

static void yamltree_anchor_set(struct yamltree_anchors *a, const char *name,
                                uint32_t node)
{
    size_t i;

    if (2 * (a->n + 1) > a->cap) {
        struct yamltree_anchors big = {0};

        big.cap = a->cap ? a->cap * 2 : 64;
        big.names = xcalloc(big.cap, sizeof(*big.names));
        big.nodes = xcalloc(big.cap, sizeof(*big.nodes));
        for (i = 0; i < a->cap; i++) {
            if (!a->names[i])
                continue;
            big.names[yamltree_slot(&big, a->names[i])] = a->names[i];
            big.nodes[yamltree_slot(&big, a->names[i])] = a->nodes[i];
        }
        big.n = a->n;
        free(a->names);
        free(a->nodes);
        *a = big;
    }
    i = yamltree_slot(a, name);
    if (!a->names[i]) {
        a->names[i] = xstrdup(name);
        a->n++;
    }
    a->nodes[i] = node; /* a later anchor of the same name wins */
}

static uint32_t yamltree_anchor_get(const struct yamltree_anchors *a,
                                    const char *name)
{
    size_t i;

    if (!a->cap)
        return 0;
    i = yamltree_slot(a, name);
    return a->names[i] ? a->nodes[i] : 0;
}

static void yamltree_anchors_release(struct yamltree_anchors *a)
{
    size_t i;

    for (i = 0; i < a->cap; i++)
        free(a->names[i]);
    free(a->names);
    free(a->nodes);
}

/* One event into the tree; -1 when reading must stop. */
static int yamltree_event(struct mtree *t, const yaml_event_t *ev,
                          struct yamltree_anchors *anchors,
                          char **pending, int *docs, int *aliases)
{
    uint32_t line = (uint32_t)ev->start_mark.line + 1;
    uint32_t col = (uint32_t)ev->start_mark.column + 1;
    const char *anchor = NULL;
    uint32_t i, target;

    switch (ev->type) {
    case YAML_DOCUMENT_START_EVENT:
        if (++*docs == 1)
            return 0;
        mtree_errf(t, line, col, NULL,
                   "a second YAML document; a manifest is one");
        t->stop = "holds more than one YAML document";
        return -1;
    case YAML_SCALAR_EVENT:
        i = mtree_scalar(t, (const char *)ev->data.scalar.value,
                         ev->data.scalar.length,
                         ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE,
                         line, col);
        if (ev->data.scalar.anchor)
            yamltree_anchor_set(anchors, (const char *)ev->data.scalar.anchor,
                                i);
        return 0;
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT:
        if (t->depth >= MANIFEST_MAX_DEPTH) {
            mtree_errf(t, line, col, NULL,
                       "nested more than %d levels deep; refusing "
                       "this manifest",
                       MANIFEST_MAX_DEPTH);
            t->stop = "is nested too deeply";
            return -1;
        }
        anchor = (const char *)(ev->type == YAML_SEQUENCE_START_EVENT
                                    ? ev->data.sequence_start.anchor
                                    : ev->data.mapping_start.anchor);
        mtree_open(t,
                   ev->type == YAML_SEQUENCE_START_EVENT ? MTREE_SEQ
                                                         : MTREE_MAP,
                   line, col);
        /* Named when complete, so an alias cannot make a loop. */
        pending[t->depth - 1] = anchor ? xstrdup(anchor) : NULL;
        return 0;
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        i = mtree_close(t);
        if (pending[t->depth]) {
            yamltree_anchor_set(anchors, pending[t->depth], i);
            free(pending[t->depth]);
            pending[t->depth] = NULL;
        }
        return 0;
    case YAML_ALIAS_EVENT:
        anchor = (const char *)ev->data.alias.anchor;
        if (++*aliases > MANIFEST_MAX_ALIASES) {
            mtree_errf(t, line, col, NULL,
                       "more than %d YAML aliases; refusing to expand "
                       "this manifest",
                       MANIFEST_MAX_ALIASES);
            t->stop = "has too many YAML aliases";
            return -1;
        }
        target = yamltree_anchor_get(anchors, anchor);
        if (!target) {
            mtree_errf(t, line, col, NULL,
                       "invalid YAML: alias '*%s' names no complete "
                       "anchor before it",
                       anchor);
            t->stop = "is not valid YAML";
            return -1;
        }
        mtree_alias(t, target, line, col);
        return 0;
    default:
        return 0;
    }
}

int yamltree_read(const char *text, size_t len, struct mtree *t)
{
    struct yamltree_anchors anchors = {0};
    char *pending[MANIFEST_MAX_DEPTH] = {0};
    yaml_parser_t p;
    yaml_event_t ev;
    int docs = 0, aliases = 0, rc = 0, done = 0;
    size_t i;

    yaml_parser_initialize(&p);
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    while (!done && rc == 0) {
        if (!yaml_parser_parse(&p, &ev)) {
            mtree_errf(t, (uint32_t)p.problem_mark.line + 1,
                       (uint32_t)p.problem_mark.column + 1, NULL,
                       "invalid YAML: %s%s%s",
                       p.problem ? p.problem : "syntax error",
                       p.context ? " " : "", p.context ? p.context : "");
            t->stop = "is not valid YAML";
            rc = -1;
            break;
        }
        done = ev.type == YAML_STREAM_END_EVENT;
        rc = yamltree_event(t, &ev, &anchors, pending, &docs, &aliases);
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&p);
    for (i = 0; i < MANIFEST_MAX_DEPTH; i++)
        free(pending[i]);
    yamltree_anchors_release(&anchors);
    return rc;
}

const char *yamltree_library_version(void)
{
    return yaml_get_version_string();
}

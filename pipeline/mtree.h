/*
 * mtree: the small node tree a manifest is read into, from YAML events
 * (manifest.c) or CSV records (csv.c), so one walk checks both; and the
 * errors found on the way, one line each ("m.yaml:3:5: jobs[1]: ...").
 *
 * Nodes live in one array and strings in one buffer: a 16 MiB manifest
 * costs a few allocations, not one per node.  A node is named by its index;
 * 0 is no node.  A map's children alternate key, value.  An alias is a node
 * of its own that names the node it repeats, so nothing is ever copied.
 */
#ifndef DUB_MTREE_H
#define DUB_MTREE_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

enum mtree_kind { MTREE_SCALAR = 1, MTREE_SEQ, MTREE_MAP, MTREE_ALIAS };

struct mtree_node {
    unsigned char kind;   /* enum mtree_kind */
    unsigned char plain;  /* a scalar written without quotes */
    uint32_t line, col;   /* 1-based; col 0 when there is none (CSV) */
    uint32_t str, len;    /* scalar: text at strs.data + str, len bytes */
    uint32_t first, last; /* containers: children; alias: first = target */
    uint32_t next;        /* the next child of the same parent */
    uint32_t count;       /* children */
};

struct mtree {
    const char *path;         /* the manifest, for messages */
    struct buf *errors;
    int nerrors;
    const char *stop;         /* why reading stopped early, or NULL */
    struct mtree_node *nodes; /* nodes[0] is unused */
    size_t n, cap;
    struct buf strs;
    uint32_t *open;           /* containers being filled, innermost last */
    size_t depth, open_cap;
    uint32_t root;
};

/* Errors about path go to errors. */
void mtree_init(struct mtree *t, const char *path, struct buf *errors);
void mtree_release(struct mtree *t);

/* Adds a node to the innermost open container (or as the root); returns
 * its index.  mtree_open() makes the new container the innermost one until
 * mtree_close(), which returns it. */
uint32_t mtree_scalar(struct mtree *t, const char *s, size_t len, int plain,
                      uint32_t line, uint32_t col);
uint32_t mtree_open(struct mtree *t, enum mtree_kind kind, uint32_t line,
                    uint32_t col);
uint32_t mtree_close(struct mtree *t);
uint32_t mtree_alias(struct mtree *t, uint32_t target, uint32_t line,
                     uint32_t col);

/* Node i with an alias followed to what it names; NULL for 0. */
const struct mtree_node *mtree_get(const struct mtree *t, uint32_t i);
/* The first child of container i (an alias followed), and the child after
 * child c; 0 when there is none. */
uint32_t mtree_first(const struct mtree *t, uint32_t i);
uint32_t mtree_next(const struct mtree *t, uint32_t c);
/* A scalar's text (NUL-terminated; len says whether it holds a NUL), or
 * NULL when i is not a scalar. */
const char *mtree_text(const struct mtree *t, uint32_t i);

/* Adds an error at line and col (0: none); what it quotes is escaped, and
 * past MANIFEST_MAX_ERRORS errors are only counted. */
void mtree_errf(struct mtree *t, uint32_t line, uint32_t col,
                const char *field, const char *fmt, ...) DUB_PRINTF(5, 6);
/* The same at node i: where it is written (an alias where it is used). */
void mtree_err(struct mtree *t, uint32_t i, const char *field,
               const char *fmt, ...) DUB_PRINTF(4, 5);

#endif

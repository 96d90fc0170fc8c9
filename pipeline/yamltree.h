/*
 * yamltree: YAML text into the manifest's node tree (mtree.h): one
 * document, at most MANIFEST_MAX_DEPTH levels and MANIFEST_MAX_ALIASES
 * aliases, an alias a node naming its anchor's node.  The only file that
 * includes libyaml.
 */
#ifndef DUB_YAMLTREE_H
#define DUB_YAMLTREE_H

#include <stddef.h>

#include "mtree.h"

/* 0, or -1 with the error in t->errors and why in t->stop. */
int yamltree_read(const char *text, size_t len, struct mtree *t);

/* libyaml's version, for dubbatch doctor. */
const char *yamltree_library_version(void);

#endif

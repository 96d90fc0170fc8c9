/*
 * initint: what the two files of `dubbatch init` share (cmd_init.c,
 * initscan.c); not for other modules.
 */
#ifndef DUB_INITINT_H
#define DUB_INITINT_H

#include <stddef.h>

#include "util.h"

struct init_file {
    char *path;  /* absolute, clean */
    char *key;   /* the name without extension, in lower case */
    char *id;    /* the name without extension as an id allows */
    int used;    /* paired; -1: its key is another's, -2: its id */
};

struct init_list {
    struct init_file *f;
    size_t n, cap;
};

struct init {
    char *base;             /* the folder the manifest's paths start from */
    struct init_list clips;
    struct init_list *dubs; /* one list per language */
    char **langs;
    size_t nlangs;
    struct buf jobs, unpaired;
    size_t njobs, nunpaired;
};

/* target as seen from the folder base (both absolute and clean); caller
 * frees. */
char *init_relative(const char *base, const char *target);
/* path, and why it is not in the manifest, onto the list of what was not
 * paired. */
void init_unpaired(struct init *in, const char *path, const char *why);
/* The media files of one folder into list (dubs: audio names too); what is
 * not media is listed.  -1, said on stderr, when dir cannot be read. */
int init_scan(struct init *in, const char *dir, int dubs,
              struct init_list *list);
/* A DUBS_DIR: a language folder, or a folder of them when it holds no
 * files; -1 when a folder cannot be read. */
int init_dubs(struct init *in, const char *dir);

#endif

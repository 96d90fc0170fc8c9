/*
 * pageint: what the two files of the page module share (page.c,
 * pagehtml.c); not for other modules, which use page.h.
 */
#ifndef DUB_PAGEINT_H
#define DUB_PAGEINT_H

#include "page.h"
#include "util.h"

struct cJSON;

/* A string member of o, or NULL (page.c). */
const char *page_str(const struct cJSON *o, const char *name);
/* A number member of o, or -1 (page.c). */
double page_num(const struct cJSON *o, const char *name);
/* The filter group of a job state: done, rejected, failed or flight
 * (page.c). */
const char *page_group(const char *state);
/* 1 when path is a file that is not empty (page.c). */
int page_exists(const char *path);
/* The dub of job id inside dir, made when make is 1 (page.c). */
char *page_dub(const char *dir, const char *id, const char *audio, int make);
/* Job j's card (pagehtml.c); nothing when it has no id or state. */
void page_card(struct buf *b, const char *dir, const struct cJSON *j);
/* The page's head: the batch, when it ran, and its totals (pagehtml.c). */
void page_header(struct buf *b, const struct cJSON *root);

#endif

/*
 * mediaint: what the two files of the media module share (media.c,
 * mediaop.c); not for other modules, which use media.h.
 */
#ifndef DUB_MEDIAINT_H
#define DUB_MEDIAINT_H

#include "media.h"

struct wire_task;

/* Queues t for done: its id is set here, and its line is built at once,
 * so t and what it points to are only borrowed (media.c). */
void media_submit(struct media_pool *p, struct wire_task *t, media_fn *done,
                  void *arg);

#endif

/*
 * wireint: what the two files of the wire module share (wire.c,
 * wiretask.c); not for other modules, which use wire.h.
 */
#ifndef DUB_WIREINT_H
#define DUB_WIREINT_H

#include "wire.h"

struct cJSON;

/* o printed compactly, and deleted; caller frees the text. */
char *wire_print(struct cJSON *o);
/* A string member of o, or NULL. */
const char *wire_str(const struct cJSON *o, const char *name);
/* A task's or reply's id: a whole number a long holds, else -1. */
long wire_id(const struct cJSON *o);
/* obj's facts, video plan or audio plan into the struct; -1 when obj is
 * not an object. */
int wire_facts_get(const struct cJSON *obj, struct facts *f);
int wire_pv_get(const struct cJSON *obj, struct plan_video *v);
int wire_pa_get(const struct cJSON *obj, struct plan_audio *a);

#endif

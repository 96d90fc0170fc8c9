/*
 * schemaint: what the two files of the schema module share (schema.c,
 * schemadoc.c); not for other modules, which use schema.h.
 */
#ifndef DUB_SCHEMAINT_H
#define DUB_SCHEMAINT_H

#include "plan.h"
#include "schema.h"

/* The endpoint words in the order of enum plan_endpoint (schema.c). */
extern const char *const schema_endpoints[PLAN_T2V + 1];

#endif

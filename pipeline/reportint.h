/*
 * reportint: what the two files of the report module share (report.c,
 * reportfile.c); not for other modules, which use report.h.
 */
#ifndef DUB_REPORTINT_H
#define DUB_REPORTINT_H

#include <stdint.h>

#include "report.h"
#include "util.h"

struct cJSON;

/* Seconds from from to to (both ms), or -1 when from is not set or to
 * is before it. */
double report_span(int64_t from, int64_t to);
/* ms as an ISO 8601 member of o; nothing when ms is not set. */
void report_time(struct cJSON *o, const char *name, int64_t ms);
/* s as a member of o; nothing when s is negative. */
void report_seconds(struct cJSON *o, const char *name, double s);
/* report.csv's header line, and job j's row, from the table of columns. */
void report_csv_header(struct buf *b);
void report_csv_row(struct buf *b, const struct report_job *j);

#endif

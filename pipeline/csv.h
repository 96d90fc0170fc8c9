/*
 * csv: RFC 4180 records from text in memory, and a CSV manifest read from
 * them into the node tree of the YAML manifest it stands for.
 *
 * Fields are separated by commas (a semicolon or a tab when the first line
 * has those and no comma, as spreadsheets in some locales save), quoted
 * with '"' when they hold one, a separator or a line break, with a quote
 * doubled inside quotes.  Records end with CRLF or LF.  A UTF-8 byte order
 * mark at the start is skipped.  Fields are returned as they are; what they
 * mean is the caller's.
 */
#ifndef DUB_CSV_H
#define DUB_CSV_H

#include <stddef.h>

#include "mtree.h"
#include "util.h"

struct csv {
    const char *p, *end;
    char sep;
    int line;            /* the line the next record starts on */
};

struct csv_field {
    size_t off, len;     /* in the record's text (NUL-terminated there) */
    int quoted;
    int line;            /* where the field starts */
};

/* One record; reused from call to call.  Zero-filled is empty. */
struct csv_record {
    struct buf text;
    struct csv_field *f;
    size_t n, cap;
    int line;
};

void csv_init(struct csv *c, const char *text, size_t len);
/* The next record into r: 1, or 0 at the end of the text, or -1 with why
 * (and the line in *line) for text that is not CSV. */
int csv_next(struct csv *c, struct csv_record *r, int *line, char *why,
             size_t len);
/* Field i of r (NUL-terminated; its len says whether it holds a NUL). */
const char *csv_text(const struct csv_record *r, size_t i);
void csv_record_release(struct csv_record *r);

/*
 * A CSV manifest into t: version 1, the endpoint its columns imply (a
 * 'text' column: text-to-video), and one job per row that is not empty,
 * from the row's non-empty cells; cells are trimmed of the spaces around
 * them unless quoted, and header names of case.  Errors name lines only.
 * -1 when the text is not CSV or its header is wrong (t->stop, t->errors).
 */
int csv_manifest(const char *text, size_t len, struct mtree *t);

#endif

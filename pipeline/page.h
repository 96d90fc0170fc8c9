/*
 * page: index.html, the contact sheet of a batch, built from report.json
 * (so `dubbatch report` can rebuild it from any finished folder).
 *
 * One self-contained HTML file plus JPEG posters under thumbs/: no external
 * fonts, scripts or CDNs, relative links only, so the folder can be moved,
 * zipped or opened from a file share offline.  Every value that came from
 * a manifest, a file or a server is escaped.  Filtering uses a few lines of
 * JavaScript; with JavaScript off every card is still shown.
 */
#ifndef DUB_PAGE_H
#define DUB_PAGE_H

#include "util.h"

struct media_pool;

/* Makes missing posters (source and result) with the media workers and
 * links the dubs beside them (neither without a pool: an interrupted run
 * writes its page at once), then writes <dir>/index.html from
 * <dir>/report.json. */
int page_write(const char *dir, struct media_pool *pool, struct dub_err *e);

#endif

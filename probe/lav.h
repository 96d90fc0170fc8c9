/*
 * lav: the few libav steps every file-writing module in probe/ repeats
 * (conform, deliver, stitch): opening an input that may open nothing else,
 * turning an AVERROR into a struct dub_err, and landing a temporary output
 * under its real name.  Only probe/ includes this header: its int results
 * are AVERROR codes, which never leave the libav modules.
 */
#ifndef DUB_LAV_H
#define DUB_LAV_H

#include "util.h"

struct AVCodecContext;
struct AVFilterContext;
struct AVFilterGraph;
struct AVFormatContext;
struct AVStream;

/* Opens in and reads its stream info.  A local file may open nothing but
 * itself (no playlists naming other files); an https input only https.
 * Returns an AVERROR (0 on success). */
int lav_open_input(struct AVFormatContext **ic, const char *in);

/* The index of ic's first stream of type (an enum AVMediaType) that is not
 * cover art ("the video" never is); -1 when there is none. */
int lav_first_stream(const struct AVFormatContext *ic, int type);

/* A filter graph from a buffer source fed by dec's frames (st: its stream)
 * through desc to a sink: "buffer"/"buffersink" for video, "abuffer" and
 * "abuffersink" for audio.  The caller frees *graph.  Returns an AVERROR. */
int lav_graph(struct AVFilterGraph **graph, struct AVFilterContext **src,
              struct AVFilterContext **sink, struct AVCodecContext *dec,
              const struct AVStream *st, const char *desc);

/* Fills e with "<what>: <libav's words for ret>" (DUB_EMEDIA); returns -1. */
int lav_error(struct dub_err *e, int ret, const char *fmt, ...)
    DUB_PRINTF(3, 4);

/* "<out>.tmp.<16 random hex digits>", created empty, exclusively and not
 * through a link (util_tmp_open): where an output is written before it is
 * renamed, so a file is never seen half-written, even when two processes
 * make it, and a link planted beside it leads nowhere. */
char *lav_tmp_name(const char *out);
/* Renames tmp to out; on failure removes tmp.  -1 and e on failure. */
int lav_commit(const char *tmp, const char *out, struct dub_err *e);

#endif

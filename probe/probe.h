/*
 * probe: a media file -> struct facts, with libavformat/libavcodec.
 *
 * Runs inside a media worker process (design.md section 3): a file that
 * crashes or hangs the demuxer takes down the worker, not the batch.
 */
#ifndef DUB_PROBE_H
#define DUB_PROBE_H

#include "facts.h"
#include "util.h"

/*
 * Fills f with what path holds.  path may be a local file or an https://
 * URL.  Durations that the container only estimates (raw ADTS, VBR mp3
 * without a header) are measured by reading every packet.  -1 and e
 * (DUB_EMEDIA or DUB_EIO) with a message a person understands when the file
 * is missing, empty, truncated, corrupt or not media.
 */
int probe_file(const char *path, struct facts *f, struct dub_err *e);

/* Quiets libav's own logging (it would write to stderr mid-batch). */
void probe_quiet(void);

#endif

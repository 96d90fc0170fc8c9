/*
 * lav: shared libav steps of the probe/ modules that write files.
 */
#define _POSIX_C_SOURCE 200809L
#include "lav.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libavformat/avformat.h>

int lav_open_input(AVFormatContext **ic, const char *in)
{
    AVDictionary *opts = NULL;
    int ret;

    av_dict_set(&opts, "protocol_whitelist",
                util_starts_with(in, "https://") ? "https,tls,tcp" : "file", 0);
    ret = avformat_open_input(ic, in, NULL, &opts);
    av_dict_free(&opts);
    if (ret < 0)
        return ret;
    return avformat_find_stream_info(*ic, NULL);
}

int lav_error(struct dub_err *e, int ret, const char *fmt, ...)
{
    char what[512], buf[AV_ERROR_MAX_STRING_SIZE];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    av_strerror(ret, buf, sizeof(buf));
    return dub_errf(e, DUB_EMEDIA, "%s: %s", what, buf);
}

char *lav_tmp_name(const char *out)
{
    return xasprintf("%s.tmp.%ld", out, (long)getpid());
}

int lav_commit(const char *tmp, const char *out, struct dub_err *e)
{
    if (rename(tmp, out) == 0)
        return 0;
    dub_errf(e, DUB_EIO, "cannot rename '%s' to '%s': %s", tmp, out,
             strerror(errno));
    unlink(tmp);
    return -1;
}

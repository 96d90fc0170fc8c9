/*
 * log: timestamped text or JSON lines.  JSON is written by hand here rather
 * than through cJSON so that logging stays usable from every module without
 * pulling a JSON library into each of them.
 */
#define _POSIX_C_SOURCE 200809L
#include "log.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static enum log_level log_min = LOG_INFO;
static enum log_format log_fmt = LOG_TEXT;

static const char *const log_names[] = {"debug", "info", "warn", "error"};

void log_setup(enum log_level min, enum log_format fmt)
{
    log_min = min;
    log_fmt = fmt;
}

int log_enabled(enum log_level level)
{
    return level >= log_min && level < LOG_QUIET;
}

/* Control characters would let a file name or a server message forge log
 * lines or terminal escapes; they become '?' in text and \uXXXX in JSON. */
static void log_text_clean(struct buf *b, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        buf_append(b, (c < 0x20 || c == 0x7f) ? "?" : s, 1);
    }
}

static void log_json_string(struct buf *b, const char *s)
{
    buf_puts(b, "\"");
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if (c == '"' || c == '\\')
            buf_printf(b, "\\%c", c);
        else if (c < 0x20 || c == 0x7f)
            buf_printf(b, "\\u%04x", c);
        else
            buf_append(b, s, 1);
    }
    buf_puts(b, "\"");
}

/* One line: in JSON the job, its state and the event are fields of their
 * own, so a collector can select on them; in text they lead the line. */
static void log_line(enum log_level level, const char *job, const char *state,
                     const char *event, const char *fmt, va_list ap)
{
    struct buf line = {0};
    char *msg, ts[32];
    int n;

    {
        va_list cp;

        va_copy(cp, ap);
        n = vsnprintf(NULL, 0, fmt, cp);
        va_end(cp);
    }
    msg = xmalloc(n > 0 ? (size_t)n + 1 : 1);
    vsnprintf(msg, n > 0 ? (size_t)n + 1 : 1, fmt, ap);

    util_iso8601(util_now_ms(), ts);
    if (log_fmt == LOG_JSON) {
        buf_printf(&line, "{\"time\":\"%s\",\"level\":\"%s\"", ts,
                   log_names[level]);
        if (job) {
            buf_puts(&line, ",\"job\":");
            log_json_string(&line, job);
        }
        if (state) {
            buf_puts(&line, ",\"state\":");
            log_json_string(&line, state);
        }
        if (event) {
            buf_puts(&line, ",\"event\":");
            log_json_string(&line, event);
        }
        buf_puts(&line, ",\"msg\":");
        log_json_string(&line, msg);
        buf_puts(&line, "}\n");
    } else {
        buf_printf(&line, "%s %-5s ", ts, log_names[level]);
        if (job) {
            log_text_clean(&line, job);
            buf_puts(&line, ": ");
        }
        log_text_clean(&line, msg);
        buf_puts(&line, "\n");
    }
    fwrite(line.data, 1, line.len, stderr);
    fflush(stderr);
    buf_release(&line);
    free(msg);
}

void log_write(enum log_level level, const char *job, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    log_line(level, job, NULL, NULL, fmt, ap);
    va_end(ap);
}

void log_event(enum log_level level, const char *job, const char *state,
               const char *event, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    log_line(level, job, state, event, fmt, ap);
    va_end(ap);
}

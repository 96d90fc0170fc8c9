/*
 * log: one line per event on stderr, prefixed with the job id.
 *
 * Text lines carry a UTC timestamp and contain no control characters, so a
 * cron mail or a log file reads cleanly.  With LOG_JSON each line is one JSON
 * object for log collectors.  The level is checked before any formatting.
 */
#ifndef DUB_LOG_H
#define DUB_LOG_H

#include "util.h"

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR, LOG_QUIET };
enum log_format { LOG_TEXT, LOG_JSON };

/* Messages below min are dropped.  Not thread-safe; dubbatch has one thread
 * per process. */
void log_setup(enum log_level min, enum log_format fmt);
int log_enabled(enum log_level level);

void log_write(enum log_level level, const char *job, const char *fmt, ...)
    DUB_PRINTF(3, 4);
/* The same, for an event in a job's life: state (its name after the
 * event, or NULL) and event ("move", "http", "media", ...) become fields of
 * their own in JSON; a text line is the message alone. */
void log_event(enum log_level level, const char *job, const char *state,
               const char *event, const char *fmt, ...) DUB_PRINTF(5, 6);
#define log_ev(level, job, state, event, ...)                             \
    do {                                                                  \
        if (log_enabled(level))                                           \
            log_event(level, job, state, event, __VA_ARGS__);             \
    } while (0)

#define log_at(level, job, ...)                                           \
    do {                                                                  \
        if (log_enabled(level))                                           \
            log_write(level, job, __VA_ARGS__);                           \
    } while (0)
#define log_debug(job, ...) log_at(LOG_DEBUG, job, __VA_ARGS__)
#define log_info(job, ...) log_at(LOG_INFO, job, __VA_ARGS__)
#define log_warn(job, ...) log_at(LOG_WARN, job, __VA_ARGS__)
#define log_error(job, ...) log_at(LOG_ERROR, job, __VA_ARGS__)

#endif

/*
 * opts: command-line helpers shared by the verbs.
 */
#define _POSIX_C_SOURCE 200809L
#include "opts.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fal.h"

int opts_int(const char *flag, const char *arg, long lo, long hi, int *out)
{
    long v;

    if (util_parse_long(arg, lo, hi, &v) < 0) {
        fprintf(stderr, "dubbatch: %s wants a whole number in %ld..%ld, not "
                        "'%s'\n", flag, lo, hi, arg);
        return -1;
    }
    *out = (int)v;
    return 0;
}

int opts_double(const char *flag, const char *arg, double lo, double hi,
                double *out)
{
    double v;

    if (util_parse_double(arg, &v) < 0 || v < lo || v > hi) {
        fprintf(stderr, "dubbatch: %s wants a number in %g..%g, not '%s'\n",
                flag, lo, hi, arg);
        return -1;
    }
    *out = v;
    return 0;
}

int opts_duration(const char *flag, const char *arg, int64_t lo_ms,
                  int64_t hi_ms, int64_t *out_ms)
{
    static const struct {
        char unit;
        double ms;
    } units[] = {{'s', 1000}, {'m', 60000}, {'h', 3600000}};
    size_t n = strlen(arg), i;
    double scale = 1000, v;
    char num[64];

    for (i = 0; n > 1 && i < DUB_ARRAY_LEN(units); i++)
        if (arg[n - 1] == units[i].unit) {
            scale = units[i].ms;
            n--;
        }
    snprintf(num, sizeof(num), "%.*s", (int)n, arg);
    if (n >= sizeof(num) || util_parse_double(num, &v) < 0 ||
        v * scale < (double)lo_ms || v * scale > (double)hi_ms) {
        fprintf(stderr, "dubbatch: %s wants a duration from %gs to %gh "
                        "(e.g. 90s, 15m, 2h), not '%s'\n",
                flag, lo_ms / 1000.0, hi_ms / 3600000.0, arg);
        return -1;
    }
    *out_ms = (int64_t)(v * scale);
    return 0;
}

int opts_media_jobs(const char *arg, int *out)
{
    return opts_int("--media-jobs", arg, 1, 256, out);
}

int opts_media_timeout(const char *arg, int64_t *ms)
{
    double sec;

    if (opts_double("--media-timeout", arg, 0.1, 86400, &sec) < 0)
        return -1;
    *ms = (int64_t)(sec * 1000);
    return 0;
}

int opts_default_media_jobs(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);

    return n > 0 ? (int)n : 1;
}

int opts_close_stdout(void)
{
    int bad = ferror(stdout);

    if (fclose(stdout) != 0 || bad) {
        fprintf(stderr, "dubbatch: cannot write output: %s\n",
                strerror(errno));
        return -1;
    }
    return 0;
}

void opts_backoff(int64_t *base_ms, int64_t *cap_ms)
{
    const char *env = getenv("DUBBATCH_TEST_BACKOFF_MS");
    long base, cap;
    char *comma;

    *base_ms = FAL_BACKOFF_BASE_MS;
    *cap_ms = FAL_BACKOFF_CAP_MS;
    if (!env || !*env)
        return;
    comma = strchr(env, ',');
    if (comma) {
        char *head = xstrndup(env, (size_t)(comma - env));

        if (util_parse_long(head, 1, 600000, &base) == 0 &&
            util_parse_long(comma + 1, 1, 600000, &cap) == 0) {
            *base_ms = base;
            *cap_ms = cap;
        }
        free(head);
    } else if (util_parse_long(env, 1, 600000, &base) == 0) {
        *base_ms = base;
        *cap_ms = base * 30;
    }
}

int opts_fal_take(int c, const char *arg, struct opts_fal *f)
{
    switch (c) {
    case 'k': f->key_file = arg; return 1;
    case 'Q': f->queue = arg; return 1;
    case 'R': f->rest = arg; return 1;
    case 'A': f->api = arg; return 1;
    default: return 0;
    }
}

void opts_media_init(struct opts_media *m)
{
    m->jobs = opts_default_media_jobs();
    m->timeout_ms = OPTS_MEDIA_TIMEOUT_MS;
}

int opts_media_take(int c, const char *arg, struct opts_media *m)
{
    if (c == 'j')
        return opts_media_jobs(arg, &m->jobs) < 0 ? -1 : 1;
    if (c == 't')
        return opts_media_timeout(arg, &m->timeout_ms) < 0 ? -1 : 1;
    return 0;
}

/*
 * A test harness in the spirit of redis' testhelp.h: each check prints one
 * line, "PASS name" or "FAIL name (where)", which tests/run.sh counts.  A
 * test binary exits 1 when any check failed.
 */
#ifndef DUB_TEST_H
#define DUB_TEST_H

#include <stdio.h>
#include <string.h>

static int test_failed;
static int test_passed;

#define test_cond(name, cond)                                              \
    do {                                                                   \
        if (cond) {                                                        \
            test_passed++;                                                 \
            printf("PASS %s\n", (name));                                   \
        } else {                                                           \
            test_failed++;                                                 \
            printf("FAIL %s (%s:%d: %s)\n", (name), __FILE__, __LINE__,    \
                   #cond);                                                 \
        }                                                                  \
    } while (0)

/* Compares two strings and shows both on failure. */
#define test_str(name, got, want)                                          \
    do {                                                                   \
        const char *g_ = (got), *w_ = (want);                              \
        if (g_ && w_ && strcmp(g_, w_) == 0) {                             \
            test_passed++;                                                 \
            printf("PASS %s\n", (name));                                   \
        } else {                                                           \
            test_failed++;                                                 \
            printf("FAIL %s (%s:%d)\n  got:  %s\n  want: %s\n", (name),    \
                   __FILE__, __LINE__, g_ ? g_ : "(null)",                 \
                   w_ ? w_ : "(null)");                                    \
        }                                                                  \
    } while (0)

#define test_report() (fflush(stdout), test_failed ? 1 : 0)

#endif

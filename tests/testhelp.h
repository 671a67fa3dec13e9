/* testhelp.h: the one check macro every C test uses.
 *
 * Each check prints one line, "PASS <what>" or "FAIL <what> (file:line)".
 * tests/run.sh counts those lines over every test program and prints the
 * closing "N passed, N failed, N skipped" line that CI reads. A test
 * program also exits non-zero when any of its checks failed, so a crash (no
 * lines, abnormal exit) is counted as a failure by run.sh as well. */
#ifndef TESTHELP_H
#define TESTHELP_H

#include <stdio.h>

static int test_failures_;
static int test_passes_;

#define CHECK(descr, cond)                                                     \
    do {                                                                       \
        if (cond) {                                                            \
            test_passes_++;                                                    \
            printf("PASS %s\n", (descr));                                      \
        } else {                                                               \
            test_failures_++;                                                  \
            printf("FAIL %s (%s:%d)\n", (descr), __FILE__, __LINE__);          \
        }                                                                      \
        fflush(stdout);                                                        \
    } while (0)

/* Return value for main(): non-zero when any check failed. */
#define TEST_EXIT_CODE() (test_failures_ ? 1 : 0)

#endif

/* forkcost.c: what one fork() costs as the parent's memory grows.
 *
 * fork copies the parent's page tables (not its pages): the cost grows with
 * the resident anonymous memory, which is why fork-per-merge gets slower as
 * the data set grows. For each size the parent allocates and touches that
 * much memory, then times fork + child _exit + waitpid, with transparent
 * huge pages asked for (MADV_HUGEPAGE: one page-table entry per 2 MiB) and
 * refused (MADV_NOHUGEPAGE: one per 4 KiB).
 *
 * Output: one CSV row per measurement on stdout:
 *   size_mb,thp,repeat,fork_s,rss_kb,anon_huge_kb */
#define _GNU_SOURCE
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    const char *sizes = "100 200 500 1000 2000 4000 8000";
    uint64_t repeat = 5;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--sizes-mb") == 0 && i + 1 < argc) {
            sizes = argv[++i];
        } else if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc &&
                   parse_u64(argv[i + 1], 1, 1000, &repeat) == 0) {
            i++;
        } else {
            fprintf(stderr, "usage: forkcost [--sizes-mb \"100 200 ... 8000\"] [--repeat R]\n"
                            "Times fork+exit+wait against the parent's memory; CSV on "
                            "stdout.\n");
            return strcmp(argv[i], "--help") == 0 ? 0 : 2;
        }
    }
    printf("size_mb,thp,repeat,fork_s,rss_kb,anon_huge_kb\n");
    char *list = xstrdup(sizes), *save = NULL;
    for (char *tok = strtok_r(list, " ,", &save); tok; tok = strtok_r(NULL, " ,", &save)) {
        uint64_t mb;
        if (parse_u64(tok, 1, 1 << 20, &mb) < 0) {
            fprintf(stderr, "forkcost: bad size '%s'\n", tok);
            return 2;
        }
        for (int thp = 0; thp <= 1; thp++) {
            size_t len = (size_t)mb << 20;
            char *mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                             -1, 0);
            if (mem == MAP_FAILED) {
                fprintf(stderr, "forkcost: cannot map %llu MB\n", (unsigned long long)mb);
                return 1;
            }
            /* Where THP is off system-wide the advice is ignored, and the
             * anon_huge_kb column shows it. */
            madvise(mem, len, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
            memset(mem, 1, len);
            long rss = proc_kb("/proc/self/status", "VmRSS");
            long huge = proc_kb("/proc/self/smaps_rollup", "AnonHugePages");
            for (uint64_t r = 0; r < repeat; r++) {
                fflush(stdout);
                double t0 = now_s();
                pid_t pid = fork();
                if (pid < 0) {
                    fprintf(stderr, "forkcost: fork failed at %llu MB\n",
                            (unsigned long long)mb);
                    return 1;
                }
                if (pid == 0)
                    _exit(0);
                int st;
                waitpid(pid, &st, 0);
                double dt = now_s() - t0;
                printf("%llu,%d,%llu,%.6f,%ld,%ld\n", (unsigned long long)mb, thp,
                       (unsigned long long)r, dt, rss, huge);
            }
            munmap(mem, len);
        }
    }
    free(list);
    return 0;
}

/* test_workers.c: the process backends inside this process, so that what
 * a failed worker leaves behind can be seen: after a run, successful or
 * not, the trainer must have no child left, running or zombie. */
#define _GNU_SOURCE
#include "backend.h"
#include "input.h"
#include "merge.h"
#include "registry.h"
#include "specials.h"
#include "testcount.h"
#include "testhelp.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

static int no_children_left(void)
{
    return waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD;
}

static int train(const struct word_counts *wc, const char *backend, unsigned w,
                 uint64_t *merges, char *err, size_t errlen)
{
    char *eot[] = {"<|endoftext|>"};
    struct vocab v;
    vocab_init(&v, eot, 1);
    struct merge_params mp = {.vocab_size = 800, .backend = backend_find(backend),
                              .config = {.workers = w, .pin = PIN_NONE}};
    struct merge_result mr;
    struct merge_stats ms;
    int rc = merge_train(wc, &v, &mp, &mr, &ms, err, errlen);
    merge_stats_free(&ms);
    *merges = mr.merges;
    merge_result_free(&mr);
    vocab_free(&v);
    return rc;
}

int main(void)
{
    /* spawn starts the bpescan built beside the bpetrain under test. */
    const char *exe = getenv("BPETRAIN") ? getenv("BPETRAIN") : "bin/bpetrain";
    char scan[4096];
    const char *slash = strrchr(exe, '/');
    snprintf(scan, sizeof scan, "%.*sbpescan", slash ? (int)(slash - exe + 1) : 0, exe);
    setenv("BPEBENCH_BPESCAN", scan, 1);
    char err[512];
    struct input in;
    struct specials sp;
    struct word_counts wc;
    if (count_file_eot("data/sample/tinystories_v1_head_1097.txt", 1, &in, &sp, &wc, err,
                       sizeof err) < 0) {
        printf("  %s\n", err);
        CHECK("sample input opens and counts", 0);
        return TEST_EXIT_CODE();
    }

    /* Every process backend the registry lists. */
    const char *modes[] = {"abort", "exit", "close", "short"};
    unsigned n_procs = 0;
    for (size_t b = 0; b < backend_registry_len; b++) {
        if (backend_registry[b]->kind != BACKEND_PROCESSES)
            continue;
        const char *name = backend_registry[b]->name;
        n_procs++;
        uint64_t merges;
        char d[200];
        unsetenv("BPEBENCH_WORKER_FAIL");
        int rc = train(&wc, name, 2, &merges, err, sizeof err);
        snprintf(d, sizeof d, "%s: a clean run learns 543 merges and leaves no child", name);
        CHECK(d, rc == 0 && merges == 543 && no_children_left());
        for (size_t m = 0; m < 4; m++) {
            char spec[32];
            snprintf(spec, sizeof spec, "%d:7:%s", m % 2 ? 0 : 1, modes[m]);
            setenv("BPEBENCH_WORKER_FAIL", spec, 1);
            double t0 = now_s();
            rc = train(&wc, name, 2, &merges, err, sizeof err);
            double dt = now_s() - t0;
            char want[64];
            snprintf(want, sizeof want, "backend %s: worker %d failed", name, m % 2 ? 0 : 1);
            snprintf(d, sizeof d,
                     "%s: worker fails (%s) at merge 7: error names it, stops at merge 7, "
                     "no child left, %.0f ms", name, modes[m], dt * 1000);
            CHECK(d, rc < 0 && strstr(err, want) && merges == 7 && no_children_left() &&
                         dt < 5);
        }
    }
    CHECK("the registry lists process backends to test", n_procs > 0);
    unsetenv("BPEBENCH_WORKER_FAIL");
    word_counts_free(&wc);
    input_close(&in);
    specials_free(&sp);
    return TEST_EXIT_CODE();
}

/* backend.h: the contract of a merge-step backend.
 *
 * The merge loop (merge.c) owns the words, the pair table and the update
 * step (run by an update strategy, update.h). Each merge it asks the
 * backend for the best live pair, and after the update it reports every
 * pair whose count changed. A backend is one file in variants/ that fills
 * one `struct merge_backend`, including the options it accepts; the driver
 * only ever sees this struct, found by name in the registry
 * (cli/registry.c), and never names a backend itself. */
#ifndef BACKEND_H
#define BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "pairs.h"
#include "util.h"

enum pin_policy { PIN_NONE, PIN_COMPACT, PIN_SCATTER };

/* What the select step runs on, for --list-backends and the bench: single
 * (W does not matter), threads of this process, or worker processes. */
enum backend_kind { BACKEND_SINGLE, BACKEND_THREADS, BACKEND_PROCESSES };

/* One option a backend accepts in --backend-opts: its name and its allowed
 * values, NULL-terminated, the first being the default. */
struct backend_option {
    const char *name;
    const char *const *values;
    const char *help;
};

/* What the driver tells a backend when it starts. */
struct backend_config {
    unsigned workers;     /* --workers: threads or processes for select */
    enum pin_policy pin;  /* --pin */
    /* Every option the backend declares, checked and in canonical form
     * ("k=v;k=v", declaration order, defaults filled in; see bopts.h). */
    const char *options;
    /* The worker program a process backend starts (spawn's bpescan); NULL:
     * the one beside the running executable, or $BPEBENCH_BPESCAN. */
    const char *worker_exe;
};

/* What select reports besides the chosen pair. */
struct select_result {
    uint32_t pair_id;     /* stable id of the best live pair, PAIR_NONE if none */
    double compute_s;     /* longest time any worker spent scanning, measured
                             inside the worker; the rest of max_s is overhead.
                             Not set by a BACKEND_SINGLE select: it runs on the
                             caller's thread, so all its time is compute */
};

/* What a backend reports once, at the end of the merge loop (zeroed by the
 * caller, released with backend_report_free). Once merge_train returns,
 * both buffers hold C strings, or NULL when nothing was reported. */
struct backend_report {
    struct buf worker_pus; /* "L#:P#" per worker, ';'-separated (pinning.h) */
    struct buf counters;   /* its own counters, "k=v;..." (backend_report_counter) */
    int64_t worker_minflt; /* faults the workers took during their scans */
    int64_t worker_majflt;
};

void backend_report_counter(struct backend_report *r, const char *name, uint64_t value);
void backend_report_free(struct backend_report *r);

struct merge_backend {
    const char *name;        /* --backend NAME */
    const char *description; /* one line for --list-backends */
    enum backend_kind kind;
    const char *article;     /* the article's script it stands for, or "" */
    int bench;               /* 1: `make bench` runs it by default */
    const struct backend_option *options; /* {NULL}-terminated; NULL: none */
    /* 1: never reads the pair table's live[] or live_id[] (only records,
     * by id, and n_live), so the merge loop does not keep them. */
    int records_only;
    /* 1: forks the trainer's process every merge, copying its page tables
     * each time, so auto's huge pages are on for it (hugepages.h). */
    int forks_each_merge;

    /* Called once the initial pair table exists. Sets *state as soon as it
     * has one: from then on the caller calls destroy exactly once, even when
     * init fails, so init never frees on its way out. Returns 0, or -1 with a
     * one-line reason in err (the caller prefixes "backend NAME: "). */
    int (*init)(void **state, const struct backend_config *cfg, const struct pair_table *pt,
                char *err, size_t errlen);

    /* Releases everything, including any worker still running: must never
     * block on a worker that died. Also called on a partly built state. */
    void (*destroy)(void *state);

    /* Optional (NULL = none): the per-merge copy of the live pairs into the
     * backend's own layout (the article's list(pair_counts.items())).
     * Timed as copy_s. */
    int (*copy)(void *state, const struct pair_table *pt, char *err, size_t errlen);

    /* Finds the best live pair under the tie-break rule of vocab.h. Timed as
     * max_s. Returns 0, or -1 with a one-line reason naming the worker and
     * the cause when a worker failed. */
    int (*select)(void *state, const struct pair_table *pt, struct select_result *out,
                  char *err, size_t errlen);

    /* Optional (NULL = not interested): after each update, once per pair
     * whose count changed, with the pair's stable id. old_count == 0 means
     * the pair is new to the live set; new_count == 0 means it left it. */
    void (*count_changed)(void *state, const struct pair_table *pt, uint32_t pair_id,
                          int64_t old_count, int64_t new_count);

    /* Optional: fills what it knows of the report. */
    void (*report)(void *state, struct backend_report *out);

    /* Optional: verifies the backend's own invariants against the pair
     * table (the merge loop's check_each_step); 0 when they hold. */
    int (*check)(void *state, const struct pair_table *pt);
};

#endif

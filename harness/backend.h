/* backend.h: the contract of a merge-step backend, and the registry.
 *
 * The merge loop (merge.c) owns the words, the pair table and the update
 * step. Each merge it asks the backend for the best live pair, and after the
 * update it reports every pair whose count changed. A backend is one file in
 * variants/ that fills one `struct merge_backend`; the driver only ever sees
 * this struct, found by name in the registry. */
#ifndef BACKEND_H
#define BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "pairs.h"

enum pin_policy { PIN_NONE, PIN_COMPACT, PIN_SCATTER };

/* How a process backend lays out its per-merge copy (--layout), see
 * scanproto.h. */
enum pair_layout { LAYOUT_FLAT, LAYOUT_OBJECTS };

/* What the driver tells a backend when it starts. */
struct backend_config {
    unsigned workers;     /* --workers: threads or processes for select */
    enum pin_policy pin;  /* --pin */
    const char *self_exe; /* path of the running executable (for spawn) */
    int check_each_step;  /* tests: call the backend's check after each merge */
    enum pair_layout layout; /* --layout: process backends' copy of the pairs */
    int touch;            /* --touch: workers write to every entry they visit */
    int shuffle_chunks;   /* --shuffle-chunks: pool hands chunks to workers in a
                             new random order every merge */
};

/* What select reports besides the chosen pair. */
struct select_result {
    uint32_t pair_id;     /* stable id of the best live pair, PAIR_NONE if none */
    double compute_s;     /* longest time any worker spent scanning, measured
                             inside the worker; the rest of max_s is overhead */
};

/* What a backend reports once, at the end of the merge loop. */
struct backend_report {
    char worker_pus[256];  /* "L#:P#" per worker (pinning.h), "" if none */
    int64_t worker_minflt; /* faults the workers took during their scans */
    int64_t worker_majflt;
    uint64_t heap_stale;   /* lazy heap: stale entries popped and re-pushed */
};

struct merge_backend {
    const char *name;        /* --backend NAME */
    const char *description; /* one line for --list-backends */
    int honours_layout;      /* 1: its workers scan a copy laid out per --layout,
                                with --touch (the process backends) */

    /* Called once the initial pair table exists. Returns 0, or -1 with a
     * one-line reason in err. *state is the backend's own. */
    int (*init)(void **state, const struct backend_config *cfg, const struct pair_table *pt,
                char *err, size_t errlen);

    /* Releases everything, including any worker still running: must never
     * block on a worker that died. Called after a failed select too. */
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

    /* Optional: fills what it knows of the report (zeroed by the caller). */
    void (*report)(void *state, struct backend_report *out);

    /* Optional: verifies the backend's own invariants against the pair
     * table (tests call it after every step); 0 when they hold. */
    int (*check)(void *state, const struct pair_table *pt);
};

/* The registry: every backend, in the order --list-backends prints them;
 * entry 0 is the default. */
extern const struct merge_backend *const backend_registry[];
extern const size_t backend_registry_len;

const struct merge_backend *backend_find(const char *name);

#endif

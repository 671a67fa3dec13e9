/* train.h: one training, from the input to the learned merges and the
 * run's measurements. What bpetrain runs and the Python module calls. */
#ifndef TRAIN_H
#define TRAIN_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "backend.h"
#include "merge.h"
#include "pretok.h"
#include "progress.h"
#include "runrow.h"
#include "specials.h"
#include "vocab.h"

struct train_request;
/* Counting done otherwise than by count_words_cfg in this process (bpetrain-mpi
 * counts over its ranks): counts rq->input into wc, sets rec->input_bytes,
 * rec->count and what else it knows; returns 0, or -1 with a reason. */
struct train_counter {
    int (*count)(void *ctx, const struct train_request *rq, struct word_counts *wc,
                 struct run_record *rec, char *err, size_t errlen);
    void *ctx;
};

struct train_request {
    const char *input;
    uint64_t vocab_size;
    const struct specials *specials;
    const struct merge_backend *backend;
    const char *backend_opts;   /* canonical (bopts_canonical) */
    const char *worker_exe;     /* NULL: bpescan beside the executable (backend.h) */
    unsigned workers, count_workers;
    enum pin_policy pin;
    int count_only;             /* stop after counting */
    int pretok_only;            /* pre-tokenize only, no table (count_only is set too) */
    enum pretok_kind pretok;
    const char *save_counts, *load_counts;
    const atomic_int *cancel;   /* optional: set it to stop the count at its next
                                   piece, or the merges before the next merge */
    const struct update_strategy *update; /* NULL: the serial update */
    struct update_config update_config;
    const struct train_counter *counter; /* NULL: count in this process */
    struct progress *progress;  /* optional: the live line on a terminal */
};

struct train_result {
    struct vocab vocab;         /* the specials, the 256 bytes, the merged tokens */
    struct merge_result merges;
    struct run_record rec;      /* everything the CSV row says */
    double t_start;             /* when the run began (now_s) */
};

/* Whether vocab_size leaves room for a merge; if not -1, with a one-line
 * reason naming the parameter as `name` (e.g. "--vocab-size"). */
int train_check_vocab_size(const char *name, uint64_t vocab_size, size_t n_specials, char *err,
                           size_t errlen);

/* Counts (or loads counts), then merges. Returns 0 with out filled, or -1
 * with a one-line reason; out is to be released with train_result_free
 * either way. A notice goes to stderr when no pair is left early. */
int train_run(const struct train_request *rq, struct train_result *out, char *err,
              size_t errlen);
void train_result_free(struct train_result *r);

/* train_run's two phases, for a front end that acts between them
 * (bpetrain-mpi tells its ranks whether counting worked):
 * train_count starts out and counts (or loads) into wc, then train_merge
 * merges wc unless count_only, completes the record and releases wc. Each
 * returns 0, or -1 with a one-line reason; out is released with
 * train_result_free either way, and so is wc after train_count failed. */
int train_count(const struct train_request *rq, struct train_result *out,
                struct word_counts *wc, char *err, size_t errlen);
int train_merge(const struct train_request *rq, struct train_result *out,
                struct word_counts *wc, char *err, size_t errlen);

#endif

/* merge.h: the merge phase, the article's bpe_v3: unique words with their
 * frequency and current tokens, in shards with an inverted index (pair ->
 * words; shard.h), the pair table, and an update that touches only the
 * words containing the chosen pair. Selection is delegated to a backend
 * (backend.h), the update of the shards to an update strategy (update.h). */
#ifndef MERGE_H
#define MERGE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "backend.h"
#include "count.h"
#include "shard.h"
#include "update.h"
#include "vocab.h"

struct merge_stats {
    double copy_s, max_s, compute_s, update_s, merge_s, init_s;
    uint64_t merges;
    uint64_t initial_pairs;
    int stopped_early; /* no pair was left before the vocabulary was full */
    uint64_t live_pairs_sum; /* live pairs at each select, summed (cost model) */
    struct update_counters upd;
    double upd_round_s;   /* inside the strategy's run: the shards' merges */
    double upd_compute_s; /* the shards' merges on the critical path (update.h) */
    double upd_combine_s; /* adding the shards' deltas into the pair table */
    double upd_notify_s;  /* the live array and the backend's count_changed */
    uint64_t upd_rounds;  /* merges that woke the update threads */
    double upd_cpu_s;     /* CPU time of the update, on every thread: on a
                             loaded machine the steadier yardstick */
    struct buf upd_pus;   /* the update threads' PUs, as worker_pus */
    struct backend_report backend; /* released by merge_stats_free */
};

struct merge_result {
    uint32_t *pairs;   /* 2 * merges token ids: merge i is (pairs[2i], pairs[2i+1]) */
    uint64_t merges;
    uint64_t hash;     /* FNV-1a over each merge's (len, bytes) of both tokens */
};

/* What the merge loop is asked to do. */
struct merge_params {
    uint64_t vocab_size;              /* stop when the vocabulary holds this many */
    const struct merge_backend *backend;
    struct backend_config config;     /* options already canonical (bopts.h) */
    const struct update_strategy *update; /* NULL: update_serial */
    struct update_config update_config;   /* workers 0 means 1 */
    unsigned init_threads;            /* threads laying out the words and counting the
                                         initial pairs before the first merge; 0 means 1 */
    int check_each_step;              /* tests: run the backend's check after every merge */
    const atomic_int *cancel;         /* optional: once set (by another thread), the loop
                                         stops before the next merge with "interrupted" */
    void (*on_merge)(void *ctx, uint64_t done); /* optional: after each merge (progress) */
    void *on_merge_ctx;
};

/* Learns merges until the vocabulary holds vocab_size tokens or no pair is
 * left. v must hold the specials and the 256 bytes; merged tokens are
 * appended to it. Returns 0, or -1 with a reason: a backend's own reason is
 * prefixed "backend NAME: " here, and nowhere else. */
int merge_train(const struct word_counts *wc, struct vocab *v, const struct merge_params *p,
                struct merge_result *res, struct merge_stats *st, char *err, size_t errlen);
void merge_result_free(struct merge_result *r);
void merge_stats_free(struct merge_stats *st);

#endif

/* merge.h: the merge phase, the article's bpe_v3: unique words with their
 * frequency and current tokens, the pair table with an inverted index
 * (pair -> words), and an update that touches only the words containing
 * the chosen pair. Selection is delegated to a backend. */
#ifndef MERGE_H
#define MERGE_H

#include <stddef.h>
#include <stdint.h>

#include "backend.h"
#include "count.h"
#include "vocab.h"

/* The update step's work, summed over the run (per merge: divide by
 * merges). Every update strategy counts the same things, so these are the
 * yardstick the strategies are compared by. */
struct update_counters {
    uint64_t index_reads;   /* inverted-index entries read (pair -> word) */
    uint64_t index_stale;   /* of them: the word no longer held the pair */
    uint64_t words_visited; /* words whose tokens were scanned */
    uint64_t pair_changes;  /* elementary pair-count changes, one per +f or -f */
    uint64_t net_changes;   /* pairs whose count changed in a merge: what the
                               backend hears (count_changed calls) */
};

struct merge_stats {
    double copy_s, max_s, compute_s, update_s, merge_s, init_s;
    uint64_t merges;
    uint64_t initial_pairs;
    int stopped_early; /* no pair was left before the vocabulary was full */
    uint64_t live_pairs_sum; /* live pairs at each select, summed (cost model) */
    struct update_counters upd;
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
    int check_each_step;              /* tests: run the backend's check after every merge */
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

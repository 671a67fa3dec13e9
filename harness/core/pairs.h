/* pairs.h: the pair table of the merge phase (the article's pair_counts).
 *
 * Every pair ever seen gets a stable id (its record never moves in meaning:
 * backends may keep ids). The live pairs, those with a count > 0, are also
 * kept dense in `live`, so a scan touches only live entries, 16 bytes each,
 * and a process backend can hand out contiguous chunks of it. */
#ifndef PAIRS_H
#define PAIRS_H

#include <stddef.h>
#include <stdint.h>

#include "vocab.h"

#define PAIR_NONE UINT32_MAX

/* One live pair as scanned by the backends. */
struct live_pair {
    int64_t count; /* 64-bit: counts pass 2^32 on large corpora */
    uint32_t a, b; /* token ids */
};

/* 24 bytes: a table of millions of them is memory the merge phase touches
 * for the first time, and on a VM a first touch is dear (zeroing those
 * pages took a fifth of a training's samples on mail at vocab 30000). */
struct pair_rec {
    uint32_t a, b;
    int64_t count;
    uint32_t live_pos;  /* index in live[], or PAIR_NONE when count == 0 */
    uint32_t touched;   /* 1 while the step's list of touched pairs holds it
                           (merge.c), else 0 */
};

struct pair_table {
    struct pair_rec *rec;
    uint32_t n_rec, cap_rec;
    struct live_pair *live;
    uint32_t *live_id;  /* live_id[i]: stable id of live[i] */
    uint32_t n_live, cap_live;
    /* 1 (pairs_init's default): live[] and live_id[] are kept. 0: only
     * n_live is, a live record's live_pos being 0; for a backend that reads
     * records alone, which then spares every count change a likely cache
     * miss on live[] (and a swap-remove two more). */
    int keep_live;
    const struct vocab *vocab;
};

void pairs_init(struct pair_table *t, const struct vocab *v);
void pairs_free(struct pair_table *t);
/* A record with count 0 for (a, b), which has none yet: its new id. The
 * table keeps no map from (a, b) to id; the merge loop's is pairindex.h. */
uint32_t pairs_add(struct pair_table *t, uint32_t a, uint32_t b);
/* Asks for id's record. */
static inline void pairs_prefetch_rec(const struct pair_table *t, uint32_t id)
{
    __builtin_prefetch(&t->rec[id], 1);
}
/* Moves a record into or out of the live array after its count changed
 * (with keep_live 0: into or out of the live count). */
void pairs_sync_live(struct pair_table *t, uint32_t id);

/* Does live entry x beat live entry y under the tie-break rule? */
static inline int live_pair_beats(const struct vocab *v, const struct live_pair *x,
                                  const struct live_pair *y)
{
    if (x->count != y->count)
        return x->count > y->count;
    return pair_rank_cmp(v, x->count, x->a, x->b, y->count, y->a, y->b) > 0;
}

/* Index of the best entry of live[begin, end), or `end` when empty. The one
 * scan that serial, the thread backends and the process workers share. */
size_t live_scan_best(const struct vocab *v, const struct live_pair *live, size_t begin,
                      size_t end);
/* The highest count of any record (0 when no pair is live). */
int64_t pairs_max_count(const struct pair_table *t);

#endif

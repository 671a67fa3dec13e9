/* pairindex.h: the merge loop's map from a pair of tokens to its stable id
 * (pairs.h), without one hash over every pair.
 *
 * Every adjacency a merge creates holds the merge's new token, and the new
 * token is newer than every other. So a pair first appears in the step that
 * makes the newer of its two tokens, and in no later step: the pairs of
 * token z (those whose newer token is z) are all known when step z ends,
 * and never change after. They are kept as one small hash table per token,
 * written once then and only read after; pairs of two initial tokens (the
 * bytes) are a dense 256 x 256 table. The gains:
 * - a new pair (one holding the step's new token) needs no look-up at all:
 *   it cannot exist yet, so it gets a record and goes into its group at the
 *   end of the step, next to the step's other new pairs, not into a random
 *   slot of a table of millions;
 * - a step's old pairs are (L, a) and (b, R) of the chosen (a, b): every
 *   one whose neighbour is older than a (or b) is in a's (or b's) group,
 *   the same few cache lines all step long;
 * - nothing is ever rehashed. */
#ifndef PAIRINDEX_H
#define PAIRINDEX_H

#include <stddef.h>
#include <stdint.h>

#include "pairs.h"
#include "vocab.h"

/* A group's entry: a pair's key within its group and its id. */
struct pair_index_entry {
    uint32_t key;      /* pair_index_key; PAIR_NONE = empty */
    uint32_t id;
};

/* Token z's group: entries [off, off + mask] of the arena. */
struct pair_index_group {
    uint32_t mask;
    uint64_t off;
};

struct pair_index {
    uint32_t n_initial;      /* tokens below this are the initial ones */
    uint16_t *byte_of;       /* initial token -> its byte; 0xffff: special */
    uint32_t byte_id[256];   /* byte -> its initial token */
    uint32_t *initial;       /* (byte x, byte y) -> id, or PAIR_NONE */
    struct pair_index_group *group; /* by token - n_initial */
    uint32_t n_group;
    struct pair_index_entry *e;     /* the groups' entries, back to back */
    uint64_t n_e, cap_e;
};

void pair_index_init(struct pair_index *x, const struct vocab *v);
void pair_index_free(struct pair_index *x);

/* Where the pair of two initial tokens a and b is in a 256 x 256 table by
 * their bytes (byte_of: pair_index.byte_of). */
static inline uint32_t pair_index_bytes(const uint16_t *byte_of, uint32_t a, uint32_t b)
{
    return (uint32_t)byte_of[a] << 8 | byte_of[b];
}

/* The group of (a, b) is its newer token; within it the older one and
 * which side it is on name the pair. */
static inline uint32_t pair_index_group_of(uint32_t a, uint32_t b)
{
    return a > b ? a : b;
}

static inline uint32_t pair_index_key(uint32_t a, uint32_t b)
{
    return a >= b ? b << 1 | 1u : a << 1;
}

static inline uint64_t pair_index_slot(const struct pair_index *x, uint32_t a, uint32_t b)
{
    const struct pair_index_group *g = &x->group[pair_index_group_of(a, b) - x->n_initial];
    /* Fibonacci hashing: the keys of a group are mostly small numbers. */
    return g->off + ((uint64_t)pair_index_key(a, b) * 0x9E3779B97F4A7C15ULL >> 32 & g->mask);
}

/* The id of (a, b), or PAIR_NONE if no step has made it. */
static inline uint32_t pair_index_find(const struct pair_index *x, uint32_t a, uint32_t b)
{
    if (a < x->n_initial && b < x->n_initial)
        return x->initial[pair_index_bytes(x->byte_of, a, b)];
    const struct pair_index_group *g = &x->group[pair_index_group_of(a, b) - x->n_initial];
    uint32_t key = pair_index_key(a, b);
    for (uint64_t s = pair_index_slot(x, a, b);; s = g->off + ((s - g->off + 1) & g->mask)) {
        if (x->e[s].key == key)
            return x->e[s].id;
        if (x->e[s].key == PAIR_NONE)
            return PAIR_NONE;
    }
}

/* Asks for the cache line pair_index_find will read first. */
static inline void pair_index_prefetch(const struct pair_index *x, uint32_t a, uint32_t b)
{
    if (a < x->n_initial && b < x->n_initial)
        __builtin_prefetch(&x->initial[pair_index_bytes(x->byte_of, a, b)]);
    else
        __builtin_prefetch(&x->e[pair_index_slot(x, a, b)]);
}

/* Before the first merge: the id of (a, b), two initial tokens, given a
 * record in pt if it has none. */
uint32_t pair_index_initial(struct pair_index *x, struct pair_table *pt, uint32_t a, uint32_t b);

/* At the end of the step that made token z: its group, of the n pairs
 * ids[0..n) (each holding z), which the index did not know before. */
void pair_index_add_group(struct pair_index *x, const struct pair_table *pt, uint32_t z,
                          const uint32_t *ids, size_t n);

#endif

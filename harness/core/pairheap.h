/* pairheap.h: a 4-ary max-heap of pairs, ordered by the tie-break rule
 * (count, then token-1 bytes, then token-2 bytes). Each entry carries its
 * own count, so the heap stays consistent while the pair table changes
 * around it. With `indexed` set it also keeps a position index (pair id ->
 * slot) for O(log n) update and removal; without it, it is the plain heap
 * of the lazy design. The one heap both heap backends use. */
#ifndef PAIRHEAP_H
#define PAIRHEAP_H

#include <stddef.h>
#include <stdint.h>

#include "pairs.h"

struct heap_entry {
    int64_t count;
    uint32_t id;
};

struct pair_heap {
    struct heap_entry *e;
    size_t n, cap;
    uint32_t *pos;       /* indexed only: slot + 1 of each pair id, 0 if absent
                            (so the zeros a growing array gains need no fill) */
    size_t pos_cap;
    int indexed;
    const struct pair_table *pt; /* token ids of each pair, and the vocab */
};

void pair_heap_init(struct pair_heap *h, const struct pair_table *pt, int indexed);
void pair_heap_free(struct pair_heap *h);
/* Adds (count, id); indexed heaps must not already hold id. */
void pair_heap_push(struct pair_heap *h, int64_t count, uint32_t id);
/* Builds the heap, in O(n), from every live pair whose count is at least
 * min_count, read from the records (the heap must hold no entry: empty or
 * new). */
void pair_heap_build(struct pair_heap *h, int64_t min_count);
/* Removes and returns the top; the heap must not be empty. */
struct heap_entry pair_heap_pop(struct pair_heap *h);
/* Indexed heaps: set id's count (inserting, moving, or removing at 0). */
void pair_heap_set(struct pair_heap *h, uint32_t id, int64_t count);
/* Verifies the heap property and, if indexed, the position index.
 * Returns 0, or -1 at the first violation. For tests. */
int pair_heap_check(const struct pair_heap *h);

static inline const struct heap_entry *pair_heap_top(const struct pair_heap *h)
{
    return h->n ? &h->e[0] : NULL;
}

#endif

/* pairheap.c: a 4-ary max-heap of pairs (see pairheap.h). Four children
 * per node halve the depth of a binary heap; sift-down compares more per
 * level but the counts, compared first, usually decide at once. */
#include "pairheap.h"

#include "util.h"

#include <stdlib.h>
#include <string.h>

#define ARITY 4

static inline int above(const struct pair_heap *h, const struct heap_entry *x,
                        const struct heap_entry *y)
{
    if (x->count != y->count)
        return x->count > y->count;
    const struct pair_rec *rx = &h->pt->rec[x->id], *ry = &h->pt->rec[y->id];
    return pair_rank_cmp(h->pt->vocab, x->count, rx->a, rx->b, y->count, ry->a, ry->b) > 0;
}

static inline void place(struct pair_heap *h, size_t slot, struct heap_entry e)
{
    h->e[slot] = e;
    if (h->indexed)
        h->pos[e.id] = (uint32_t)slot + 1;
}

static void sift_up(struct pair_heap *h, size_t slot)
{
    struct heap_entry e = h->e[slot];
    while (slot > 0) {
        size_t parent = (slot - 1) / ARITY;
        if (!above(h, &e, &h->e[parent]))
            break;
        place(h, slot, h->e[parent]);
        slot = parent;
    }
    place(h, slot, e);
}

static void sift_down(struct pair_heap *h, size_t slot)
{
    struct heap_entry e = h->e[slot];
    for (;;) {
        size_t first = slot * ARITY + 1;
        if (first >= h->n)
            break;
        size_t last = first + ARITY < h->n ? first + ARITY : h->n, best = first;
        for (size_t c = first + 1; c < last; c++)
            if (above(h, &h->e[c], &h->e[best]))
                best = c;
        if (!above(h, &h->e[best], &e))
            break;
        place(h, slot, h->e[best]);
        slot = best;
    }
    place(h, slot, e);
}

void pair_heap_init(struct pair_heap *h, const struct pair_table *pt, int indexed)
{
    memset(h, 0, sizeof *h);
    h->pt = pt;
    h->indexed = indexed;
}

void pair_heap_free(struct pair_heap *h)
{
    xfree_huge(h->e);
    xfree_huge(h->pos);
    memset(h, 0, sizeof *h);
}

static void ensure_pos(struct pair_heap *h, uint32_t id)
{
    if (id < h->pos_cap)
        return;
    size_t cap = h->pos_cap ? h->pos_cap : 1024;
    while (cap <= id)
        cap *= 2;
    h->pos = xrealloc_huge(h->pos, cap * sizeof *h->pos); /* zeros: not in the heap */
    h->pos_cap = cap;
}

static void append(struct pair_heap *h, int64_t count, uint32_t id)
{
    if (h->n == h->cap) {
        h->cap = h->cap ? h->cap * 2 : 1024;
        h->e = xrealloc_huge(h->e, h->cap * sizeof *h->e);
    }
    if (h->indexed)
        ensure_pos(h, id);
    place(h, h->n++, (struct heap_entry){count, id});
}

void pair_heap_push(struct pair_heap *h, int64_t count, uint32_t id)
{
    append(h, count, id);
    sift_up(h, h->n - 1);
}

void pair_heap_build(struct pair_heap *h, int64_t min_count)
{
    h->n = 0;
    /* From the records, not the live array: the heap backend has the
     * merge loop keep none (pairs.h, keep_live). */
    const struct pair_table *pt = h->pt;
    for (uint32_t i = 0; i < pt->n_rec; i++)
        if (pt->rec[i].count >= min_count && pt->rec[i].count > 0)
            append(h, pt->rec[i].count, i);
    for (size_t s = h->n / ARITY + 1; s-- > 0;)
        if (s < h->n)
            sift_down(h, s);
}

static void remove_at(struct pair_heap *h, size_t slot)
{
    if (h->indexed)
        h->pos[h->e[slot].id] = 0;
    struct heap_entry last = h->e[--h->n];
    if (slot == h->n)
        return;
    place(h, slot, last);
    /* The moved entry may belong above or below its new slot. */
    sift_up(h, slot);
    sift_down(h, h->indexed ? h->pos[last.id] - 1 : slot);
}

struct heap_entry pair_heap_pop(struct pair_heap *h)
{
    struct heap_entry top = h->e[0];
    remove_at(h, 0);
    return top;
}

void pair_heap_set(struct pair_heap *h, uint32_t id, int64_t count)
{
    ensure_pos(h, id);
    uint32_t slot = h->pos[id] - 1; /* PAIR_NONE when not in the heap */
    if (slot == PAIR_NONE) {
        if (count > 0)
            pair_heap_push(h, count, id);
        return;
    }
    if (count <= 0) {
        remove_at(h, slot);
        return;
    }
    int64_t old = h->e[slot].count;
    h->e[slot].count = count;
    if (count > old)
        sift_up(h, slot);
    else
        sift_down(h, slot);
}

int pair_heap_check(const struct pair_heap *h)
{
    for (size_t s = 1; s < h->n; s++)
        if (above(h, &h->e[s], &h->e[(s - 1) / ARITY]))
            return -1;
    if (!h->indexed)
        return 0;
    size_t in_index = 0;
    for (size_t id = 0; id < h->pos_cap; id++) {
        if (!h->pos[id])
            continue;
        in_index++;
        if (h->pos[id] > h->n || h->e[h->pos[id] - 1].id != id)
            return -1;
    }
    return in_index == h->n ? 0 : -1;
}

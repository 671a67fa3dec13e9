/* pairs.c: the pair table: stable records, a hash from (a, b) to id, and
 * the dense array of live pairs. */
#include "pairs.h"

#include "util.h"

#include <stdlib.h>
#include <string.h>

static inline uint64_t pair_key_of(uint32_t a, uint32_t b)
{
    return (uint64_t)a << 32 | b;
}

static inline size_t pair_slot_of(uint64_t key, size_t mask)
{
    /* Fibonacci hashing spreads the mostly-small token ids over the table.
     * Bits 32 and up of the product: below bit 32 the product depends on b
     * alone, so the pairs (x, b) of one b crowded into a few slots. */
    return (size_t)((key * 0x9E3779B97F4A7C15ULL) >> 32) & mask;
}

/* A second hash, independent of the slot's, never 0. */
static inline uint32_t pair_tag_of(uint64_t key)
{
    return (uint32_t)((key * 0xC2B2AE3D27D4EB4FULL) >> 32) | 1u;
}

/* From slot s on, the first slot that is empty or holds tag: where a probe
 * next compares a record, or ends. */
static inline size_t pair_probe(const struct pair_table *t, size_t s, uint32_t tag)
{
    size_t mask = t->n_slots - 1;
    while (t->slots[s].tag && t->slots[s].tag != tag)
        s = (s + 1) & mask;
    return s;
}

void pairs_init(struct pair_table *t, const struct vocab *v)
{
    memset(t, 0, sizeof *t);
    t->vocab = v;
    t->n_slots = 1 << 16;
    t->slots = xcalloc(t->n_slots, sizeof *t->slots);
}

void pairs_free(struct pair_table *t)
{
    free(t->rec);
    free(t->slots);
    free(t->live);
    free(t->live_id);
    memset(t, 0, sizeof *t);
}

/* Puts id into the first free slot from its pair's. */
static void place(struct pair_slot *slots, size_t mask, uint64_t key, uint32_t id)
{
    size_t s = pair_slot_of(key, mask);
    while (slots[s].tag)
        s = (s + 1) & mask;
    slots[s] = (struct pair_slot){pair_tag_of(key), id};
}

/* Doubles the table. The slots hold no keys, so the records are walked
 * instead, in id order: reading them in sequence, not at random. */
static void rehash(struct pair_table *t)
{
    size_t n = t->n_slots * 2, mask = n - 1;
    struct pair_slot *slots = xcalloc_huge(n * sizeof *slots);
    for (uint32_t id = 0; id < t->n_rec; id++)
        place(slots, mask, pair_key_of(t->rec[id].a, t->rec[id].b), id);
    free(t->slots);
    t->slots = slots;
    t->n_slots = n;
}

uint32_t pairs_add(struct pair_table *t, uint32_t a, uint32_t b)
{
    if (t->n_rec == t->cap_rec) {
        t->cap_rec = t->cap_rec ? t->cap_rec * 2 : 4096;
        t->rec = xrealloc_huge(t->rec, t->cap_rec * sizeof *t->rec);
    }
    uint32_t id = t->n_rec++;
    struct pair_rec *r = &t->rec[id];
    memset(r, 0, sizeof *r);
    r->a = a;
    r->b = b;
    r->live_pos = PAIR_NONE;
    r->stamp = UINT32_MAX;
    return id;
}

uint32_t pairs_intern(struct pair_table *t, uint32_t a, uint32_t b)
{
    uint64_t k = pair_key_of(a, b);
    uint32_t tag = pair_tag_of(k);
    size_t mask = t->n_slots - 1, s = pair_probe(t, pair_slot_of(k, mask), tag);
    for (; t->slots[s].tag; s = pair_probe(t, (s + 1) & mask, tag)) {
        uint32_t id = t->slots[s].id;
        if (t->rec[id].a == a && t->rec[id].b == b)
            return id;
    }
    uint32_t id = pairs_add(t, a, b);
    t->slots[s] = (struct pair_slot){tag, id};
    /* A load factor of at most 2/3: with the tags, a probe past a slot
     * of another pair stays within the cache line. */
    if ((size_t)t->n_rec * 3 > t->n_slots * 2)
        rehash(t);
    return id;
}

void pairs_sync_live(struct pair_table *t, uint32_t id)
{
    struct pair_rec *r = &t->rec[id];
    if (r->count > 0) {
        if (r->live_pos == PAIR_NONE) {
            if (t->n_live == t->cap_live) {
                t->cap_live = t->cap_live ? t->cap_live * 2 : 4096;
                t->live = xrealloc_huge(t->live, t->cap_live * sizeof *t->live);
                t->live_id = xrealloc_huge(t->live_id, t->cap_live * sizeof *t->live_id);
            }
            r->live_pos = t->n_live++;
            t->live[r->live_pos].a = r->a;
            t->live[r->live_pos].b = r->b;
            t->live_id[r->live_pos] = id;
        }
        t->live[r->live_pos].count = r->count;
    } else if (r->live_pos != PAIR_NONE) {
        /* Swap-remove keeps the live array dense. */
        uint32_t pos = r->live_pos, last = --t->n_live;
        if (pos != last) {
            t->live[pos] = t->live[last];
            t->live_id[pos] = t->live_id[last];
            t->rec[t->live_id[pos]].live_pos = pos;
        }
        r->live_pos = PAIR_NONE;
    }
}

size_t live_scan_best(const struct vocab *v, const struct live_pair *live, size_t begin,
                      size_t end)
{
    if (begin >= end)
        return end;
    size_t best = begin;
    int64_t best_count = live[begin].count;
    for (size_t i = begin + 1; i < end; i++) {
        /* The count test alone decides almost every step; bytes are
         * compared only on a tie. */
        if (live[i].count < best_count)
            continue;
        if (live[i].count > best_count || live_pair_beats(v, &live[i], &live[best])) {
            best = i;
            best_count = live[i].count;
        }
    }
    return best;
}

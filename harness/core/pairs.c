/* pairs.c: the pair table: stable records and the dense array of live
 * pairs. */
#include "pairs.h"

#include "util.h"

#include <stdlib.h>
#include <string.h>

void pairs_init(struct pair_table *t, const struct vocab *v)
{
    memset(t, 0, sizeof *t);
    t->keep_live = 1;
    t->vocab = v;
}

void pairs_free(struct pair_table *t)
{
    xfree_huge(t->rec);
    xfree_huge(t->live);
    xfree_huge(t->live_id);
    memset(t, 0, sizeof *t);
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
    return id;
}

/* keep_live 0: whether the record is live is all there is to keep. */
static void count_live(struct pair_table *t, struct pair_rec *r)
{
    int live = r->count > 0, was = r->live_pos != PAIR_NONE;
    if (live != was) {
        r->live_pos = live ? 0 : PAIR_NONE;
        t->n_live = live ? t->n_live + 1 : t->n_live - 1;
    }
}

void pairs_sync_live(struct pair_table *t, uint32_t id)
{
    struct pair_rec *r = &t->rec[id];
    if (!t->keep_live) {
        count_live(t, r);
        return;
    }
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

int64_t pairs_max_count(const struct pair_table *t)
{
    int64_t best = 0;
    for (uint32_t i = 0; i < t->n_rec; i++)
        if (t->rec[i].count > best)
            best = t->rec[i].count;
    return best;
}

/* heap.c: backend `heap`, the algorithmic fix: an indexed 4-ary max-heap
 * over the live pairs with a position index. Every count change the update
 * reports is an increase- or decrease-key in O(log n), a pair whose count
 * drops to 0 is removed, and select is a peek: no scan, no copy. */
#include "backend.h"
#include "pairheap.h"
#include "util.h"

#include <stdlib.h>

static int heap_init(void **state, const struct backend_config *cfg,
                     const struct pair_table *pt, char *err, size_t errlen)
{
    (void)cfg, (void)err, (void)errlen;
    struct pair_heap *h = xmalloc(sizeof *h);
    *state = h;
    pair_heap_init(h, pt, 1);
    pair_heap_build(h);
    return 0;
}

static void heap_destroy(void *state)
{
    pair_heap_free(state);
    free(state);
}

static int heap_select(void *state, const struct pair_table *pt, struct select_result *out,
                       char *err, size_t errlen)
{
    (void)pt, (void)err, (void)errlen;
    double t0 = now_s();
    const struct heap_entry *top = pair_heap_top(state);
    out->pair_id = top ? top->id : PAIR_NONE;
    out->compute_s = now_s() - t0;
    return 0;
}

static void heap_count_changed(void *state, const struct pair_table *pt, uint32_t id,
                               int64_t old_count, int64_t new_count)
{
    (void)pt, (void)old_count;
    pair_heap_set(state, id, new_count);
}

static int heap_check(void *state, const struct pair_table *pt)
{
    const struct pair_heap *h = state;
    if (pair_heap_check(h) < 0 || h->n != pt->n_live)
        return -1;
    for (size_t s = 0; s < h->n; s++)
        if (h->e[s].count != pt->rec[h->e[s].id].count)
            return -1;
    return 0;
}

const struct merge_backend backend_heap = {
    .name = "heap",
    .description = "indexed 4-ary max-heap of the live pairs, updated on every count change; "
                   "select is a peek",
    .kind = BACKEND_SINGLE,
    .article = "",
    .bench = 1,
    .init = heap_init,
    .destroy = heap_destroy,
    .select = heap_select,
    .count_changed = heap_count_changed,
    .check = heap_check,
};

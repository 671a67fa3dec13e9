/* heap.c: backend `heap`, the algorithmic fix: an indexed 4-ary max-heap
 * with a position index, select a peek, no scan, no copy.
 *
 * The heap holds exactly the live pairs whose count is at least a floor.
 * Most count changes of a merge are to rare pairs (a new pair's count
 * starts at the few words that hold it), far below the top: below the
 * floor a change costs one comparison, no heap memory at all. The top of
 * the heap is still the best pair overall, because every pair outside is
 * below the floor and so below the top. Only when the heap runs empty is
 * the floor lowered, to half the best count left, and the heap rebuilt
 * from two scans of the pair records: a few dozen times in a training.
 * It reads nothing but records, so the merge loop keeps no live array for
 * it (records_only): on mail at vocab 30000 that array took a likely cache
 * miss on each of a million count changes. */
#include "backend.h"
#include "pairheap.h"
#include "util.h"

#include <stdlib.h>

struct heap_state {
    struct pair_heap h; /* exactly the live pairs with count >= floor */
    int64_t floor;
    uint64_t refills;   /* times the floor was lowered */
    uint64_t changes;   /* count changes that reached the heap */
};

/* The heap is empty: lowers the floor to half the best live count (all
 * of them are below the old floor) and puts every pair at or above it in. */
static void refill(struct heap_state *s, const struct pair_table *pt)
{
    int64_t best = pairs_max_count(pt);
    if (best == 0)
        return;
    s->floor = best / 2 > 1 ? best / 2 : 1;
    s->refills++;
    pair_heap_build(&s->h, s->floor);
}

static int heap_init(void **state, const struct backend_config *cfg,
                     const struct pair_table *pt, char *err, size_t errlen)
{
    (void)cfg, (void)err, (void)errlen;
    struct heap_state *s = xcalloc(1, sizeof *s);
    *state = s;
    pair_heap_init(&s->h, pt, 1);
    refill(s, pt);
    return 0;
}

static void heap_destroy(void *state)
{
    struct heap_state *s = state;
    pair_heap_free(&s->h);
    free(s);
}

static int heap_select(void *state, const struct pair_table *pt, struct select_result *out,
                       char *err, size_t errlen)
{
    (void)err, (void)errlen;
    struct heap_state *s = state;
    if (!s->h.n)
        refill(s, pt);
    const struct heap_entry *top = pair_heap_top(&s->h);
    out->pair_id = top ? top->id : PAIR_NONE;
    return 0;
}

static void heap_count_changed(void *state, const struct pair_table *pt, uint32_t id,
                               int64_t old_count, int64_t new_count)
{
    (void)pt;
    struct heap_state *s = state;
    /* In the heap exactly when the old count was at or above the floor. */
    if (old_count < s->floor && new_count < s->floor)
        return;
    s->changes++;
    pair_heap_set(&s->h, id, new_count >= s->floor ? new_count : 0);
}

static void heap_report(void *state, struct backend_report *out)
{
    struct heap_state *s = state;
    backend_report_counter(out, "heap_refills", s->refills);
    backend_report_counter(out, "heap_changes", s->changes);
}

static int heap_check(void *state, const struct pair_table *pt)
{
    const struct heap_state *s = state;
    if (pair_heap_check(&s->h) < 0)
        return -1;
    for (size_t i = 0; i < s->h.n; i++)
        if (s->h.e[i].count != pt->rec[s->h.e[i].id].count || s->h.e[i].count < s->floor)
            return -1;
    size_t above = 0;
    for (uint32_t i = 0; i < pt->n_rec; i++)
        above += pt->rec[i].count >= s->floor && pt->rec[i].count > 0;
    return above == s->h.n ? 0 : -1;
}

const struct merge_backend backend_heap = {
    .name = "heap",
    .description = "indexed 4-ary max-heap of the live pairs at or above a floor, updated "
                   "on every count change there; select is a peek",
    .kind = BACKEND_SINGLE,
    .article = "",
    .bench = 1,
    .records_only = 1,
    .init = heap_init,
    .destroy = heap_destroy,
    .select = heap_select,
    .count_changed = heap_count_changed,
    .report = heap_report,
    .check = heap_check,
};

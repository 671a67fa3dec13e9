/* lazyheap.c: backend `lazyheap`, the HuggingFace tokenizers / rustbpe
 * design: push (count, pair) when a pair appears; on pop, compare with the
 * pair's current count and re-push it if stale. It is exact because a
 * pair's count never grows after the merge step that created it (only
 * pairs with the new token gain), so a stale entry always overstates its
 * pair and surfaces before the truth about it is needed. */
#include "backend.h"
#include "pairheap.h"
#include "util.h"

#include <stdlib.h>

struct lazy_state {
    struct pair_heap h;
    uint64_t stale;
};

static int lazy_init(void **state, const struct backend_config *cfg,
                     const struct pair_table *pt, char *err, size_t errlen)
{
    (void)cfg, (void)err, (void)errlen;
    struct lazy_state *s = xcalloc(1, sizeof *s);
    *state = s;
    pair_heap_init(&s->h, pt, 0);
    pair_heap_build(&s->h, 1);
    return 0;
}

static void lazy_destroy(void *state)
{
    struct lazy_state *s = state;
    pair_heap_free(&s->h);
    free(s);
}

static int lazy_select(void *state, const struct pair_table *pt, struct select_result *out,
                       char *err, size_t errlen)
{
    (void)err, (void)errlen;
    struct lazy_state *s = state;
    out->pair_id = PAIR_NONE;
    const struct heap_entry *top;
    while ((top = pair_heap_top(&s->h))) {
        int64_t now = pt->rec[top->id].count;
        if (now == top->count) {
            out->pair_id = top->id;
            break;
        }
        struct heap_entry e = pair_heap_pop(&s->h);
        s->stale++;
        if (now > 0)
            pair_heap_push(&s->h, now, e.id);
    }
    return 0;
}

static void lazy_count_changed(void *state, const struct pair_table *pt, uint32_t id,
                               int64_t old_count, int64_t new_count)
{
    (void)pt;
    struct lazy_state *s = state;
    /* New pairs, and (never in BPE, but the contract allows it) a count
     * that grew: a decrease is left for select to discover. */
    if (new_count > old_count)
        pair_heap_push(&s->h, new_count, id);
}

static void lazy_report(void *state, struct backend_report *out)
{
    struct lazy_state *s = state;
    backend_report_counter(out, "heap_stale", s->stale);
}

static int lazy_check(void *state, const struct pair_table *pt)
{
    struct lazy_state *s = state;
    if (pair_heap_check(&s->h) < 0)
        return -1;
    /* Every live pair has an entry that does not understate it. */
    uint8_t *seen = xcalloc(pt->n_rec ? pt->n_rec : 1, 1);
    for (size_t i = 0; i < s->h.n; i++)
        if (s->h.e[i].count >= pt->rec[s->h.e[i].id].count)
            seen[s->h.e[i].id] = 1;
    int rc = 0;
    for (uint32_t i = 0; i < pt->n_rec && rc == 0; i++)
        if (pt->rec[i].count > 0 && !seen[i])
            rc = -1;
    free(seen);
    return rc;
}

const struct merge_backend backend_lazyheap = {
    .name = "lazyheap",
    .description = "lazy max-heap (HF tokenizers / rustbpe): push on change, re-push stale "
                   "entries on pop",
    .kind = BACKEND_SINGLE,
    .article = "",
    .bench = 1,
    .records_only = 1, /* its heap holds ids; select reads their records */
    .init = lazy_init,
    .destroy = lazy_destroy,
    .select = lazy_select,
    .count_changed = lazy_count_changed,
    .report = lazy_report,
    .check = lazy_check,
};

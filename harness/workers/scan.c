/* scan.c: the shared scan and reduce of the select step (see scan.h). */
#include "scan.h"

#include "util.h"

#include <stdlib.h>
#include <string.h>

static void reply_start(struct scan_reply *r, struct thread_clock *c)
{
    memset(r, 0, sizeof *r);
    r->magic = SCAN_REPLY_MAGIC;
    thread_clock_start(c);
}

static void reply_finish(struct scan_reply *r, const struct thread_clock *c, size_t index,
                         const struct live_pair *best)
{
    r->compute_s = thread_clock_stop(c, &r->minflt, &r->majflt);
    if (!best)
        return;
    r->found = 1;
    r->index = index;
    r->count = best->count;
    r->a = best->a;
    r->b = best->b;
}

void scan_chunk(const struct vocab *v, const struct live_pair *pairs, size_t begin, size_t end,
                struct scan_reply *r)
{
    struct thread_clock c;
    reply_start(r, &c);
    size_t best = live_scan_best(v, pairs, begin, end);
    reply_finish(r, &c, best - begin, best < end ? &pairs[best] : NULL);
}

void scan_set_fill(struct scan_set *s, enum pair_layout layout, const struct live_pair *src,
                   size_t n)
{
    scan_set_free(s);
    s->layout = layout;
    s->n = n;
    if (layout == LAYOUT_FLAT) {
        s->flat = xmalloc((n ? n : 1) * sizeof *s->flat);
        memcpy(s->flat, src, n * sizeof *s->flat);
        return;
    }
    s->objs = xmalloc((n ? n : 1) * sizeof *s->objs);
    for (size_t i = 0; i < n; i++) {
        s->objs[i] = xmalloc(sizeof **s->objs);
        s->objs[i]->refcnt = 1;
        s->objs[i]->p = src[i];
    }
}

void scan_set_free(struct scan_set *s)
{
    if (s->objs)
        for (size_t i = 0; i < s->n; i++)
            free(s->objs[i]);
    free(s->objs);
    free(s->flat);
    memset(s, 0, sizeof *s);
}

/* Entry i, writing to it first when `touch` (see scan_set_chunk). */
static const struct live_pair *visit(const struct scan_set *s, size_t i, int touch)
{
    if (s->layout == LAYOUT_FLAT) {
        /* volatile: the compiler must not drop the store of what it read. */
        volatile int64_t *cnt = (volatile int64_t *)&s->flat[i].count;
        if (touch)
            *cnt = *cnt;
        return &s->flat[i];
    }
    volatile int64_t *rc = &s->objs[i]->refcnt;
    if (touch) {
        *rc = *rc + 1;
        *rc = *rc - 1;
    }
    return &s->objs[i]->p;
}

void scan_set_chunk(const struct vocab *v, const struct scan_set *s, size_t begin, size_t end,
                    int touch, struct scan_reply *r)
{
    if (s->layout == LAYOUT_FLAT && !touch) {
        scan_chunk(v, s->flat, begin, end, r);
        return;
    }
    struct thread_clock c;
    reply_start(r, &c);
    const struct live_pair *best = NULL;
    size_t best_i = 0;
    for (size_t i = begin; i < end; i++) {
        const struct live_pair *p = visit(s, i, touch);
        if (!best || live_pair_beats(v, p, best))
            best = p, best_i = i;
    }
    reply_finish(r, &c, best_i - begin, best);
}

int scan_replies_reduce(const struct vocab *v, const struct scan_reply *r, unsigned w,
                        const uint32_t *ids, size_t n_ids, struct select_result *out,
                        int64_t *minflt, int64_t *majflt)
{
    int best = -1;
    out->pair_id = PAIR_NONE;
    out->compute_s = 0;
    for (unsigned i = 0; i < w; i++) {
        if (r[i].compute_s > out->compute_s)
            out->compute_s = r[i].compute_s;
        *minflt += r[i].minflt;
        *majflt += r[i].majflt;
        if (r[i].found && (best < 0 || pair_rank_cmp(v, r[i].count, r[i].a, r[i].b,
                                                     r[best].count, r[best].a, r[best].b) > 0))
            best = (int)i;
    }
    if (best < 0)
        return 0;
    size_t begin, end;
    chunk_range(n_ids, w, (unsigned)best, &begin, &end);
    if (begin + r[best].index >= end)
        return -1;
    out->pair_id = ids[begin + r[best].index];
    return 0;
}

/* merge.c: the merge loop (see merge.h). */
#include "merge.h"

#include "pairs.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct words {
    uint32_t n;
    uint64_t *freq;
    uint64_t *start;  /* where the word's tokens begin in tok */
    uint32_t *len;    /* current number of tokens; shrinks as pairs merge */
    uint32_t *tok;
    uint32_t *seen;   /* merge step that last visited the word */
};

/* What one merge step changes, accumulated before anything is reported:
 * each touched pair is listed once, with its count from before the step,
 * so the backend hears one net change per pair and transient +1/-1 pairs
 * (e.g. (t, a) in "a b a b") never reach it. */
struct step {
    uint32_t stamp;
    uint32_t *touched;
    size_t n_touched, cap_touched;
    struct update_counters *c; /* the run's; NULL while counting the initial pairs */
};

static void add_word_to_pair(struct pair_rec *r, uint32_t w)
{
    /* Appends are in word order within a step, so the last entry is the
     * only possible duplicate of this step. */
    if (r->n_words && r->words[r->n_words - 1] == w)
        return;
    if (r->n_words == r->cap_words) {
        r->cap_words = r->cap_words ? r->cap_words * 2 : 4;
        r->words = xrealloc(r->words, r->cap_words * sizeof *r->words);
    }
    r->words[r->n_words++] = w;
}

static void change(struct pair_table *pt, struct step *s, uint32_t a, uint32_t b,
                   int64_t delta, uint32_t w)
{
    uint32_t id = pairs_intern(pt, a, b);
    struct pair_rec *r = &pt->rec[id];
    if (s->c)
        s->c->pair_changes++;
    if (r->stamp != s->stamp) {
        r->stamp = s->stamp;
        r->old_count = r->count;
        if (s->n_touched == s->cap_touched) {
            s->cap_touched = s->cap_touched ? s->cap_touched * 2 : 1024;
            s->touched = xrealloc(s->touched, s->cap_touched * sizeof *s->touched);
        }
        s->touched[s->n_touched++] = id;
    }
    r->count += delta;
    if (delta > 0)
        add_word_to_pair(r, w);
}

static void words_build(struct words *words, const struct word_counts *wc, const struct vocab *v)
{
    words->n = (uint32_t)wc->n;
    words->freq = xmalloc(wc->n * sizeof *words->freq);
    words->start = xmalloc(wc->n * sizeof *words->start);
    words->len = xmalloc(wc->n * sizeof *words->len);
    words->seen = xmalloc(wc->n * sizeof *words->seen);
    uint64_t total = 0;
    for (size_t i = 0; i < wc->n; i++)
        total += wc->len[i];
    words->tok = xmalloc(total * sizeof *words->tok);
    uint32_t byte_id[256];
    for (int b = 0; b < 256; b++)
        byte_id[b] = vocab_byte_id(v, (unsigned char)b);
    uint64_t pos = 0;
    for (size_t i = 0; i < wc->n; i++) {
        words->freq[i] = wc->freq[i];
        words->start[i] = pos;
        words->len[i] = wc->len[i];
        words->seen[i] = UINT32_MAX;
        const unsigned char *p = wc->bytes + wc->off[i];
        for (uint32_t j = 0; j < wc->len[i]; j++)
            words->tok[pos++] = byte_id[p[j]];
    }
}

static void words_free(struct words *words)
{
    free(words->freq);
    free(words->start);
    free(words->len);
    free(words->tok);
    free(words->seen);
}

/* Replaces every non-overlapping (a, b), left to right, in word w by t,
 * recording the pair-count changes. The pair to the left of an occurrence
 * is read from the output, so after "a b a b" -> "t t" the changes net to
 * (a,b) -2, (b,a) -1, (t,t) +1. Returns the number of occurrences. */
static uint32_t merge_word(struct pair_table *pt, struct step *s, struct words *words, uint32_t w,
                       uint32_t a, uint32_t b, uint32_t t)
{
    uint32_t *x = words->tok + words->start[w];
    uint32_t L = words->len[w], o = 0, i = 0;
    int64_t f = (int64_t)words->freq[w];
    while (i < L) {
        if (i + 1 < L && x[i] == a && x[i + 1] == b) {
            if (o > 0) {
                change(pt, s, x[o - 1], a, -f, w);
                change(pt, s, x[o - 1], t, f, w);
            }
            if (i + 2 < L) {
                change(pt, s, b, x[i + 2], -f, w);
                change(pt, s, t, x[i + 2], f, w);
            }
            change(pt, s, a, b, -f, w);
            x[o++] = t;
            i += 2;
        } else {
            x[o++] = x[i++];
        }
    }
    words->len[w] = o;
    return (L - o);
}

static void hash_merge(uint64_t *h, const struct vocab *v, uint32_t id)
{
    uint32_t len = v->len[id];
    *h = fnv1a64(*h, &len, sizeof len);
    *h = fnv1a64(*h, vocab_ptr(v, id), len);
}

/* Counts every adjacent pair of every word once, before the first merge. */
static void count_initial_pairs(struct pair_table *pt, struct step *s, const struct words *words)
{
    for (uint32_t w = 0; w < words->n; w++) {
        const uint32_t *x = words->tok + words->start[w];
        for (uint32_t j = 0; j + 1 < words->len[w]; j++)
            change(pt, s, x[j], x[j + 1], (int64_t)words->freq[w], w);
    }
    for (size_t k = 0; k < s->n_touched; k++)
        pairs_sync_live(pt, s->touched[k]);
    s->n_touched = 0;
}

/* Appends the token a+b to the vocabulary and records merge m. */
static uint32_t record_merge(struct vocab *v, struct merge_result *res, uint64_t m, uint32_t a,
                             uint32_t b)
{
    /* The parts' bytes are copied first: adding to the vocab may move them. */
    uint32_t la = v->len[a], lb = v->len[b];
    unsigned char *tmp = xmalloc((size_t)la + lb);
    memcpy(tmp, vocab_ptr(v, a), la);
    memcpy(tmp + la, vocab_ptr(v, b), lb);
    uint32_t t = vocab_add(v, tmp, la + lb);
    free(tmp);
    res->pairs[2 * m] = a;
    res->pairs[2 * m + 1] = b;
    res->merges = m + 1;
    hash_merge(&res->hash, v, a);
    hash_merge(&res->hash, v, b);
    return t;
}

/* The update step of merge m: rewrites every word holding the chosen pair
 * and tells the backend each pair whose count changed. */
static int apply_merge(struct pair_table *pt, struct step *s, struct words *words,
                       const struct merge_backend *be, void *state, uint32_t chosen,
                       uint32_t t, uint64_t m, char *err, size_t errlen)
{
    struct pair_rec *r = &pt->rec[chosen];
    uint32_t a = r->a, b = r->b;
    /* The chosen pair's own word list never grows during its merge (new
     * pairs all contain t), but the records array may be reallocated by
     * pairs_intern, so hold the list itself, not the record. */
    uint32_t *list = r->words, n_list = r->n_words;
    r->words = NULL;
    r->n_words = r->cap_words = 0;
    s->stamp = (uint32_t)m + 1;
    s->c->index_reads += n_list;
    for (uint32_t k = 0; k < n_list; k++) {
        uint32_t w = list[k];
        if (words->seen[w] == s->stamp) {
            s->c->index_stale++;
            continue;
        }
        words->seen[w] = s->stamp;
        s->c->words_visited++;
        if (merge_word(pt, s, words, w, a, b, t) == 0)
            s->c->index_stale++;
    }
    free(list);
    /* Every occurrence was merged; anything else is a bug in the inverted
     * index, and the merges after it would be wrong. */
    if (pt->rec[chosen].count != 0)
        return errf(err, errlen, "internal error: pair %u still has count %lld after its merge",
                    chosen, (long long)pt->rec[chosen].count);
    for (size_t k = 0; k < s->n_touched; k++) {
        uint32_t id = s->touched[k];
        struct pair_rec *q = &pt->rec[id];
        if (q->count == q->old_count)
            continue;
        pairs_sync_live(pt, id);
        s->c->net_changes++;
        if (be->count_changed)
            be->count_changed(state, pt, id, q->old_count, q->count);
    }
    s->n_touched = 0;
    return 0;
}

/* A backend's callback failed: "backend NAME: " goes before its reason,
 * here and nowhere else. Returns -1. */
static int backend_failed(const struct merge_backend *be, char *err, size_t errlen)
{
    if (err && errlen) {
        char *reason = xstrdup(err);
        snprintf(err, errlen, "backend %s: %s", be->name, reason);
        free(reason);
    }
    return -1;
}

/* Copy and select of one merge, timed; the chosen pair in *chosen. */
static int select_pair(const struct merge_backend *be, void *state, const struct pair_table *pt,
                       struct merge_stats *st, uint32_t *chosen, char *err, size_t errlen)
{
    st->live_pairs_sum += pt->n_live;
    double t0 = now_s();
    if (be->copy && be->copy(state, pt, err, errlen) < 0)
        return backend_failed(be, err, errlen);
    double t1 = now_s();
    struct select_result sel = {PAIR_NONE, 0};
    if (be->select(state, pt, &sel, err, errlen) < 0)
        return backend_failed(be, err, errlen);
    st->copy_s += t1 - t0;
    st->max_s += now_s() - t1;
    st->compute_s += sel.compute_s;
    *chosen = sel.pair_id;
    return 0;
}

/* The merge loop proper, once the backend has started. */
static int merge_loop(struct pair_table *pt, struct step *s, struct words *words,
                      struct vocab *v, const struct merge_params *p, void *state,
                      uint64_t want, struct merge_result *res, struct merge_stats *st,
                      char *err, size_t errlen)
{
    const struct merge_backend *be = p->backend;
    for (uint64_t m = 0; m < want; m++) {
        uint32_t chosen;
        if (select_pair(be, state, pt, st, &chosen, err, errlen) < 0)
            return -1;
        if (chosen == PAIR_NONE) {
            st->stopped_early = 1;
            return 0;
        }
        double t0 = now_s();
        uint32_t t = record_merge(v, res, m, pt->rec[chosen].a, pt->rec[chosen].b);
        if (apply_merge(pt, s, words, be, state, chosen, t, m, err, errlen) < 0)
            return -1;
        st->update_s += now_s() - t0;
        if (p->check_each_step && be->check && be->check(state, pt) < 0) {
            errf(err, errlen, "internal error: fails its own check after merge %llu",
                 (unsigned long long)m + 1);
            return backend_failed(be, err, errlen);
        }
    }
    return 0;
}

int merge_train(const struct word_counts *wc, struct vocab *v, const struct merge_params *p,
                struct merge_result *res, struct merge_stats *st, char *err, size_t errlen)
{
    memset(res, 0, sizeof *res);
    memset(st, 0, sizeof *st);
    res->hash = FNV64_OFFSET;
    uint64_t want = p->vocab_size > v->n ? p->vocab_size - v->n : 0;
    res->pairs = xmalloc((want ? want : 1) * 2 * sizeof *res->pairs);

    double t_start = now_s();
    struct words words;
    words_build(&words, wc, v);
    struct pair_table pt;
    pairs_init(&pt, v);
    struct step s = {.stamp = 0};
    count_initial_pairs(&pt, &s, &words);
    s.c = &st->upd;
    st->initial_pairs = pt.n_live;

    const struct merge_backend *be = p->backend;
    void *state = NULL;
    int rc = be->init(&state, &p->config, &pt, err, errlen);
    if (rc < 0)
        backend_failed(be, err, errlen);
    st->init_s = now_s() - t_start;
    double t_loop = now_s();
    if (rc == 0)
        rc = merge_loop(&pt, &s, &words, v, p, state, want, res, st, err, errlen);
    st->merges = res->merges;
    st->merge_s = now_s() - t_loop;
    if (rc == 0 && be->report) {
        be->report(state, &st->backend);
        if (st->backend.worker_pus.len)
            buf_cstr(&st->backend.worker_pus);
        if (st->backend.counters.len)
            buf_cstr(&st->backend.counters);
    }
    if (state)
        be->destroy(state);
    free(s.touched);
    pairs_free(&pt);
    words_free(&words);
    if (rc < 0) {
        /* A failed run has no merges to write; the count says how far it got. */
        free(res->pairs);
        res->pairs = NULL;
    }
    return rc;
}

void merge_result_free(struct merge_result *r)
{
    free(r->pairs);
    memset(r, 0, sizeof *r);
}

void merge_stats_free(struct merge_stats *st)
{
    backend_report_free(&st->backend);
}

/* merge.c: the merge loop (see merge.h). */
#include "merge.h"

#include "pairindex.h"
#include "pairs.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What one merge step changes, accumulated before anything is reported:
 * each touched pair is listed once, with its count from before the step,
 * so the backend hears one net change per pair and transient +1/-1 pairs
 * (e.g. (t, a) in "a b a b") never reach it. The old count is kept here,
 * not in the pair's record, whose table of every pair ever seen it would
 * make a third larger. */
struct touched_pair {
    int64_t old_count;
    uint32_t id;
};

struct step {
    struct touched_pair *touched;
    size_t n_touched, cap_touched;
};

/* The update's side of the loop: the shards and the strategy running them. */
struct updater {
    struct shard *shards;
    unsigned n;
    const struct update_strategy *strategy;
    void *state;
    int count_words;      /* the strategy reads shard_merge.words */
    uint64_t *list_words; /* by pair id: its word-list entries, all shards */
    uint32_t n_list_words;
    struct token_kinds *ids; /* by token: this step's pair ids (U > 1) */
    uint32_t n_ids;
    struct pair_index index; /* pair -> id */
    uint32_t *fresh;      /* the pairs this step made, for the index */
    size_t n_fresh, cap_fresh;
};

/* The id of a delta's pair. A pair holding the step's new token (kinds
 * LEFT_NEW, RIGHT_NEW) cannot have one yet: it gets a record, and the index
 * hears of it when the step ends. An older pair's is in the index. */
static uint32_t pair_id(struct pair_table *pt, struct updater *u, const struct shard_delta *d)
{
    if (d->kind == SHARD_KINDS) /* before the first merge: two bytes */
        return pair_index_initial(&u->index, pt, d->a, d->b);
    if (d->kind == LEFT_OLD || d->kind == RIGHT_OLD) {
        uint32_t id = pair_index_find(&u->index, d->a, d->b);
        if (id == PAIR_NONE) {
            /* A word held the pair, so some step made it. */
            fprintf(stderr, "bpetrain: internal error: pair (%u, %u) has no id\n", d->a, d->b);
            abort();
        }
        return id;
    }
    if (u->n_fresh == u->cap_fresh) {
        u->cap_fresh = u->cap_fresh ? u->cap_fresh * 2 : 1024;
        u->fresh = xrealloc(u->fresh, u->cap_fresh * sizeof *u->fresh);
    }
    return u->fresh[u->n_fresh++] = pairs_add(pt, d->a, d->b);
}

/* The id of a delta's pair, found once a step however many shards changed
 * it (one (kind, token) is one pair); combine clears u->ids after the step. */
static uint32_t delta_id(struct pair_table *pt, struct updater *u, const struct shard_delta *d)
{
    /* With one shard a (kind, token) comes once a step: nothing to share. */
    if (d->kind == SHARD_KINDS || u->n == 1)
        return pair_id(pt, u, d);
    u->ids = xgrow_zeroed(u->ids, &u->n_ids, d->tok, sizeof *u->ids);
    uint32_t *at = &u->ids[d->tok].at[d->kind];
    if (!*at)
        *at = pair_id(pt, u, d) + 1;
    return *at - 1;
}

/* Pair id's word lists gained n entries. */
static void count_list_words(struct updater *u, uint32_t id, uint32_t n)
{
    if (id >= u->n_list_words) {
        u->list_words = xgrow_zeroed(u->list_words, &u->n_list_words, id, sizeof *u->list_words);
    }
    u->list_words[id] += n;
}

static void add_delta(struct pair_table *pt, struct step *s, uint32_t id, int64_t delta)
{
    struct pair_rec *r = &pt->rec[id];
    if (!r->touched) {
        if (s->n_touched == s->cap_touched) {
            s->cap_touched = s->cap_touched ? s->cap_touched * 2 : 1024;
            s->touched = xrealloc(s->touched, s->cap_touched * sizeof *s->touched);
        }
        s->touched[s->n_touched++] = (struct touched_pair){r->count, id};
        r->touched = 1;
    }
    r->count += delta;
}

/* Adds every shard's deltas of this step into the pair table, giving each
 * kept delta its pair's id (the shard files its words under it). An old
 * pair's the shard found itself (shard.h); a new pair's is given here. A
 * delta of 0 is dropped with its words: a new pair that nets to 0 in a
 * shard is in none of its words, and nothing else gains words. */
static void combine(struct pair_table *pt, struct step *s, struct updater *u)
{
    for (unsigned i = 0; i < u->n; i++) {
        struct shard *sh = &u->shards[i];
        /* A record and a word-list count are each a likely miss in tables
         * of millions of pairs: asking for all of them before adding to
         * any overlaps the waits instead of paying them one after another. */
        for (uint32_t k = 0; k < sh->n_d; k++) {
            struct shard_delta *d = &sh->d[k];
            if (d->delta == 0)
                continue;
            if (d->id == PAIR_NONE)
                d->id = delta_id(pt, u, d);
            pairs_prefetch_rec(pt, d->id);
            if (u->count_words && d->words.n && d->id < u->n_list_words)
                __builtin_prefetch(&u->list_words[d->id], 1);
        }
        for (uint32_t k = 0; k < sh->n_d; k++) {
            struct shard_delta *d = &sh->d[k];
            if (d->delta == 0) {
                d->id = PAIR_NONE;
                continue;
            }
            add_delta(pt, s, d->id, d->delta);
            if (u->count_words && d->words.n)
                count_list_words(u, d->id, d->words.n);
        }
    }
    /* The ids shared between the shards hold for this step only. */
    for (unsigned i = 0; i < u->n && u->n > 1; i++)
        for (uint32_t k = 0; k < u->shards[i].n_d; k++) {
            const struct shard_delta *d = &u->shards[i].d[k];
            if (d->kind < SHARD_KINDS && d->tok < u->n_ids)
                u->ids[d->tok].at[d->kind] = 0;
        }
}

static void updater_build(struct updater *u, const struct word_counts *wc,
                          const struct vocab *v, const struct merge_params *p)
{
    u->n = p->update_config.workers ? p->update_config.workers : 1;
    u->strategy = p->update ? p->update : &update_serial;
    u->state = NULL;
    u->count_words = u->strategy->reads_words;
    u->list_words = NULL;
    u->n_list_words = 0;
    u->ids = NULL;
    u->n_ids = 0;
    pair_index_init(&u->index, v);
    u->fresh = NULL;
    u->n_fresh = u->cap_fresh = 0;
    u->shards = xcalloc_lines(u->n, sizeof *u->shards);
    for (unsigned i = 0; i < u->n; i++)
        shard_build(&u->shards[i], wc, v, i, u->n, p->init_threads);
}

static void updater_free(struct updater *u, struct update_counters *c)
{
    if (u->state)
        u->strategy->destroy(u->state);
    for (unsigned i = 0; i < u->n; i++) {
        const struct update_counters *sc = &u->shards[i].c;
        c->index_reads += sc->index_reads;
        c->index_stale += sc->index_stale;
        c->words_visited += sc->words_visited;
        c->pair_changes += sc->pair_changes;
        shard_free(&u->shards[i]);
    }
    free(u->shards);
    xfree_huge(u->list_words);
    xfree_huge(u->ids);
    pair_index_free(&u->index);
    free(u->fresh);
}

static void hash_merge(uint64_t *h, const struct vocab *v, uint32_t id)
{
    uint32_t len = v->len[id];
    *h = fnv1a64(*h, &len, sizeof len);
    *h = fnv1a64(*h, vocab_ptr(v, id), len);
}

/* Counts every adjacent pair of every word once, before the first merge. */
static void count_initial_pairs(struct pair_table *pt, struct step *s, struct updater *u,
                                unsigned threads)
{
    for (unsigned i = 0; i < u->n; i++)
        shard_count_initial(&u->shards[i], &u->index, threads);
    combine(pt, s, u);
    for (size_t k = 0; k < s->n_touched; k++) {
        pt->rec[s->touched[k].id].touched = 0;
        pairs_sync_live(pt, s->touched[k].id);
    }
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

/* The update step of the merge of chosen into t: the strategy rewrites
 * every word holding the pair, shard by shard; the deltas are added up and
 * the backend told each pair whose count changed. */
static int apply_merge(struct pair_table *pt, struct step *s, struct updater *u,
                       const struct merge_backend *be, void *state, uint32_t chosen,
                       uint32_t t, double *clock, struct merge_stats *st, char *err,
                       size_t errlen)
{
    struct shard_merge sm = {chosen, pt->rec[chosen].a, pt->rec[chosen].b, t,
                             chosen < u->n_list_words ? u->list_words[chosen] : 0,
                             &u->index};
    struct update_run run = {0, 0};
    double t0 = *clock;
    if (u->strategy->run(u->state, &sm, &run, err, errlen) < 0)
        return -1;
    double t1 = now_s();
    st->upd_round_s += t1 - t0;
    st->upd_compute_s += run.compute_s == UPDATE_RUN_ALL ? t1 - t0 : run.compute_s;
    st->upd_rounds += (uint64_t)run.round;
    combine(pt, s, u);
    pair_index_add_group(&u->index, pt, t, u->fresh, u->n_fresh);
    u->n_fresh = 0;
    double t2 = now_s();
    st->upd_combine_s += t2 - t1;
    /* Every occurrence was merged; anything else is a bug in the inverted
     * index, and the merges after it would be wrong. */
    if (pt->rec[chosen].count != 0)
        return errf(err, errlen, "internal error: pair %u still has count %lld after its merge",
                    chosen, (long long)pt->rec[chosen].count);
    /* The live entries are scattered too: asked for all at once. */
    for (size_t k = 0; k < s->n_touched && pt->keep_live; k++) {
        const struct pair_rec *q = &pt->rec[s->touched[k].id];
        if (q->count != s->touched[k].old_count && q->live_pos != PAIR_NONE)
            __builtin_prefetch(&pt->live[q->live_pos], 1);
    }
    for (size_t k = 0; k < s->n_touched; k++) {
        uint32_t id = s->touched[k].id;
        int64_t old_count = s->touched[k].old_count;
        struct pair_rec *q = &pt->rec[id];
        q->touched = 0;
        if (q->count == old_count)
            continue;
        pairs_sync_live(pt, id);
        st->upd.net_changes++;
        if (be->count_changed)
            be->count_changed(state, pt, id, old_count, q->count);
    }
    s->n_touched = 0;
    *clock = now_s();
    st->upd_notify_s += *clock - t2;
    return 0;
}

/* "WHAT NAME: " goes before the reason in err. Returns -1. */
static int prefix_err(const char *what, const char *name, char *err, size_t errlen)
{
    if (err && errlen) {
        char *reason = xstrdup(err);
        snprintf(err, errlen, "%s %s: %s", what, name, reason);
        free(reason);
    }
    return -1;
}

/* A backend's callback failed: "backend NAME: " goes before its reason,
 * here and nowhere else. Returns -1. */
static int backend_failed(const struct merge_backend *be, char *err, size_t errlen)
{
    return prefix_err("backend", be->name, err, errlen);
}

/* What the backend and the update strategy report at the end. */
static void report(const struct merge_backend *be, void *state, struct updater *u,
                   struct merge_stats *st)
{
    if (be->report) {
        be->report(state, &st->backend);
        if (st->backend.worker_pus.len)
            buf_cstr(&st->backend.worker_pus);
        if (st->backend.counters.len)
            buf_cstr(&st->backend.counters);
    }
    double thread_cpu_s = 0;
    if (u->strategy->report)
        u->strategy->report(u->state, &st->upd_pus, &thread_cpu_s);
    st->upd_cpu_s += thread_cpu_s;
    if (st->upd_pus.len)
        buf_cstr(&st->upd_pus);
}

/* Copy and select of one merge, timed from *clock, the time last read:
 * each phase's end is the next one's start (a clock read costs about 50 ns
 * on these VMs; thirteen a merge were a few per cent of heap's merge
 * phase). Leaves the time it ends in *clock and the chosen pair in *chosen. */
static int select_pair(const struct merge_backend *be, void *state, const struct pair_table *pt,
                       double *clock, struct merge_stats *st, uint32_t *chosen, char *err,
                       size_t errlen)
{
    st->live_pairs_sum += pt->n_live;
    double t0 = *clock, t1 = t0;
    if (be->copy) {
        if (be->copy(state, pt, err, errlen) < 0)
            return backend_failed(be, err, errlen);
        t1 = now_s();
    }
    struct select_result sel = {PAIR_NONE, 0};
    if (be->select(state, pt, &sel, err, errlen) < 0)
        return backend_failed(be, err, errlen);
    *clock = now_s();
    st->copy_s += t1 - t0;
    st->max_s += *clock - t1;
    /* A select on this thread is all compute (backend.h). */
    st->compute_s += be->kind == BACKEND_SINGLE ? *clock - t1 : sel.compute_s;
    *chosen = sel.pair_id;
    return 0;
}

/* Merge m: select, then update. Returns 0, 1 when no pair was left to
 * merge, or -1 with the reason in err. */
static int merge_one(struct pair_table *pt, struct step *s, struct updater *u, struct vocab *v,
                     const struct merge_params *p, void *state, uint64_t m, int cpu_each,
                     double *clock, struct merge_result *res, struct merge_stats *st,
                     char *err, size_t errlen)
{
    const struct merge_backend *be = p->backend;
    if (p->cancel && atomic_load(p->cancel))
        return errf(err, errlen, "interrupted after %llu merges", (unsigned long long)m);
    uint32_t chosen;
    if (select_pair(be, state, pt, clock, st, &chosen, err, errlen) < 0)
        return -1;
    if (chosen == PAIR_NONE) {
        st->stopped_early = 1;
        return 1;
    }
    double t0 = *clock, c0 = cpu_each ? thread_cpu_s() : 0;
    uint32_t t = record_merge(v, res, m, pt->rec[chosen].a, pt->rec[chosen].b);
    if (apply_merge(pt, s, u, be, state, chosen, t, clock, st, err, errlen) < 0)
        return -1;
    st->update_s += *clock - t0;
    if (cpu_each)
        st->upd_cpu_s += thread_cpu_s() - c0;
    if (!p->on_merge && !p->check_each_step)
        return 0;
    if (p->on_merge)
        p->on_merge(p->on_merge_ctx, m + 1);
    if (p->check_each_step && be->check && be->check(state, pt) < 0) {
        errf(err, errlen, "internal error: fails its own check after merge %llu",
             (unsigned long long)m + 1);
        return backend_failed(be, err, errlen);
    }
    *clock = now_s(); /* neither is the next select's */
    return 0;
}

/* The merge loop proper, once the backend has started. */
static int merge_loop(struct pair_table *pt, struct step *s, struct updater *u,
                      struct vocab *v, const struct merge_params *p, void *state,
                      uint64_t want, struct merge_result *res, struct merge_stats *st,
                      char *err, size_t errlen)
{
    const struct merge_backend *be = p->backend;
    /* Reading this thread's CPU clock is a system call (about 0.6 us on
     * these VMs): two a merge were a tenth of heap's merge phase at vocab
     * 30000. A select that runs here and never waits (BACKEND_SINGLE) uses
     * as much CPU as wall time, so there the update's CPU is the loop's
     * less the selects' wall time, read twice a training. A select that
     * waits for workers spends wall time off the CPU: each update is read. */
    int cpu_each = be->kind != BACKEND_SINGLE;
    double loop_cpu0 = cpu_each ? 0 : thread_cpu_s();
    int rc = 0;
    double clock = now_s();
    for (uint64_t m = 0; m < want && rc == 0; m++)
        rc = merge_one(pt, s, u, v, p, state, m, cpu_each, &clock, res, st, err, errlen);
    if (!cpu_each) {
        double main_cpu = thread_cpu_s() - loop_cpu0 - st->copy_s - st->max_s;
        st->upd_cpu_s += main_cpu > 0 ? main_cpu : 0;
    }
    return rc < 0 ? -1 : 0;
}

/* The most merges wc can give: each merge is of a live pair, so it
 * shortens some word by a symbol, and a word of n bytes has n - 1 to lose.
 * Sizes the merge list for a vocab_size far beyond the input, which would
 * otherwise ask for memory the run can never use. */
static uint64_t max_merges(const struct word_counts *wc)
{
    uint64_t n = 0;
    for (size_t i = 0; i < wc->n; i++)
        n += wc->len[i] ? wc->len[i] - 1 : 0;
    return n;
}

int merge_train(const struct word_counts *wc, struct vocab *v, const struct merge_params *p,
                struct merge_result *res, struct merge_stats *st, char *err, size_t errlen)
{
    memset(res, 0, sizeof *res);
    memset(st, 0, sizeof *st);
    res->hash = FNV64_OFFSET;
    uint64_t want = p->vocab_size > v->n ? p->vocab_size - v->n : 0;
    uint64_t most = max_merges(wc), room = want < most ? want : most;
    res->pairs = xmalloc((room ? room : 1) * 2 * sizeof *res->pairs);

    double t_start = now_s();
    struct updater u;
    updater_build(&u, wc, v, p);
    struct pair_table pt;
    pairs_init(&pt, v);
    pt.keep_live = !p->backend->records_only;
    struct step s = {0};
    count_initial_pairs(&pt, &s, &u, p->init_threads);
    st->initial_pairs = pt.n_live;

    /* The backend starts first: a backend that forks its workers once
     * (pool) does so before the update threads exist. */
    const struct merge_backend *be = p->backend;
    void *state = NULL;
    int rc = be->init(&state, &p->config, &pt, err, errlen);
    if (rc < 0)
        backend_failed(be, err, errlen);
    struct update_config ucfg = p->update_config;
    ucfg.workers = u.n;
    if (rc == 0 && (rc = u.strategy->init(&u.state, &ucfg, u.shards, err, errlen)) < 0)
        prefix_err("update", u.strategy->name, err, errlen);
    st->init_s = now_s() - t_start;
    double t_loop = now_s();
    if (rc == 0)
        rc = merge_loop(&pt, &s, &u, v, p, state, want, res, st, err, errlen);
    st->merges = res->merges;
    st->merge_s = now_s() - t_loop;
    if (rc == 0)
        report(be, state, &u, st);
    if (state)
        be->destroy(state);
    free(s.touched);
    pairs_free(&pt);
    updater_free(&u, &st->upd);
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
    buf_free(&st->upd_pus);
}

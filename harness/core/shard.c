/* shard.c: a shard of the words and its inverted index (see shard.h). */
#include "shard.h"

#include "pairindex.h"
#include "pairs.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A word is its frequency (two 32-bit halves) and length, then its tokens,
 * so one cache line usually holds all a merge reads of it. A word is named
 * by where its tokens start in tok[] (start[] has them in word order): the
 * index lists hold those positions, so a merge reaches a word's line in one
 * load, not two (a start[] entry, then the line; on millions of words both
 * miss the cache). */
enum { WORD_HEADER = 3, PREFETCH_AHEAD = 16 };

static inline int64_t word_freq(const uint32_t *x)
{
    return (int64_t)((uint64_t)x[-2] << 32 | x[-3]);
}

void shard_build(struct shard *s, const struct word_counts *wc, const struct vocab *v,
                 unsigned i, unsigned n)
{
    memset(s, 0, sizeof *s);
    s->n_words = (uint32_t)(wc->n / n + (i < wc->n % n));
    s->start = xmalloc((s->n_words ? s->n_words : 1) * sizeof *s->start);
    uint64_t total = 0;
    for (size_t w = i; w < wc->n; w += n)
        total += WORD_HEADER + wc->len[w];
    if (total > UINT32_MAX) {
        fprintf(stderr, "bpetrain: the update's shard %u holds %llu token slots, more than "
                        "2^32: use more shards (--update-workers)\n",
                i, (unsigned long long)total);
        exit(2);
    }
    /* On millions of words the tokens span far more than the TLB maps. */
    s->tok = xmalloc((total ? total : 1) * sizeof *s->tok);
    advise_huge(s->tok, total * sizeof *s->tok);
    uint32_t byte_id[256];
    for (int c = 0; c < 256; c++)
        byte_id[c] = vocab_byte_id(v, (unsigned char)c);
    uint64_t pos = 0;
    uint32_t k = 0;
    for (size_t w = i; w < wc->n; w += n, k++) {
        s->tok[pos] = (uint32_t)wc->freq[w];
        s->tok[pos + 1] = (uint32_t)(wc->freq[w] >> 32);
        s->tok[pos + 2] = wc->len[w];
        pos += WORD_HEADER;
        s->start[k] = pos;
        const unsigned char *p = wc->bytes + wc->off[w];
        for (uint32_t j = 0; j < wc->len[w]; j++)
            s->tok[pos++] = byte_id[p[j]];
    }
}

/* A list this long or longer gets a block of its own, so that a block
 * kept alive by one unread list holds only short ones. */
enum { OWN_LIST = 32 };

/* A new block for `words` words holding `refs` lists, in the table. */
static struct list_block *block_new(struct shard *s, size_t words, uint32_t refs)
{
    struct list_block *b = xmalloc(sizeof *b + words * sizeof *b->w);
    b->refs = refs;
    if (s->n_free) {
        b->slot = s->free_slots[--s->n_free];
    } else {
        if (s->n_blocks == s->cap_blocks) {
            s->cap_blocks = s->cap_blocks ? s->cap_blocks * 2 : 1024;
            s->blocks = xrealloc(s->blocks, s->cap_blocks * sizeof *s->blocks);
            s->free_slots = xrealloc(s->free_slots, s->cap_blocks * sizeof *s->free_slots);
        }
        b->slot = s->n_blocks++;
    }
    s->blocks[b->slot] = b;
    return b;
}

static void list_release(struct shard *s, struct word_list *l)
{
    struct list_block *b = (struct list_block *)(void *)((char *)(l->w - (l->in_block - 1)) -
                                                         offsetof(struct list_block, w));
    if (--b->refs == 0) {
        s->blocks[b->slot] = NULL;
        s->free_slots[s->n_free++] = b->slot;
        free(b);
    }
    memset(l, 0, sizeof *l);
}

/* Word w gained the pair of delta k: counted once per word. */
static inline void gain(struct shard *s, uint32_t k, uint32_t w)
{
    struct shard_delta *d = &s->d[k];
    if (d->last_word == w)
        return;
    d->last_word = w;
    d->words.n++;
    if (s->n_gain == s->cap_gain) {
        s->cap_gain = s->cap_gain ? s->cap_gain * 2 : 1024;
        s->gain = xrealloc(s->gain, s->cap_gain * sizeof *s->gain);
    }
    s->gain[s->n_gain++] = (struct shard_gain){k, w};
}

/* Gives every delta with words its list: the short ones cut from one new
 * block, the long ones allocated alone. words.n must hold each list's
 * length; the words are then filled in from the gains, which came in
 * ascending word order, or by the caller when from_gains is 0. */
static void cut_lists(struct shard *s, int from_gains)
{
    size_t in_block = 0;
    uint32_t refs = 0;
    for (uint32_t k = 0; k < s->n_d; k++) {
        uint32_t n = s->d[k].words.n;
        if (n && n < OWN_LIST) {
            in_block += n;
            refs++;
        }
    }
    struct list_block *blk = refs ? block_new(s, in_block, refs) : NULL;
    uint32_t *at = blk ? blk->w : NULL;
    for (uint32_t k = 0; k < s->n_d; k++) {
        struct word_list *l = &s->d[k].words;
        if (!l->n)
            continue;
        if (l->n < OWN_LIST) {
            l->in_block = (uint32_t)(at - blk->w) + 1;
            l->w = at;
            at += l->n;
        } else {
            l->in_block = 1;
            l->w = block_new(s, l->n, 1)->w;
        }
        if (from_gains)
            l->n = 0; /* refilled below */
    }
    for (size_t g = 0; g < s->n_gain && from_gains; g++) {
        struct word_list *l = &s->d[s->gain[g].delta].words;
        l->w[l->n++] = s->gain[g].word;
    }
    s->n_gain = 0;
}

/* A new delta for (a, b); its index. */
static uint32_t delta_new(struct shard *s, uint32_t a, uint32_t b)
{
    if (s->n_d == s->cap_d) {
        s->cap_d = s->cap_d ? s->cap_d * 2 : 64;
        s->d = xrealloc(s->d, s->cap_d * sizeof *s->d);
    }
    struct shard_delta *d = &s->d[s->n_d];
    memset(d, 0, sizeof *d);
    d->a = a;
    d->b = b;
    d->id = PAIR_NONE;
    d->kind = SHARD_KINDS;
    return s->n_d++;
}

/* Moves each delta's word list into the index under the id the merge loop
 * gave it; lists of pairs it did not keep are dropped. */
static void file_lists(struct shard *s)
{
    for (uint32_t k = 0; k < s->n_d; k++) {
        struct shard_delta *d = &s->d[k];
        if (d->kind < SHARD_KINDS)
            s->at[d->tok].at[d->kind] = 0;
        if (!d->words.n)
            continue;
        if (d->id == PAIR_NONE) {
            list_release(s, &d->words);
            continue;
        }
        if (d->id >= s->n_index) {
            s->index = xgrow_zeroed(s->index, &s->n_index, d->id, sizeof *s->index);
        }
        /* Only a new pair gains words, so its list here is still empty. */
        s->index[d->id] = d->words;
    }
    s->n_d = 0;
}

void shard_free(struct shard *s)
{
    for (uint32_t k = 0; k < s->n_blocks; k++) /* every list still held, at once */
        free(s->blocks[k]);
    free(s->blocks);
    free(s->free_slots);
    xfree_huge(s->index);
    free(s->d);
    free(s->gain);
    xfree_huge(s->at);
    free(s->start);
    free(s->tok);
    memset(s, 0, sizeof *s);
}

/* One pass over every adjacency of every word, for shard_count_initial:
 * the pairs' deltas are s->d[k]; last[k] is the last word that held pair k,
 * so each word counts once per pair. On the first pass at[] (by the two
 * bytes) finds or makes each pair's delta and n[] counts its words; on the
 * second, cur[k] is where pair k's next word goes. The per-pair state the
 * passes touch is these dense arrays, not the 64-byte deltas: on real text
 * their thousands of pairs then stay in the cache. */
static void initial_pass(struct shard *s, const uint16_t *byte_of, uint32_t *at,
                         uint32_t *last, uint32_t *n, uint32_t **cur)
{
    for (uint32_t w = 0; w < s->n_words; w++) {
        uint32_t pos = (uint32_t)s->start[w];
        const uint32_t *x = s->tok + pos;
        int64_t f = word_freq(x);
        for (uint32_t j = 0; j + 1 < x[-1]; j++) {
            uint32_t *k = &at[pair_index_bytes(byte_of, x[j], x[j + 1])];
            if (!cur) {
                if (*k == PAIR_NONE)
                    *k = delta_new(s, x[j], x[j + 1]);
                s->d[*k].delta += f;
            }
            if (last[*k] == pos)
                continue;
            last[*k] = pos;
            if (cur)
                *cur[*k]++ = pos;
            else
                n[*k]++;
        }
    }
}

void shard_count_initial(struct shard *s, const uint16_t *byte_of)
{
    /* Every token is a byte's: (x, y)'s delta is at[byte of x, byte of
     * y], not a hash of the pairs. Two passes, the first to size the lists,
     * the second to fill them, so that no list of every pair of millions
     * of words is ever buffered. */
    uint32_t *at = xmalloc(256 * 256 * sizeof *at);
    memset(at, 0xff, 256 * 256 * sizeof *at); /* PAIR_NONE */
    uint32_t *last = xcalloc(256 * 256, sizeof *last), *n = xcalloc(256 * 256, sizeof *n);
    initial_pass(s, byte_of, at, last, n, NULL);
    uint32_t **cur = xmalloc((s->n_d ? s->n_d : 1) * sizeof *cur);
    for (uint32_t k = 0; k < s->n_d; k++)
        s->d[k].words.n = n[k];
    cut_lists(s, 0);
    for (uint32_t k = 0; k < s->n_d; k++) {
        cur[k] = s->d[k].words.w;
        last[k] = 0;
    }
    initial_pass(s, byte_of, at, last, n, cur);
    free(cur);
    free(n);
    free(last);
    free(at);
}

/* Adds f to this step's delta of the pair (a, b), found by its kind and
 * neighbouring token; a gain also files the word at w under the pair. */
static inline __attribute__((always_inline)) void
change(struct shard *s, int kind, uint32_t tok, uint32_t a, uint32_t b, int64_t f, uint32_t w)
{
    uint32_t *at = &s->at[tok].at[kind];
    if (!*at) {
        uint32_t k = delta_new(s, a, b);
        s->d[k].kind = (uint32_t)kind;
        s->d[k].tok = tok;
        *at = k + 1;
    }
    s->d[*at - 1].delta += f;
    if (f > 0)
        gain(s, *at - 1, w);
}

/* Tokens p[0] and p[1] as one number, p[0] in the low half. */
static inline uint64_t load_pair(const uint32_t *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? v : v >> 32 | v << 32;
}

/* Replaces every non-overlapping (a, b), left to right, in the word at w by t.
 * The left neighbour is read from the output, so after "a b a b" -> "t t"
 * the changes net to (a,b) -2, (b,a) -1, (t,t) +1; a left neighbour t makes
 * (t, a) and (t, t), which are (t, R) pairs. Returns the occurrences. */
static uint32_t merge_word(struct shard *s, uint32_t w, const struct shard_merge *m)
{
    uint32_t *x = s->tok + w;
    uint32_t L = x[-1], i = 0, a = m->a, b = m->b, t = m->t;
    /* The tokens before the first occurrence are only read: a stale word
     * (nearly half the visits) is left clean, so its cache line is never
     * written back. */
    uint64_t ab = (uint64_t)b << 32 | a;
    while (i + 1 < L && load_pair(x + i) != ab)
        i++;
    if (i + 1 >= L)
        return 0;
    uint32_t o = i;
    uint64_t changes = 0;
    int64_t f = word_freq(x);
    while (i < L) {
        if (i + 1 < L && load_pair(x + i) == ab) {
            if (o > 0 && x[o - 1] == t) {
                change(s, RIGHT_NEW, a, t, a, -f, w);
                change(s, RIGHT_NEW, t, t, t, f, w);
            } else if (o > 0) {
                change(s, LEFT_OLD, x[o - 1], x[o - 1], a, -f, w);
                change(s, LEFT_NEW, x[o - 1], x[o - 1], t, f, w);
            }
            if (i + 2 < L) {
                change(s, RIGHT_OLD, x[i + 2], b, x[i + 2], -f, w);
                change(s, RIGHT_NEW, x[i + 2], t, x[i + 2], f, w);
            }
            s->d[0].delta -= f;
            /* Counted here, not in change(): a counter in memory there
             * would be a load and a store on every change. */
            changes += 1u + 2u * (o > 0) + 2u * (i + 2 < L);
            x[o++] = t;
            i += 2;
        } else {
            x[o++] = x[i++];
        }
    }
    x[-1] = o;
    s->c.pair_changes += changes;
    return L - o;
}

/* The ids of the pairs this step's words lost, looked up here, while the
 * index is only read: with U shards on U threads the look-ups, each a
 * likely cache miss, run in parallel instead of in the merge loop's
 * combine. A pair the index lacks keeps PAIR_NONE; combine then stops the
 * run with an internal error. Asking for all the entries before reading
 * any overlaps their misses. */
static void find_old_ids(struct shard *s, const struct pair_index *x)
{
    for (uint32_t k = 1; k < s->n_d; k++)
        if (s->d[k].kind == LEFT_OLD || s->d[k].kind == RIGHT_OLD)
            pair_index_prefetch(x, s->d[k].a, s->d[k].b);
    for (uint32_t k = 1; k < s->n_d; k++)
        if (s->d[k].kind == LEFT_OLD || s->d[k].kind == RIGHT_OLD)
            s->d[k].id = pair_index_find(x, s->d[k].a, s->d[k].b);
}

void shard_apply(struct shard *s, const struct shard_merge *m)
{
    file_lists(s);
    s->at = xgrow_zeroed(s->at, &s->n_at, m->t, sizeof *s->at);
    delta_new(s, m->a, m->b);
    s->d[0].id = m->chosen;
    if (m->chosen >= s->n_index)
        return;
    /* The chosen pair never comes back (new pairs all hold t), so its
     * list is read this once and released. */
    struct word_list l = s->index[m->chosen];
    memset(&s->index[m->chosen], 0, sizeof l);
    s->c.index_reads += l.n;
    s->c.words_visited += l.n;
    for (uint32_t k = 0; k < l.n; k++) {
        /* The words are scattered; asking for one 16 ahead, both of the
         * lines it may span (a header and ten tokens is 52 bytes), hides
         * most of the wait for memory (a stale word costs little else). */
        if (k + PREFETCH_AHEAD < l.n) {
            const uint32_t *q = s->tok + l.w[k + PREFETCH_AHEAD] - WORD_HEADER;
            __builtin_prefetch(q, 1);
            __builtin_prefetch(q + 16, 1);
        }
        if (merge_word(s, l.w[k], m) == 0)
            s->c.index_stale++;
    }
    if (l.n)
        list_release(s, &l);
    find_old_ids(s, m->index);
    cut_lists(s, 1);
}

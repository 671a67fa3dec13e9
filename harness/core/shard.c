/* shard.c: a shard of the words and its inverted index (see shard.h). */
#include "shard.h"

#include "pairindex.h"
#include "pairs.h"
#include "threadstart.h"
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

/* Shard word k's index in the counts, for shard i of n. */
static inline size_t global_word(uint32_t k, unsigned i, unsigned n)
{
    return (size_t)k * n + i;
}

/* Threads for the work before the first merge on n words: at most the
 * caller's, and none for fewer than WORDS_A_THREAD words each, whose work
 * costs less than starting the thread. */
enum { WORDS_A_THREAD = 1024 };

static unsigned init_threads(unsigned want, uint32_t words)
{
    unsigned most = words / WORDS_A_THREAD + 1;
    return want < 1 ? 1 : want < most ? want : most;
}

/* What the threads laying out a shard's words share: thread t writes the
 * shard's words [first[t], first[t + 1]) from token slot at[t] on. */
struct build {
    struct shard *s;
    const struct word_counts *wc;
    unsigned i, n;
    uint32_t byte_id[256];
    uint32_t *first;
    uint64_t *at;
};

static void build_part(void *arg, unsigned t)
{
    const struct build *b = arg;
    struct shard *s = b->s;
    const struct word_counts *wc = b->wc;
    uint64_t pos = b->at[t];
    for (uint32_t k = b->first[t]; k < b->first[t + 1]; k++) {
        size_t w = global_word(k, b->i, b->n);
        s->tok[pos] = (uint32_t)wc->freq[w];
        s->tok[pos + 1] = (uint32_t)(wc->freq[w] >> 32);
        s->tok[pos + 2] = wc->len[w];
        pos += WORD_HEADER;
        s->start[k] = pos;
        const unsigned char *p = wc->bytes + wc->off[w];
        for (uint32_t j = 0; j < wc->len[w]; j++)
            s->tok[pos++] = b->byte_id[p[j]];
    }
}

void shard_build(struct shard *s, const struct word_counts *wc, const struct vocab *v,
                 unsigned i, unsigned n, unsigned threads)
{
    memset(s, 0, sizeof *s);
    s->n_words = (uint32_t)(wc->n / n + (i < wc->n % n));
    s->start = xmalloc((s->n_words ? s->n_words : 1) * sizeof *s->start);
    threads = init_threads(threads, s->n_words);
    struct build b = {.s = s, .wc = wc, .i = i, .n = n,
                      .first = xmalloc((threads + 1) * sizeof *b.first),
                      .at = xmalloc((threads + 1) * sizeof *b.at)};
    /* Each thread's first word and token slot: the slots are in word
     * order, as with one thread, so the layout does not depend on it. */
    uint64_t total = 0;
    for (unsigned t = 0; t <= threads; t++)
        b.first[t] = (uint32_t)((uint64_t)s->n_words * t / threads);
    for (unsigned t = 0; t < threads; t++) {
        b.at[t] = total;
        for (uint32_t k = b.first[t]; k < b.first[t + 1]; k++)
            total += WORD_HEADER + wc->len[global_word(k, i, n)];
    }
    if (total > UINT32_MAX) {
        fprintf(stderr, "bpetrain: the update's shard %u holds %llu token slots, more than "
                        "2^32: use more shards (--update-workers)\n",
                i, (unsigned long long)total);
        exit(2);
    }
    /* On millions of words the tokens span far more than the TLB maps. */
    s->tok = xmalloc((total ? total : 1) * sizeof *s->tok);
    advise_huge(s->tok, total * sizeof *s->tok);
    for (int c = 0; c < 256; c++)
        b.byte_id[c] = vocab_byte_id(v, (unsigned char)c);
    threads_run(threads, build_part, &b);
    free(b.first);
    free(b.at);
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

/* One thread's part of the initial pair counts: the shard's words
 * [first, end), and per pair of two bytes (pair_index_bytes) its count in
 * them, the number of them holding it and, once the lists are cut, where
 * the next of them goes. last[] is the last word that held the pair, so
 * each word counts once per pair. These dense arrays are all that the
 * passes touch per pair (a byte pair's row of 256 is a few lines): on real
 * text the thousands of pairs then stay in the cache. */
struct initial_part {
    uint32_t first, end;
    int64_t *count;
    uint32_t *words, *last;
    uint32_t **cur;
};

struct initial {
    struct shard *s;
    const uint16_t *byte_of;  /* pair_index.byte_of */
    struct initial_part *part;
};

enum { BYTE_PAIRS = 256 * 256 };

/* Every adjacency of the part's words: counted (cur NULL), or filed. */
static void initial_pass(void *arg, unsigned t)
{
    const struct initial *in = arg;
    const struct shard *s = in->s;
    struct initial_part *q = &in->part[t];
    for (uint32_t w = q->first; w < q->end; w++) {
        uint32_t pos = (uint32_t)s->start[w];
        const uint32_t *x = s->tok + pos;
        int64_t f = word_freq(x);
        for (uint32_t j = 0; j + 1 < x[-1]; j++) {
            uint32_t k = pair_index_bytes(in->byte_of, x[j], x[j + 1]);
            if (!q->cur)
                q->count[k] += f;
            if (q->last[k] == pos)
                continue;
            q->last[k] = pos;
            if (q->cur)
                *q->cur[k]++ = pos;
            else
                q->words[k]++;
        }
    }
}

/* One delta per byte pair the parts found, in byte-pair order (so the
 * deltas do not depend on the threads), with its count and its number of
 * words; the lists cut; and each part's place in each list, after the
 * parts before it. */
static void initial_deltas(struct initial *in, unsigned threads, const uint32_t *byte_id)
{
    struct shard *s = in->s;
    uint32_t *delta_of = xmalloc(BYTE_PAIRS * sizeof *delta_of);
    for (uint32_t k = 0; k < BYTE_PAIRS; k++) {
        int64_t count = 0;
        uint32_t words = 0;
        for (unsigned t = 0; t < threads; t++) {
            count += in->part[t].count[k];
            words += in->part[t].words[k];
        }
        delta_of[k] = PAIR_NONE;
        if (!words)
            continue;
        delta_of[k] = delta_new(s, byte_id[k >> 8], byte_id[k & 0xff]);
        s->d[delta_of[k]].delta = count;
        s->d[delta_of[k]].words.n = words;
    }
    cut_lists(s, 0);
    for (uint32_t k = 0; k < BYTE_PAIRS; k++) {
        if (delta_of[k] == PAIR_NONE)
            continue;
        uint32_t *at = s->d[delta_of[k]].words.w;
        for (unsigned t = 0; t < threads; t++) {
            in->part[t].cur[k] = at;
            at += in->part[t].words[k];
        }
    }
    free(delta_of);
}

void shard_count_initial(struct shard *s, const struct pair_index *x, unsigned threads)
{
    /* Every token is a byte's: (x, y) is counted at [byte of x, byte of y],
     * not by a hash of the pairs. Two passes, the first to size the lists,
     * the second to fill them, so that no list of every pair of millions
     * of words is ever buffered. The threads take contiguous runs of the
     * words, so each list is in word order however many there are. */
    threads = init_threads(threads, s->n_words);
    struct initial in = {.s = s, .byte_of = x->byte_of,
                         .part = xcalloc(threads, sizeof *in.part)};
    for (unsigned t = 0; t < threads; t++) {
        struct initial_part *q = &in.part[t];
        q->first = (uint32_t)((uint64_t)s->n_words * t / threads);
        q->end = (uint32_t)((uint64_t)s->n_words * (t + 1) / threads);
        q->count = xcalloc(BYTE_PAIRS, sizeof *q->count);
        q->words = xcalloc(BYTE_PAIRS, sizeof *q->words);
        q->last = xcalloc(BYTE_PAIRS, sizeof *q->last);
    }
    threads_run(threads, initial_pass, &in);
    for (unsigned t = 0; t < threads; t++)
        in.part[t].cur = xmalloc(BYTE_PAIRS * sizeof *in.part[t].cur);
    initial_deltas(&in, threads, x->byte_id);
    for (unsigned t = 0; t < threads; t++)
        memset(in.part[t].last, 0, BYTE_PAIRS * sizeof *in.part[t].last);
    threads_run(threads, initial_pass, &in);
    for (unsigned t = 0; t < threads; t++) {
        free(in.part[t].count);
        free(in.part[t].words);
        free(in.part[t].last);
        free(in.part[t].cur);
    }
    free(in.part);
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

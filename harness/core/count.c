/* count.c: the counting phase (see count.h). */
#include "count.h"

#include "threadstart.h"
#include "util.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* ---- a word -> count hash table, one per worker ---- */

/* A probe that finds its word touches only this slot, one aligned half of
 * a cache line, when the word is at most 2 x WT_HEAD bytes long (nearly
 * every pre-token): 23 bits of the hash, the length, the bytes and the
 * count are here, and the bytes compare as two integers (zero-padded; with
 * the length equal, padding cannot collide). Only longer words compare
 * their middle in t->bytes. The counts move to t->freq when counting ends
 * (wt_flush). With the count in t->freq and only the head in the slot, a
 * hit was one more likely cache miss, and a word of 9 to 16 bytes two more
 * (where its bytes are, then the bytes): counting took 1.2x as long on
 * sentences and 1.1x on mail (one worker, 15 interleaved runs). */
#define WT_HEAD 8
struct word_slot {
    uint64_t head; /* the first WT_HEAD bytes, zero-padded */
    uint64_t tail; /* a word longer than WT_HEAD: its last WT_HEAD bytes, else 0 */
    uint64_t freq; /* the word's count so far */
    uint32_t idx;  /* the word's index in the word arrays */
    uint32_t tag;  /* 0 = empty; else wt_tag */
}; /* 32 bytes: from a mapping's 64-byte-aligned start (util.h), two to a line */

/* A slot's tag: a set top bit (never 0, even for an empty word a damaged
 * count file might hold), the hash's top 23 bits, then the length (255 for
 * 255 or more). */
static uint32_t wt_tag(uint64_t h, size_t n)
{
    return 1u << 31 | (uint32_t)(h >> 41) << 8 | (uint32_t)(n < 255 ? n : 255);
}

/* Words of three or more bytes wait in a batch until WT_BATCH have come:
 * then all their hashes are computed and their slots prefetched, and the
 * batch before it, prefetched as long ago, is added. So on a large
 * vocabulary (real text: hundreds of thousands of distinct words) the cache
 * misses of a batch overlap instead of following each other and have a
 * batch's time to arrive, and a table in the cache pays two short loops
 * instead of a ring's bookkeeping per word. The words are added in the
 * order they came, so the table is the same as without the batches. */
#define WT_BATCH 16
struct pending_word {
    const unsigned char *p;
    size_t n;
    uint64_t head; /* wt_head */
    uint64_t h;
};

/* Words of one or two bytes (over half of all pre-tokens on real text: a
 * space, a newline, punctuation) skip hashing and probing: each has its own
 * counter at a fixed place, 256 + 65536 of them, of which only the few
 * in use are ever touched. One more counter, WT_SINK, is never a word's:
 * emit_word counts every longer word there, so that no branch on the
 * length chooses between the two paths (short and long words alternate
 * unpredictably in text, and a mispredicted branch costs more than the
 * counter's add). */
#define WT_SHORT (256u + 65536u)
#define WT_SINK WT_SHORT

struct word_table {
    struct word_slot *slot;
    uint64_t *short_freq;  /* WT_SHORT counters, by wt_short_key */
    uint32_t *short_idx;   /* the word's index + 1, or 0 if not seen yet */
    struct pending_word batch[2][WT_BATCH]; /* the filling one is batch[cur] */
    unsigned n_batch, cur;
    unsigned n_ready;  /* words in the other, prefetched batch (0 or WT_BATCH) */
    size_t mask;
    struct buf bytes;
    uint64_t *off;
    uint32_t *len;
    uint64_t *freq;    /* the counts, once wt_flush has copied them here */
    uint64_t *hash;
    size_t n, cap;
    size_t in_slots;   /* words in the slot array (the short ones are not) */
    uint64_t total;
    size_t too_long;   /* length of a pre-token past the 4 GiB word limit, or 0 */
    const unsigned char *end; /* the end of the input the words point into */
};

/* Slots of a new table: a counting thread's table starts near the size its
 * share of the input is likely to need (one slot per 64 bytes: sentences'
 * 10 MB need 108 Ki slots, mail's 32 MB 366 Ki), so on such text it is
 * rebuilt once or not at all instead of five times. At most
 * WT_MAX_START_SLOTS (16 MiB of slots, 393 Ki words), since text repeats
 * its words (a synthetic 256 MB holds 98 K distinct words) and a larger
 * table would only be zeroed; a cap of half that made one worker rebuild
 * mail's table (279 K words) once, 1.13x slower to count. */
#define WT_MIN_SLOTS ((size_t)1 << 14)
#define WT_MAX_START_SLOTS ((size_t)1 << 19)

static size_t wt_start_slots(size_t bytes)
{
    size_t n = WT_MIN_SLOTS;
    while (n < WT_MAX_START_SLOTS && n * 64 < bytes)
        n *= 2;
    return n;
}

/* A zeroed slot array, on huge pages when large and huge pages are on
 * (hugepages.h: real text's table of hundreds of thousands of words spans
 * more memory than the TLB maps in small pages), zeroed by the thread that
 * fills it (util.h, xcalloc_huge). */
static struct word_slot *wt_new_slots(size_t n)
{
    return xcalloc_huge(n * sizeof(struct word_slot));
}

/* A table holds at most WT_LOAD_NUM / WT_LOAD_DEN words per slot. */
#define WT_LOAD_NUM 3
#define WT_LOAD_DEN 4

/* A new table of `slots` slots (a power of two), allocated but not yet
 * touched (wt_touch). Its word arrays start with room for as many words
 * as the slots hold (at least 4096): memory that is not written costs
 * nothing, while each time a large array grows the allocator remaps it,
 * and remapping memory of a process whose other threads are running
 * interrupts their CPUs to flush their TLBs. */
static void wt_alloc(struct word_table *t, size_t slots)
{
    memset(t, 0, sizeof *t);
    t->mask = slots - 1;
    t->slot = xrealloc_huge(NULL, (t->mask + 1) * sizeof *t->slot); /* reads as zero */
    t->short_freq = xcalloc(WT_SHORT + 1, sizeof *t->short_freq);
    t->short_idx = xcalloc(WT_SHORT + 1, sizeof *t->short_idx);
    t->cap = slots / WT_LOAD_DEN * WT_LOAD_NUM;
    if (t->cap < 4096)
        t->cap = 4096;
    t->off = xmalloc(t->cap * sizeof *t->off);
    t->len = xmalloc(t->cap * sizeof *t->len);
    t->freq = xmalloc(t->cap * sizeof *t->freq);
    t->hash = xmalloc(t->cap * sizeof *t->hash);
    buf_reserve(&t->bytes, t->cap * 8); /* most words are shorter */
}

/* Maps the pages of a table from wt_alloc writable: the slots and the
 * short words' counters are read before they are written (wt_add_long,
 * emit_word), as xcalloc_huge and xcalloc_written say. */
static void wt_touch(struct word_table *t)
{
    map_zeroed_written(t->slot, (t->mask + 1) * sizeof *t->slot);
    map_zeroed_written(t->short_freq, (WT_SHORT + 1) * sizeof *t->short_freq);
    map_zeroed_written(t->short_idx, (WT_SHORT + 1) * sizeof *t->short_idx);
    t->short_freq[WT_SINK] = 1; /* not 0: emit_word never adds it as a word */
}

static void wt_init(struct word_table *t, size_t slots)
{
    wt_alloc(t, slots);
    wt_touch(t);
}

/* Frees what only finds words (the slots, the short words' counters and
 * indexes), once wt_flush has put the counts by word. */
static void wt_free_lookup(struct word_table *t)
{
    xfree_huge(t->slot);
    free(t->short_freq);
    free(t->short_idx);
    t->slot = NULL;
    t->short_freq = NULL;
    t->short_idx = NULL;
}

static void wt_free(struct word_table *t)
{
    wt_free_lookup(t);
    buf_free(&t->bytes);
    free(t->off);
    free(t->len);
    free(t->freq);
    free(t->hash);
}

static uint64_t wt_load64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* The first WT_HEAD bytes of a word, zero-padded, in a few loads (no
 * memcpy of a variable length, which is a call). */
static inline __attribute__((always_inline)) uint64_t wt_head(const unsigned char *p, size_t n)
{
    if (n >= 8)
        return wt_load64(p);
    if (n >= 4) {
        uint32_t lo, hi;
        memcpy(&lo, p, 4);
        memcpy(&hi, p + n - 4, 4);
        return lo | (uint64_t)hi << (8 * (n - 4)); /* the overlap holds the same bytes */
    }
    if (n == 0)
        return 0;
    return p[0] | (uint64_t)p[n >> 1] << (8 * (n >> 1)) | (uint64_t)p[n - 1] << (8 * (n - 1));
}

/* The slot's tail of a word (struct word_slot). */
static inline __attribute__((always_inline)) uint64_t wt_tail(const unsigned char *p, size_t n)
{
    return n > WT_HEAD ? wt_load64(p + n - WT_HEAD) : 0;
}

/* The table's hash of a word. Words of at most WT_HEAD bytes (94 % of the
 * pre-tokens of mail) hash their head with one multiply instead of calling
 * hash_bytes. Only the table sees it: it decides slots, never results. */
static inline __attribute__((always_inline)) uint64_t wt_hash_head(const unsigned char *p,
                                                                    size_t n, uint64_t head)
{
    if (n > WT_HEAD)
        return hash_bytes(p, n);
    __uint128_t r = (__uint128_t)(head ^ 0xa0761d6478bd642fULL) * (0xe7037ed1a0b428dbULL ^ n);
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

static inline __attribute__((always_inline)) uint64_t wt_hash(const unsigned char *p, size_t n)
{
    return wt_hash_head(p, n, wt_head(p, n));
}

/* wt_head of a word of the input, which ends at `end`: one load and a mask
 * wherever eight bytes from p are inside it (the bytes past the word are
 * masked off), instead of wt_head's branches on the length. */
static inline __attribute__((always_inline)) uint64_t
wt_head_in(const unsigned char *p, size_t n, const unsigned char *end)
{
    if (n && (size_t)(end - p) >= 8) /* a mask, not a branch on the length */
        return wt_load64(p) & ~0ULL >> (8 * (8 - (n < 8 ? n : 8)) & 63);
    return wt_head(p, n);
}

/* Puts word i into the first free slot from its hash on. */
static void wt_place(struct word_slot *s, size_t mask, size_t j, const struct word_slot *w)
{
    while (s[j].tag)
        j = (j + 1) & mask;
    s[j] = *w;
}

/* Copies every word's count to t->freq, from the short words' counters
 * and the slots; t->freq is then the counts (until more are added). */
static void wt_flush(struct word_table *t)
{
    for (size_t k = 0; k < WT_SHORT; k++)
        if (t->short_idx[k])
            t->freq[t->short_idx[k] - 1] = t->short_freq[k];
    for (size_t j = 0; j <= t->mask; j++)
        if (t->slot[j].tag)
            t->freq[t->slot[j].idx] = t->slot[j].freq;
}

/* How many words ahead wt_grow_slots and combine_from prefetch the slot a
 * word will go to or be looked up in: each is a cache miss on a large
 * table, and the hashes are known in advance. */
#define WT_PLACE_AHEAD 16

/* Doubles the slot array, placing the words in the order they came: the
 * frequent words, which come first, stay nearest their hash's slot. */
static void wt_grow_slots(struct word_table *t)
{
    size_t n = (t->mask + 1) * 2, mask = n - 1;
    struct word_slot *s = wt_new_slots(n);
    wt_flush(t); /* the counts, by word */
    for (size_t i = 0; i < t->n; i++) {
        if (i + WT_PLACE_AHEAD < t->n)
            __builtin_prefetch(&s[t->hash[i + WT_PLACE_AHEAD] & mask], 1);
        size_t len = t->len[i];
        const unsigned char *p = t->bytes.data + t->off[i];
        if (len > 2)
            wt_place(s, mask, t->hash[i] & mask,
                     &(struct word_slot){.head = wt_head(p, len), .tail = wt_tail(p, len),
                                         .freq = t->freq[i], .idx = (uint32_t)i,
                                         .tag = wt_tag(t->hash[i], len)});
    }
    xfree_huge(t->slot);
    t->slot = s;
    t->mask = mask;
}

/* The counter of a word of one or two bytes. */
static size_t wt_short_key(const unsigned char *p, size_t n)
{
    return n == 1 ? p[0] : 256u + (p[0] | (size_t)p[1] << 8);
}

/* Whether slot s, whose tag matched, holds word p[0..n) (head: wt_head). */
static inline __attribute__((always_inline)) int
wt_same(const struct word_table *t, const struct word_slot *s, const unsigned char *p, size_t n,
        uint64_t head)
{
    if (s->head != head)
        return 0;
    if (n <= WT_HEAD)
        return 1;
    if (s->tail != wt_tail(p, n))
        return 0;
    if (n <= 2 * WT_HEAD) /* head and tail cover it */
        return 1;
    const unsigned char *w = t->bytes.data + t->off[s->idx];
    return (n < 255 || t->len[s->idx] == n) &&
           memcmp(w + WT_HEAD, p + WT_HEAD, n - 2 * WT_HEAD) == 0;
}

/* Appends a new word to the word arrays; returns its index. */
static size_t wt_append(struct word_table *t, const unsigned char *p, size_t n, uint64_t h,
                        uint64_t count)
{
    if (t->n == t->cap) {
        t->cap *= 2;
        t->off = xrealloc(t->off, t->cap * sizeof *t->off);
        t->len = xrealloc(t->len, t->cap * sizeof *t->len);
        t->freq = xrealloc(t->freq, t->cap * sizeof *t->freq);
        t->hash = xrealloc(t->hash, t->cap * sizeof *t->hash);
    }
    size_t i = t->n++;
    t->off[i] = t->bytes.len;
    t->len[i] = (uint32_t)n;
    t->hash[i] = h;
    t->freq[i] = count;
    buf_put(&t->bytes, p, n);
    return i;
}

static void wt_add_short(struct word_table *t, const unsigned char *p, size_t n,
                         uint64_t count)
{
    size_t k = wt_short_key(p, n);
    if (!t->short_idx[k])
        t->short_idx[k] = (uint32_t)wt_append(t, p, n, 0, 0) + 1;
    t->short_freq[k] += count;
}

/* Adds count to word p[0..n) of three or more bytes, hash h, head wt_head. */
static inline __attribute__((always_inline)) void
wt_add_long(struct word_table *t, const unsigned char *p, size_t n, uint64_t h, uint64_t head,
            uint64_t count)
{
    uint32_t tag = wt_tag(h, n);
    size_t j = h & t->mask;
    for (; t->slot[j].tag; j = (j + 1) & t->mask) {
        if (t->slot[j].tag == tag && wt_same(t, &t->slot[j], p, n, head)) {
            t->slot[j].freq += count;
            return;
        }
    }
    size_t i = wt_append(t, p, n, h, 0);
    t->slot[j] = (struct word_slot){.head = head, .tail = wt_tail(p, n), .freq = count,
                                    .idx = (uint32_t)i, .tag = tag};
    if (++t->in_slots * WT_LOAD_DEN > (t->mask + 1) * WT_LOAD_NUM)
        wt_grow_slots(t);
}

static void wt_add(struct word_table *t, const unsigned char *p, size_t n, uint64_t h,
                   uint64_t count)
{
    if (n - 1 < 2)
        wt_add_short(t, p, n, count);
    else
        wt_add_long(t, p, n, h, wt_head(p, n), count);
}

/* Hashes n batched words and prefetches their slots. */
static void wt_fetch_batch(struct word_table *t, struct pending_word *b, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        b[i].h = wt_hash_head(b[i].p, b[i].n, b[i].head);
        __builtin_prefetch(&t->slot[b[i].h & t->mask]);
    }
}

static void wt_add_fetched(struct word_table *t, const struct pending_word *b, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        wt_add_long(t, b[i].p, b[i].n, b[i].h, b[i].head, 1);
}

/* The filling batch is full: fetch it, add the one fetched before. */
__attribute__((noinline)) static void wt_add_batch(struct word_table *t)
{
    wt_fetch_batch(t, t->batch[t->cur], WT_BATCH);
    wt_add_fetched(t, t->batch[t->cur ^ 1], t->n_ready);
    t->n_ready = WT_BATCH;
    t->cur ^= 1;
    t->n_batch = 0;
}

/* Adds every batched word: before the input they point into is released. */
static void wt_drain(struct word_table *t)
{
    wt_add_fetched(t, t->batch[t->cur ^ 1], t->n_ready);
    t->n_ready = 0;
    wt_fetch_batch(t, t->batch[t->cur], t->n_batch);
    wt_add_fetched(t, t->batch[t->cur], t->n_batch);
    t->n_batch = 0;
}

/* ---- chunking ---- */

static int is_ascii_graphic(unsigned char c)
{
    return c > ' ' && c < 0x7F;
}

/* A cut at pos is safe when no special token straddles it and either a
 * special token starts there, or the bytes around it are graphic ASCII,
 * '\n', graphic ASCII: then the whitespace run is exactly "\n", which the
 * pattern makes one pre-token whether or not more text follows, and the
 * next pre-token starts at pos in both cases. */
static int newline_cut_ok(const unsigned char *d, size_t len, size_t pos)
{
    return pos >= 2 && pos < len && d[pos - 1] == '\n' && is_ascii_graphic(d[pos]) &&
           is_ascii_graphic(d[pos - 2]);
}

/* The first cut in [target, limit) where the global split and
 * pre-tokenization provably agree with the per-chunk ones: the next special
 * token start, or failing that a safe newline; len if there is none. */
static size_t find_cut(const unsigned char *data, size_t len, const struct specials *sp,
                       struct special_cursor *cur, size_t target, size_t limit)
{
    size_t pos = target;
    for (;;) {
        size_t mlen;
        size_t s = special_cursor_next(cur, pos, &mlen);
        if (s >= limit)
            break;
        if (!special_covers(sp, data, len, s))
            return s;
        pos = s + 1;
    }
    for (size_t p = target; p < limit; p++) {
        const unsigned char *nl = memchr(data + p, '\n', limit - p);
        if (!nl)
            break;
        p = (size_t)(nl - data) + 1;
        if (newline_cut_ok(data, len, p) && !special_covers(sp, data, len, p))
            return p;
        p--; /* the loop's p++ moves past this newline */
    }
    return len;
}

/* Chunk boundaries: start offsets of chunks (first is 0, last is len), at
 * most `want` chunks of about equal size, each cut within one step of its
 * target (find_cut). */
static size_t count_chunk_bounds(const unsigned char *data, size_t len,
                                 const struct specials *sp, size_t want, size_t *bounds)
{
    size_t n = 0;
    bounds[n++] = 0;
    if (want < 1)
        want = 1;
    struct special_cursor cur;
    special_cursor_init(&cur, sp, data, len);
    size_t step = len / want;
    for (size_t k = 1; k < want && step; k++) {
        size_t target = k * step;
        if (target <= bounds[n - 1])
            continue;
        size_t limit = target + step < len ? target + step : len;
        size_t cut = find_cut(data, len, sp, &cur, target, limit);
        if (cut < len && cut > bounds[n - 1])
            bounds[n++] = cut;
    }
    special_cursor_free(&cur);
    bounds[n++] = len;
    return n - 1;
}

/* Chunks for `workers` threads that take the next chunk as they come: each
 * is 1/(2 x workers) of what is left (so the first are large and the last
 * small, and the threads finish within a small chunk of each other instead
 * of within one of `workers` x 8 equal ones: on sentences' 10 MB one such
 * chunk is 5 ms of a 45 ms count), at most 64 MiB (the pages a thread has
 * mapped but not yet released stay bounded) and at least 64 KiB (a chunk
 * costs a few microseconds). Returns the chunk count; *bounds (allocated)
 * holds the start offsets and len last. */
#define CHUNK_MIN ((size_t)64 << 10)
#define CHUNK_MAX ((size_t)64 << 20)
static size_t guided_bounds(const unsigned char *data, size_t len, const struct specials *sp,
                            unsigned workers, size_t **bounds)
{
    size_t n = 0, cap = 64;
    size_t *b = xmalloc(cap * sizeof *b);
    b[n++] = 0;
    struct special_cursor cur;
    special_cursor_init(&cur, sp, data, len);
    for (size_t pos = 0; len - pos > CHUNK_MIN;) {
        size_t size = (len - pos) / (2 * (size_t)workers);
        size = size < CHUNK_MIN ? CHUNK_MIN : size > CHUNK_MAX ? CHUNK_MAX : size;
        size_t cut = len;
        for (size_t at = pos + size; at < len && cut == len; at += size)
            cut = find_cut(data, len, sp, &cur, at, at + size < len ? at + size : len);
        if (cut >= len)
            break;
        if (n + 2 > cap)
            b = xrealloc(b, (cap *= 2) * sizeof *b);
        b[n++] = pos = cut;
    }
    special_cursor_free(&cur);
    b[n++] = len;
    *bounds = b;
    return n - 1;
}

/* ---- workers ---- */

struct count_job {
    const unsigned char *data;
    size_t len;
    const struct specials *sp;
    const size_t *bounds;
    size_t n_chunks;
    atomic_size_t next_chunk;
    atomic_size_t *next;  /* &next_chunk, or the counter shared with others */
    atomic_int failed;
    const struct count_config *cfg;
};

struct count_worker {
    pthread_t thread;
    struct thread_start start;
    struct count_job *job;
    struct pretok *pt;  /* made, with the table, before the threads start */
    struct word_table table;
    int last;           /* the last worker: no word is looked up in its table */
    char err[256];
    int rc;
    uint64_t counted;  /* bytes of the chunks this thread took */
};

/* A short word whose counter is 0 (seen for the first time, as a rule):
 * the words batched before it get their index first. Out of line, as
 * wt_add_batch is: emit_word, called for every pre-token, then needs few
 * registers on its common paths. */
__attribute__((noinline)) static void emit_new_short(struct word_table *t,
                                                     const unsigned char *p, size_t n)
{
    wt_drain(t);
    wt_add_short(t, p, n, 1);
}

static void emit_word(const unsigned char *p, size_t n, void *ctx)
{
    struct word_table *t = ctx;
    /* Word lengths are 32-bit (the merge phase holds a token per byte): a
     * longer pre-token (4 GiB of punctuation) is refused, not truncated. */
    if (n > UINT32_MAX) {
        t->too_long = n;
        return;
    }
    uint64_t head = wt_head_in(p, n, t->end);
    /* Both paths run, without a branch on the length: a short word is
     * counted at its counter, a longer one at WT_SINK; every word is
     * written to the batch, but only a longer one stays (n_batch moves).
     * A counter that is not 0 is that of a word with an index (only
     * wt_add_short, which gives one, makes a counter of 0 grow), so the
     * common path reads the counter alone, not also short_idx. */
    size_t is_long = n - 1 >= 2, sink = -is_long; /* all ones for a longer word */
    __asm__("" : "+r"(sink)); /* opaque: the compiler would branch on it again */
    size_t k = ((head + ((n - 1) << 8)) & ~sink) | (WT_SINK & sink); /* wt_short_key */
    if (__builtin_expect(!t->short_freq[k], 0)) {
        emit_new_short(t, p, n);
    } else {
        t->short_freq[k]++;
        t->batch[t->cur][t->n_batch] = (struct pending_word){p, n, head, 0};
        t->n_batch += (unsigned)is_long;
        if (t->n_batch == WT_BATCH)
            wt_add_batch(t);
    }
    t->total++;
}

/* --pretok-only: the pieces are counted, not looked up. */
static void emit_count(const unsigned char *p, size_t n, void *ctx)
{
    struct word_table *t = ctx;
    (void)p;
    (void)n;
    t->total++;
}

/* A counted chunk's pages are not needed again: dropping them from the
 * mapping keeps the resident set small however large the input (the page
 * cache keeps them as long as the machine has room). Only whole pages
 * inside the chunk are released; a read-only private file mapping loses
 * nothing by it. */
static void release_chunk(const struct count_job *job, size_t begin, size_t end)
{
    if (!job->cfg->mapped)
        return;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    uintptr_t base = (uintptr_t)job->data;
    uintptr_t lo = (base + begin + page - 1) / page * page, hi = (base + end) / page * page;
    if (hi > lo)
        madvise((void *)lo, hi - lo, MADV_DONTNEED);
}

/* Adds n counted bytes to the progress counter, if any. The threads add
 * per chunk and per 1 MiB of special-delimited pieces, so the counter is
 * touched rarely enough to cost nothing. */
static void add_done(const struct count_job *job, size_t *pending, size_t n, int flush)
{
    *pending += n;
    if (job->cfg->bytes_done && *pending && (flush || *pending >= (1u << 20))) {
        atomic_fetch_add_explicit(job->cfg->bytes_done, *pending, memory_order_relaxed);
        *pending = 0;
    }
}

/* Whether the caller asked the count to stop (a Ctrl-C in the Python
 * module); checked once a piece, so a large input stops within one piece
 * (a document, or a chunk of at most 64 MiB of text without specials). */
static int cancelled(struct count_worker *w)
{
    const atomic_int *c = w->job->cfg->cancel;
    if (!c || !atomic_load_explicit(c, memory_order_relaxed))
        return 0;
    errf(w->err, sizeof w->err, "interrupted while counting");
    w->rc = -1;
    atomic_store(&w->job->failed, 1);
    return 1;
}

static void *count_worker_main(void *arg)
{
    struct count_worker *w = arg;
    struct count_job *job = w->job;
    /* Touched here, by the thread that fills it, so that the tables' pages
     * are mapped in parallel (run_workers allocated them). Pre-tokenizing
     * alone makes none (the table stays zeroed: emit_count counts into it
     * and nothing else reads it), so its time is the scanner's and not
     * also the mapping and zeroing of an empty table. */
    int table = !job->cfg->pretok_only;
    if (table)
        wt_touch(&w->table);
    w->table.end = job->data + job->len;
    struct pretok *pt = w->pt;
    pretok_emit_fn emit = table ? emit_word : emit_count;
    for (;;) {
        size_t k = atomic_fetch_add(job->next, 1);
        if (k >= job->n_chunks || atomic_load(&job->failed) || cancelled(w))
            break;
        size_t begin = job->bounds[k], end = job->bounds[k + 1];
        w->counted += end - begin;
        struct special_cursor cur;
        special_cursor_init(&cur, job->sp, job->data + begin, end - begin);
        size_t pos = 0, n = end - begin, pending = 0;
        while (pos <= n) {
            size_t mlen;
            size_t s = special_cursor_next(&cur, pos, &mlen);
            if (s > pos && pretok_split(pt, job->data + begin + pos, s - pos, emit,
                                        &w->table, w->err, sizeof w->err) < 0) {
                w->rc = -1;
                atomic_store(&job->failed, 1);
                break;
            }
            if (w->table.too_long) {
                errf(w->err, sizeof w->err, "a pre-token of %zu bytes is longer than the "
                     "4 GiB this trainer supports", w->table.too_long);
                w->rc = -1;
                atomic_store(&job->failed, 1);
                break;
            }
            if (s >= n || cancelled(w))
                break;
            add_done(job, &pending, s + mlen - pos, 0);
            pos = s + mlen;
        }
        add_done(job, &pending, n > pos ? n - pos : 0, 1);
        special_cursor_free(&cur);
        if (table)
            wt_drain(&w->table);
        if (w->rc)
            break;
        release_chunk(job, begin, end);
    }
    /* The counts to t->freq, where the combine reads them: here, on the
     * thread that filled the table, while the others still count. The
     * combine looks words up in every table but the last, so the last
     * one's thread frees its lookup here, while the others flush (with one
     * worker, nothing else runs then: the same work, only earlier). */
    if (table) {
        wt_flush(&w->table);
        if (w->last)
            wt_free_lookup(&w->table);
    }
    return NULL;
}

/* The threads that share the chunks: this count's, or with a shared
 * counter those of every process that takes from it. */
static unsigned chunk_sharers(const struct count_config *cfg, unsigned workers)
{
    return cfg->shared_next && cfg->sharers > workers ? cfg->sharers : workers;
}

/* Runs the job on `workers` threads, this one included, and waits for them. */
static int run_workers(struct count_worker *w, unsigned workers, char *err, size_t errlen)
{
    struct count_job *job = w[0].job;
    unsigned sharers = chunk_sharers(job->cfg, workers);
    size_t slots = wt_start_slots(job->len / sharers);
    /* Every table and pre-tokenizer is made here, before any thread
     * starts: a mapping made on one thread (a table, or the allocator's
     * arena for a thread's first allocation) waits for another thread's
     * populating madvise (util.h, map_zeroed_written), so threads that
     * each made their own as they began held each other up. */
    int rc = 0;
    for (unsigned i = 0; i < workers && rc == 0; i++) {
        w[i].last = i + 1 == workers;
        if (!job->cfg->pretok_only)
            wt_alloc(&w[i].table, slots);
        if (!(w[i].pt = pretok_new(job->cfg->pretok, w[i].err, sizeof w[i].err)))
            rc = errf(err, errlen, "counting worker %u: %s", i, w[i].err);
        else /* a piece's last window may be read in place: the whole input
              * is there (mapped or read; a released chunk's pages read back) */
            pretok_readable_to(w[i].pt, job->data + job->len);
    }
    unsigned started = 0;
    for (unsigned i = 0; i < workers && rc == 0; i++) {
        /* Worker 0 runs on this thread: one thread fewer to create, and a
         * single-worker count involves no thread at all. */
        if (i == 0)
            continue;
        int e = thread_start_apart(&w[i].thread, &w[i].start, i, count_worker_main, &w[i]);
        if (e) {
            atomic_store(&w[0].job->failed, 1);
            rc = errf(err, errlen, "cannot start counting thread %u: %s", i, strerror(e));
            break;
        }
        started++;
    }
    if (rc == 0)
        count_worker_main(&w[0]);
    for (unsigned i = 1; i <= started; i++)
        pthread_join(w[i].thread, NULL);
    for (unsigned i = 0; i < workers && rc == 0; i++)
        if (w[i].rc)
            rc = errf(err, errlen, "counting worker %u: %s", i, w[i].err);
    return rc;
}

/* ---- combining the workers' tables, in parallel ---- */

/* Which combine thread owns a word: bits 32..40 of its table hash, which
 * neither the slot index (the low bits) nor the tag (the top 23) uses.
 * Short words (hash 0) all belong to part 0. */
static unsigned wt_part(uint64_t h, unsigned parts)
{
    return (unsigned)(((h >> 32) & 0x1ff) * parts >> 9);
}

/* The index of word p[0..n), table hash h, in t, or SIZE_MAX. */
static size_t wt_find(const struct word_table *t, const unsigned char *p, size_t n, uint64_t h)
{
    if (n - 1 < 2) {
        uint32_t i = t->short_idx[wt_short_key(p, n)];
        return i ? i - 1 : SIZE_MAX;
    }
    uint64_t head = wt_head(p, n);
    uint32_t tag = wt_tag(h, n);
    for (size_t j = h & t->mask; t->slot[j].tag; j = (j + 1) & t->mask)
        if (t->slot[j].tag == tag && wt_same(t, &t->slot[j], p, n, head))
            return t->slot[j].idx;
    return SIZE_MAX;
}

/* One combine thread's part of the words. A word's first occurrence in
 * the tables' order 0, 1, ... takes the counts of the others: thread p
 * looks each word of its part in tables 1, 2, ... up in the tables before
 * it. So the threads share the lookups (each about half of table 1's words
 * at two workers, instead of one thread looking up all of them), and
 * nothing is inserted: the tables' slots and word arrays stay as counting
 * left them, read-only, and only counts change, each by the one thread that
 * owns its word. Table 0's words then stay where they are, and the output
 * is table 0's arrays with the words first seen in the others appended: no
 * table grows, and only those words are copied, into fresh memory (whose
 * first touch costs more than many reads). */
struct combine_part {
    struct count_worker *w;
    unsigned p, parts;
    uint32_t **fresh;     /* per table q >= 1: its words of this part first seen there */
    size_t *n_fresh, *fresh_bytes; /* how many, and their bytes */
    size_t *out_at, *out_bytes_at; /* per table q: where they go in the output */
    struct word_counts *out;
};

/* Adds every word of part c->p of table q >= 1 to its first occurrence,
 * keeping in c->fresh[q] those that are first there. */
static void combine_from(struct combine_part *c, unsigned q)
{
    const struct word_table *t0 = &c->w[0].table, *u = &c->w[q].table;
    uint32_t *ix = xmalloc((u->n ? u->n : 1) * sizeof *ix);
    size_t m = 0, kept = 0, bytes = 0;
    /* Without a branch: which part a word is in is a coin toss. */
    for (size_t j = 0; j < u->n; j++) {
        ix[m] = (uint32_t)j;
        m += wt_part(u->hash[j], c->parts) == c->p;
    }
    for (size_t k = 0; k < m; k++) {
        if (k + WT_PLACE_AHEAD < m)
            __builtin_prefetch(&t0->slot[u->hash[ix[k + WT_PLACE_AHEAD]] & t0->mask]);
        size_t j = ix[k], i = SIZE_MAX;
        const unsigned char *p = u->bytes.data + u->off[j];
        for (unsigned r = 0; r < q && i == SIZE_MAX; r++) {
            struct word_table *t = &c->w[r].table;
            if ((i = wt_find(t, p, u->len[j], u->hash[j])) != SIZE_MAX)
                t->freq[i] += u->freq[j];
        }
        if (i == SIZE_MAX) {
            ix[kept++] = (uint32_t)j;
            bytes += u->len[j];
        }
    }
    c->fresh[q] = ix;
    c->n_fresh[q] = kept;
    c->fresh_bytes[q] = bytes;
}

static void combine_part_main(void *arg, unsigned p)
{
    struct combine_part *c = (struct combine_part *)arg + p;
    for (unsigned q = 1; q < c->parts; q++)
        combine_from(c, q);
}

/* Copies part c's words first seen in tables 1, 2, ... to their place. */
static void combine_copy_main(void *arg, unsigned p)
{
    const struct combine_part *c = (const struct combine_part *)arg + p;
    struct word_counts *out = c->out;
    for (unsigned q = 1; q < c->parts; q++) {
        const struct word_table *u = &c->w[q].table;
        size_t k = c->out_at[q], at = c->out_bytes_at[q];
        for (size_t f = 0; f < c->n_fresh[q]; f++, k++) {
            size_t i = c->fresh[q][f];
            memcpy(out->bytes + at, u->bytes.data + u->off[i], u->len[i]);
            out->off[k] = at;
            out->len[k] = u->len[i];
            out->freq[k] = u->freq[i];
            at += u->len[i];
        }
    }
}

/* Hands table t's arrays to out. */
static void take_table(struct word_table *t, struct word_counts *out)
{
    out->n = t->n;
    out->bytes = t->bytes.data;
    out->off = t->off;
    out->len = t->len;
    out->freq = t->freq;
    t->bytes.data = NULL;
    t->off = NULL;
    t->len = NULL;
    t->freq = NULL;
}

/* Where part p's words first seen in table q go, for every q and p in
 * that order, after table 0's words; returns the words and bytes in all. */
static size_t combine_places(struct combine_part *c, const struct count_worker *w,
                             unsigned workers, size_t *bytes)
{
    size_t n = w[0].table.n;
    *bytes = w[0].table.bytes.len;
    for (unsigned q = 1; q < workers; q++)
        for (unsigned p = 0; p < workers; p++) {
            c[p].out_at[q] = n;
            c[p].out_bytes_at[q] = *bytes;
            n += c[p].n_fresh[q];
            *bytes += c[p].fresh_bytes[q];
        }
    return n;
}

/* Combines the workers' tables into out: table 0's words in the order they
 * came, then those first seen in table 1, 2, ... (by part). One worker's
 * table is out as it is. */
static void combine_tables(struct count_worker *w, unsigned workers, struct word_counts *out)
{
    uint64_t total = 0;
    for (unsigned i = 0; i < workers; i++)
        total += w[i].table.total; /* each worker flushed its own table's counts */
    if (w[0].job->cfg->pretok_only) { /* no tables: no words, only the total */
        out->total = total;
        return;
    }
    if (workers == 1) {
        take_table(&w[0].table, out);
        out->total = total;
        return;
    }
    struct combine_part *c = xcalloc(workers, sizeof *c);
    for (unsigned p = 0; p < workers; p++)
        c[p] = (struct combine_part){.w = w, .p = p, .parts = workers, .out = out,
                                     .fresh = xcalloc(workers, sizeof *c[p].fresh),
                                     .n_fresh = xcalloc(workers, sizeof *c[p].n_fresh),
                                     .fresh_bytes = xcalloc(workers, sizeof *c[p].fresh_bytes),
                                     .out_at = xcalloc(workers, sizeof *c[p].out_at),
                                     .out_bytes_at = xcalloc(workers, sizeof *c[p].out_bytes_at)};
    threads_run(workers, combine_part_main, c);
    size_t bytes, n = combine_places(c, w, workers, &bytes);
    take_table(&w[0].table, out);
    out->n = n;
    out->total = total;
    /* Grown in place where the allocator can (large blocks are remapped,
     * not copied). */
    out->bytes = xrealloc(out->bytes, bytes ? bytes : 1);
    out->off = xrealloc(out->off, (n ? n : 1) * sizeof *out->off);
    out->len = xrealloc(out->len, (n ? n : 1) * sizeof *out->len);
    out->freq = xrealloc(out->freq, (n ? n : 1) * sizeof *out->freq);
    threads_run(workers, combine_copy_main, c);
    for (unsigned p = 0; p < workers; p++) {
        for (unsigned q = 0; q < workers; q++)
            free(c[p].fresh[q]);
        free(c[p].fresh);
        free(c[p].n_fresh);
        free(c[p].fresh_bytes);
        free(c[p].out_at);
        free(c[p].out_bytes_at);
    }
    free(c);
}

int count_words_cfg(const unsigned char *data, size_t len, const struct specials *sp,
                    const struct count_config *cfg, struct word_counts *out,
                    struct count_stats *st, char *err, size_t errlen)
{
    unsigned workers = cfg->workers;
    memset(out, 0, sizeof *out);
    memset(st, 0, sizeof *st);
    if (workers < 1)
        workers = 1;
    size_t *bounds;
    double t0 = now_s();
    size_t n_chunks = guided_bounds(data, len, sp, chunk_sharers(cfg, workers), &bounds);
    if (workers > n_chunks)
        workers = (unsigned)(n_chunks ? n_chunks : 1);
    struct count_job job = {.data = data, .len = len, .sp = sp, .bounds = bounds,
                            .n_chunks = n_chunks, .cfg = cfg};
    atomic_init(&job.next_chunk, 0);
    job.next = cfg->shared_next ? cfg->shared_next : &job.next_chunk;
    atomic_init(&job.failed, 0);
    struct count_worker *w = xcalloc(workers, sizeof *w);
    for (unsigned i = 0; i < workers; i++)
        w[i].job = &job;
    int rc = run_workers(w, workers, err, errlen);
    double t1 = now_s();
    if (rc == 0)
        combine_tables(w, workers, out);
    double t2 = now_s();
    for (unsigned i = 0; i < workers; i++) {
        st->counted_bytes += w[i].counted;
        wt_free(&w[i].table);
        pretok_free(w[i].pt);
    }
    free(w);
    free(bounds);
    st->pretok_s = t1 - t0;
    st->combine_s = t2 - t1;
    st->chunks = n_chunks;
    st->workers = workers;
    return rc;
}

void word_counts_free(struct word_counts *wc)
{
    free(wc->bytes);
    free(wc->off);
    free(wc->len);
    free(wc->freq);
    memset(wc, 0, sizeof *wc);
}

/* ---- counts of several processes (bpetrain-mpi) ---- */

size_t count_split(const unsigned char *data, size_t len, const struct specials *sp,
                   size_t parts, size_t *bounds)
{
    return count_chunk_bounds(data, len, sp, parts ? parts : 1, bounds);
}

static void wt_add_counts(struct word_table *t, const struct word_counts *wc)
{
    /* All hashes first, so that each word's slot is asked for
     * WT_PLACE_AHEAD words before it is probed, as combine_from does. */
    uint64_t *h = xmalloc((wc->n ? wc->n : 1) * sizeof *h);
    for (size_t i = 0; i < wc->n; i++)
        h[i] = wt_hash(wc->bytes + wc->off[i], wc->len[i]);
    for (size_t i = 0; i < wc->n; i++) {
        if (i + WT_PLACE_AHEAD < wc->n)
            __builtin_prefetch(&t->slot[h[i + WT_PLACE_AHEAD] & t->mask]);
        wt_add(t, wc->bytes + wc->off[i], wc->len[i], h[i], wc->freq[i]);
    }
    free(h);
    t->total += wc->total;
}

void word_counts_add(struct word_counts *dst, const struct word_counts *src)
{
    /* Sized for both, the most the sum can hold: no rebuild on the way. */
    size_t slots = WT_MIN_SLOTS;
    while (slots / WT_LOAD_DEN * WT_LOAD_NUM < dst->n + src->n)
        slots *= 2;
    struct word_table t;
    wt_init(&t, slots);
    wt_add_counts(&t, dst);
    wt_add_counts(&t, src);
    wt_flush(&t);
    word_counts_free(dst);
    take_table(&t, dst);
    dst->total = t.total;
    wt_free(&t);
}

uint64_t word_counts_hash(const struct word_counts *wc)
{
    /* A sum of per-word hashes: the same for any order of the words. */
    uint64_t sum = 0;
    for (size_t i = 0; i < wc->n; i++) {
        uint64_t h = hash_bytes(wc->bytes + wc->off[i], wc->len[i]);
        sum += fnv1a64(h, &wc->freq[i], sizeof wc->freq[i]);
    }
    return fnv1a64(fnv1a64(sum, &wc->n, sizeof wc->n), &wc->total, sizeof wc->total);
}

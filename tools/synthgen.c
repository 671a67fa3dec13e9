/* synthgen.c: deterministic, seeded TinyStories-like text of any size, so BPE
 * training can be benchmarked at the scale of the real 2.1 GB training file
 * (which we cannot download) from the bundled 1 MB sample.
 *
 * Text comes from an order-2 Markov chain over the sample's pre-token-like
 * units, so the GPT-2 pre-tokenizer sees the sample's spacing, punctuation and
 * capitalisation. A chain alone would stop inventing words at the sample's
 * ~5,400, while real text keeps meeting new ones (Heaps' law, V ~ K n^0.5), and
 * the number of distinct words is what drives BPE's memory and merge cost. So
 * content words are now and then replaced by new words derived from them, at a
 * rate that falls as 1/sqrt(tokens so far), and each new word is reused later
 * in its parent's place with a Zipf-like preference for the oldest ones.
 *
 * Everything the output depends on is integer arithmetic on our own PRNG, so
 * the same sample, seed and size give the same bytes on any machine. */
#define _GNU_SOURCE
#include "io.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define EOT "<|endoftext|>"
#define EOT_LEN (sizeof EOT - 1)
#define SEP "\n" EOT "\n"
#define SEP_LEN (sizeof SEP - 1)
#define DEFAULT_SEED 1
/* Bumped whenever the same arguments would give different bytes. */
#define FORMAT_VERSION 1
/* 1 TiB: far beyond any benchmark, and small enough that no count overflows. */
#define MAX_SIZE (1ULL << 40)

/* ---- tuning ----------------------------------------------------------------
 * New words per generated token: HEAPS_K / (2 sqrt(n + HEAPS_N0)), the
 * derivative of HEAPS_K sqrt(n), i.e. Heaps' law with beta = 1/2. K is set so
 * that new words outnumber the sample's own from about 2 MB of output on; only
 * then does every 4x of output bring >= 1.5x the distinct words (measured:
 * 1.7x at 2M -> 8M, 2.0x at 256M -> 1G, 282k distinct pre-tokens at 2G). */
#define HEAPS_K_MILLI 10000 /* K = 10.0 */
#define HEAPS_N0 20000      /* keeps the rate finite at the first token */
/* --vocab-growth F multiplies K: F times the new words, the regime of web
 * text (OpenWebText: several million distinct pre-tokens) at a size that
 * fits a benchmark. Once nearly every content word is new the gain per F
 * flattens (test_synth checks the gain the usage text documents). */
#define MAX_GROWTH 1000
/* Chance that a content word whose lemma has new derivatives is replaced by
 * one of them: high enough that new words recur (and so get merged by BPE like
 * real rare words), low enough that the sample's words still dominate. */
#define REUSE_PER_MILLE 100
/* The most frequent lemmas are function words ("the", "said", "she"):
 * replacing them would break sentences for nothing. */
#define STOP_RANK 100
#define MIN_CONTENT_LEN 3
/* Stories longer than this are a chain stuck in a loop; drop them. */
#define MAX_STORY_BYTES (1u << 20)
/* After this many consecutive stories too long for the space left, stop. */
#define MAX_FILL_MISSES 64
#define OUT_FLUSH (8u << 20)

static const char *prog = "synthgen";

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* ---- temporary output and signals -------------------------------------------- */

/* The handler may only touch these: a fixed buffer and a flag, set while
 * signals are blocked, so it never sees a half-written name. */
static char tmp_path[4096];
static volatile sig_atomic_t tmp_live;

static void on_signal(int sig)
{
    if (tmp_live)
        unlink(tmp_path);
    _exit(128 + sig);
}

static void block_signals(sigset_t *old)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGINT);
    sigaddset(&s, SIGTERM);
    sigaddset(&s, SIGHUP);
    sigprocmask(SIG_BLOCK, &s, old);
}

static void die(const char *fmt, ...)
{
    if (tmp_live) {
        unlink(tmp_path);
        tmp_live = 0;
    }
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", prog);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

/* ---- PRNG: xoshiro256** seeded through splitmix64 ------------------------------ */

struct rng {
    uint64_t s[4];
};

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void rng_seed(struct rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&seed);
}

static inline uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static inline uint64_t rng_next(struct rng *r)
{
    uint64_t *s = r->s;
    uint64_t out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return out;
}

/* Uniform in [0, n) by multiply-shift: no division on the hot path; the bias
 * (n / 2^32 at most) is far below anything a benchmark could notice. */
static inline uint32_t rng_below(struct rng *r, uint32_t n)
{
    return (uint32_t)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

/* ---- SHA-256 (FIPS 180-4), for the sidecar's record of which sample was used -- */

static const uint32_t sha_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
    0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
    0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
    0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
    0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
    0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
    0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2};

static inline uint32_t ror32(uint32_t x, int k)
{
    return (x >> k) | (x << (32 - k));
}

static void sha256_block(uint32_t h[8], const unsigned char *p)
{
    uint32_t w[64];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ror32(w[i - 15], 7) ^ ror32(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ror32(w[i - 2], 17) ^ ror32(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6],
             hh = h[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = hh + (ror32(e, 6) ^ ror32(e, 11) ^ ror32(e, 25)) + ((e & f) ^ (~e & g)) +
                      sha_k[i] + w[i];
        uint32_t t2 = (ror32(a, 2) ^ ror32(a, 13) ^ ror32(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        hh = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
    h[5] += f;
    h[6] += g;
    h[7] += hh;
}

static void sha256_hex(const unsigned char *data, size_t n, char out[65])
{
    uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                     0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    size_t i = 0;
    for (; i + 64 <= n; i += 64)
        sha256_block(h, data + i);
    unsigned char last[128] = {0};
    size_t rest = n - i;
    memcpy(last, data + i, rest);
    last[rest] = 0x80;
    size_t blocks = rest + 9 <= 64 ? 1 : 2;
    uint64_t bits = (uint64_t)n * 8;
    for (int k = 0; k < 8; k++)
        last[blocks * 64 - 1 - (size_t)k] = (unsigned char)(bits >> (8 * k));
    for (size_t b = 0; b < blocks; b++)
        sha256_block(h, last + 64 * b);
    for (int k = 0; k < 8; k++)
        snprintf(out + 8 * k, 9, "%08x", h[k]);
}

/* ---- an open-addressing index of byte strings ----------------------------------- */

/* Strings live elsewhere (the sample, or an arena); the index holds ids and asks
 * the owner for the bytes, so one table type serves tokens and words. */
struct strtab {
    uint32_t *slot; /* id + 1, 0 = empty */
    size_t mask, count;
};

struct strs {
    const unsigned char *const *base; /* *base may move when an arena grows */
    uint64_t *off;
    uint32_t *len;
    size_t n, cap;
};

static void strs_push(struct strs *s, uint64_t off, uint32_t len)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 1024;
        s->off = xrealloc(s->off, s->cap * sizeof *s->off);
        s->len = xrealloc(s->len, s->cap * sizeof *s->len);
    }
    s->off[s->n] = off;
    s->len[s->n] = len;
    s->n++;
}

static void strtab_init(struct strtab *t, size_t cap)
{
    size_t c = 1024;
    while (c < 2 * cap)
        c *= 2;
    t->slot = xcalloc(c, sizeof *t->slot);
    t->mask = c - 1;
    t->count = 0;
}

/* Returns the id of s, or -1 when absent; *where is the slot to fill. */
static int64_t strtab_find(const struct strtab *t, const struct strs *ss, const void *s,
                           uint32_t n, size_t *where)
{
    size_t i = (size_t)hash_bytes(s, n) & t->mask;
    for (;; i = (i + 1) & t->mask) {
        uint32_t v = t->slot[i];
        if (!v) {
            *where = i;
            return -1;
        }
        uint32_t id = v - 1;
        if (ss->len[id] == n && memcmp(*ss->base + ss->off[id], s, n) == 0)
            return id;
    }
}

static void strtab_grow(struct strtab *t, const struct strs *ss)
{
    size_t c = 2 * (t->mask + 1);
    uint32_t *slot = xcalloc(c, sizeof *slot);
    for (size_t i = 0; i <= t->mask; i++) {
        uint32_t v = t->slot[i];
        if (!v)
            continue;
        size_t j = (size_t)hash_bytes(*ss->base + ss->off[v - 1], ss->len[v - 1]) & (c - 1);
        while (slot[j])
            j = (j + 1) & (c - 1);
        slot[j] = v;
    }
    free(t->slot);
    t->slot = slot;
    t->mask = c - 1;
}

/* Records id (already pushed to ss) in the slot strtab_find returned. */
static void strtab_add(struct strtab *t, const struct strs *ss, size_t where, uint32_t id)
{
    t->slot[where] = id + 1;
    if (++t->count * 2 > t->mask + 1)
        strtab_grow(t, ss);
}

/* ---- u64 -> u32 map, for chain states keyed by a pair of token ids --------------- */

struct u64map {
    uint64_t *key;
    uint32_t *val; /* UINT32_MAX = empty */
    size_t mask, count;
};

static inline size_t mix_u64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return (size_t)x;
}

static void u64map_init(struct u64map *m, size_t cap)
{
    size_t c = 1024;
    while (c < 2 * cap)
        c *= 2;
    m->key = xmalloc(c * sizeof *m->key);
    m->val = xmalloc(c * sizeof *m->val);
    memset(m->val, 0xff, c * sizeof *m->val);
    m->mask = c - 1;
    m->count = 0;
}

/* The id for key, assigning the next free one on first sight. */
static uint32_t u64map_intern(struct u64map *m, uint64_t key)
{
    size_t i = mix_u64(key) & m->mask;
    while (m->val[i] != UINT32_MAX) {
        if (m->key[i] == key)
            return m->val[i];
        i = (i + 1) & m->mask;
    }
    /* Sized for the sample's token count up front, so it never fills. */
    m->key[i] = key;
    m->val[i] = (uint32_t)m->count++;
    return m->val[i];
}

/* ---- tokenizing the sample -------------------------------------------------------- */

/* Byte classes as the GPT-2 pattern sees ASCII; every byte >= 0x80 counts as a
 * letter so that a UTF-8 sequence never splits inside a unit (the chain needs
 * units whose concatenation reproduces the text, not exact pre-tokens). */
static inline int is_sp(unsigned c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}
static inline int is_alpha_ascii(unsigned c)
{
    return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}
static inline int is_let(unsigned c)
{
    return is_alpha_ascii(c) || c >= 0x80;
}
static inline int is_dig(unsigned c)
{
    return c >= '0' && c <= '9';
}
static inline int cls(unsigned c)
{
    return is_sp(c) ? 0 : is_let(c) ? 1 : is_dig(c) ? 2 : 3;
}

/* End of the unit starting at p[i]: the GPT-2 alternatives in their order
 * (contraction, " ?letters", " ?digits", " ?other", whitespace), so a unit is
 * a pre-token in all but rare corner cases, and joining units the way the
 * sample joins them gives back the sample's pre-tokens. */
static size_t unit_end(const unsigned char *p, size_t i, size_t n)
{
    if (p[i] == '\'' && i + 1 < n) {
        unsigned a = p[i + 1], b = i + 2 < n ? p[i + 2] : 0;
        if ((a == 'l' && b == 'l') || (a == 'v' && b == 'e') || (a == 'r' && b == 'e'))
            return i + 3;
        if (a == 's' || a == 'd' || a == 'm' || a == 't')
            return i + 2;
    }
    size_t j = i;
    if (p[j] == ' ' && j + 1 < n && !is_sp(p[j + 1]))
        j++;
    int c = cls(p[j]);
    size_t k = j + 1;
    if (c == 0) {
        while (k < n && is_sp(p[k]))
            k++;
        /* A space right before a non-space belongs to the next unit. */
        if (k < n && k - i > 1 && p[k - 1] == ' ')
            k--;
        return k;
    }
    while (k < n && cls(p[k]) == c)
        k++;
    return k;
}

/* ---- the model ---------------------------------------------------------------------- */

enum { CAP_LOWER, CAP_TITLE, CAP_UPPER };

struct tok {
    uint32_t off, len; /* in the sample */
    int32_t lemma;     /* word id of the lower-cased body when a content word, else -1 */
    uint8_t space, cap;
};

struct succ {
    uint32_t tok;
    uint32_t next; /* state after emitting tok; END when tok ends the story */
};
#define END UINT32_MAX

/* The chain as generation walks it: one 32-byte, 32-aligned edge per observed
 * transition, holding the token's bytes and the next state's successor range,
 * so a step costs one cache line and one dependent load (the walk is a chain
 * of random loads over a few MB, which is what bounds its speed). */
#define INLINE_BYTES 16
#define MAX_UNIT 255
struct edge {
    unsigned char bytes[INLINE_BYTES]; /* the token; when longer, its offset in the text */
    uint32_t next_lo, next_n;          /* next_n == 0: the story ends here */
    int32_t lemma;
    uint8_t len, space, cap, pad;
};
_Static_assert(sizeof(struct edge) == 32, "an edge is half a cache line");

struct ids {
    uint32_t *v;
    uint32_t n, cap;
};

static void ids_push(struct ids *a, uint32_t x)
{
    if (a->n == a->cap) {
        a->cap = a->cap ? 2 * a->cap : 4;
        a->v = xrealloc(a->v, a->cap * sizeof *a->v);
    }
    a->v[a->n++] = x;
}

struct model {
    const unsigned char *text;
    size_t text_len;
    /* tokens (token 0 is the empty story boundary) */
    struct tok *tok;
    struct strs tokstr;
    struct strtab tokidx;
    /* the chain: a state is its successor range edge[lo .. lo + n) */
    struct edge *edge;
    uint32_t start_lo, start_n;
    /* words: lower-cased letter bodies of the sample's units, then new words */
    struct buf warena;
    const unsigned char *warena_base;
    struct strs words;
    struct strtab wordidx;
    uint32_t nsample_words;
    uint64_t *lemma_freq;
    struct ids content;   /* content lemmas, partners for compounds */
    struct ids *children; /* per sample word: derived new words, oldest first */
    uint64_t content_tokens, total_tokens, stories;
    /* character model over the sample's ASCII words: order 2, 27 symbols */
    uint32_t chr[27][27][27];
    uint32_t chr_total[27][27];
};

static uint32_t word_intern(struct model *m, const unsigned char *s, uint32_t n, int *is_new)
{
    size_t where;
    int64_t id = strtab_find(&m->wordidx, &m->words, s, n, &where);
    if (id >= 0) {
        *is_new = 0;
        return (uint32_t)id;
    }
    uint64_t off = m->warena.len;
    buf_put(&m->warena, s, n);
    m->warena_base = m->warena.data;
    strs_push(&m->words, off, n);
    uint32_t nid = (uint32_t)(m->words.n - 1);
    strtab_add(&m->wordidx, &m->words, where, nid);
    *is_new = 1;
    return nid;
}

static uint32_t tok_intern(struct model *m, size_t off, size_t len)
{
    size_t where;
    int64_t id = strtab_find(&m->tokidx, &m->tokstr, m->text + off, (uint32_t)len, &where);
    if (id >= 0)
        return (uint32_t)id;
    strs_push(&m->tokstr, off, (uint32_t)len);
    uint32_t nid = (uint32_t)(m->tokstr.n - 1);
    strtab_add(&m->tokidx, &m->tokstr, where, nid);
    return nid;
}

static int cmp_freq_desc(const void *a, const void *b, void *arg)
{
    const struct model *m = arg;
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    if (m->lemma_freq[x] != m->lemma_freq[y])
        return m->lemma_freq[x] > m->lemma_freq[y] ? -1 : 1;
    return x < y ? -1 : x > y;
}

/* Classifies token t: a content word is letters only (ASCII), at least
 * MIN_CONTENT_LEN long, cased lower, Title or UPPER; its lemma is the
 * lower-cased body. Returns the lemma's word id or -1. */
static int32_t token_lemma(struct model *m, struct tok *t)
{
    const unsigned char *s = m->text + t->off + t->space;
    uint32_t n = t->len - t->space;
    if (n < MIN_CONTENT_LEN || n > 64)
        return -1;
    unsigned upper = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (!is_alpha_ascii(s[i]))
            return -1;
        upper += s[i] < 'a';
    }
    if (upper == 0)
        t->cap = CAP_LOWER;
    else if (upper == 1 && s[0] < 'a')
        t->cap = CAP_TITLE;
    else if (upper == n)
        t->cap = CAP_UPPER;
    else
        return -1;
    unsigned char low[64];
    for (uint32_t i = 0; i < n; i++)
        low[i] = (unsigned char)(s[i] | 0x20);
    int fresh;
    return (int32_t)word_intern(m, low, n, &fresh);
}

static void chr_train(struct model *m, const unsigned char *w, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (w[i] < 'a' || w[i] > 'z')
            return;
    unsigned a = 0, b = 0;
    for (uint32_t i = 0; i <= n; i++) {
        unsigned c = i < n ? (unsigned)(w[i] - 'a' + 1) : 0;
        m->chr[a][b][c]++;
        a = b;
        b = c;
    }
}

/* Pass 1: the sample as a sequence of token ids, 0 between stories (the
 * chain's start state is (0, 0) and a 0 successor ends a story). */
static void model_tokenize(struct model *m, struct ids *seq)
{
    const unsigned char *text = m->text;
    size_t len = m->text_len, pos = 0;
    ids_push(seq, 0);
    ids_push(seq, 0);
    while (pos < len) {
        /* Split on the bare token and drop one newline each side of it, so
         * a sample laid out differently never puts it inside a story. */
        const unsigned char *e = memmem(text + pos, len - pos, EOT, EOT_LEN);
        size_t end = e ? (size_t)(e - text) : len, next = e ? end + EOT_LEN : len;
        if (end > pos && text[end - 1] == '\n')
            end--;
        if (next < len && text[next] == '\n')
            next++;
        /* A file without the final separator still ends its last story; a
         * separator at the very start or two in a row make no empty story. */
        if (end > pos) {
            for (size_t i = pos; i < end;) {
                size_t j = unit_end(text, i, end);
                /* Edges store a length in a byte; a longer run (a row of
                 * dashes) is cut, which joining the parts undoes. */
                if (j - i > MAX_UNIT)
                    j = i + MAX_UNIT;
                ids_push(seq, tok_intern(m, i, j - i));
                m->total_tokens++;
                i = j;
            }
            ids_push(seq, 0);
            ids_push(seq, 0);
            m->stories++;
        }
        pos = next;
    }
    if (!m->stories)
        die("the sample holds no story");
}

/* Words: every letter unit's lower-cased body (so new words never repeat a
 * sample word), and the character model trained once per distinct word, as
 * Heaps-law novelties are types. */
static void model_words(struct model *m)
{
    const unsigned char *text = m->text;
    size_t ntok = m->tokstr.n;
    m->tok = xcalloc(ntok, sizeof *m->tok);
    for (size_t t = 0; t < ntok; t++) {
        struct tok *k = &m->tok[t];
        k->off = (uint32_t)m->tokstr.off[t];
        k->len = m->tokstr.len[t];
        k->space = k->len > 1 && text[k->off] == ' ';
        k->lemma = -1;
    }
    for (size_t t = 1; t < ntok; t++) {
        struct tok *k = &m->tok[t];
        const unsigned char *s = text + k->off + k->space;
        uint32_t n = k->len - k->space;
        if (!n || !is_let(s[0]) || n > 64)
            continue;
        unsigned char low[64];
        for (uint32_t i = 0; i < n; i++)
            low[i] = is_alpha_ascii(s[i]) ? (unsigned char)(s[i] | 0x20) : s[i];
        int fresh;
        word_intern(m, low, n, &fresh);
        if (fresh)
            chr_train(m, low, n);
    }
}

/* Lemmas for the content candidates: all but the STOP_RANK most frequent. */
static void model_lemmas(struct model *m, const struct ids *seq)
{
    size_t ntok = m->tokstr.n;
    int32_t *cand = xmalloc(ntok * sizeof *cand);
    for (size_t t = 0; t < ntok; t++)
        cand[t] = token_lemma(m, &m->tok[t]);
    m->nsample_words = (uint32_t)m->words.n;
    m->lemma_freq = xcalloc(m->nsample_words, sizeof *m->lemma_freq);
    for (size_t i = 2; i < seq->n; i++)
        if (cand[seq->v[i]] >= 0)
            m->lemma_freq[cand[seq->v[i]]]++;
    uint32_t *order = xmalloc(m->nsample_words * sizeof *order);
    uint32_t nl = 0;
    for (uint32_t w = 0; w < m->nsample_words; w++)
        if (m->lemma_freq[w])
            order[nl++] = w;
    qsort_r(order, nl, sizeof *order, cmp_freq_desc, m);
    unsigned char *stop = xcalloc(m->nsample_words, 1);
    for (uint32_t r = 0; r < nl && r < STOP_RANK; r++)
        stop[order[r]] = 1;
    for (uint32_t r = STOP_RANK; r < nl; r++)
        ids_push(&m->content, order[r]);
    for (size_t t = 0; t < ntok; t++)
        if (cand[t] >= 0 && !stop[cand[t]])
            m->tok[t].lemma = cand[t];
    for (size_t i = 2; i < seq->n; i++)
        m->content_tokens += m->tok[seq->v[i]].lemma >= 0;
    m->children = xcalloc(m->nsample_words, sizeof *m->children);
    free(stop);
    free(order);
    free(cand);

}

/* Smoothing (every letter at weight 1 against 16 per sighting) lets new
 * words show letter pairs the sample lacks, as a bigger corpus would. */
static void model_smooth(struct model *m)
{
    for (int a = 0; a < 27; a++)
        for (int b = 0; b < 27; b++) {
            uint32_t tot = 0;
            for (int c = 0; c < 27; c++) {
                m->chr[a][b][c] = m->chr[a][b][c] * 16 + (c ? 1 : 0);
                tot += m->chr[a][b][c];
            }
            m->chr_total[a][b] = tot;
        }
}

/* Pass 2: the order-2 chain as CSR, each successor carrying its next state
 * so generation never hashes. */
static void model_chain(struct model *m, const struct ids *seq)
{
    const unsigned char *text = m->text;
    struct u64map states;
    u64map_init(&states, seq->n);
    uint32_t *from = xmalloc(seq->n * sizeof *from);
    struct succ *tr = xmalloc(seq->n * sizeof *tr);
    size_t ntr = 0;
    for (size_t i = 2; i < seq->n; i++) {
        uint32_t a = seq->v[i - 2], b = seq->v[i - 1], c = seq->v[i];
        if (b == 0 && a != 0)
            continue; /* (last token, boundary): not a state, the story is over */
        from[ntr] = u64map_intern(&states, (uint64_t)a << 32 | b);
        tr[ntr].tok = c;
        tr[ntr].next = c ? u64map_intern(&states, (uint64_t)b << 32 | c) : END;
        ntr++;
    }
    uint32_t start = u64map_intern(&states, 0);
    size_t nstates = states.count;
    uint32_t *off = xcalloc(nstates + 1, sizeof *off);
    for (size_t i = 0; i < ntr; i++)
        off[from[i] + 1]++;
    for (size_t st = 0; st < nstates; st++)
        off[st + 1] += off[st];
    uint32_t *fill = xmalloc(nstates * sizeof *fill);
    memcpy(fill, off, nstates * sizeof *fill);
    /* 64-aligned, so no edge straddles two cache lines. */
    size_t ebytes = ((ntr + 1) * sizeof *m->edge + 63) & ~(size_t)63;
    m->edge = aligned_alloc(64, ebytes);
    if (!m->edge)
        die("out of memory (%zu edges)", ntr);
    memset(m->edge, 0, ebytes);
    for (size_t i = 0; i < ntr; i++) {
        struct edge *e = &m->edge[fill[from[i]]++];
        const struct tok *t = &m->tok[tr[i].tok];
        if (t->len <= INLINE_BYTES)
            memcpy(e->bytes, text + t->off, t->len);
        else
            memcpy(e->bytes, &t->off, sizeof t->off);
        e->len = (uint8_t)t->len;
        e->space = t->space;
        e->cap = t->cap;
        e->lemma = t->lemma;
        if (tr[i].next != END) {
            e->next_lo = off[tr[i].next];
            e->next_n = off[tr[i].next + 1] - off[tr[i].next];
        }
    }
    m->start_lo = off[start];
    m->start_n = off[start + 1] - off[start];
    free(fill);
    free(off);
    free(tr);
    free(from);
    free(states.key);
    free(states.val);
}

static void model_build(struct model *m, const unsigned char *text, size_t len)
{
    memset(m, 0, sizeof *m);
    m->text = text;
    m->text_len = len;
    m->tokstr.base = &m->text;
    m->words.base = &m->warena_base;
    strtab_init(&m->tokidx, 4096);
    strtab_init(&m->wordidx, 4096);
    tok_intern(m, 0, 0); /* token 0: the story boundary */
    struct ids seq = {0};
    model_tokenize(m, &seq);
    model_words(m);
    model_lemmas(m, &seq);
    model_smooth(m);
    model_chain(m, &seq);
    free(seq.v);
}

static void model_free(struct model *m)
{
    free(m->tok);
    free(m->tokstr.off);
    free(m->tokstr.len);
    free(m->tokidx.slot);
    free(m->edge);
    buf_free(&m->warena);
    free(m->words.off);
    free(m->words.len);
    free(m->wordidx.slot);
    free(m->lemma_freq);
    free(m->content.v);
    for (uint32_t w = 0; w < m->nsample_words; w++)
        free(m->children[w].v);
    free(m->children);
}

/* ---- new words ------------------------------------------------------------------------ */

#define MAX_WORD 40

static const char *const suffixes[] = {"s",    "y",    "er",  "ish",  "ful",  "less", "ness",
                                       "ling", "let",  "kin", "ie",   "ly",   "ed",   "ing",
                                       "ster", "wood", "dom", "some", "ward", "berry"};
static const char *const prefixes[] = {"un",    "re",   "over", "out",  "mis",  "super",
                                       "mini",  "big",  "tiny", "sun",  "moon", "star",
                                       "snow",  "rain", "sky",  "fire", "sea",  "bumble"};
/* Accented forms in UTF-8, by vowel (and n, c): rare in the stories, but they
 * are what brings byte pairs the sample never shows, as a larger corpus does. */
static const char *const accents[26][6] = {
    ['a' - 'a'] = {"\xc3\xa1", "\xc3\xa0", "\xc3\xa2", "\xc3\xa4", "\xc3\xa5", "\xc3\xa3"},
    ['e' - 'a'] = {"\xc3\xa9", "\xc3\xa8", "\xc3\xaa", "\xc3\xab", "\xc4\x93", "\xc4\x9b"},
    ['i' - 'a'] = {"\xc3\xad", "\xc3\xac", "\xc3\xae", "\xc3\xaf", "\xc4\xab", "\xc4\xb1"},
    ['o' - 'a'] = {"\xc3\xb3", "\xc3\xb2", "\xc3\xb4", "\xc3\xb6", "\xc3\xb5", "\xc3\xb8"},
    ['u' - 'a'] = {"\xc3\xba", "\xc3\xb9", "\xc3\xbb", "\xc3\xbc", "\xc5\xab", "\xc5\xaf"},
    ['n' - 'a'] = {"\xc3\xb1", "\xc5\x84", "\xc5\x88", "\xc3\xb1", "\xc5\x84", "\xc5\x88"},
    ['c' - 'a'] = {"\xc3\xa7", "\xc4\x87", "\xc4\x8d", "\xc3\xa7", "\xc4\x87", "\xc4\x8d"},
};

struct word {
    unsigned char s[MAX_WORD + 16];
    uint32_t n;
};

static void word_add(struct word *w, const void *p, size_t n)
{
    if (w->n + n > MAX_WORD)
        n = MAX_WORD - w->n;
    memcpy(w->s + w->n, p, n);
    w->n += (uint32_t)n;
}

/* A pronounceable invented stem from the character model, minlen..maxlen. */
static void pseudo_word(const struct model *m, struct rng *r, struct word *w, uint32_t minlen,
                        uint32_t maxlen)
{
    unsigned a = 0, b = 0;
    uint32_t start = w->n;
    for (int guard = 0; w->n - start < maxlen && guard < 64; guard++) {
        uint32_t x = rng_below(r, m->chr_total[a][b]), c = 0;
        while (x >= m->chr[a][b][c])
            x -= m->chr[a][b][c++];
        if (c == 0) {
            if (w->n - start >= minlen)
                break;
            continue;
        }
        unsigned char ch = (unsigned char)('a' + c - 1);
        word_add(w, &ch, 1);
        a = b;
        b = c;
    }
    while (w->n - start < minlen) {
        unsigned char ch = (unsigned char)('a' + rng_below(r, 26));
        word_add(w, &ch, 1);
    }
}

/* The parent's inflection, kept on an invented stem so the new word still
 * fits the sentence ("jumped" -> "blorped"). */
static const char *inflection(const unsigned char *s, uint32_t n)
{
    if (n > 5 && memcmp(s + n - 3, "ing", 3) == 0)
        return "ing";
    if (n > 4 && memcmp(s + n - 2, "ed", 2) == 0)
        return "ed";
    if (n > 4 && memcmp(s + n - 2, "ly", 2) == 0)
        return "ly";
    if (n > 3 && s[n - 1] == 's' && s[n - 2] != 's')
        return "s";
    return "";
}

static inline int is_vowel(unsigned c)
{
    return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y';
}

/* One candidate derived from lemma p: an invented word, a suffixed or prefixed
 * form, or a compound with another content word. */
static void derive(const struct model *m, struct rng *r, uint32_t p, int name, struct word *w)
{
    const unsigned char *ps = m->warena_base + m->words.off[p];
    uint32_t pn = m->words.len[p];
    uint32_t how = rng_below(r, 100);
    w->n = 0;
    if (name ? how < 90 : how < 55) {
        if (name) {
            pseudo_word(m, r, w, 3, 8);
        } else {
            const char *inf = inflection(ps, pn);
            pseudo_word(m, r, w, 3, 7);
            word_add(w, inf, strlen(inf));
        }
    } else if (!name && how < 80) {
        const char *suf = suffixes[rng_below(r, sizeof suffixes / sizeof *suffixes)];
        uint32_t keep = pn;
        if (is_vowel((unsigned char)suf[0]) && ps[pn - 1] == 'e')
            keep--;
        word_add(w, ps, keep);
        word_add(w, suf, strlen(suf));
    } else if (!name && how < 90) {
        const char *pre = prefixes[rng_below(r, sizeof prefixes / sizeof *prefixes)];
        word_add(w, pre, strlen(pre));
        word_add(w, ps, pn);
    } else {
        uint32_t q = m->content.v[rng_below(r, m->content.n)];
        const unsigned char *qs = m->warena_base + m->words.off[q];
        uint32_t qn = m->words.len[q];
        if (rng_below(r, 2)) {
            word_add(w, ps, pn);
            word_add(w, qs, qn);
        } else {
            word_add(w, qs, qn);
            word_add(w, ps, pn);
        }
    }
    /* Names are where real stories show accents (Zoë, José); elsewhere rarely. */
    if (rng_below(r, 1000) < (name ? 40u : 5u) && w->n > 2) {
        uint32_t i = 1 + rng_below(r, w->n - 1);
        unsigned c = w->s[i];
        if (c >= 'a' && c <= 'z' && accents[c - 'a'][0]) {
            const char *acc = accents[c - 'a'][rng_below(r, 6)];
            if (w->n + 1 <= MAX_WORD) {
                memmove(w->s + i + 2, w->s + i + 1, w->n - i - 1);
                memcpy(w->s + i, acc, 2);
                w->n++;
            }
        }
    }
}

static uint32_t new_word(struct model *m, struct rng *r, uint32_t lemma, int name)
{
    struct word w;
    for (int attempt = 0;; attempt++) {
        derive(m, r, lemma, name, &w);
        /* Past a few collisions, lengthen: the space of longer words is never
         * exhausted, so this always ends. */
        if (attempt >= 8)
            pseudo_word(m, r, &w, 2, 4);
        int fresh;
        uint32_t id = word_intern(m, w.s, w.n, &fresh);
        if (fresh)
            return id;
    }
}

/* ---- generation ----------------------------------------------------------------------- */

/* Walking the chain is a series of dependent random loads over a few MB, so
 * one walk waits on memory for most of each step. LANES stories are written at
 * once, one token each in turn, and each lane picks (and prefetches) its next
 * edge a whole round before it needs it: the misses overlap. The schedule is
 * fixed, so the output is still a function of the seed alone. */
#define LANES 16

struct lane {
    const struct edge *e; /* the edge this lane takes next, already prefetched */
    unsigned char *buf;   /* the story so far */
    size_t len, cap;
};

struct gen {
    struct model *m;
    struct rng rng;
    uint64_t tokens;  /* generated so far: the n in the new-word rate */
    uint64_t thr_new; /* per content word, scaled to 2^64 */
    uint64_t thr_reuse;
    uint64_t new_words, reused;
    unsigned __int128 rate_num;
    struct lane lane[LANES];
    /* whole stories waiting to be written, and what has been */
    int fd;
    uint64_t size, written, stories;
    unsigned misses;
    unsigned char *out;
    size_t pos, cap;
};

static uint64_t isqrt64(uint64_t x)
{
    uint64_t r = 0, bit = 1ULL << 62;
    while (bit > x)
        bit >>= 2;
    while (bit) {
        if (x >= r + bit) {
            x -= r + bit;
            r = (r >> 1) + bit;
        } else {
            r >>= 1;
        }
        bit >>= 2;
    }
    return r;
}

/* P(new word | content word) = (K / 2 sqrt(n + N0)) / content_fraction, in
 * integers so the output cannot depend on a libm or the FPU's mood. */
static void gen_update_rate(struct gen *g)
{
    uint64_t root = isqrt64((g->tokens + HEAPS_N0) << 16); /* sqrt(.) * 2^8 */
    unsigned __int128 thr = g->rate_num / root;
    g->thr_new = thr > (unsigned __int128)UINT64_MAX ? UINT64_MAX : (uint64_t)thr;
}

static inline const struct edge *pick(struct gen *g, uint32_t lo, uint32_t n)
{
    const struct edge *e = &g->m->edge[lo + (n > 1 ? rng_below(&g->rng, n) : 0)];
    __builtin_prefetch(e);
    return e;
}

static void gen_init(struct gen *g, struct model *m, uint64_t seed, unsigned growth, int fd,
                     uint64_t size)
{
    memset(g, 0, sizeof *g);
    g->m = m;
    g->fd = fd;
    g->size = size;
    rng_seed(&g->rng, seed);
    uint64_t content = m->content_tokens ? m->content_tokens : 1;
    /* K * growth * total / (2 * content) * 2^64 * 2^8 (the 2^8 undoes root's
     * scale); below 2^114 for growth <= MAX_GROWTH and a 4 GiB sample. */
    g->rate_num =
        ((unsigned __int128)HEAPS_K_MILLI * growth * m->total_tokens << 72) / (2000 * content);
    g->thr_reuse = (uint64_t)((((unsigned __int128)REUSE_PER_MILLE) << 64) / 1000);
    gen_update_rate(g);
    g->cap = 2 * OUT_FLUSH;
    g->out = xmalloc(g->cap);
    for (int i = 0; i < LANES; i++) {
        struct lane *l = &g->lane[i];
        l->cap = 1u << 14;
        l->buf = xmalloc(l->cap);
        l->e = pick(g, m->start_lo, m->start_n);
    }
}

static void gen_free(struct gen *g)
{
    for (int i = 0; i < LANES; i++)
        free(g->lane[i].buf);
    free(g->out);
}

static void write_all_or_die(int fd, const unsigned char *p, size_t n, const char *what);

static void gen_flush(struct gen *g)
{
    write_all_or_die(g->fd, g->out, g->pos, tmp_path);
    g->written += g->pos;
    g->pos = 0;
}

static inline void lane_reserve(struct lane *l, size_t n)
{
    if (l->cap - l->len < n) {
        while (l->cap - l->len < n)
            l->cap *= 2;
        l->buf = xrealloc(l->buf, l->cap);
    }
}

/* A Zipf-like rank in [0, n): a uniform dyadic block [2^j, 2^(j+1)), then
 * uniform inside it, so P(rank r) ~ 1 / (r log n) within a factor of 2. */
static uint32_t zipf_rank(struct rng *r, uint32_t n)
{
    uint32_t bits = 32 - (uint32_t)__builtin_clz(n);
    uint32_t j = rng_below(r, bits);
    uint32_t lo = 1u << j, hi = j == 31 ? UINT32_MAX : (2u << j) - 1;
    if (hi > n)
        hi = n;
    return lo + rng_below(r, hi - lo + 1) - 1;
}

static void emit_word(const struct model *m, struct lane *l, const struct edge *t, uint32_t w)
{
    uint32_t n = m->words.len[w];
    lane_reserve(l, (size_t)n + 1);
    unsigned char *o = l->buf + l->len;
    if (t->space)
        *o++ = ' ';
    memcpy(o, m->warena_base + m->words.off[w], n);
    if (t->cap == CAP_TITLE && o[0] >= 'a' && o[0] <= 'z')
        o[0] = (unsigned char)(o[0] - 32);
    else if (t->cap == CAP_UPPER)
        for (uint32_t i = 0; i < n; i++)
            if (o[i] >= 'a' && o[i] <= 'z')
                o[i] = (unsigned char)(o[i] - 32);
    l->len = (size_t)(o + n - l->buf);
}

/* Writes lane l's next token; returns 1 instead when its story is complete. */
static inline int lane_step(struct gen *g, struct lane *l)
{
    struct model *m = g->m;
    const struct edge *e = l->e;
    if (!e->next_n)
        return 1;
    l->e = pick(g, e->next_lo, e->next_n);
    if ((++g->tokens & 4095) == 0)
        gen_update_rate(g);
    if (e->lemma >= 0) {
        uint64_t u = rng_next(&g->rng);
        struct ids *kids = &m->children[e->lemma];
        if (u < g->thr_new) {
            uint32_t w = new_word(m, &g->rng, (uint32_t)e->lemma, e->cap != CAP_LOWER);
            ids_push(kids, w);
            g->new_words++;
            emit_word(m, l, e, w);
            return 0;
        }
        if (kids->n && u - g->thr_new < g->thr_reuse) {
            emit_word(m, l, e, kids->v[zipf_rank(&g->rng, kids->n)]);
            g->reused++;
            return 0;
        }
    }
    lane_reserve(l, INLINE_BYTES + (size_t)e->len);
    if (e->len <= INLINE_BYTES) {
        /* A fixed-size copy is one vector move; the bytes past len are
         * overwritten by what follows. */
        memcpy(l->buf + l->len, e->bytes, INLINE_BYTES);
    } else {
        uint32_t toff;
        memcpy(&toff, e->bytes, sizeof toff);
        memcpy(l->buf + l->len, m->text + toff, e->len);
    }
    l->len += e->len;
    return 0;
}

/* Appends lane l's finished story to the output if it fits; one that does not
 * is dropped and another tried, so the file ends close to SIZE without ever
 * passing it. */
static void commit(struct gen *g, struct lane *l)
{
    if (g->written + g->pos + l->len + SEP_LEN > g->size) {
        g->misses++;
        return;
    }
    g->misses = 0;
    if (g->cap - g->pos < l->len + SEP_LEN) {
        g->cap = 2 * (g->pos + l->len + SEP_LEN);
        g->out = xrealloc(g->out, g->cap);
    }
    memcpy(g->out + g->pos, l->buf, l->len);
    memcpy(g->out + g->pos + l->len, SEP, SEP_LEN);
    g->pos += l->len + SEP_LEN;
    g->stories++;
    if (g->pos >= OUT_FLUSH)
        gen_flush(g);
}

static void gen_run(struct gen *g)
{
    const struct model *m = g->m;
    while (g->misses < MAX_FILL_MISSES) {
        for (int i = 0; i < LANES && g->misses < MAX_FILL_MISSES; i++) {
            struct lane *l = &g->lane[i];
            int done = lane_step(g, l);
            if (!done && l->len <= MAX_STORY_BYTES)
                continue;
            /* A story past MAX_STORY_BYTES is a chain stuck in a loop: drop it,
             * as a miss, so a sample whose chain never ends cannot hang us. */
            if (done)
                commit(g, l);
            else
                g->misses++;
            l->len = 0;
            l->e = pick(g, m->start_lo, m->start_n);
        }
    }
    gen_flush(g);
}

/* ---- output ------------------------------------------------------------------------------ */

static void write_all_or_die(int fd, const unsigned char *p, size_t n, const char *what)
{
    if (io_write_full(fd, p, n) < 0)
        die("cannot write %s: %s", what, strerror(errno));
}

static unsigned char *read_file_or_die(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        die("cannot open sample %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) < 0)
        die("cannot stat sample %s: %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        die("sample %s is not a regular file", path);
    /* Token offsets are 32-bit: a sample is a few MB, never 4 GB. */
    if ((uint64_t)st.st_size >= (1ULL << 32) - 1)
        die("sample %s is too large (%lld bytes; at most 4 GiB)", path, (long long)st.st_size);
    size_t n = (size_t)st.st_size;
    unsigned char *data = xmalloc(n + 1);
    ssize_t got = io_read_full(fd, data, n);
    if (got < 0)
        die("cannot read sample %s: %s", path, strerror(errno));
    close(fd);
    *len = (size_t)got;
    return data;
}

/* K, M, G, T are powers of 1024; a bare number is bytes. */
static int parse_size(const char *s, uint64_t *out)
{
    size_t n = strlen(s);
    unsigned shift = 0;
    if (n && strchr("kKmMgGtT", s[n - 1])) {
        shift = (unsigned)(strchr("kKmMgGtT", s[n - 1]) - "kKmMgGtT") / 2 * 10 + 10;
        n--;
    }
    if (!n || n > 20)
        return -1;
    char digits[21];
    memcpy(digits, s, n);
    digits[n] = 0;
    uint64_t v;
    if (parse_u64(digits, 1, MAX_SIZE >> shift, &v) < 0)
        return -1;
    *out = v << shift;
    return 0;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: synthgen --sample FILE --size SIZE --out FILE [--seed N]\n"
            "                [--vocab-growth F] [--quiet]\n"
            "       synthgen --help\n"
            "\n"
            "Writes SYNTHETIC TinyStories-like text for benchmarking BPE training at scale:\n"
            "an order-2 word-level Markov chain trained on the sample's stories, whose\n"
            "vocabulary keeps growing with size as real text does (Heaps' law, beta = 1/2)\n"
            "through new words derived from the sample's. Stories are separated as in the\n"
            "sample: each is followed by \"\\n<|endoftext|>\\n\".\n"
            "\n"
            "  --sample FILE  real stories, each followed by \"\\n<|endoftext|>\\n\"\n"
            "  --size SIZE    output size in bytes; suffixes K, M, G, T are powers of 1024\n"
            "                 (1M = 1048576). The output holds whole stories only and is\n"
            "                 never larger than SIZE: it is SIZE bytes or short of it by\n"
            "                 less than one story (usually by a few bytes).\n"
            "  --out FILE     output; written to a temporary file and renamed, so it is\n"
            "                 either complete or absent. FILE.meta.json records that the\n"
            "                 text is synthetic, with seed, size, vocab growth and the\n"
            "                 sample's SHA-256.\n"
            "  --seed N       0 .. 2^64-1 (default %d); same sample, seed, size and vocab\n"
            "                 growth give byte-identical output on any machine\n"
            "  --vocab-growth F\n"
            "                 1 .. %d (default 1): new words come F times as often\n"
            "                 (Heaps' K times F), for corpora with millions of distinct\n"
            "                 words (the regime of web text) at a size a benchmark can\n"
            "                 afford. A file gets about F times the new words of F = 1\n"
            "                 and, up to F = 8, at least F/2 times its distinct words;\n"
            "                 the gain flattens once nearly every content word is new\n"
            "                 (32M, seed 7: 35 thousand distinct pre-tokens at F = 1, 0.78\n"
            "                 million at F = 32, 1.8 million at F = 128). F = 1 is the\n"
            "                 output without the option.\n"
            "  --quiet        no summary line on stderr\n"
            "  --help         this text\n"
            "\n"
            "Exit status: 0 done, 1 bad arguments or I/O error, 128+N on signal N\n"
            "(130 for SIGINT, 143 for SIGTERM; no output file is left behind).\n",
            DEFAULT_SEED, MAX_GROWTH);
}

struct args {
    const char *sample, *out, *size_arg;
    uint64_t seed, size;
    unsigned growth;
    int quiet;
};

/* The value of option argv[*i] (consumed); dies when it has none. */
static const char *opt_value(int argc, char **argv, int *i)
{
    if (*i + 1 >= argc)
        die("%s needs a value (see --help)", argv[*i]);
    return argv[++*i];
}

static void parse_args(int argc, char **argv, struct args *a)
{
    memset(a, 0, sizeof *a);
    a->seed = DEFAULT_SEED;
    a->growth = 1;
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        uint64_t v;
        if (!strcmp(o, "--help") || !strcmp(o, "-h")) {
            usage(stdout);
            exit(0);
        } else if (!strcmp(o, "--quiet")) {
            a->quiet = 1;
        } else if (!strcmp(o, "--sample")) {
            a->sample = opt_value(argc, argv, &i);
        } else if (!strcmp(o, "--out")) {
            a->out = opt_value(argc, argv, &i);
        } else if (!strcmp(o, "--size")) {
            a->size_arg = opt_value(argc, argv, &i);
        } else if (!strcmp(o, "--seed")) {
            const char *s = opt_value(argc, argv, &i);
            if (parse_u64(s, 0, UINT64_MAX, &a->seed) < 0)
                die("bad --seed '%s': expected an integer 0 .. 18446744073709551615", s);
        } else if (!strcmp(o, "--vocab-growth")) {
            const char *s = opt_value(argc, argv, &i);
            if (parse_u64(s, 1, MAX_GROWTH, &v) < 0)
                die("bad --vocab-growth '%s': expected an integer 1 .. %d", s, MAX_GROWTH);
            a->growth = (unsigned)v;
        } else {
            die("unknown argument '%s' (see --help)", o);
        }
    }
    if (!a->sample || !a->out || !a->size_arg)
        die("--sample, --size and --out are required (see --help)");
    if (parse_size(a->size_arg, &a->size) < 0)
        die("bad --size '%s': expected a positive integer with an optional K, M, G or T "
            "suffix, at most 1T",
            a->size_arg);
    struct stat st;
    if (stat(a->out, &st) == 0 && S_ISDIR(st.st_mode))
        die("--out %s is a directory", a->out);
    if (strlen(a->out) + 32 > sizeof tmp_path)
        die("--out path is too long");
    struct buf probe = {0};
    if (json_put_utf8(&probe, (const unsigned char *)a->sample, strlen(a->sample)) < 0)
        die("the sample's path is not valid UTF-8 (meta.json could not record it)");
    buf_free(&probe);
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) {
        /* An ignored signal stays ignored (nohup, a script's background job):
         * the caller asked for the run to survive it. */
        struct sigaction cur;
        if (sigaction(sigs[i], NULL, &cur) == 0 && cur.sa_handler != SIG_IGN)
            sigaction(sigs[i], &sa, NULL);
    }
}

/* The temporary output next to outp, recorded for the signal handler. */
static int open_tmp(const char *outp)
{
    sigset_t old;
    block_signals(&old);
    snprintf(tmp_path, sizeof tmp_path, "%s.tmp.XXXXXX", outp);
    int fd = mkstemp(tmp_path);
    if (fd < 0) {
        int e = errno;
        sigprocmask(SIG_SETMASK, &old, NULL);
        die("cannot create a temporary file next to %s: %s", outp, strerror(e));
    }
    tmp_live = 1;
    sigprocmask(SIG_SETMASK, &old, NULL);
    /* mkstemp makes 0600; data is meant to be shared like any file. */
    mode_t mask = umask(0);
    umask(mask);
    (void)fchmod(fd, 0666 & ~mask);
    return fd;
}

static void render_meta(struct buf *meta, const struct args *a, const struct gen *g,
                        size_t sample_len, const char *sha)
{
    buf_printf(meta,
               "{\n  \"synthetic\": true,\n  \"generator\": \"synthgen\",\n"
               "  \"format_version\": %d,\n",
               FORMAT_VERSION);
    buf_printf(meta, "  \"note\": \"generated text, not TinyStories: an order-2 word "
                     "Markov chain trained on the sample, plus invented words\",\n");
    buf_printf(meta, "  \"seed\": %llu,\n  \"size\": %llu,\n  \"requested_size\": %llu,\n",
               (unsigned long long)a->seed, (unsigned long long)g->written,
               (unsigned long long)a->size);
    buf_printf(meta, "  \"vocab_growth\": %u,\n", a->growth);
    buf_printf(meta, "  \"stories\": %llu,\n  \"new_words\": %llu,\n  \"sample\": ",
               (unsigned long long)g->stories, (unsigned long long)g->new_words);
    (void)json_put_utf8(meta, (const unsigned char *)a->sample, strlen(a->sample));
    buf_printf(meta, ",\n  \"sample_bytes\": %zu,\n  \"sample_sha256\": \"%s\"\n}\n",
               sample_len, sha);
}

/* FILE.meta.json, then the data renamed into place: the label lands first,
 * so the data is never there unlabelled. */
static void publish(const struct args *a, const struct buf *meta)
{
    size_t outlen = strlen(a->out);
    char *meta_path = xmalloc(outlen + 16);
    snprintf(meta_path, outlen + 16, "%s.meta.json", a->out);
    sigset_t old;
    block_signals(&old);
    char err[512];
    if (write_file_atomic(meta_path, meta->data, meta->len, err, sizeof err) < 0)
        die("%s", err);
    if (rename(tmp_path, a->out) < 0) {
        int e = errno;
        unlink(meta_path);
        die("cannot rename %s to %s: %s", tmp_path, a->out, strerror(e));
    }
    tmp_live = 0;
    sigprocmask(SIG_SETMASK, &old, NULL);
    free(meta_path);
}

int main(int argc, char **argv)
{
    struct args a;
    parse_args(argc, argv, &a);
    size_t sample_len;
    unsigned char *text = read_file_or_die(a.sample, &sample_len);
    char sha[65];
    sha256_hex(text, sample_len, sha);
    struct model m;
    model_build(&m, text, sample_len);

    install_signals();
    int fd = open_tmp(a.out);
    double t0 = now_s();
    struct gen g;
    gen_init(&g, &m, a.seed, a.growth, fd, a.size);
    gen_run(&g);
    if (!g.stories)
        die("--size %s is too small: no generated story fits", a.size_arg);
    /* No fsync: the file is regenerated in seconds, and syncing 2 GB would
     * double the run time; the rename still keeps partial files out of sight. */
    if (close(fd) < 0)
        die("cannot write %s: %s", tmp_path, strerror(errno));
    double secs = now_s() - t0;
    struct buf meta = {0};
    render_meta(&meta, &a, &g, sample_len, sha);
    publish(&a, &meta);
    if (!a.quiet)
        fprintf(stderr,
                "synthgen: %s: %llu bytes (of %llu), %llu stories, %llu new words "
                "(reused %llu times), %.2f s, %.0f MB/s\n",
                a.out, (unsigned long long)g.written, (unsigned long long)a.size,
                (unsigned long long)g.stories, (unsigned long long)g.new_words,
                (unsigned long long)g.reused, secs,
                secs > 0 ? (double)g.written / secs / 1e6 : 0.0);
    buf_free(&meta);
    gen_free(&g);
    model_free(&m);
    free(text);
    return 0;
}

/* vocab.h: the token table (id -> bytes) and the one tie-break rule.
 *
 * Ids follow the CS336 reference files: the special tokens first, then the
 * 256 single bytes in GPT-2 bytes_to_unicode order (printable bytes first),
 * then each merge in the order it was learned. */
#ifndef VOCAB_H
#define VOCAB_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct vocab {
    unsigned char *bytes; /* all token bytes, back to back */
    size_t bytes_len, bytes_cap;
    uint64_t *off;        /* off[id]: where token id starts in bytes */
    uint32_t *len;        /* len[id]: its length */
    uint32_t n, cap;
    uint32_t n_special;   /* ids [0, n_special) are the special tokens */
};

/* Special tokens, then the 256 bytes. */
void vocab_init(struct vocab *v, char *const *specials, uint32_t n_special);
void vocab_free(struct vocab *v);
uint32_t vocab_add(struct vocab *v, const unsigned char *p, uint32_t n);
/* The id of the single-byte token for byte b. */
uint32_t vocab_byte_id(const struct vocab *v, unsigned char b);

static inline const unsigned char *vocab_ptr(const struct vocab *v, uint32_t id)
{
    return v->bytes + v->off[id];
}

/* Orders two byte strings as tokens are ordered: bytewise, a proper prefix
 * lower. */
static inline int token_bytes_cmp(const unsigned char *x, uint32_t lx, const unsigned char *y,
                                  uint32_t ly)
{
    int c = memcmp(x, y, lx < ly ? lx : ly);
    if (c)
        return c;
    return (lx > ly) - (lx < ly);
}

/* A candidate pair by value: its count and the bytes of its two tokens, for
 * ranking pairs of processes that do not share one token table. */
struct pair_key {
    int64_t count;
    const unsigned char *t1, *t2;
    uint32_t l1, l2;
};

/* The tie-break every backend uses: higher count wins, then the greater
 * pair compared as (bytes of token 1, then bytes of token 2). Returns > 0
 * when x beats y. */
static inline int pair_key_cmp(const struct pair_key *x, const struct pair_key *y)
{
    if (x->count != y->count)
        return x->count > y->count ? 1 : -1;
    int c = token_bytes_cmp(x->t1, x->l1, y->t1, y->l1);
    return c ? c : token_bytes_cmp(x->t2, x->l2, y->t2, y->l2);
}

/* Orders two tokens of one table by their bytes. */
static inline int token_cmp(const struct vocab *v, uint32_t x, uint32_t y)
{
    if (x == y)
        return 0;
    return token_bytes_cmp(vocab_ptr(v, x), v->len[x], vocab_ptr(v, y), v->len[y]);
}

/* The same rule on token ids of one table: > 0 when (ca, a1, a2) beats
 * (cb, b1, b2). */
static inline int pair_rank_cmp(const struct vocab *v, int64_t ca, uint32_t a1, uint32_t a2,
                                int64_t cb, uint32_t b1, uint32_t b2)
{
    if (ca != cb)
        return ca > cb ? 1 : -1;
    int c = token_cmp(v, a1, b1);
    return c ? c : token_cmp(v, a2, b2);
}

#endif

/* vocab.c: the token table. */
#include "vocab.h"

#include "gpt2.h"
#include "util.h"

#include <stdlib.h>

static void vocab_grow(struct vocab *v)
{
    v->cap = v->cap ? v->cap * 2 : 1024;
    v->off = xrealloc(v->off, v->cap * sizeof *v->off);
    v->len = xrealloc(v->len, v->cap * sizeof *v->len);
}

uint32_t vocab_add(struct vocab *v, const unsigned char *p, uint32_t n)
{
    if (v->n == v->cap)
        vocab_grow(v);
    if (v->bytes_len + n > v->bytes_cap) {
        size_t cap = v->bytes_cap ? v->bytes_cap : 8192;
        while (cap < v->bytes_len + n)
            cap *= 2;
        v->bytes = xrealloc(v->bytes, cap);
        v->bytes_cap = cap;
    }
    if (n)
        memcpy(v->bytes + v->bytes_len, p, n);
    v->off[v->n] = v->bytes_len;
    v->len[v->n] = n;
    v->bytes_len += n;
    return v->n++;
}

void vocab_init(struct vocab *v, char *const *specials, uint32_t n_special)
{
    memset(v, 0, sizeof *v);
    for (uint32_t i = 0; i < n_special; i++)
        vocab_add(v, (const unsigned char *)specials[i], (uint32_t)strlen(specials[i]));
    v->n_special = n_special;
    for (int i = 0; i < 256; i++) {
        unsigned char b = gpt2_byte_at_rank(i);
        vocab_add(v, &b, 1);
    }
}

uint32_t vocab_byte_id(const struct vocab *v, unsigned char b)
{
    return v->n_special + (uint32_t)gpt2_rank_of_byte(b);
}

void vocab_free(struct vocab *v)
{
    free(v->bytes);
    free(v->off);
    free(v->len);
    memset(v, 0, sizeof *v);
}

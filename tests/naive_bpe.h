/* naive_bpe.h: a deliberately slow, independent BPE trainer for tests.
 *
 * It exists only to be compared against bin/bpetrain, so it shares no code
 * with the trainer: the GPT-2 pre-tokenizer is a hand-written state machine
 * (PCRE2 is used only to classify single code points), and every merge step
 * recounts all pairs from scratch. Not thread-safe: the code point class
 * cache is global. */
#ifndef NAIVE_BPE_H
#define NAIVE_BPE_H

#include <stddef.h>

struct naive_merge {
    unsigned char *a;
    size_t alen;
    unsigned char *b;
    size_t blen;
};

struct naive_merges {
    struct naive_merge *v;
    size_t n;
};

/* Called once per pre-token, in order; the pieces concatenate back to the
 * input exactly. */
typedef void (*naive_pretok_fn)(const unsigned char *piece, size_t len, void *ctx);

/* Splits text (which must contain no special token) with the GPT-2 pattern.
 * Returns 0, or -1 when PCRE2 or memory fails. */
int naive_pretokenize(const unsigned char *text, size_t len, naive_pretok_fn fn, void *ctx);

/* Trains on text. specials are NUL-terminated byte strings (empty ones are
 * ignored for splitting but still take a vocabulary slot, as in the Python
 * reference); they are removed from the text and never counted. Merges stop
 * when 256 + nspecials + merges == vocab_size or when no pair is left.
 * Returns 0 and fills *out (free with naive_merges_free), or -1 with a
 * one-line reason in err. */
int naive_bpe_train(const unsigned char *text, size_t len, const char *const *specials,
                    size_t nspecials, size_t vocab_size, struct naive_merges *out, char *err,
                    size_t errlen);

void naive_merges_free(struct naive_merges *m);

#endif

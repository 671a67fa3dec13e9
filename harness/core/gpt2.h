/* gpt2.h: the GPT-2 byte alphabet (bytes_to_unicode) and the vocab.json /
 * merges.txt formats of the CS336 reference files and of GPT-2 itself. */
#ifndef GPT2_H
#define GPT2_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

/* bytes_to_unicode: the 188 printable bytes map to themselves, the other 68
 * to U+0100 + n in byte order. Rank is the position in that table's order
 * (printable bytes first), which is how the reference vocab numbers them. */
unsigned gpt2_codepoint_of_byte(unsigned char b);
int gpt2_rank_of_byte(unsigned char b);
unsigned char gpt2_byte_at_rank(int rank);

/* Decodes a GPT-2-alphabet UTF-8 string back to bytes; -1 if it holds a
 * character outside the alphabet or malformed UTF-8. */
int gpt2_decode(struct buf *out, const unsigned char *s, size_t n);

/* A list of tokens (as bytes) and their ids, as read from vocab.json. */
struct token_list {
    struct buf bytes;
    size_t *off;
    uint32_t *len;
    int64_t *id;
    size_t n, cap;
};
void token_list_add(struct token_list *t, const unsigned char *p, size_t n, int64_t id);
void token_list_free(struct token_list *t);

enum vocab_json_style {
    VOCAB_JSON_INDENT4_UTF8, /* json.dumps(v, indent=4, ensure_ascii=False): CS336 */
    VOCAB_JSON_COMPACT_ASCII /* json.dumps(v): GPT-2's own encoder.json */
};

/* Renders {token: id} for tokens in the given order. */
void gpt2_render_vocab_json(struct buf *out, const struct token_list *t,
                            enum vocab_json_style style);
/* Renders merges, one "A B" line each; pairs[2i], pairs[2i+1] index t. */
void gpt2_render_merges(struct buf *out, const struct token_list *t, const uint32_t *pairs,
                        size_t n_merges);

/* Renders a HuggingFace tokenizers tokenizer.json: a BPE model with this
 * vocabulary and these merges, the ByteLevel pre-tokenizer (GPT-2 regex)
 * and decoder, and tokens [0, n_special) as special added tokens. Returns
 * -1 when a special token is not valid UTF-8 (JSON cannot hold it). */
int gpt2_render_tokenizer_json(struct buf *out, const struct token_list *t, size_t n_special,
                               const uint32_t *pairs, size_t n_merges);

#endif

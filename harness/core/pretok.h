/* pretok.h: the GPT-2 pre-tokenizer (PCRE2, UTF + UCP, JIT).
 *
 * Input is raw bytes that contain no special token. Invalid UTF-8 is never
 * dropped: every byte that is not part of a valid UTF-8 sequence behaves as
 * one character that is neither letter, number nor whitespace, exactly as
 * Python's bytes.decode("utf-8", "surrogateescape") followed by the same
 * regex. NUL is an ordinary character. The pieces handed to the callback
 * concatenate back to the input exactly. */
#ifndef PRETOK_H
#define PRETOK_H

#include <stddef.h>

/* The pattern, as published with GPT-2 and used by CS336. */
#define PRETOK_GPT2_PATTERN                                                    \
    "'(?:[sdmt]|ll|ve|re)| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+"

struct pretok;

/* Called once per pre-token, in order. */
typedef void (*pretok_emit_fn)(const unsigned char *piece, size_t len, void *ctx);

/* Compiles the pattern with JIT. One instance per thread (it owns its match
 * data and JIT stack). Returns NULL and writes a one-line reason to err. */
struct pretok *pretok_new(char *err, size_t errlen);
void pretok_free(struct pretok *pt);

/* Splits text[0..len) into pre-tokens. Returns 0, or -1 with a one-line
 * reason in err (a PCRE2 match error; never for any byte content). */
int pretok_split(struct pretok *pt, const unsigned char *text, size_t len,
                 pretok_emit_fn emit, void *ctx, char *err, size_t errlen);

#endif

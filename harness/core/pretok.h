/* pretok.h: the GPT-2 pre-tokenizer, behind one interface with two
 * strategies: "fast" (hand-written, pretok_fast.c, Unicode tables generated
 * from the UCD the reference uses) and "pcre2" (PCRE2 with JIT,
 * pretok_pcre2.c).
 *
 * Input is raw bytes that contain no special token. Invalid UTF-8 is never
 * dropped: every byte that is not part of a valid UTF-8 sequence behaves as
 * one character that is neither letter, number nor whitespace, exactly as
 * Python's bytes.decode("utf-8", "surrogateescape") followed by the same
 * regex. NUL is an ordinary character. The pieces handed to the callback
 * are slices of the input, in order, and concatenate back to it exactly. */
#ifndef PRETOK_H
#define PRETOK_H

#include <stddef.h>

/* The pattern, as published with GPT-2 and used by CS336. */
#define PRETOK_GPT2_PATTERN                                                    \
    "'(?:[sdmt]|ll|ve|re)| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+"

enum pretok_kind { PRETOK_PCRE2, PRETOK_FAST };
#define PRETOK_DEFAULT PRETOK_FAST

/* Called once per pre-token, in order. */
typedef void (*pretok_emit_fn)(const unsigned char *piece, size_t len, void *ctx);

/* A strategy: what each implementation file fills in. */
struct pretok_ops {
    const char *name;
    /* Makes one instance (one per thread); -1 with a one-line reason. */
    int (*create)(void **state, char *err, size_t errlen);
    void (*destroy)(void *state);
    /* Splits text[0..len) into pre-tokens; -1 with a reason (never for any
     * byte content; only an engine failure). Allocates nothing per piece. */
    int (*split)(void *state, const unsigned char *text, size_t len, pretok_emit_fn emit,
                 void *ctx, char *err, size_t errlen);
    /* Optional: bytes up to end may be read past the texts split from now
     * on (pretok_readable_to); NULL where the strategy has no use for it. */
    void (*readable_to)(void *state, const unsigned char *end);
    /* The Unicode version its \p{L}, \p{N} and \s follow, e.g. "16.0.0". */
    const char *(*unicode_version)(void);
};
extern const struct pretok_ops pretok_pcre2_ops, pretok_fast_ops;

const struct pretok_ops *pretok_ops_of(enum pretok_kind kind);
const char *pretok_kind_name(enum pretok_kind kind);
/* 0 and *kind for "pcre2" or "fast", else -1. */
int pretok_kind_parse(const char *name, enum pretok_kind *kind);

struct pretok;

/* One instance of the strategy kind. Returns NULL and writes a one-line
 * reason to err. */
struct pretok *pretok_new(enum pretok_kind kind, char *err, size_t errlen);
void pretok_free(struct pretok *pt);

/* Splits text[0..len) into pre-tokens. Returns 0, or -1 with a one-line
 * reason in err. */
int pretok_split(struct pretok *pt, const unsigned char *text, size_t len,
                 pretok_emit_fn emit, void *ctx, char *err, size_t errlen);

/* Says that every byte before `end` may be read (never used) when a text
 * split from now on ends before it: a scanner of 64-byte windows then reads
 * a text's last window in place, not copied. A text not inside [., end) is
 * read within itself alone, as without the call. */
void pretok_readable_to(struct pretok *pt, const unsigned char *end);

#endif

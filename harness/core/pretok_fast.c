/* pretok_fast.c: the GPT-2 pre-tokenizer by hand, without a regex engine.
 *
 * The pattern  '(?:[sdmt]|ll|ve|re)| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
 * needs no backtracking once each character is put in one of four classes
 * (letter, number, space, other; unicode_tables.h): at each position the
 * first alternative that can match is decided by the first one or two
 * characters, and every repeat is a greedy run of one class. The only
 * look-ahead, \s+(?!\S), takes a whitespace run and, when a non-space
 * follows it and the run has two or more characters, gives back the last
 * one (which then starts the next pre-token: " word", or a lone "\n").
 *
 * Characters are decoded as Python's surrogateescape decoder does
 * (utf8_decode): each byte it would escape is one character of class
 * "other", like the lone surrogate it becomes. ASCII, nearly all of the
 * text in practice, is classified by a 128-entry table without decoding.
 * Nothing is allocated: a piece is a slice of the input. */
#include "pretok.h"

#include "unicode_tables.h"
#include "util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* \p{L}, \p{N} and \s (White_Space: \t \n \v \f \r and space) in ASCII;
 * every other ASCII byte, NUL and U+001C..U+001F included, is "other".
 * tests/test_pretok_fast.c checks it against the generated table. */
static const uint8_t ascii_class[128] = {
    ['\t'] = UNI_SPACE, ['\n'] = UNI_SPACE, ['\v'] = UNI_SPACE, ['\f'] = UNI_SPACE,
    ['\r'] = UNI_SPACE, [' '] = UNI_SPACE,
    ['0' ... '9'] = UNI_NUMBER,
    ['A' ... 'Z'] = UNI_LETTER,
    ['a' ... 'z'] = UNI_LETTER,
};

/* The class of the character at s[0] (avail >= 1 bytes), its length in *len. */
static inline enum uni_class char_at(const unsigned char *s, size_t avail, size_t *len)
{
    uint32_t cp;
    if (s[0] < 0x80) {
        *len = 1;
        return (enum uni_class)ascii_class[s[0]];
    }
    *len = utf8_decode(s, avail, &cp);
    if (*len == 0) {
        *len = 1;
        return UNI_OTHER;
    }
    return uni_class_of(cp);
}

/* The classes of 64 bytes at once, as bit masks: bit b of cls[c] is set
 * when base[b] is an ASCII byte of class c, bit b of high when it is a byte
 * >= 0x80 (to be decoded). Bits past the end of the text are in no mask, so
 * every run stops there. A pre-token is about 5 bytes long, so one window
 * serves a dozen of them: a run's end costs a shift and a count of trailing
 * zeros, and a stop at an ASCII byte needs no further look at it. */
struct window {
    const unsigned char *readable; /* the end of what may be read (>= the text's) */
    size_t base;      /* offset of the window's first byte */
    uint64_t cls[4];  /* indexed by enum uni_class */
    uint64_t high;
    uint64_t blank;   /* ' ' itself (the " ?" of the pattern) */
    uint64_t quote;   /* '\'' (a contraction may start there) */
};

#if defined(__SSE2__)
#include <emmintrin.h>

/* The masks of 16 bytes, in bits [shift, shift + 16) of w's masks. Each range
 * test shifts its range to start at -128 and compares signed. */
static inline void window_fill16(struct window *w, const unsigned char *s, unsigned shift)
{
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)s);
#define IN_RANGE(x, lo, count)                                                                \
    _mm_cmplt_epi8(_mm_add_epi8((x), _mm_set1_epi8((char)(0x80 - (lo)))),                    \
                   _mm_set1_epi8((char)(-128 + (count))))
    __m128i letter = IN_RANGE(_mm_or_si128(v, _mm_set1_epi8(0x20)), 'a', 26);
    __m128i digit = IN_RANGE(v, '0', 10);
    __m128i space = _mm_or_si128(IN_RANGE(v, '\t', 5), _mm_cmpeq_epi8(v, _mm_set1_epi8(' ')));
#undef IN_RANGE
    w->cls[UNI_LETTER] |= (uint64_t)(unsigned)_mm_movemask_epi8(letter) << shift;
    w->cls[UNI_NUMBER] |= (uint64_t)(unsigned)_mm_movemask_epi8(digit) << shift;
    w->cls[UNI_SPACE] |= (uint64_t)(unsigned)_mm_movemask_epi8(space) << shift;
    w->high |= (uint64_t)(unsigned)_mm_movemask_epi8(v) << shift;
    w->blank |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(' ')))
                << shift;
    w->quote |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('\'')))
                << shift;
}

static inline void window_fill64(struct window *w, const unsigned char *s)
{
    for (unsigned k = 0; k < 64; k += 16)
        window_fill16(w, s + k, k);
}
#else
static inline void window_fill64(struct window *w, const unsigned char *s)
{
    for (unsigned k = 0; k < 64; k++) {
        w->blank |= (uint64_t)(s[k] == ' ') << k;
        w->quote |= (uint64_t)(s[k] == '\'') << k;
        if (s[k] >= 0x80)
            w->high |= 1ULL << k;
        else if (ascii_class[s[k]] != UNI_OTHER)
            w->cls[ascii_class[s[k]]] |= 1ULL << k;
    }
}
#endif

/* Points w at the 64 bytes from p on (fewer at the end of the text). The
 * last window of a text is read in place where 64 bytes from p may be read
 * (pretok.h, pretok_readable_to), its bits past the text cleared; else its
 * bytes are copied into zeroes first (for the sentences, one text a
 * sentence, that copy was a sizeable part of the scan). */
static void window_at(struct window *w, const unsigned char *s, size_t n, size_t p)
{
    w->base = p;
    w->cls[0] = w->cls[1] = w->cls[2] = w->cls[3] = w->high = w->blank = w->quote = 0;
    uint64_t valid = n - p >= 64 ? ~0ULL : (1ULL << (n - p)) - 1;
    if ((size_t)(w->readable - s) - p >= 64) {
        window_fill64(w, s + p);
    } else {
        unsigned char tail[64] = {0};
        memcpy(tail, s + p, n - p);
        window_fill64(w, tail);
    }
    w->blank &= valid;
    w->quote &= valid;
    w->high &= valid;
    w->cls[UNI_LETTER] &= valid;
    w->cls[UNI_NUMBER] &= valid;
    w->cls[UNI_SPACE] &= valid;
    w->cls[UNI_OTHER] = ~(w->cls[UNI_LETTER] | w->cls[UNI_NUMBER] | w->cls[UNI_SPACE] | w->high) &
                        valid;
}

/* The end of the run of characters of class c that starts at p. */
static inline size_t run_end(struct window *w, const unsigned char *s, size_t n, size_t p,
                             enum uni_class c)
{
    for (;;) {
        size_t off = p - w->base;
        if (off >= 64) {
            if (p >= n)
                return n;
            window_at(w, s, n, p);
            off = 0;
        }
        /* Zero bits where the run goes on; the bits shifted in from above
         * the window become ones, so the count stops at the window's end. */
        uint64_t stop = ~(w->cls[c] >> off);
        unsigned r = stop ? (unsigned)__builtin_ctzll(stop) : 64;
        p += r;
        off += r;
        if (off >= 64)
            continue;          /* the window ran out: the next one goes on */
        if (!((w->high >> off) & 1))
            return p;          /* an ASCII byte of another class, or the end */
        size_t k;
        if (char_at(s + p, n - p, &k) != c)
            return p;
        p += k;
    }
}

/* \s+(?!\S)|\s+ at i, a whitespace character. */
static size_t space_end(const unsigned char *s, size_t n, size_t i)
{
    size_t p = i, last = i, k;
    while (p < n && char_at(s + p, n - p, &k) == UNI_SPACE) {
        last = p;
        p += k;
    }
    /* At the end of the text (?!\S) holds after the whole run; before a
     * non-space it holds only one character earlier, and a run of one
     * character falls through to \s+. */
    return p == n || last == i ? p : last;
}

/* '(?:[sdmt]|ll|ve|re) at s[0] == '\'': the length matched, or 0. */
static size_t contraction_len(const unsigned char *s, size_t avail)
{
    if (avail >= 2 && (s[1] == 's' || s[1] == 'd' || s[1] == 'm' || s[1] == 't'))
        return 2;
    if (avail >= 3 && ((s[1] == 'l' && s[2] == 'l') || (s[1] == 'v' && s[2] == 'e') ||
                       (s[1] == 'r' && s[2] == 'e')))
        return 3;
    return 0;
}

/* The end of the pre-token that starts at i < n. */
static inline size_t token_end(struct window *w, const unsigned char *s, size_t n, size_t i)
{
    size_t k, k2;
    if (s[i] == '\'') {
        size_t m = contraction_len(s + i, n - i);
        if (m)
            return i + m;
    }
    /* " ?X+": a space takes the run of the class of the character after it,
     * unless that is a space too. */
    if (s[i] == ' ' && i + 1 < n) {
        enum uni_class c2 = char_at(s + i + 1, n - i - 1, &k2);
        if (c2 != UNI_SPACE)
            return run_end(w, s, n, i + 1 + k2, c2);
    }
    enum uni_class c = char_at(s + i, n - i, &k);
    if (c != UNI_SPACE)
        return run_end(w, s, n, i + k, c);
    return space_end(s, n, i);
}

/* Bits 0..WINDOW_LIMIT of a window are decided by window_starts: each needs
 * at most the two bytes after it, and a contraction at the limit its three. */
#define WINDOW_LIMIT 60

/* The pre-tokens of a whole window at once, when its bytes are ASCII: with
 * the window starting at a pre-token, bit k of the result is set when one
 * starts at k, for k <= the returned limit. The pattern's runs make the
 * starts the changes of class, except that
 *  - a whitespace run of two or more before a non-space gives back its last
 *    character (\s+(?!\S)), which starts a pre-token of its own;
 *  - a ' ' before a non-space starts the run after it (" ?X+");
 *  - a contraction at a start ('s 'd 'm 't 'll 've 're) is a pre-token, and
 *    one starts right after it.
 * A window that holds the end of the text (avail < 64 bytes from its start)
 * is decided to its end: there a whitespace run gives nothing back, and bit
 * avail, the end, is set too. Returns 0 when no bit past 0 can be decided (a
 * byte >= 0x80 near the start); the caller then takes one pre-token the long
 * way. */
static unsigned window_starts(const struct window *w, const unsigned char *s, size_t avail,
                              uint64_t *starts)
{
    unsigned limit = WINDOW_LIMIT;
    uint64_t valid = ~0ULL, end = 0;
    if (avail < 64) {
        limit = (unsigned)avail;
        valid = (1ULL << avail) - 1;
        end = 1ULL << avail;
    }
    if (w->high) {
        /* A start at k needs the classes of bytes k - 2 .. k + 1. */
        unsigned h = (unsigned)__builtin_ctzll(w->high);
        if (h < 3) {
            *starts = 0;
            return 0;
        }
        if (h - 2 < limit) {
            limit = h - 2;
            end = 0;
        }
    }
    uint64_t L = w->cls[UNI_LETTER], N = w->cls[UNI_NUMBER], S = w->cls[UNI_SPACE];
    uint64_t change = (L ^ (L << 1)) | (N ^ (N << 1)) | (S ^ (S << 1));
    uint64_t after_space = (S << 1) & ~S & valid; /* k: a non-space after a space */
    uint64_t give_back = (after_space >> 1) & (S << 1);
    uint64_t joined = after_space & (w->blank << 1);
    uint64_t b = ((change | give_back | 1) & ~joined) | end;
    uint64_t range = (limit == 63 ? ~0ULL : (2ULL << limit) - 1);
    /* Apostrophes are rare: each one at a start is looked at by itself. */
    for (uint64_t q = b & w->quote & range; q; q &= q - 1) {
        unsigned t = (unsigned)__builtin_ctzll(q);
        size_t m = contraction_len(s + w->base + t, avail - t < 3 ? avail - t : 3);
        if (m) {
            b &= ~(((1ULL << (m - 1)) - 1) << (t + 1));
            b |= 1ULL << (t + m);
        }
    }
    *starts = b & range;
    return limit;
}

/* An instance: what may be read past the texts it splits. */
struct fast {
    const unsigned char *readable; /* NULL: nothing past each text */
};

static int fast_split(void *state, const unsigned char *text, size_t len, pretok_emit_fn emit,
                      void *ctx, char *err, size_t errlen)
{
    const struct fast *f = state;
    (void)err;
    (void)errlen;
    /* Filled by the first pass of the loop (i >= retry), before any use:
     * a piece between special tokens (a sentence) is often a window or two,
     * so a window filled in advance would be a third of the work. */
    struct window w = {0};
    uintptr_t end = (uintptr_t)f->readable, at = (uintptr_t)text;
    w.readable = end >= at && end - at >= len ? f->readable : text + len;
    size_t retry = 0; /* where a window may be tried again after one failed */
    for (size_t i = 0; i < len;) {
        /* A whole window's pre-tokens at once, where its bytes allow; the
         * one that starts at the last decided start is left to the next. */
        if (i >= retry) {
            window_at(&w, text, len, i);
            uint64_t b = 0;
            unsigned limit = window_starts(&w, text, len - i, &b);
            b &= ~1ULL;
            if (b) {
                size_t start = i;
                for (; b; b &= b - 1) {
                    size_t next = i + (size_t)__builtin_ctzll(b);
                    emit(text + start, next - start, ctx);
                    start = next;
                }
                i = start;
                continue;
            }
            retry = i + (limit ? 1 : (size_t)__builtin_ctzll(w.high) + 1);
        }
        size_t j = token_end(&w, text, len, i);
        emit(text + i, j - i, ctx);
        i = j;
    }
    return 0;
}

/* The tables are constant: the state is only the readable end. */
static int fast_create(void **state, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    *state = xcalloc(1, sizeof(struct fast));
    return 0;
}

static void fast_destroy(void *state)
{
    free(state);
}

static void fast_readable(void *state, const unsigned char *end)
{
    ((struct fast *)state)->readable = end;
}

static const char *fast_unicode(void)
{
    return unicode_tables_version;
}

const struct pretok_ops pretok_fast_ops = {
    .name = "fast",
    .create = fast_create,
    .destroy = fast_destroy,
    .split = fast_split,
    .readable_to = fast_readable,
    .unicode_version = fast_unicode,
};

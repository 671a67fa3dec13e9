/* test_pretok_fast.c: the hand-written pre-tokenizer against PCRE2's.
 *
 * 1. Classes: the generated table against PCRE2's \p{L}, \p{N} and \s over
 *    every code point. PCRE2 10.42 follows Unicode 14, the table Unicode 16,
 *    so they must differ exactly on the code points listed in
 *    tests/fixtures/unicode_14_16_diff.txt (made by
 *    scripts/gen_unicode_tables.py --diff from the two UCDs), plus U+180E,
 *    which PCRE2 still counts as a space (pretok_pcre2.c works around it).
 * 2. Streams: fast and pcre2 give the same pre-tokens on every fixture, on
 *    random byte strings, and on random strings over every code point on
 *    which the two agree (with the pattern's literals, runs of spaces,
 *    CRLF, NUL and invalid UTF-8 mixed in).
 *
 * Usage: test_pretok_fast (from the repository root). */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "pretok.h"
#include "testhelp.h"
#include "unicode_tables.h"
#include "util.h"

#include <pcre2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DIFF_FIXTURE "tests/fixtures/unicode_14_16_diff.txt"
#define MAX_CP 0x110000u

/* ---- the two pre-token streams ------------------------------------------ */

struct stream {
    const unsigned char *text;
    size_t pos, n, cap;
    size_t *lens;
    int broken; /* a piece empty, or not the input slice at pos */
};

static void on_piece(const unsigned char *piece, size_t len, void *ctx)
{
    struct stream *s = ctx;
    if (len == 0 || piece != s->text + s->pos)
        s->broken = 1;
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 256;
        s->lens = xrealloc(s->lens, s->cap * sizeof *s->lens);
    }
    s->lens[s->n++] = len;
    s->pos += len;
}

static struct pretok *fast, *pcre2;

/* 1 when both pre-tokenizers split text[0..len) alike and tile it. */
static int same_split(const unsigned char *text, size_t len)
{
    struct stream a = {.text = text}, b = {.text = text};
    char err[256];
    int ok = pretok_split(fast, text, len, on_piece, &a, err, sizeof err) == 0 &&
             pretok_split(pcre2, text, len, on_piece, &b, err, sizeof err) == 0 &&
             !a.broken && !b.broken && a.pos == len && b.pos == len && a.n == b.n &&
             memcmp(a.lens, b.lens, a.n * sizeof *a.lens) == 0;
    free(a.lens);
    free(b.lens);
    return ok;
}

/* ---- classes -------------------------------------------------------------- */

/* PCRE2's class of cp: the first of \p{L}, \p{N}, \s that matches it. */
static enum uni_class pcre2_class(pcre2_code *const re[3], pcre2_match_data *md, uint32_t cp)
{
    struct buf b = {0};
    enum uni_class c = UNI_OTHER;
    static const enum uni_class cls[3] = {UNI_LETTER, UNI_NUMBER, UNI_SPACE};
    buf_put_utf8(&b, cp);
    for (int i = 0; i < 3 && c == UNI_OTHER; i++)
        if (pcre2_jit_match(re[i], b.data, b.len, 0, 0, md, NULL) >= 0)
            c = cls[i];
    buf_free(&b);
    return c;
}

/* Appends the code points in set as "U+XXXX" / "U+XXXX..U+YYYY" ranges. */
static void put_ranges(struct buf *out, const unsigned char *set)
{
    int first = 1;
    for (uint32_t cp = 0; cp < MAX_CP; cp++) {
        if (!set[cp])
            continue;
        uint32_t end = cp;
        while (end + 1 < MAX_CP && set[end + 1])
            end++;
        buf_printf(out, "%sU+%04X", first ? "" : ", ", cp);
        if (end > cp)
            buf_printf(out, "..U+%04X", end);
        first = 0;
        cp = end;
    }
}

/* The line "NAME (count): ranges" for the code points where PCRE2 and the
 * table disagree on class c, as gen_unicode_tables.py --diff writes it. */
static void diff_line(struct buf *out, const char *name, const unsigned char *pc,
                      enum uni_class c, unsigned char *set)
{
    size_t count = 0;
    for (uint32_t cp = 0; cp < MAX_CP; cp++) {
        set[cp] = (pc[cp] == c) != (uni_class_of(cp) == c);
        count += set[cp];
    }
    buf_printf(out, "%s (%zu): ", name, count);
    put_ranges(out, set);
    buf_putc(out, '\n');
}

/* The fixture's lines after the first (its title), as one string. */
static char *read_diff_fixture(void)
{
    FILE *f = fopen(DIFF_FIXTURE, "r");
    struct buf b = {0};
    char line[8192];
    if (!f)
        return NULL;
    if (fgets(line, sizeof line, f))
        while (fgets(line, sizeof line, f))
            buf_puts(&b, line);
    fclose(f);
    buf_cstr(&b);
    return (char *)b.data;
}

/* Fills agree[cp] (1 where PCRE2 and the table classify cp alike, never for
 * surrogates) and checks the disagreements against the fixture. */
static void test_classes(unsigned char *agree)
{
    static const char *const pats[3] = {"\\p{L}", "\\p{N}", "\\s"};
    pcre2_code *re[3];
    int ec;
    PCRE2_SIZE eo;
    for (int i = 0; i < 3; i++) {
        re[i] = pcre2_compile((PCRE2_SPTR)pats[i], PCRE2_ZERO_TERMINATED,
                              PCRE2_UTF | PCRE2_UCP | PCRE2_ANCHORED, &ec, &eo, NULL);
        pcre2_jit_compile(re[i], PCRE2_JIT_COMPLETE);
    }
    pcre2_match_data *md = pcre2_match_data_create(1, NULL);
    unsigned char *pc = xcalloc(MAX_CP, 1), *set = xmalloc(MAX_CP);
    for (uint32_t cp = 0; cp < MAX_CP; cp++)
        pc[cp] = (unsigned char)(cp >= 0xD800 && cp <= 0xDFFF ? UNI_OTHER
                                                               : pcre2_class(re, md, cp));
    struct buf got = {0};
    diff_line(&got, "L", pc, UNI_LETTER, set);
    diff_line(&got, "N", pc, UNI_NUMBER, set);
    char *want = read_diff_fixture();
    CHECK("fixture " DIFF_FIXTURE " reads", want != NULL);
    CHECK("\\p{L} and \\p{N}: the table differs from PCRE2 exactly on the code points "
          "Unicode 14 -> 16 reclassified (fixture)",
          want && strncmp(want, buf_cstr(&got), got.len) == 0);
    if (want && strncmp(want, buf_cstr(&got), got.len) != 0)
        fprintf(stderr, "got:\n%s", buf_cstr(&got));
    got.len = 0;
    diff_line(&got, "White_Space", pc, UNI_SPACE, set);
    CHECK("\\s: the table differs from PCRE2 only on U+180E",
          strcmp(buf_cstr(&got), "White_Space (1): U+180E\n") == 0);
    for (uint32_t cp = 0; cp < MAX_CP; cp++)
        agree[cp] = cp != 0x180E && !(cp >= 0xD800 && cp <= 0xDFFF) && pc[cp] == uni_class_of(cp);
    free(want);
    buf_free(&got);
    free(pc);
    free(set);
    pcre2_match_data_free(md);
    for (int i = 0; i < 3; i++)
        pcre2_code_free(re[i]);
}

/* ---- fixtures ------------------------------------------------------------- */

static void test_file(const char *path)
{
    char descr[256];
    FILE *f = fopen(path, "rb");
    struct buf b = {0};
    unsigned char chunk[65536];
    size_t got;
    if (f) {
        while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
            buf_put(&b, chunk, got);
        fclose(f);
    }
    snprintf(descr, sizeof descr, "%s (%zu bytes): fast splits as pcre2", path, b.len);
    CHECK(descr, f && b.len > 0 && same_split(b.data, b.len));
    buf_free(&b);
}

/* ---- random strings ------------------------------------------------------- */

static uint64_t rng = 0x2545f4914f6cdd1dULL;

static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)((rng >> 11) % n);
}

/* One unit of a random string: a code point from pool, one of the pattern's
 * tricky pieces, or a byte that is not valid UTF-8 on its own. */
static void put_unit(struct buf *b, const uint32_t *pool, size_t npool)
{
    static const char *const tricky[] = {" ", "  ", "\n", "\r\n", "\t", "'", "'s", "'ll",
                                         "'ve", "'re", "'t", "'S", "a", "1", "!", "\xc2\xa0",
                                         "\xe3\x80\x80", " \n", "\x00"};
    static const unsigned char bad[] = {0x80, 0xbf, 0xc0, 0xc1, 0xe0, 0xed, 0xf0, 0xf4,
                                        0xf5, 0xff, 0xe2, 0xc3};
    uint32_t k = rnd(10);
    if (k < 5)
        buf_put_utf8(b, pool[rnd((uint32_t)npool)]);
    else if (k < 9) {
        const char *t = tricky[rnd(sizeof tricky / sizeof tricky[0])];
        buf_put(b, t, *t ? strlen(t) : 1);
    } else
        buf_putc(b, bad[rnd(sizeof bad)]);
}

static void test_random_code_points(const unsigned char *agree)
{
    size_t npool = 0, bad = 0;
    uint32_t *pool = xmalloc(MAX_CP * sizeof *pool);
    for (uint32_t cp = 0; cp < MAX_CP; cp++)
        if (agree[cp])
            pool[npool++] = cp;
    struct buf b = {0};
    /* Every agreeing code point once, in random strings of up to 64 units. */
    for (size_t i = 0; i < npool;) {
        b.len = 0;
        for (uint32_t u = rnd(64) + 1; u > 0 && i < npool; u--) {
            if (rnd(3))
                buf_put_utf8(&b, pool[i++]);
            else
                put_unit(&b, pool, npool);
        }
        bad += !same_split(b.data, b.len);
    }
    CHECK("every code point where Unicode 14 and 16 agree, in random strings: fast = pcre2",
          bad == 0);
    bad = 0;
    for (int i = 0; i < 20000; i++) {
        b.len = 0;
        for (uint32_t u = rnd(48) + 1; u > 0; u--)
            put_unit(&b, pool, npool);
        bad += !same_split(b.data, b.len);
    }
    CHECK("20000 random strings of code points, spaces, contractions, CRLF, NUL and invalid "
          "bytes: fast = pcre2", bad == 0);
    buf_free(&b);
    free(pool);
}

/* 1 when s holds a valid sequence of a code point the two disagree on. */
static int has_disagreeing(const unsigned char *s, size_t n, const unsigned char *agree)
{
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t k = utf8_decode(s + i, n - i, &cp);
        if (k && !agree[cp] && cp != 0x180E)
            return 1;
        i += k ? k : 1;
    }
    return 0;
}

static void test_random_bytes(const unsigned char *agree)
{
    unsigned char s[96];
    size_t bad = 0, done = 0;
    while (done < 50000) {
        size_t n = rnd(sizeof s) + 1;
        /* Mostly ASCII and UTF-8 lead/continuation bytes, so that valid
         * sequences, truncated ones and ASCII runs all occur. */
        for (size_t i = 0; i < n; i++)
            s[i] = (unsigned char)(rnd(2) ? rnd(256) : rnd(3) ? 0x80 + rnd(64) : rnd(128));
        if (has_disagreeing(s, n, agree))
            continue;
        bad += !same_split(s, n);
        done++;
    }
    CHECK("50000 random byte strings: fast = pcre2", bad == 0);
}

/* Strings of mostly ASCII words, spaces, newlines, digits, punctuation and
 * contractions, 1 to 600 bytes: the scanner decides whole 64-byte windows
 * of ASCII at once, so every boundary rule must hold at every offset of a
 * window, at its limit and next to a byte >= 0x80. */
static void test_ascii_windows(void)
{
    static const char *const unit[] = {
        "the", " cat", "  ", " ", "\n", "\n\n", "\r\n", "\t", " \n", "\n ", "'s", "'ll", "'ve",
        "'re", "'t", "'d", "'m", "'S", "'", "''", " '", "a", "Z", "7", " 42", "1", "!", "?!", " .",
        ",", "-", "  x", "\v", "\f", "\x1c", "\x00", "\xc3\xa9", "\xc2\xa0", "\xe3\x80\x80",
        "\xff", "\xe2\x80", "don't", "we'll", "   ", "\t\t", ";)", "x'sy", "'llx",
    };
    struct buf b = {0};
    size_t bad = 0;
    for (int i = 0; i < 20000; i++) {
        b.len = 0;
        size_t want = 1 + rnd(600);
        int ascii_only = (int)rnd(2);
        while (b.len < want) {
            const char *u = unit[rnd(sizeof unit / sizeof unit[0])];
            if (ascii_only && (unsigned char)u[0] >= 0x80)
                continue;
            buf_put(&b, u, *u ? strlen(u) : 1);
        }
        bad += !same_split(b.data, b.len);
    }
    CHECK("20000 strings of 1-600 bytes of mostly ASCII words, spaces and contractions: "
          "fast = pcre2", bad == 0);
    buf_free(&b);
}

/* Texts whose bytes go on past their end (letters, blanks, quotes, digits,
 * high bytes: anything that would change a pre-token if it were taken as
 * part of the text), split by an instance told it may read them
 * (pretok_readable_to): the same pre-tokens as without. */
static void test_readable_past(void)
{
    static const char pool[] = "ab Z '\n7\xc3\xa9\xe3\x80\x80\xff\t.,";
    struct pretok *past = pretok_new(PRETOK_FAST, (char[64]){0}, 64);
    unsigned char buf[600];
    size_t bad = 0;
    for (int i = 0; i < 20000 && past; i++) {
        size_t n = 1 + rnd(300), end = n + rnd(200);
        for (size_t k = 0; k < end; k++)
            buf[k] = (unsigned char)pool[rnd(sizeof pool - 1)];
        pretok_readable_to(past, buf + end);
        struct stream a = {.text = buf}, b = {.text = buf};
        char err[256];
        int ok = pretok_split(past, buf, n, on_piece, &a, err, sizeof err) == 0 &&
                 pretok_split(fast, buf, n, on_piece, &b, err, sizeof err) == 0 &&
                 !a.broken && a.pos == n && a.n == b.n &&
                 memcmp(a.lens, b.lens, a.n * sizeof *a.lens) == 0;
        bad += !ok;
        free(a.lens);
        free(b.lens);
    }
    CHECK("20000 texts followed by bytes that may be read: the same pre-tokens as without",
          past && bad == 0);
    pretok_free(past);
}

int main(void)
{
    char err[256];
    fast = pretok_new(PRETOK_FAST, err, sizeof err);
    pcre2 = pretok_new(PRETOK_PCRE2, err, sizeof err);
    CHECK("both pre-tokenizers start", fast && pcre2);
    if (!fast || !pcre2)
        return TEST_EXIT_CODE();
    CHECK("fast follows Unicode 16.0.0, pcre2 Unicode 14.0.0",
          strcmp(pretok_fast_ops.unicode_version(), "16.0.0") == 0 &&
              strcmp(pretok_pcre2_ops.unicode_version(), "14.0.0") == 0);
    unsigned char *agree = xmalloc(MAX_CP);
    test_classes(agree);
    static const char *const files[] = {
        "tests/fixtures/cs336/corpus.en", "tests/fixtures/cs336/address.txt",
        "tests/fixtures/cs336/german.txt", "tests/fixtures/cs336/tinystories_sample.txt",
        "tests/fixtures/cs336/gpt2_vocab.json", "tests/fixtures/cs336/gpt2_merges.txt",
        "tests/fixtures/cs336/train-bpe-reference-merges.txt",
        "tests/fixtures/cs336/train-bpe-reference-vocab.json", "tests/fixtures/pretok_cases.txt",
        "data/sample/tinystories_v1_head_1097.txt",
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        test_file(files[i]);
    test_random_code_points(agree);
    test_readable_past();
    test_random_bytes(agree);
    test_ascii_windows();
    free(agree);
    pretok_free(fast);
    pretok_free(pcre2);
    return TEST_EXIT_CODE();
}

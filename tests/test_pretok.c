/* test_pretok.c: both pre-tokenizers against Python's reference splits.
 *
 * Expected pieces come from scripts/gen_pretok_cases.py (Python regex on the
 * surrogateescape-decoded bytes): the hand-written table below is its
 * --c-table output, and the fixture file holds its random cases. The large
 * inputs have no Python reference; there we check what must hold anyway
 * (pieces are consecutive slices of the input that cover it, none empty) and
 * that the direct and substitute matching paths agree.
 *
 * Every check runs for both pre-tokenizers; the fast one also reads the
 * Unicode 16 fixture (FAST_FIXTURE).
 *
 * Usage: test_pretok [fixture]   (default tests/fixtures/pretok_cases.txt,
 * relative to the repository root). */
#define _GNU_SOURCE /* getline */
#include "pretok.h"
#include "testhelp.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every check runs once per pre-tokenizer and names it. */
static const char *kind_label = "";
#define KCHECK(descr, cond)                                                    \
    do {                                                                       \
        char kdescr_[320];                                                     \
        snprintf(kdescr_, sizeof kdescr_, "%s: %s", kind_label, (descr));      \
        CHECK(kdescr_, (cond));                                                \
    } while (0)

#define DEFAULT_FIXTURE "tests/fixtures/pretok_cases.txt"
/* Cases over every class of Unicode 16, which only the fast pre-tokenizer
 * follows (scripts/gen_pretok_cases.py --fast). */
#define FAST_FIXTURE "tests/fixtures/pretok_cases_fast.txt"
#define BIG_LEN ((size_t)20 * 1024 * 1024)

/* ---- collecting pieces ------------------------------------------------ */

struct collect {
    const unsigned char *text;
    size_t len;
    unsigned char *rebuilt; /* the pieces concatenated, len bytes */
    size_t pos;
    size_t npieces;
    uint64_t lens_hash; /* order-sensitive hash of the piece lengths */
    size_t *lens;       /* piece lengths when recording, else NULL */
    size_t lens_cap;
    int empty_piece;
    int overflow;
    int not_in_place; /* a piece did not point into the input at pos */
};

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);

    if (!p) {
        fprintf(stderr, "test_pretok: out of memory\n");
        exit(2);
    }
    return p;
}

#define HASH_BASIS 0xcbf29ce484222325u

static uint64_t hash_fold(uint64_t h, size_t len)
{
    return (h ^ (uint64_t)len) * 0x100000001b3u;
}

static void on_piece(const unsigned char *piece, size_t len, void *vctx)
{
    struct collect *c = vctx;

    if (len == 0)
        c->empty_piece = 1;
    if (len > c->len - c->pos) {
        c->overflow = 1;
        return;
    }
    /* Emitting from the original buffer is what keeps invalid bytes and
     * U+180E intact, so a piece must be the input slice itself. */
    if (piece != c->text + c->pos)
        c->not_in_place = 1;
    memcpy(c->rebuilt + c->pos, piece, len);
    c->pos += len;
    c->npieces++;
    c->lens_hash = hash_fold(c->lens_hash, len);
    if (c->lens) {
        if (c->npieces > c->lens_cap) {
            c->lens_cap *= 2;
            c->lens = realloc(c->lens, c->lens_cap * sizeof *c->lens);
            if (!c->lens) {
                fprintf(stderr, "test_pretok: out of memory\n");
                exit(2);
            }
        }
        c->lens[c->npieces - 1] = len;
    }
}

/* Splits text and checks the invariants every split must satisfy; returns
 * 1 when they hold. The hash of piece lengths starts from seed. The caller
 * frees c with collect_free. */
static int split_checked(struct pretok *pt, const unsigned char *text,
                         size_t len, int record, uint64_t seed,
                         struct collect *c)
{
    char err[256] = "";
    int rc;

    memset(c, 0, sizeof *c);
    c->text = text;
    c->len = len;
    c->rebuilt = xmalloc(len);
    c->lens_hash = seed;
    if (record) {
        c->lens_cap = 64;
        c->lens = xmalloc(c->lens_cap * sizeof *c->lens);
    }
    rc = pretok_split(pt, text, len, on_piece, c, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "pretok_split: %s\n", err);
    return rc == 0 && !c->empty_piece && !c->overflow && !c->not_in_place &&
           c->pos == len && (len == 0 || memcmp(c->rebuilt, text, len) == 0);
}

static void collect_free(struct collect *c)
{
    free(c->rebuilt);
    free(c->lens);
}

/* ---- hand-written cases ----------------------------------------------- */

struct bytes {
    const char *p;
    size_t n;
};

#define B(s) {(s), sizeof(s) - 1}
#define END {NULL, 0}
#define MAX_PIECES 16

struct hand_case {
    const char *name;
    struct bytes in;
    struct bytes pieces[MAX_PIECES];
};

/* Generated: python3 scripts/gen_pretok_cases.py --c-table */
static const struct hand_case hand_cases[] = {
    {"empty", B(""),
     {END}},
    {"plain words", B("Hello world"),
     {B("Hello"), B(" world"), END}},
    {"contraction don't", B("don't"),
     {B("don"), B("'t"), END}},
    {"contraction 'll", B("'ll"),
     {B("'ll"), END}},
    {"contractions all", B("I'm he's we'd they'll you've we're isn't"),
     {B("I"), B("'m"), B(" he"), B("'s"), B(" we"), B("'d"), B(" they"), B("'ll"), B(" you"), B("'ve"), B(" we"), B("'re"), B(" isn"), B("'t"), END}},
    {"'S not a contraction", B("IT'S"),
     {B("IT"), B("'"), B("S"), END}},
    {"'LL not a contraction", B("WE'LL"),
     {B("WE"), B("'"), B("LL"), END}},
    {"apostrophe then letters", B("'tis 'xyz"),
     {B("'t"), B("is"), B(" '"), B("xyz"), END}},
    {"numbers", B("123 4567 89a"),
     {B("123"), B(" 4567"), B(" 89"), B("a"), END}},
    {"space number", B(" 123"),
     {B(" 123"), END}},
    {"number letters mixed", B("abc123def"),
     {B("abc"), B("123"), B("def"), END}},
    {"spaces before word", B("a   b"),
     {B("a"), B("  "), B(" b"), END}},
    {"trailing spaces", B("a  "),
     {B("a"), B("  "), END}},
    {"only spaces", B("   "),
     {B("   "), END}},
    {"single space", B(" "),
     {B(" "), END}},
    {"crlf", B("a\r\nb\r\n"),
     {B("a"), B("\r"), B("\n"), B("b"), B("\r\n"), END}},
    {"blank lines", B("a\n\n\nb"),
     {B("a"), B("\n\n"), B("\n"), B("b"), END}},
    {"newline then spaces then word", B("a\n   b"),
     {B("a"), B("\n  "), B(" b"), END}},
    {"tabs", B("a\tb\t\tc\t"),
     {B("a"), B("\t"), B("b"), B("\t"), B("\t"), B("c"), B("\t"), END}},
    {"punctuation runs", B("Hi!!! ...ok?! (yes)"),
     {B("Hi"), B("!!!"), B(" ..."), B("ok"), B("?!"), B(" ("), B("yes"), B(")"), END}},
    {"space punctuation", B("a !? b"),
     {B("a"), B(" !?"), B(" b"), END}},
    {"NUL bytes", B("a\x00" "b \x00\x00 c"),
     {B("a"), B("\x00"), B("b"), B(" \x00\x00"), B(" c"), END}},
    {"NUL alone", B("\x00"),
     {B("\x00"), END}},
    {"invalid alone", B("\xff"),
     {B("\xff"), END}},
    {"invalid in word", B("a\xff" "b"),
     {B("a"), B("\xff"), B("b"), END}},
    {"invalid between punctuation", B("!\xff!"),
     {B("!\xff!"), END}},
    {"two invalid", B("\xff\xfe"),
     {B("\xff\xfe"), END}},
    {"space invalid", B(" \xff"),
     {B(" \xff"), END}},
    {"invalid after space in word", B("a \xff" "b"),
     {B("a"), B(" \xff"), B("b"), END}},
    {"truncated sequence then ASCII", B("\xe2\x82" "a"),
     {B("\xe2\x82"), B("a"), END}},
    {"truncated then valid", B("\xe2\x82\xe2\x82\xac"),
     {B("\xe2\x82\xe2\x82\xac"), END}},
    {"truncated at end", B("ab\xf0\x9f\x98"),
     {B("ab"), B("\xf0\x9f\x98"), END}},
    {"overlong", B("\xc0\xaf"),
     {B("\xc0\xaf"), END}},
    {"overlong 3-byte", B("\xe0\x80\xaf"),
     {B("\xe0\x80\xaf"), END}},
    {"overlong letters", B("a\xc1\x81 b\xe0\x81\x81 c\xf0\x80\x81\x81"),
     {B("a"), B("\xc1\x81"), B(" b"), B("\xe0\x81\x81"), B(" c"), B("\xf0\x80\x81\x81"), END}},
    {"overlong space", B("a\xc0\xa0" "b\xe0\x80\xa0"),
     {B("a"), B("\xc0\xa0"), B("b"), B("\xe0\x80\xa0"), END}},
    {"encoded surrogate", B("\xed\xa0\x80"),
     {B("\xed\xa0\x80"), END}},
    {"above U+10FFFF", B("\xf4\x90\x80\x80"),
     {B("\xf4\x90\x80\x80"), END}},
    {"stray continuation bytes", B("x\x80\xbfy"),
     {B("x"), B("\x80\xbf"), B("y"), END}},
    {"invalid next to digits", B("1\xff" "2"),
     {B("1"), B("\xff"), B("2"), END}},
    {"invalid and NUL", B("\x00\xff\x01"),
     {B("\x00\xff\x01"), END}},
    {"U+180E between letters", B("a\xe1\xa0\x8e" "b"),
     {B("a"), B("\xe1\xa0\x8e"), B("b"), END}},
    {"U+180E next to spaces", B("a \xe1\xa0\x8e b"),
     {B("a"), B(" \xe1\xa0\x8e"), B(" b"), END}},
    {"U+180E run before word", B("\xe1\xa0\x8e\xe1\xa0\x8e word"),
     {B("\xe1\xa0\x8e\xe1\xa0\x8e"), B(" word"), END}},
    {"U+180E with invalid", B("\xe1\xa0\x8e\xff"),
     {B("\xe1\xa0\x8e\xff"), END}},
    {"U+180E inside punctuation", B("!\xe1\xa0\x8e!"),
     {B("!\xe1\xa0\x8e!"), END}},
    {"space U+180E letter", B(" \xe1\xa0\x8ex"),
     {B(" \xe1\xa0\x8e"), B("x"), END}},
    {"U+0085", B("a\xc2\x85" "b \xc2\x85 c"),
     {B("a"), B("\xc2\x85"), B("b"), B(" \xc2\x85"), B(" c"), END}},
    {"U+00A0", B("a\xc2\xa0" "b\xc2\xa0\xc2\xa0" "c"),
     {B("a"), B("\xc2\xa0"), B("b"), B("\xc2\xa0"), B("\xc2\xa0"), B("c"), END}},
    {"U+3000 and U+2003", B("\xe3\x80\x80x\xe2\x80\x83 y"),
     {B("\xe3\x80\x80"), B("x"), B("\xe2\x80\x83"), B(" y"), END}},
    {"U+2028 line separator", B("a\xe2\x80\xa8" "b"),
     {B("a"), B("\xe2\x80\xa8"), B("b"), END}},
    {"4-byte emoji", B("hi \xf0\x9f\x98\x80\xf0\x9f\x98\x81!"),
     {B("hi"), B(" \xf0\x9f\x98\x80\xf0\x9f\x98\x81!"), END}},
    {"accented and CJK", B(" caf\xc3\xa9 na\xc3\xafve \xe4\xb8\xad\xe6\x96\x87 \xce\x94\xce\xbb"),
     {B(" caf\xc3\xa9"), B(" na\xc3\xafve"), B(" \xe4\xb8\xad\xe6\x96\x87"), B(" \xce\x94\xce\xbb"), END}},
    {"combining mark", B("e\xcc\x81 \xcc\x81"),
     {B("e"), B("\xcc\x81"), B(" \xcc\x81"), END}},
    {"Arabic-Indic digits", B(" \xd9\xa1\xd9\xa2\xd9\xa3x"),
     {B(" \xd9\xa1\xd9\xa2\xd9\xa3"), B("x"), END}},
    {"fullwidth digits", B("\xef\xbc\x91\xef\xbc\x92 \xef\xbc\x93"),
     {B("\xef\xbc\x91\xef\xbc\x92"), B(" \xef\xbc\x93"), END}},
    {"superscript and fraction", B("x\xc2\xb2 \xc2\xbd"),
     {B("x"), B("\xc2\xb2"), B(" \xc2\xbd"), END}},
    {"mojibake quotes", B("\xc3\xa2\xe2\x82\xac\xc5\x93Hi\xc3\xa2\xe2\x82\xac\xc2\x9d"),
     {B("\xc3\xa2"), B("\xe2\x82\xac"), B("\xc5\x93Hi\xc3\xa2"), B("\xe2\x82\xac\xc2\x9d"), END}},

};

static int hand_case_ok(struct pretok *pt, const struct hand_case *hc)
{
    const unsigned char *in = (const unsigned char *)hc->in.p;
    struct collect c;
    int ok = split_checked(pt, in, hc->in.n, 1, HASH_BASIS, &c);
    size_t nexp = 0, off = 0;

    while (nexp < MAX_PIECES && hc->pieces[nexp].p)
        nexp++;
    ok = ok && c.npieces == nexp;
    for (size_t i = 0; ok && i < nexp; i++) {
        ok = c.lens[i] == hc->pieces[i].n &&
             memcmp(c.rebuilt + off, hc->pieces[i].p, c.lens[i]) == 0;
        off += c.lens[i];
    }
    collect_free(&c);
    return ok;
}

static void test_hand_cases(struct pretok *pt)
{
    char descr[128];

    for (size_t i = 0; i < sizeof hand_cases / sizeof hand_cases[0]; i++) {
        snprintf(descr, sizeof descr, "hand case: %s", hand_cases[i].name);
        KCHECK(descr, hand_case_ok(pt, &hand_cases[i]));
    }
}

/* ---- fixture ---------------------------------------------------------- */

static int hexval(int ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* Parses "HEX|- LEN LEN ..." in place; returns 0 on a malformed line. The
 * input goes to *in (pointing into line), its length to *inlen. */
static int parse_case(char *line, unsigned char **in, size_t *inlen,
                      size_t *lens, size_t maxlens, size_t *nlens)
{
    char *p = line, *end;
    size_t n = 0;

    *in = (unsigned char *)line;
    if (*p == '-') {
        p++;
    } else {
        while (hexval(p[0]) >= 0 && hexval(p[1]) >= 0) {
            (*in)[n++] = (unsigned char)(hexval(p[0]) << 4 | hexval(p[1]));
            p += 2;
        }
        if (n == 0)
            return 0;
    }
    *inlen = n;
    *nlens = 0;
    for (;;) {
        while (*p == ' ')
            p++;
        if (*p == '\n' || *p == '\r' || *p == '\0')
            return 1;
        if (*nlens == maxlens)
            return 0;
        unsigned long v = strtoul(p, &end, 10);
        if (end == p || v == 0)
            return 0;
        lens[(*nlens)++] = v;
        p = end;
    }
}

static void test_fixture(struct pretok *pt, const char *path)
{
    FILE *f = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0, ncases = 0, nbad_line = 0, nmismatch = 0, nbroken = 0;
    size_t lens[512];
    ssize_t got;
    char descr[256];

    snprintf(descr, sizeof descr, "fixture %s opens", path);
    KCHECK(descr, f != NULL);
    if (!f)
        return;
    while ((got = getline(&line, &cap, f)) >= 0) {
        unsigned char *in;
        size_t inlen, nlens;
        struct collect c;

        if (got == 0 || line[0] == '#' || line[0] == '\n')
            continue;
        if (!parse_case(line, &in, &inlen, lens, 512, &nlens)) {
            nbad_line++;
            continue;
        }
        ncases++;
        if (!split_checked(pt, in, inlen, 1, HASH_BASIS, &c)) {
            if (nbroken++ < 5)
                fprintf(stderr, "fixture case %zu: invariants broken\n",
                        ncases);
        } else if (c.npieces != nlens ||
                   memcmp(c.lens, lens, nlens * sizeof *lens) != 0) {
            if (nmismatch++ < 5) {
                fprintf(stderr, "fixture case %zu: got", ncases);
                for (size_t i = 0; i < c.npieces; i++)
                    fprintf(stderr, " %zu", c.lens[i]);
                fprintf(stderr, ", want");
                for (size_t i = 0; i < nlens; i++)
                    fprintf(stderr, " %zu", lens[i]);
                fprintf(stderr, "\n");
            }
        }
        collect_free(&c);
    }
    free(line);
    fclose(f);

    KCHECK("fixture: every line parses", nbad_line == 0);
    KCHECK("fixture: has at least 2000 cases", ncases >= 2000);
    KCHECK("fixture: pieces concatenate to the input in every case",
          nbroken == 0);
    KCHECK("fixture: every case splits exactly as Python regex",
          nmismatch == 0 && nbroken == 0);
}

/* ---- large inputs ----------------------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint32_t rng_next(void)
{
    rng_state = rng_state * 6364136223846793005u + 1442695040888963407u;
    return (uint32_t)(rng_state >> 33);
}

/* A long single line of story-like text: words (some non-ASCII), numbers,
 * contractions, punctuation and runs of spaces and tabs; no newline, no
 * special token, no invalid UTF-8 or U+180E (so it takes the direct path).
 * Starts with a letter, which test_large_line relies on. */
static unsigned char *make_line(size_t len)
{
    static const char *const parts[] = {
        "Lily", "the", "a", "little", "dog", "don't", "she's", "we'll",
        "caf\xc3\xa9", "\xe4\xb8\xad\xe6\x96\x87", "\xf0\x9f\x98\x80", "42",
        "2024", "\xd9\xa1\xd9\xa2", ",", ".", "!", "\"", "...", "\xe2\x80\x9c",
        "'", "(", ")", "\xc2\xa0", "\t", "   ",
    };
    const size_t nparts = sizeof parts / sizeof parts[0];
    unsigned char *s = xmalloc(len);
    size_t n = 0;

    while (n < len) {
        const char *w = n == 0 ? "Once" : parts[rng_next() % nparts];
        size_t wl = strlen(w);

        if (n > 0 && rng_next() % 3 != 0)
            s[n++] = ' ';
        if (wl > len - n) /* no cut characters: the line stays valid UTF-8 */
            w = "zzzzzzzz", wl = len - n;
        memcpy(s + n, w, wl);
        n += wl;
    }
    return s;
}

static void test_large_line(struct pretok *pt)
{
    /* Matching from a position depends only on the text after it (the
     * pattern has no lookbehind), so prefixing X "\n" to a text that starts
     * with a letter must give X's piece, "\n", then the text's own pieces.
     * With X an invalid byte or U+180E the text is matched through the
     * substitute buffer instead of directly: the two paths must agree. */
    static const struct {
        const char *name;
        const char *prefix;
    } prefixes[] = {
        {"an invalid byte", "\xff\n"},
        {"U+180E", "\xe1\xa0\x8e\n"},
    };
    unsigned char *text = make_line(BIG_LEN);
    unsigned char *buf = xmalloc(BIG_LEN + 8);
    struct collect c, d;
    char descr[160];
    int ok = split_checked(pt, text, BIG_LEN, 0, HASH_BASIS, &c);

    KCHECK("20 MB line splits; pieces concatenate to the input", ok);
    KCHECK("20 MB line gives plausibly many pieces",
          c.npieces > BIG_LEN / 8 && c.npieces < BIG_LEN / 2);
    collect_free(&c);
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        size_t pl = strlen(prefixes[i].prefix);
        uint64_t seed = hash_fold(hash_fold(HASH_BASIS, pl - 1), 1);
        int ok_direct = split_checked(pt, text, BIG_LEN, 0, seed, &c);

        memcpy(buf, prefixes[i].prefix, pl);
        memcpy(buf + pl, text, BIG_LEN);
        ok = split_checked(pt, buf, BIG_LEN + pl, 0, HASH_BASIS, &d);
        snprintf(descr, sizeof descr,
                 "20 MB line after %s: substitute path splits as direct path",
                 prefixes[i].name);
        KCHECK(descr, ok && ok_direct && d.npieces == c.npieces + 2 &&
                         d.lens_hash == c.lens_hash);
        collect_free(&c);
        collect_free(&d);
    }

    /* Invalid bytes sprinkled through the line: only the invariants. */
    for (size_t i = 7; i < BIG_LEN; i += 9973)
        text[i] = (unsigned char)(0x80 + rng_next() % 0x80);
    ok = split_checked(pt, text, BIG_LEN, 0, HASH_BASIS, &c);
    KCHECK("20 MB line with invalid bytes splits; pieces concatenate", ok);
    collect_free(&c);
    free(buf);
    free(text);
}

/* One character repeated: a single 20 MB piece, or (spaces before a word)
 * the longest backtrack of \s+(?!\S). Guards JIT stack and match limits. */
static void test_long_runs(struct pretok *pt)
{
    static const struct {
        const char *name;
        int byte;
        const char *tail;
        size_t want; /* number of pieces */
    } runs[] = {
        {"letters", 'a', "", 1},
        {"digits", '7', "", 1},
        {"spaces", ' ', "", 1},
        {"spaces then a word", ' ', "x", 2},
        {"newlines", '\n', "", 1},
        {"punctuation", '!', "", 1},
        {"invalid bytes", 0xff, "", 1},
        {"NUL bytes", 0, "", 1},
    };
    unsigned char *buf = xmalloc(BIG_LEN + 8);
    char descr[160];

    for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
        size_t tl = strlen(runs[i].tail);
        struct collect c;

        memset(buf, runs[i].byte, BIG_LEN);
        memcpy(buf + BIG_LEN, runs[i].tail, tl);
        int ok = split_checked(pt, buf, BIG_LEN + tl, 1, HASH_BASIS, &c);
        snprintf(descr, sizeof descr, "20 MB run of %s: %zu piece(s)",
                 runs[i].name, runs[i].want);
        KCHECK(descr, ok && c.npieces == runs[i].want);
        collect_free(&c);
    }
    free(buf);
}

/* ---- misc ------------------------------------------------------------- */

static void test_reuse(struct pretok *pt)
{
    /* The scratch buffer persists between calls: a short invalid input
     * after a longer one must not see stale bytes, and vice versa. The
     * pieces of a are "x", "\xff", " y", " U+180E", " z". */
    static const char a[] = "x\xff y \xe1\xa0\x8e z";
    static const char b[] = "\xfe";
    struct collect c;
    int ok = 1;

    for (int round = 0; round < 3; round++) {
        int ok_a = split_checked(pt, (const unsigned char *)a, sizeof a - 1,
                                 1, HASH_BASIS, &c);
        ok = ok && ok_a && c.npieces == 5;
        collect_free(&c);
        int ok_b = split_checked(pt, (const unsigned char *)b, sizeof b - 1,
                                 1, HASH_BASIS, &c);
        ok = ok && ok_b && c.npieces == 1;
        collect_free(&c);
    }
    KCHECK("instance reused across inputs of different shape", ok);
}

int main(int argc, char **argv)
{
    static const enum pretok_kind kinds[] = {PRETOK_PCRE2, PRETOK_FAST};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        char err[256] = "";
        struct pretok *pt = pretok_new(kinds[i], err, sizeof err);
        kind_label = pretok_kind_name(kinds[i]);
        KCHECK("pretok_new makes an instance", pt != NULL);
        if (!pt) {
            fprintf(stderr, "pretok_new: %s\n", err);
            continue;
        }
        test_hand_cases(pt);
        test_fixture(pt, argc > 1 ? argv[1] : DEFAULT_FIXTURE);
        if (kinds[i] == PRETOK_FAST)
            test_fixture(pt, FAST_FIXTURE);
        test_reuse(pt);
        test_large_line(pt);
        test_long_runs(pt);
        pretok_free(pt);
    }
    return TEST_EXIT_CODE();
}

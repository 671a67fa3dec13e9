/* test_core.c: the harness modules on their own: the GPT-2 file formats,
 * chunked parallel counting, special-token splitting, and the merge loop
 * with 64-bit counts. */
#define _GNU_SOURCE
#include "backend.h"
#include "gpt2.h"
#include "gpt2_parse.h"
#include "input.h"
#include "merge.h"
#include "pairindex.h"
#include "pairs.h"
#include "registry.h"
#include "specials.h"
#include "testcount.h"
#include "testhelp.h"
#include "util.h"
#include "vocab.h"

#include <stdlib.h>
#include <string.h>

#define FIX "tests/fixtures/cs336/"
#define SAMPLE "data/sample/tinystories_v1_head_1097.txt"

static int file_equals(const char *path, const struct buf *b)
{
    struct input in;
    char err[256];
    if (input_open(&in, path, err, sizeof err) < 0)
        return 0;
    int eq = in.len == b->len && memcmp(in.data, b->data, b->len) == 0;
    input_close(&in);
    return eq;
}

static void test_gpt2_formats(void)
{
    char err[256];
    CHECK("GPT-2 alphabet: space is U+0120", gpt2_codepoint_of_byte(' ') == 0x120);
    CHECK("GPT-2 alphabet: newline is U+010A", gpt2_codepoint_of_byte('\n') == 0x10A);
    CHECK("GPT-2 alphabet: 'A' is itself", gpt2_codepoint_of_byte('A') == 'A');
    CHECK("GPT-2 alphabet: byte 0xAD is U+0143", gpt2_codepoint_of_byte(0xAD) == 0x143);
    int bijective = 1;
    for (int r = 0; r < 256; r++)
        bijective &= gpt2_rank_of_byte(gpt2_byte_at_rank(r)) == r;
    CHECK("GPT-2 alphabet: rank <-> byte is a bijection", bijective);
    struct buf raw = {0};
    CHECK("gpt2_decode: U+0120 A is the bytes \" A\"",
          gpt2_decode(&raw, (const unsigned char *)"\xc4\xa0" "A", 3) == 0 && raw.len == 2 &&
              memcmp(raw.data, " A", 2) == 0);
    /* C1 81 is an overlong 'A', C4 a lead with no continuation: a merges
     * file holding either is not in the alphabet, not a token of 'A'. */
    raw.len = 0;
    CHECK("gpt2_decode: an overlong form is rejected",
          gpt2_decode(&raw, (const unsigned char *)"\xc1\x81", 2) < 0);
    CHECK("gpt2_decode: a truncated sequence is rejected",
          gpt2_decode(&raw, (const unsigned char *)"A\xc4", 2) < 0);
    buf_free(&raw);

    struct input in;
    struct token_list tl = {0};
    struct buf out = {0};
    int ok = input_open(&in, FIX "gpt2_vocab.json", err, sizeof err) == 0 &&
             gpt2_parse_vocab_json(in.data, in.len, &tl, err, sizeof err) == 0;
    CHECK("gpt2_vocab.json parses", ok);
    CHECK("gpt2_vocab.json has 50257 tokens", tl.n == 50257);
    int ids_in_order = 1;
    for (size_t i = 0; i < tl.n; i++)
        ids_in_order &= tl.id[i] == (int64_t)i;
    CHECK("gpt2_vocab.json ids are 0..50256 in file order", ids_in_order);
    gpt2_render_vocab_json(&out, &tl, VOCAB_JSON_COMPACT_ASCII);
    CHECK("gpt2_vocab.json round-trips byte for byte", file_equals(FIX "gpt2_vocab.json", &out));
    input_close(&in);
    token_list_free(&tl);
    out.len = 0;

    ok = input_open(&in, FIX "train-bpe-reference-vocab.json", err, sizeof err) == 0 &&
         gpt2_parse_vocab_json(in.data, in.len, &tl, err, sizeof err) == 0;
    CHECK("reference vocab.json parses (500 tokens)", ok && tl.n == 500);
    gpt2_render_vocab_json(&out, &tl, VOCAB_JSON_INDENT4_UTF8);
    CHECK("reference vocab.json round-trips byte for byte",
          file_equals(FIX "train-bpe-reference-vocab.json", &out));
    input_close(&in);
    token_list_free(&tl);
    out.len = 0;

    ok = input_open(&in, FIX "gpt2_merges.txt", err, sizeof err) == 0 &&
         gpt2_parse_merges(in.data, in.len, &tl, err, sizeof err) == 0;
    CHECK("gpt2_merges.txt parses (50000 merges)", ok && tl.n == 100000);
    uint32_t *pairs = xmalloc(tl.n * sizeof *pairs);
    for (size_t i = 0; i < tl.n; i++)
        pairs[i] = (uint32_t)i;
    gpt2_render_merges(&out, &tl, pairs, tl.n / 2);
    CHECK("gpt2_merges.txt round-trips byte for byte", file_equals(FIX "gpt2_merges.txt", &out));
    free(pairs);
    input_close(&in);
    token_list_free(&tl);
    buf_free(&out);

    const char bad[] = "{\"a\": 1, \"\\u4e00\": 2}";
    CHECK("a token outside the GPT-2 alphabet is rejected",
          gpt2_parse_vocab_json((const unsigned char *)bad, sizeof bad - 1, &tl, err,
                                sizeof err) < 0);
    token_list_free(&tl);
}

/* ---- counting ---- */

static int cmp_word(const void *x, const void *y, void *ctx)
{
    const struct word_counts *wc = ctx;
    size_t a = *(const size_t *)x, b = *(const size_t *)y;
    size_t la = wc->len[a], lb = wc->len[b];
    int c = memcmp(wc->bytes + wc->off[a], wc->bytes + wc->off[b], la < lb ? la : lb);
    return c ? c : (la > lb) - (la < lb);
}

/* Renders a count table in a canonical order, so two tables compare with
 * memcmp whatever order their workers produced. */
static void canonical(const struct word_counts *wc, struct buf *out)
{
    size_t *ix = xmalloc((wc->n ? wc->n : 1) * sizeof *ix);
    for (size_t i = 0; i < wc->n; i++)
        ix[i] = i;
    qsort_r(ix, wc->n, sizeof *ix, cmp_word, (void *)(uintptr_t)wc);
    out->len = 0;
    for (size_t k = 0; k < wc->n; k++) {
        size_t i = ix[k];
        buf_put(out, &wc->len[i], sizeof wc->len[i]);
        buf_put(out, wc->bytes + wc->off[i], wc->len[i]);
        buf_put(out, &wc->freq[i], sizeof wc->freq[i]);
    }
    free(ix);
}

static int count_canonical(const unsigned char *d, size_t n, const struct specials *sp,
                           unsigned workers, struct buf *out, size_t *chunks)
{
    struct word_counts wc;
    struct count_stats st;
    char err[256];
    if (count_words(d, n, sp, workers, &wc, &st, err, sizeof err) < 0)
        return -1;
    canonical(&wc, out);
    if (chunks)
        *chunks = st.chunks;
    word_counts_free(&wc);
    return 0;
}

static void load(const char *path, struct buf *b, size_t copies)
{
    struct input in;
    char err[256];
    b->len = 0;
    if (input_open(&in, path, err, sizeof err) < 0) {
        printf("cannot load %s: %s\n", path, err);
        return;
    }
    for (size_t i = 0; i < copies; i++)
        buf_put(b, in.data, in.len);
    input_close(&in);
}

static void same_for_all_workers(const char *what, const struct buf *text,
                                 const struct specials *sp)
{
    struct buf one = {0}, many = {0};
    size_t chunks = 0;
    /* Several workers combine their tables in parallel, each word in one
     * part: a word lost or counted in two parts changes the table. */
    static const unsigned workers[] = {2, 3, 4, 8};
    int ok = count_canonical(text->data, text->len, sp, 1, &one, NULL) == 0;
    for (size_t i = 0; i < sizeof workers / sizeof *workers && ok; i++) {
        ok = count_canonical(text->data, text->len, sp, workers[i], &many, &chunks) == 0 &&
             many.len == one.len && memcmp(many.data, one.data, one.len) == 0;
    }
    char d[200];
    snprintf(d, sizeof d, "%s: 1, 2, 3, 4 and 8 count workers give identical tables (%zu chunks)",
             what, chunks);
    CHECK(d, ok && chunks > 4);
    buf_free(&one);
    buf_free(&many);
}

static void test_counting(void)
{
    char err[256];
    struct specials sp, none, tricky;
    char *eot[] = {"<|endoftext|>"};
    char *tr[] = {"<|x|>", "y<|x|>", "\n<|x|>"};
    specials_init(&sp, eot, 1, err, sizeof err);
    specials_init(&none, NULL, 0, err, sizeof err);
    specials_init(&tricky, tr, 3, err, sizeof err);

    struct buf text = {0};
    load(SAMPLE, &text, 8);
    same_for_all_workers("TinyStories x8", &text, &sp);
    /* No special token at all: cuts fall on "\n" between graphic bytes. */
    load(FIX "corpus.en", &text, 40);
    same_for_all_workers("corpus.en x40, no special token", &text, &none);
    /* Specials that contain one another, placed around every newline, so
     * a cut candidate is often inside a longer special. */
    struct buf src = {0};
    load(SAMPLE, &src, 4);
    text.len = 0;
    for (size_t i = 0; i < src.len; i++) {
        if (src.data[i] == '\n' && (i % 3) == 0)
            buf_put(&text, "y<|x|>", 6);
        else if (src.data[i] == '\n' && (i % 3) == 1)
            buf_put(&text, "\n<|x|>z", 7);
        buf_putc(&text, src.data[i]);
    }
    same_for_all_workers("nested specials around newlines", &text, &tricky);

    /* A text with specials counts as the sum of its pieces counted alone. */
    const char *pieces[] = {"Once upon a time, a cat.", " It's\r\n  here\xff!", "",
                            "end 123 don't"};
    struct buf joined = {0}, whole = {0};
    struct word_counts wc;
    struct count_stats st;
    uint64_t total_pieces = 0;
    for (size_t i = 0; i < 4; i++) {
        if (i)
            buf_put(&joined, "<|endoftext|>", 13);
        buf_put(&joined, pieces[i], strlen(pieces[i]));
        count_words((const unsigned char *)pieces[i], strlen(pieces[i]), &none, 1, &wc, &st,
                    err, sizeof err);
        total_pieces += wc.total;
        word_counts_free(&wc);
    }
    count_words(joined.data, joined.len, &sp, 2, &wc, &st, err, sizeof err);
    CHECK("a text with specials has as many pre-tokens as its pieces counted alone",
          wc.total == total_pieces && total_pieces == 17);
    int has_special = 0;
    for (size_t i = 0; i < wc.n; i++)
        has_special |= memmem(wc.bytes + wc.off[i], wc.len[i], "<|", 2) != NULL;
    CHECK("no counted word contains a special token", !has_special);
    word_counts_free(&wc);

    /* Longest special wins at one position, leftmost first. */
    const char *s2 = "a<|x|>b y<|x|>c\n<|x|>d";
    count_words((const unsigned char *)s2, strlen(s2), &tricky, 1, &wc, &st, err, sizeof err);
    canonical(&wc, &whole);
    size_t n_words = wc.n;
    uint64_t total = wc.total;
    word_counts_free(&wc);
    /* pieces: "a", "b ", "c", "d" -> pre-tokens "a", "b", " ", "c", "d" */
    CHECK("nested specials: y<|x|> and \\n<|x|> are removed whole", total == 5 && n_words == 5);

    buf_free(&text);
    buf_free(&src);
    buf_free(&joined);
    buf_free(&whole);
    specials_free(&sp);
    specials_free(&none);
    specials_free(&tricky);
}

/* A count asked to stop fails with a reason and hands back no words, for
 * one worker and several (the Python module's Ctrl-C sets the flag). */
static void test_count_cancel(void)
{
    char err[256];
    struct specials sp;
    char *eot[] = {"<|endoftext|>"};
    specials_init(&sp, eot, 1, err, sizeof err);
    struct buf text = {0};
    load(SAMPLE, &text, 4);
    atomic_int cancel;
    atomic_init(&cancel, 1);
    for (unsigned workers = 1; workers <= 3; workers++) {
        struct count_config cfg = {.workers = workers, .pretok = PRETOK_DEFAULT,
                                   .cancel = &cancel};
        struct word_counts wc;
        struct count_stats st;
        err[0] = 0;
        int rc = count_words_cfg(text.data, text.len, &sp, &cfg, &wc, &st, err, sizeof err);
        char d[96];
        snprintf(d, sizeof d, "cancelled count, %u workers: fails, no words, says why", workers);
        CHECK(d, rc < 0 && wc.n == 0 && strstr(err, "interrupted while counting") != NULL);
        word_counts_free(&wc);
    }
    atomic_store(&cancel, 0);
    struct count_config cfg = {.workers = 2, .pretok = PRETOK_DEFAULT, .cancel = &cancel};
    struct word_counts wc;
    struct count_stats st;
    CHECK("a cancel flag left unset changes nothing",
          count_words_cfg(text.data, text.len, &sp, &cfg, &wc, &st, err, sizeof err) == 0 &&
              wc.n > 0);
    word_counts_free(&wc);
    buf_free(&text);
    specials_free(&sp);
}

/* The special-token cursor against a naive scan: at each position asked
 * for, the leftmost occurrence of any token, the longest at that start.
 * Random texts over the tokens' own bytes, so that near misses abound. */
static void test_special_cursor(void)
{
    char err[256];
    char *toks[] = {"<|x|>", "x|>", "<|", "|x||x|"};
    struct specials sp;
    specials_init(&sp, toks, 4, err, sizeof err);
    static const char alphabet[] = "<|x>a";
    uint64_t r = 0x9E3779B97F4A7C15ULL;
    size_t bad = 0;
    for (int t = 0; t < 3000; t++) {
        unsigned char d[200];
        r ^= r << 13, r ^= r >> 7, r ^= r << 17;
        size_t n = r % sizeof d + 1;
        for (size_t i = 0; i < n; i++) {
            r ^= r << 13, r ^= r >> 7, r ^= r << 17;
            d[i] = (unsigned char)alphabet[r % 5];
        }
        struct special_cursor c;
        special_cursor_init(&c, &sp, d, n);
        for (size_t pos = 0; pos <= n;) {
            size_t want = n, want_len = 0;
            for (size_t q = pos; q < n && want == n; q++)
                for (size_t k = 0; k < sp.n; k++)
                    if (q + sp.len[k] <= n && memcmp(d + q, sp.tok[k], sp.len[k]) == 0 &&
                        sp.len[k] > want_len) {
                        want = q;
                        want_len = sp.len[k];
                    }
            size_t mlen;
            size_t got = special_cursor_next(&c, pos, &mlen);
            bad += got != want || (got < n && mlen != want_len);
            if (got >= n)
                break;
            pos = got + 1 + (size_t)(r % 3);
        }
        special_cursor_free(&c);
    }
    CHECK("special cursor: leftmost, then longest, occurrence at every position asked for "
          "(3000 random texts) equals a naive scan", bad == 0);
    specials_free(&sp);
}

/* ---- the merge loop on hand-made word counts ---- */

/* Word counts of n words given as strings and frequencies. */
static void make_counts(struct word_counts *wc, const char *const *w, const uint64_t *f,
                        size_t n)
{
    struct buf bytes = {0};
    memset(wc, 0, sizeof *wc);
    wc->n = n;
    wc->off = xmalloc(n * sizeof *wc->off);
    wc->len = xmalloc(n * sizeof *wc->len);
    wc->freq = xmalloc(n * sizeof *wc->freq);
    for (size_t i = 0; i < n; i++) {
        wc->off[i] = bytes.len;
        wc->len[i] = (uint32_t)strlen(w[i]);
        wc->freq[i] = f[i];
        buf_put(&bytes, w[i], wc->len[i]);
    }
    wc->bytes = bytes.data;
}

/* Word k of length len: letters only (one pre-token with its space), the
 * same first and last eight bytes for every k, k spelt in between. */
static void similar_word(char *w, size_t len, unsigned k)
{
    memset(w, 'q', len);
    w[0] = ' ';
    memcpy(w + len - 8, "zxcvbnmp", 8);
    for (size_t i = len > 16 ? 8 : len - 4; i < (len > 16 ? len - 8 : len); i++, k /= 26)
        w[i] = (char)('a' + k % 26);
    w[len] = 0;
}

/* Words that share their first eight bytes, and past 16 bytes their last
 * eight too, each counted k % 3 + 1 times: a word table that compares
 * only part of a word, or stores a part in one place and computes it
 * differently in another (insert, growth, combine), merges or splits them.
 * Enough words that the table grows, for one worker and several. */
static void test_count_similar_words(void)
{
    static const size_t lens[] = {9, 12, 15, 16, 20, 21, 24, 40}; /* 3000 need 3 letters */
    enum { PER_LEN = 3000 };
    struct buf text = {0};
    size_t n = sizeof lens / sizeof *lens * PER_LEN, at = 0;
    char **w = xmalloc(n * sizeof *w);
    uint64_t *f = xmalloc(n * sizeof *f);
    for (size_t l = 0; l < sizeof lens / sizeof *lens; l++)
        for (unsigned k = 0; k < PER_LEN; k++, at++) {
            w[at] = xmalloc(lens[l] + 1);
            similar_word(w[at], lens[l], k);
            f[at] = k % 3 + 1;
        }
    for (unsigned r = 0; r < 3; r++) /* words of count 3 in all three rounds */
        for (size_t i = 0; i < n; i++)
            if (f[i] > r)
                buf_put(&text, w[i], strlen(w[i]));
    struct word_counts want;
    struct buf want_c = {0}, got_c = {0};
    make_counts(&want, (const char *const *)w, f, n);
    canonical(&want, &want_c);
    struct specials none;
    char err[256];
    specials_init(&none, NULL, 0, err, sizeof err);
    int ok = 1;
    for (unsigned workers = 1; workers <= 3; workers++)
        ok &= count_canonical(text.data, text.len, &none, workers, &got_c, NULL) == 0 &&
              got_c.len == want_c.len && memcmp(got_c.data, want_c.data, want_c.len) == 0;
    CHECK("24000 words sharing their first and last bytes count exactly, 1 to 3 workers", ok);
    for (size_t i = 0; i < n; i++)
        free(w[i]);
    free(w);
    free(f);
    word_counts_free(&want);
    buf_free(&want_c);
    buf_free(&got_c);
    buf_free(&text);
    specials_free(&none);
}

/* Trains `merges` merges on the words with the serial backend. */
static int train_words(const char *const *w, const uint64_t *f, size_t n, uint64_t merges,
                       struct vocab *v, struct merge_result *mr, struct merge_stats *ms)
{
    char err[256];
    struct word_counts wc;
    make_counts(&wc, w, f, n);
    char *eot[] = {"<|endoftext|>"};
    vocab_init(v, eot, 1);
    struct merge_params mp = {.vocab_size = 257 + merges, .backend = backend_find("serial"),
                              .config = {.workers = 1}};
    int rc = merge_train(&wc, v, &mp, mr, ms, err, sizeof err);
    word_counts_free(&wc);
    return rc;
}

static void test_64bit_counts(void)
{
    /* Two words whose frequencies only differ above bit 32: a 32-bit count
     * would wrap and pick the wrong pair. */
    const char *w[] = {"ab", "cd", "ef"};
    uint64_t f[] = {(1ULL << 32) + 5, (1ULL << 32) + 7, 6};
    struct vocab v;
    struct merge_result mr;
    struct merge_stats ms;
    int rc = train_words(w, f, 3, 3, &v, &mr, &ms);
    CHECK("64-bit counts: training succeeds", rc == 0 && mr.merges == 3);
    CHECK("64-bit counts: 'c d' (2^32+7) is merged before 'a b' (2^32+5)",
          rc == 0 && v.len[v.n - 3] == 2 && memcmp(vocab_ptr(&v, v.n - 3), "cd", 2) == 0 &&
              memcmp(vocab_ptr(&v, v.n - 2), "ab", 2) == 0);
    merge_result_free(&mr);
    merge_stats_free(&ms);
    vocab_free(&v);
}

/* The update's work counters, worked out by hand. */
static void test_update_counters(void)
{
    /* "abc" 1, "bc" 5, "ab" 2: ab 3, bc 6. Merge 1 (b,c)=T reads both words
     * holding it: a|bc gives (a,b) -1, (a,T) +1, (b,c) -1, and "bc" (b,c) -5:
     * 4 changes, 3 pairs changed. Merge 2 (a,b), count 2, reads "abc" (now
     * a T: stale) and "ab": 1 change. Merge 3 (a,T): 1 change. */
    const char *w[] = {"abc", "bc", "ab"};
    uint64_t f[] = {1, 5, 2};
    struct vocab v;
    struct merge_result mr;
    struct merge_stats ms;
    int rc = train_words(w, f, 3, 3, &v, &mr, &ms);
    const struct update_counters *u = &ms.upd;
    CHECK("update counters: 3 merges", rc == 0 && mr.merges == 3);
    CHECK("update counters: 5 index entries read, 1 stale, 5 words visited",
          u->index_reads == 5 && u->index_stale == 1 && u->words_visited == 5);
    CHECK("update counters: 6 pair-count changes, 5 net changes",
          u->pair_changes == 6 && u->net_changes == 5);
    merge_result_free(&mr);
    merge_stats_free(&ms);
    vocab_free(&v);
    /* "abab": merge (a,b) changes (b,a) -1, (t,a) +1, (a,b) -1, then
     * (t,a) -1, (t,t) +1, (a,b) -1: 6 changes, (t,a) nets to 0 and is not
     * reported; merge (t,t): 1 more. */
    const char *w2[] = {"abab"};
    uint64_t f2[] = {1};
    rc = train_words(w2, f2, 1, 2, &v, &mr, &ms);
    CHECK("update counters: a transient pair is a change but not a net change",
          rc == 0 && mr.merges == 2 && u->pair_changes == 7 && u->net_changes == 4 &&
              u->index_reads == 2 && u->index_stale == 0);
    merge_result_free(&mr);
    merge_stats_free(&ms);
    vocab_free(&v);
}

static void test_tie_break(void)
{
    char *none[] = {NULL};
    struct vocab v;
    vocab_init(&v, none, 0);
    uint32_t a = vocab_byte_id(&v, 'a'), b = vocab_byte_id(&v, 'b');
    uint32_t ab = vocab_add(&v, (const unsigned char *)"ab", 2);
    CHECK("tie-break: higher count wins", pair_rank_cmp(&v, 5, a, a, 4, b, b) > 0);
    CHECK("tie-break: equal counts, greater first token wins",
          pair_rank_cmp(&v, 4, b, a, 4, a, b) > 0);
    CHECK("tie-break: a proper prefix is smaller ('a' < 'ab')",
          pair_rank_cmp(&v, 4, ab, a, 4, a, b) > 0);
    /* (a, bX) vs (ab, X): the concatenations are equal, the pairs are not. */
    CHECK("tie-break: compares the pair, not the concatenation",
          pair_rank_cmp(&v, 4, ab, a, 4, a, ab) > 0);
    vocab_free(&v);
}

/* The index by newer token: both orders of a pair are two pairs, a pair
 * of a token is found only in its group, and a group holds many pairs. */
static void test_pair_index(void)
{
    char *one[] = {"<|endoftext|>", NULL};
    struct vocab v;
    vocab_init(&v, one, 1);
    struct pair_table pt;
    pairs_init(&pt, &v);
    struct pair_index x;
    pair_index_init(&x, &v);
    uint32_t a = vocab_byte_id(&v, 'a'), b = vocab_byte_id(&v, 'b');
    uint32_t ab = pair_index_initial(&x, &pt, a, b), ba = pair_index_initial(&x, &pt, b, a);
    CHECK("pair index: (a, b) and (b, a) are two pairs", ab != ba);
    CHECK("pair index: an initial pair keeps its id",
          pair_index_initial(&x, &pt, a, b) == ab && pair_index_find(&x, a, b) == ab);
    CHECK("pair index: an initial pair never made is absent",
          pair_index_find(&x, a, a) == PAIR_NONE);
    uint32_t t = vocab_add(&v, (const unsigned char *)"ab", 2), ids[600];
    size_t n = 0;
    ids[n++] = pairs_add(&pt, t, t);
    for (int c = 0; c < 256; c++) {
        ids[n++] = pairs_add(&pt, vocab_byte_id(&v, (unsigned char)c), t);
        ids[n++] = pairs_add(&pt, t, vocab_byte_id(&v, (unsigned char)c));
    }
    pair_index_add_group(&x, &pt, t, ids, n);
    uint32_t u = vocab_add(&v, (const unsigned char *)"aab", 3);
    uint32_t ua = pairs_add(&pt, u, a);
    pair_index_add_group(&x, &pt, u, &ua, 1);
    int found = 1;
    for (size_t i = 0; i < n; i++)
        found &= pair_index_find(&x, pt.rec[ids[i]].a, pt.rec[ids[i]].b) == ids[i];
    CHECK("pair index: all 513 pairs of one token are found, each with its own id", found);
    CHECK("pair index: a pair is in its newer token's group",
          pair_index_find(&x, u, a) == ua && pair_index_find(&x, a, u) == PAIR_NONE);
    CHECK("pair index: a pair of two tokens never made is absent",
          pair_index_find(&x, u, t) == PAIR_NONE && pair_index_find(&x, u, u) == PAIR_NONE);
    pair_index_free(&x);
    pairs_free(&pt);
    vocab_free(&v);
}

int main(void)
{
    test_gpt2_formats();
    test_counting();
    test_count_similar_words();
    test_count_cancel();
    test_special_cursor();
    test_64bit_counts();
    test_update_counters();
    test_tie_break();
    test_pair_index();
    return TEST_EXIT_CODE();
}

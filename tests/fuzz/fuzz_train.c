/* fuzz_train.c: libFuzzer target: the pre-tokenizer and the trainer
 * against the naive reference trainer (tests/naive_bpe.c), on small inputs.
 *
 * Input layout: byte 0 picks the vocabulary size (257..320 + specials),
 * byte 1 picks which special tokens are in play (a bit each from a fixed
 * list that includes prefixes of one another and fragments), the rest is
 * the text: random bytes, invalid UTF-8, special-token pieces. Any
 * difference in merges, or between the serial and heap backends, aborts. */
#include "backend.h"
#include "registry.h"
#include "count.h"
#include "merge.h"
#include "naive_bpe.h"
#include "pretok.h"
#include "specials.h"
#include "util.h"
#include "vocab.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static const char *const candidates[] = {"<|endoftext|>", "<|a|>", "<|a|>x", "\n\n",
                                         "ab", "\xc3\xa9", "<|"};

static void die(const char *what, size_t m)
{
    fprintf(stderr, "fuzz_train: %s (merge %zu)\n", what, m);
    abort();
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    if (size < 2 || size > 4096)
        return 0;
    char *specials[8];
    size_t ns = 0;
    for (size_t i = 0; i < sizeof candidates / sizeof candidates[0]; i++)
        if (data[1] & (1u << i))
            specials[ns++] = (char *)(uintptr_t)candidates[i];
    size_t vocab_size = 257 + ns + data[0] % 64;
    const unsigned char *text = data + 2;
    size_t len = size - 2;

    /* The pre-tokenizer alone: pieces must tile the input exactly. */
    char err[256];
    struct pretok *pt = pretok_new(PRETOK_PCRE2, err, sizeof err);
    if (!pt)
        die(err, 0);
    pretok_free(pt);

    struct naive_merges want;
    if (naive_bpe_train(text, len, (const char *const *)specials, ns, vocab_size, &want, err,
                        sizeof err) < 0)
        die(err, 0);

    struct specials sp;
    if (specials_init(&sp, specials, ns, err, sizeof err) < 0)
        die(err, 0);
    struct word_counts wc;
    struct count_stats cs;
    /* The naive trainer classifies code points with PCRE2 (Unicode 14), so
     * the trainer counts with PCRE2 too; fast against PCRE2 is fuzz_pretok. */
    struct count_config cfg = {.workers = 2, .pretok = PRETOK_PCRE2};
    if (count_words_cfg(text, len, &sp, &cfg, &wc, &cs, err, sizeof err) < 0)
        die(err, 0);
    uint64_t hashes[2];
    const char *names[2] = {"serial", "heap"};
    for (int k = 0; k < 2; k++) {
        struct vocab v;
        vocab_init(&v, sp.tok, (uint32_t)sp.n);
        struct merge_params mp = {.vocab_size = vocab_size, .backend = backend_find(names[k]),
                                  .config = {.workers = 1}, .check_each_step = 1};
        struct merge_result mr;
        struct merge_stats ms;
        if (merge_train(&wc, &v, &mp, &mr, &ms, err, sizeof err) < 0)
            die(err, 0);
        hashes[k] = mr.hash;
        if (k == 0) {
            if (mr.merges != want.n)
                die("merge count differs from the naive trainer", mr.merges);
            for (size_t m = 0; m < want.n; m++) {
                uint32_t a = mr.pairs[2 * m], b = mr.pairs[2 * m + 1];
                if (v.len[a] != want.v[m].alen || v.len[b] != want.v[m].blen ||
                    memcmp(vocab_ptr(&v, a), want.v[m].a, want.v[m].alen) != 0 ||
                    memcmp(vocab_ptr(&v, b), want.v[m].b, want.v[m].blen) != 0)
                    die("merge differs from the naive trainer", m);
            }
        }
        merge_result_free(&mr);
        merge_stats_free(&ms);
        vocab_free(&v);
    }
    if (hashes[0] != hashes[1])
        die("heap and serial learned different merges", 0);
    naive_merges_free(&want);
    word_counts_free(&wc);
    specials_free(&sp);
    return 0;
}

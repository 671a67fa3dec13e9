/* test_shard.c: the work before the first merge gives the same shards
 * however many threads do it: shard_build lays out the same tokens, and
 * shard_count_initial gives the same deltas, in the same order, with the
 * same word lists, at 1, 2, 3 and 7 threads (at most one per 1024 words:
 * these inputs' 4,763 and 5,404 words allow 5 and 6), with one shard and
 * with three; and the deltas are those of a count made here, pair by pair. */
#include "pairindex.h"
#include "shard.h"
#include "testcount.h"
#include "testhelp.h"
#include "util.h"
#include "vocab.h"

#include <stdlib.h>
#include <string.h>

/* Total token slots of shard s (headers and tokens of every word). */
static size_t slots_of(const struct shard *s)
{
    if (!s->n_words)
        return 0;
    uint64_t last = s->start[s->n_words - 1];
    return (size_t)(last + s->tok[last - 1]);
}

static int same_lists(const struct word_list *a, const struct word_list *b)
{
    return a->n == b->n && memcmp(a->w, b->w, a->n * sizeof *a->w) == 0;
}

/* Are shards a and b, built and counted, the same? */
static int same_shard(const struct shard *a, const struct shard *b)
{
    if (a->n_words != b->n_words || a->n_d != b->n_d || slots_of(a) != slots_of(b))
        return 0;
    if (memcmp(a->start, b->start, a->n_words * sizeof *a->start) != 0 ||
        memcmp(a->tok, b->tok, slots_of(a) * sizeof *a->tok) != 0)
        return 0;
    for (uint32_t k = 0; k < a->n_d; k++) {
        const struct shard_delta *x = &a->d[k], *y = &b->d[k];
        if (x->a != y->a || x->b != y->b || x->delta != y->delta ||
            !same_lists(&x->words, &y->words))
            return 0;
    }
    return 1;
}

/* Every delta of s against a plain count of its words' adjacent pairs. */
static int deltas_are_the_counts(const struct shard *s, const struct pair_index *x)
{
    int64_t *count = xcalloc(256 * 256, sizeof *count);
    for (uint32_t w = 0; w < s->n_words; w++) {
        const uint32_t *t = s->tok + s->start[w];
        int64_t f = (int64_t)((uint64_t)t[-2] << 32 | t[-3]);
        for (uint32_t j = 0; j + 1 < t[-1]; j++)
            count[pair_index_bytes(x->byte_of, t[j], t[j + 1])] += f;
    }
    int ok = 1;
    for (uint32_t k = 0; k < s->n_d && ok; k++) {
        uint32_t b = pair_index_bytes(x->byte_of, s->d[k].a, s->d[k].b);
        ok = count[b] == s->d[k].delta && s->d[k].delta > 0;
        count[b] = 0;
    }
    for (uint32_t b = 0; b < 256 * 256 && ok; b++)
        ok = count[b] == 0; /* no pair without its delta */
    free(count);
    return ok;
}

static void shards_agree(const struct word_counts *wc, unsigned n_shards, const char *label)
{
    char *eot[] = {"<|endoftext|>"};
    struct vocab v;
    vocab_init(&v, eot, 1);
    struct pair_index x;
    pair_index_init(&x, &v);
    const unsigned threads[] = {1, 2, 3, 7};
    struct shard ref[3], s;
    int same = 1, counted = 1;
    for (unsigned i = 0; i < n_shards; i++) {
        shard_build(&ref[i], wc, &v, i, n_shards, 1);
        shard_count_initial(&ref[i], &x, 1);
        counted &= deltas_are_the_counts(&ref[i], &x) && ref[i].n_d > 0;
        for (size_t t = 1; t < sizeof threads / sizeof *threads; t++) {
            shard_build(&s, wc, &v, i, n_shards, threads[t]);
            shard_count_initial(&s, &x, threads[t]);
            same &= same_shard(&ref[i], &s);
            shard_free(&s);
        }
    }
    char d[200];
    snprintf(d, sizeof d, "%s, %u shard(s): the initial deltas are the pairs' counts", label,
             n_shards);
    CHECK(d, counted);
    snprintf(d, sizeof d, "%s, %u shard(s): 2, 3 and 7 threads build and count what 1 does",
             label, n_shards);
    CHECK(d, same);
    for (unsigned i = 0; i < n_shards; i++)
        shard_free(&ref[i]);
    pair_index_free(&x);
    vocab_free(&v);
}

int main(void)
{
    const char *paths[] = {"data/sample/tinystories_v1_head_1097.txt",
                           "tests/fixtures/cs336/corpus.en"};
    for (size_t p = 0; p < 2; p++) {
        char err[256];
        struct input in;
        struct specials sp;
        struct word_counts wc;
        if (count_file_eot(paths[p], 1, &in, &sp, &wc, err, sizeof err) < 0) {
            printf("  %s\n", err);
            CHECK("the input opens and counts", 0);
            continue;
        }
        const char *slash = strrchr(paths[p], '/');
        shards_agree(&wc, 1, slash + 1);
        shards_agree(&wc, 3, slash + 1);
        word_counts_free(&wc);
        input_close(&in);
        specials_free(&sp);
    }
    return TEST_EXIT_CODE();
}

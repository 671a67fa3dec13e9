/* test_heap.c: the heap backends against brute force. Thousands of random
 * inserts, increments, decrements and removals go to a pair table, are
 * reported to each heap backend, and after every step the backend's pick
 * must equal a full scan's and its own invariant check must pass. Then
 * whole trainings with the check run after every merge. */
#include "backend.h"
#include "input.h"
#include "merge.h"
#include "pairheap.h"
#include "registry.h"
#include "specials.h"
#include "testcount.h"
#include "testhelp.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng = 0x9E3779B97F4A7C15ULL;
static uint32_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 11);
}

/* The id of (a, b), both below TOKENS, in pt: made on first use. The test's
 * own map, as the merge loop keeps its own (pairindex.h). */
enum { TOKENS = 265 };
static uint32_t test_pair(struct pair_table *pt, uint32_t *ids, uint32_t a, uint32_t b)
{
    uint32_t *id = &ids[a * TOKENS + b];
    if (*id == PAIR_NONE)
        *id = pairs_add(pt, a, b);
    return *id;
}

static uint32_t brute_best(const struct pair_table *pt)
{
    uint32_t best = PAIR_NONE;
    for (uint32_t id = 0; id < pt->n_rec; id++) {
        const struct pair_rec *r = &pt->rec[id];
        if (r->count <= 0)
            continue;
        if (best == PAIR_NONE ||
            pair_rank_cmp(pt->vocab, r->count, r->a, r->b, pt->rec[best].count,
                          pt->rec[best].a, pt->rec[best].b) > 0)
            best = id;
    }
    return best;
}

static void property(const char *name)
{
    const struct merge_backend *be = backend_find(name);
    char *none[] = {NULL};
    struct vocab v;
    vocab_init(&v, none, 0);
    /* Multi-byte tokens sharing prefixes make byte-order ties common. */
    const char *extra[] = {"a", "ab", "abc", "b", "ba", "c", "ca", "cab", "abcab"};
    for (size_t i = 0; i < 9; i++)
        vocab_add(&v, (const unsigned char *)extra[i], (uint32_t)strlen(extra[i]));
    struct pair_table pt;
    pairs_init(&pt, &v);
    uint32_t *ids = xmalloc(TOKENS * TOKENS * sizeof *ids);
    memset(ids, 0xff, TOKENS * TOKENS * sizeof *ids); /* PAIR_NONE */
    /* Some pairs live before init, the rest arrive later. */
    for (int i = 0; i < 40; i++) {
        uint32_t id = test_pair(&pt, ids, 256 + next_rand() % 9, 256 + next_rand() % 9);
        pt.rec[id].count = 1 + next_rand() % 6;
        pairs_sync_live(&pt, id);
    }
    void *state;
    char err[256];
    struct backend_config cfg = {.workers = 1};
    be->init(&state, &cfg, &pt, err, sizeof err);
    int agree = 1, checks = 1, steps = 5000;
    for (int step = 0; step < steps && agree && checks; step++) {
        uint32_t a = next_rand() % TOKENS, b = next_rand() % TOKENS;
        if (next_rand() % 3)
            a = 256 + next_rand() % 9, b = 256 + next_rand() % 9;
        uint32_t id = test_pair(&pt, ids, a, b);
        struct pair_rec *r = &pt.rec[id];
        int64_t old = r->count, now;
        switch (next_rand() % 4) {
        case 0: now = old + 1 + next_rand() % 3; break;              /* insert/increment */
        case 1: now = old > 0 ? old - 1 - (int64_t)(next_rand() % (uint32_t)old) : 0; break;
        case 2: now = 0; break;                                      /* removal */
        default: now = old ? old - 1 : 1 + next_rand() % 8; break;
        }
        if (now == old)
            continue;
        r->count = now;
        pairs_sync_live(&pt, id);
        be->count_changed(state, &pt, id, old, now);
        struct select_result sel;
        be->select(state, &pt, &sel, err, sizeof err);
        agree = sel.pair_id == brute_best(&pt);
        checks = be->check(state, &pt) == 0;
        if (!agree || !checks)
            printf("  step %d: picked %u, brute force %u, check %s\n", step, sel.pair_id,
                   brute_best(&pt), checks ? "ok" : "FAILED");
    }
    char d[160];
    snprintf(d, sizeof d, "%s: %d random inserts/increments/decrements/removals: top = "
                          "brute-force best after every step", name, steps);
    CHECK(d, agree);
    /* Then as a training ends: the best pair leaves, one after another,
     * until none is left. */
    int drained = agree && checks;
    for (uint32_t best; drained && (best = brute_best(&pt)) != PAIR_NONE;) {
        int64_t old = pt.rec[best].count;
        pt.rec[best].count = 0;
        pairs_sync_live(&pt, best);
        be->count_changed(state, &pt, best, old, 0);
        struct select_result sel;
        be->select(state, &pt, &sel, err, sizeof err);
        drained = sel.pair_id == brute_best(&pt) && be->check(state, &pt) == 0;
    }
    snprintf(d, sizeof d, "%s: the best pair removed until none is left: top = brute-force "
                          "best and check passes every time", name);
    CHECK(d, drained);
    snprintf(d, sizeof d, "%s: invariant check passes after every step", name);
    CHECK(d, checks);
    if (strcmp(name, "heap") == 0) {
        /* Removing the best pairs one by one drives the best count down,
         * so the heap must have run empty and lowered its floor. */
        struct backend_report rep = {0};
        be->report(state, &rep);
        const char *at = rep.counters.len ? strstr(buf_cstr(&rep.counters), "heap_refills=")
                                          : NULL;
        CHECK("heap: the floor was lowered (heap refilled) more than once",
              at && strtoull(at + strlen("heap_refills="), NULL, 10) > 1);
        backend_report_free(&rep);
    }
    be->destroy(state);
    free(ids);
    pairs_free(&pt);
    vocab_free(&v);
}

static void heap_check_catches_corruption(void)
{
    char *none[] = {NULL};
    struct vocab v;
    vocab_init(&v, none, 0);
    struct pair_table pt;
    pairs_init(&pt, &v);
    for (uint32_t i = 0; i < 50; i++) {
        uint32_t id = pairs_add(&pt, i, i + 1);
        pt.rec[id].count = 1 + i;
        pairs_sync_live(&pt, id);
    }
    struct pair_heap h;
    pair_heap_init(&h, &pt, 1);
    pair_heap_build(&h, 1);
    int ok_before = pair_heap_check(&h) == 0;
    h.e[h.n - 1].count = 1000; /* a leaf above its parent */
    CHECK("heap checker: passes a valid heap and catches a corrupted one",
          ok_before && pair_heap_check(&h) < 0);
    pair_heap_free(&h);
    pairs_free(&pt);
    vocab_free(&v);
}

/* With keep_live 0 (the heap backend's table) n_live still counts the live
 * records through every change, and no live array is made. */
static void live_count_without_array(void)
{
    char *none[] = {NULL};
    struct vocab v;
    vocab_init(&v, none, 0);
    struct pair_table pt;
    pairs_init(&pt, &v);
    pt.keep_live = 0;
    uint64_t x = 12345;
    int ok = 1;
    for (uint32_t i = 0; i < 64; i++)
        pairs_add(&pt, i, i + 1);
    for (int step = 0; step < 2000 && ok; step++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        uint32_t id = (uint32_t)(x >> 33) % 64;
        pt.rec[id].count = (int64_t)((x >> 20) % 3); /* 0 (dead) a third of the time */
        pairs_sync_live(&pt, id);
        uint32_t live = 0;
        for (uint32_t i = 0; i < pt.n_rec; i++)
            live += pt.rec[i].count > 0;
        ok = live == pt.n_live;
    }
    int64_t best = 0;
    for (uint32_t i = 0; i < pt.n_rec; i++)
        best = pt.rec[i].count > best ? pt.rec[i].count : best;
    CHECK("pair table without a live array: n_live follows 2000 random changes, the best "
          "count is found from the records, and no live array is allocated",
          ok && pt.live == NULL && pt.live_id == NULL && pairs_max_count(&pt) == best);
    pairs_free(&pt);
    vocab_free(&v);
}

static void trained_with_checks(const char *name, const char *path, uint64_t vocab_size,
                                const char *label)
{
    char err[256];
    struct input in;
    struct specials sp;
    struct word_counts wc;
    if (count_file_eot(path, 2, &in, &sp, &wc, err, sizeof err) < 0) {
        printf("  %s\n", err);
        CHECK("the input opens and counts", 0);
        return;
    }
    char *eot[] = {"<|endoftext|>"};
    uint64_t hash[2] = {0, 0};
    const char *names[2] = {"serial", name};
    int rc = 0;
    for (int k = 0; k < 2; k++) {
        struct vocab v;
        vocab_init(&v, eot, 1);
        struct merge_params mp = {.vocab_size = vocab_size, .backend = backend_find(names[k]),
                                  .config = {.workers = 1}, .check_each_step = 1};
        struct merge_result mr;
        struct merge_stats ms;
        rc |= merge_train(&wc, &v, &mp, &mr, &ms, err, sizeof err);
        hash[k] = mr.hash;
        merge_result_free(&mr);
        merge_stats_free(&ms);
        vocab_free(&v);
    }
    char d[200];
    snprintf(d, sizeof d, "%s on %s: checked after every merge, same merges as serial", name,
             label);
    CHECK(d, rc == 0 && hash[0] == hash[1]);
    if (rc)
        printf("  %s\n", err);
    word_counts_free(&wc);
    input_close(&in);
    specials_free(&sp);
}

int main(void)
{
    property("heap");
    property("lazyheap");
    heap_check_catches_corruption();
    live_count_without_array();
    trained_with_checks("heap", "data/sample/tinystories_v1_head_1097.txt", 2000,
                        "TinyStories vocab 2000");
    trained_with_checks("lazyheap", "data/sample/tinystories_v1_head_1097.txt", 2000,
                        "TinyStories vocab 2000");
    trained_with_checks("heap", "tests/fixtures/cs336/corpus.en", 500, "corpus.en vocab 500");
    trained_with_checks("lazyheap", "tests/fixtures/cs336/corpus.en", 500,
                        "corpus.en vocab 500");
    return TEST_EXIT_CODE();
}

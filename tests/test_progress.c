/* test_progress.c: the progress line's text (progress_line) and the hooks
 * that feed it: the count threads' byte counter adds up to the input's size
 * at any worker count, and the merge callback sees every merge once, in
 * order. tests/test_progress.sh checks the line on a real terminal. */
#include "backend.h"
#include "input.h"
#include "merge.h"
#include "progress.h"
#include "registry.h"
#include "specials.h"
#include "testcount.h"
#include "testhelp.h"
#include "util.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void line_is(const char *what, struct progress_view v, const char *want)
{
    char buf[256];
    size_t n = progress_line(buf, sizeof buf, &v);
    CHECK(what, n == strlen(want) && strcmp(buf, want) == 0);
    if (strcmp(buf, want) != 0)
        printf("  got  '%s'\n  want '%s'\n", buf, want);
}

static void lines(void)
{
    line_is("counting, nothing done yet: no rate, no ETA",
            (struct progress_view){PROGRESS_COUNT, 0, 32590662, 0.0},
            "bpetrain: counting 0.0 of 32.6 MB (0%)");
    line_is("counting: MB done, percentage, MB/s and ETA",
            (struct progress_view){PROGRESS_COUNT, 8000000, 32000000, 2.0},
            "bpetrain: counting 8.0 of 32.0 MB (25%), 4.0 MB/s, ETA 0:06");
    line_is("counting done: ETA 0:00",
            (struct progress_view){PROGRESS_COUNT, 5000000, 5000000, 1.0},
            "bpetrain: counting 5.0 of 5.0 MB (100%), 5.0 MB/s, ETA 0:00");
    line_is("merging: merges of the target, merges/s, ETA",
            (struct progress_view){PROGRESS_MERGE, 250, 1000, 0.5},
            "bpetrain: merging 250 of 1000 (25%), 500 merges/s, ETA 0:02");
    line_is("merging: an ETA past an hour as h:mm:ss",
            (struct progress_view){PROGRESS_MERGE, 1, 4000, 1.0},
            "bpetrain: merging 1 of 4000 (0%), 1 merges/s, ETA 1:06:39");
    line_is("no phase: an empty line", (struct progress_view){PROGRESS_NONE, 1, 2, 1.0}, "");
    char small[12];
    struct progress_view v = {PROGRESS_MERGE, 250, 1000, 0.5};
    size_t n = progress_line(small, sizeof small, &v);
    CHECK("a buffer too small: the line is cut, terminated, its length reported",
          n == sizeof small - 1 && strlen(small) == n && strncmp(small, "bpetrain: m", n) == 0);
}

static void count_counter(const char *path)
{
    char err[256];
    struct input in;
    struct specials sp;
    char *eot[] = {"<|endoftext|>"};
    specials_init(&sp, eot, 1, err, sizeof err);
    if (input_open(&in, path, err, sizeof err) < 0) {
        CHECK("input opens", 0);
        return;
    }
    for (unsigned workers = 1; workers <= 3; workers++)
        for (int only = 0; only <= 1; only++) {
            _Atomic uint64_t done = 0;
            struct count_config cfg = {.workers = workers, .pretok = PRETOK_DEFAULT,
                                       .pretok_only = only, .bytes_done = &done};
            struct word_counts wc;
            struct count_stats cs;
            int rc = count_words_cfg(in.data, in.len, &sp, &cfg, &wc, &cs, err, sizeof err);
            char d[160];
            snprintf(d, sizeof d, "count%s, %u workers (%zu chunks): the counter ends at the "
                     "input's %zu bytes", only ? " (pre-tokenize only)" : "", workers,
                     cs.chunks, in.len);
            CHECK(d, rc == 0 && done == in.len);
            word_counts_free(&wc);
        }
    input_close(&in);
    specials_free(&sp);
}

struct seen {
    uint64_t calls, last;
    int in_order;
};

static void on_merge(void *ctx, uint64_t done)
{
    struct seen *s = ctx;
    s->calls++;
    if (done != s->last + 1)
        s->in_order = 0;
    s->last = done;
}

static void merge_callback(const char *path)
{
    char err[256];
    struct input in;
    struct specials sp;
    struct word_counts wc;
    if (count_file_eot(path, 1, &in, &sp, &wc, err, sizeof err) < 0) {
        printf("  %s\n", err);
        CHECK("the input opens and counts", 0);
        return;
    }
    char *eot[] = {"<|endoftext|>"};
    struct vocab v;
    vocab_init(&v, eot, 1);
    struct seen s = {0, 0, 1};
    struct merge_params mp = {.vocab_size = 500, .backend = backend_find("serial"),
                              .config = {.workers = 1}, .on_merge = on_merge,
                              .on_merge_ctx = &s};
    struct merge_result mr;
    struct merge_stats ms;
    int rc = merge_train(&wc, &v, &mp, &mr, &ms, err, sizeof err);
    CHECK("merge: on_merge called once per merge, with 1, 2, ... merges done",
          rc == 0 && mr.merges == 243 && s.calls == mr.merges && s.last == mr.merges &&
              s.in_order);
    merge_result_free(&mr);
    merge_stats_free(&ms);
    vocab_free(&v);
    word_counts_free(&wc);
    input_close(&in);
    specials_free(&sp);
}

int main(void)
{
    lines();
    count_counter("data/sample/tinystories_v1_head_1097.txt");
    count_counter("tests/fixtures/cs336/corpus.en");
    merge_callback("tests/fixtures/cs336/corpus.en");
    if (!isatty(STDERR_FILENO))
        CHECK("progress_start without a terminal: no line (NULL)", progress_start() == NULL);
    progress_stop(NULL);
    progress_clear(NULL);
    CHECK("the functions accept NULL", progress_count(NULL, 1) == NULL &&
                                           progress_merge(NULL, 1) == NULL);
    return TEST_EXIT_CODE();
}

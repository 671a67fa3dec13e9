/* train.c: one training (see train.h). */
#define _GNU_SOURCE
#include "train.h"

#include "count.h"
#include "hugepages.h"
#include "input.h"
#include "pinning.h"
#include "registry.h"
#include "util.h"
#include "wordfile.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int train_check_vocab_size(const char *name, uint64_t vocab_size, size_t n_specials, char *err,
                           size_t errlen)
{
    if (vocab_size > 256 + n_specials)
        return 0;
    return errf(err, errlen, "%s must exceed 256 bytes + %zu special token%s = %zu, got %" PRIu64,
                name, n_specials, n_specials == 1 ? "" : "s", 256 + n_specials, vocab_size);
}

/* Resident anonymous and file-backed memory now (/proc/self/status), to
 * show that counting does not copy the input into anonymous memory. */
static void rss_now(long *anon_kb, long *file_kb)
{
    *anon_kb = proc_kb("/proc/self/status", "RssAnon");
    *file_kb = proc_kb("/proc/self/status", "RssFile");
}

/* Maps the input and counts it in this process. The input is unmapped
 * before returning: the merge phase does not need it, and fork-based
 * backends should not inherit it. */
static int count_here(const struct train_request *o, struct word_counts *wc,
                      struct run_record *rec, char *err, size_t errlen)
{
    struct input in;
    if (input_open(&in, o->input, err, errlen) < 0)
        return -1;
    rec->input_bytes = in.len;
    struct count_config cfg = {.workers = o->count_workers, .pretok = o->pretok,
                               .pretok_only = o->pretok_only, .mapped = in.mapped,
                               .bytes_done = progress_count(o->progress, in.len),
                               .cancel = o->cancel};
    int rc = count_words_cfg(in.data, in.len, o->specials, &cfg, wc, &rec->count, err, errlen);
    rss_now(&rec->count_rss_anon_kb, &rec->count_rss_file_kb);
    input_close(&in);
    return rc;
}

/* The counting phase: load saved counts (checked against the input's size
 * and hash), or count the input (here, or with the request's counter) and
 * optionally save the counts. */
static int obtain_counts(const struct train_request *o, struct word_counts *wc,
                         struct run_record *rec, char *err, size_t errlen)
{
    uint64_t len, hash;
    memset(wc, 0, sizeof *wc);
    if (o->load_counts) {
        if (wordfile_input_hash(o->input, &len, &hash, err, errlen) < 0)
            return -1;
        rec->input_bytes = len;
        return wordfile_load(o->load_counts, wc, o->specials, len, hash, err, errlen);
    }
    int rc;
    if (o->counter) {
        rc = o->counter->count(o->counter->ctx, o, wc, rec, err, errlen);
        rss_now(&rec->count_rss_anon_kb, &rec->count_rss_file_kb);
    } else {
        rc = count_here(o, wc, rec, err, errlen);
    }
    if (rc < 0)
        return -1;
    if (o->save_counts &&
        (wordfile_input_hash(o->input, &len, &hash, err, errlen) < 0 ||
         wordfile_save(o->save_counts, wc, o->specials, len, hash, err, errlen) < 0)) {
        word_counts_free(wc);
        return -1;
    }
    return 0;
}

/* What the run did, beyond its phase times, for the CSV row. */
static void fill_record(struct run_record *rec, const struct train_request *rq,
                        const struct word_counts *wc, const struct merge_result *mr)
{
    rec->backend = rq->backend->name;
    rec->backend_opts = rq->backend_opts;
    rec->workers = rq->workers;
    rec->update = rq->update ? rq->update->name : update_registry[0]->name;
    rec->update_workers = rq->update_config.workers;
    rec->update_min_words = rq->update_config.min_words;
    rec->count_workers = rq->count_workers;
    rec->pin = pin_policy_name(rq->pin);
    rec->input = rq->input;
    rec->vocab_size = rq->vocab_size;
    rec->words = wc->n;
    rec->pretokens = wc->total;
    rec->merges_hash = mr->hash;
    rec->pus = sysconf(_SC_NPROCESSORS_ONLN);
    rec->count_only = rq->pretok_only ? 2 : rq->count_only;
    rec->pretok = pretok_kind_name(rq->pretok);
    rec->unicode = pretok_ops_of(rq->pretok)->unicode_version();
    rec->huge_pages = huge_pages_enabled() ? "on" : "off";
    rec->counts_from = rq->load_counts ? rq->load_counts : "";
    rec->counts_hash = word_counts_hash(wc);
    if (!rec->ranks)
        rec->ranks = 1;
    usage_read(&rec->self, &rec->children);
}

int train_count(const struct train_request *rq, struct train_result *out,
                struct word_counts *wc, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    struct run_record *rec = &out->rec;
    time_t now = time(NULL);
    strftime(rec->started_at, sizeof rec->started_at, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    out->merges.hash = FNV64_OFFSET;
    vocab_init(&out->vocab, rq->specials->tok, (uint32_t)rq->specials->n);
    out->t_start = now_s();
    if (obtain_counts(rq, wc, rec, err, errlen) < 0)
        return -1;
    rec->count_s = now_s() - out->t_start;
    return 0;
}

int train_merge(const struct train_request *rq, struct train_result *out,
                struct word_counts *wc, char *err, size_t errlen)
{
    struct run_record *rec = &out->rec;
    struct merge_params mp = {.vocab_size = rq->vocab_size, .backend = rq->backend,
                              .config = {.workers = rq->workers, .pin = rq->pin,
                                         .options = rq->backend_opts,
                                         .worker_exe = rq->worker_exe},
                              .cancel = rq->cancel, .update = rq->update,
                              .update_config = rq->update_config,
                              .init_threads = rq->count_workers,
                              .on_merge = rq->progress ? progress_merge_step : NULL};
    int rc = 0;
    if (!rq->count_only) {
        mp.on_merge_ctx = progress_merge(rq->progress, rq->vocab_size - out->vocab.n);
        rc = merge_train(wc, &out->vocab, &mp, &out->merges, &rec->merge, err, errlen);
    }
    progress_clear(rq->progress);
    if (rc == 0 && rec->merge.stopped_early)
        fprintf(stderr, "bpetrain: notice: no pair left after %" PRIu64 " merges; the "
                        "vocabulary has %u tokens, not the %" PRIu64 " asked for\n",
                rec->merge.merges, out->vocab.n, rq->vocab_size);
    rec->total_s = now_s() - out->t_start;
    if (rc == 0)
        fill_record(rec, rq, wc, &out->merges);
    word_counts_free(wc);
    return rc;
}

int train_run(const struct train_request *rq, struct train_result *out, char *err,
              size_t errlen)
{
    struct word_counts wc;
    huge_pages_set_forking(rq->backend && rq->backend->forks_each_merge); /* before any array */
    if (train_count(rq, out, &wc, err, errlen) < 0)
        return -1;
    return train_merge(rq, out, &wc, err, errlen);
}

void train_result_free(struct train_result *r)
{
    merge_result_free(&r->merges);
    merge_stats_free(&r->rec.merge);
    vocab_free(&r->vocab);
}

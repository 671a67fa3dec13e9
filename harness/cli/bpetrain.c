/* bpetrain.c: the command-line trainer. Parses options, runs one training
 * (train.h) with the chosen backend, writes vocab.json, merges.txt and
 * tokenizer.json, and appends the run's measurements to a CSV file. */
#define _GNU_SOURCE
#include "cleanup.h"
#include "hugepages.h"
#include "io.h"
#include "options.h"
#include "outputs.h"
#include "progress.h"
#include "registry.h"
#include "request.h"
#include "runrow.h"
#include "specials.h"
#include "train.h"
#include "util.h"

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

static int fail(const char *msg)
{
    fprintf(stderr, "bpetrain: %s\n", msg);
    return 2;
}

/* The backend and its options, checked before anything is counted. */
static int resolve_backend(const struct options *o, const struct merge_backend **be,
                           struct buf *canonical_opts)
{
    char err[512];
    *be = registry_resolve(o->backend, (const char *)o->backend_opts.data, canonical_opts, err,
                           sizeof err);
    return *be ? 0 : fail(err);
}

static void print_summary(const struct options *o, const struct run_record *rec)
{
    fprintf(stderr, "bpetrain: %s, %" PRIu64 " bytes, %" PRIu64 " words, %" PRIu64
                    " initial pairs, %" PRIu64 " merges\n",
            rec->backend, rec->input_bytes, rec->words, rec->merge.initial_pairs,
            rec->merge.merges);
    if (o->load_counts)
        fprintf(stderr, "  total %.3f s | counts loaded from %s in %.3f s\n", rec->total_s,
                o->load_counts, rec->count_s);
    else
        fprintf(stderr, "  total %.3f s | count %.3f s (pre-tokenize %.3f with %s, table "
                        "combine %.3f; %u workers, %zu chunks)\n",
                rec->total_s, rec->count_s, rec->count.pretok_s, pretok_kind_name(o->pretok),
                rec->count.combine_s,
                rec->count.workers, rec->count.chunks);
    if (!o->count_only)
        fprintf(stderr, "  merge %.3f s (copy %.3f, max %.3f, compute %.3f, update %.3f) | "
                        "merges_hash %016" PRIx64 "\n",
                rec->merge.merge_s, rec->merge.copy_s, rec->merge.max_s, rec->merge.compute_s,
                rec->merge.update_s, rec->merges_hash);
    if (!o->count_only && rec->merge.merges) {
        const struct update_counters *u = &rec->merge.upd;
        double per = 1.0 / (double)rec->merge.merges;
        fprintf(stderr, "  update work: %" PRIu64 " index entries read (%" PRIu64 " stale), %"
                        PRIu64 " words visited, %" PRIu64 " pair-count changes, %" PRIu64
                        " net; per merge %.1f words, %.1f changes; %.1f ns/change\n"
                "  update %s, %u shard%s: %.3f s in the shards' merges, of it %.3f s "
                "waking and waiting in %" PRIu64 " rounds (%.2f us a round); combine %.3f s, "
                "notify %.3f s; CPU %.3f s on all threads\n",
                u->index_reads, u->index_stale, u->words_visited, u->pair_changes,
                u->net_changes, (double)u->words_visited * per, (double)u->pair_changes * per,
                update_ns_per_change(&rec->merge), rec->update, rec->update_workers,
                rec->update_workers == 1 ? "" : "s", rec->merge.upd_round_s,
                rec->merge.upd_round_s - rec->merge.upd_compute_s, rec->merge.upd_rounds,
                rec->merge.upd_rounds ? (rec->merge.upd_round_s - rec->merge.upd_compute_s) /
                                            (double)rec->merge.upd_rounds * 1e6
                                      : 0.0,
                rec->merge.upd_combine_s, rec->merge.upd_notify_s, rec->merge.upd_cpu_s);
    }
    fprintf(stderr, "  peak RSS %ld KiB | huge pages %s (%s)\n", rec->self.peak_rss_kb,
            rec->huge_pages, huge_pages_reason());
}

/* Trains, writes the outputs, appends the row and says what happened. */
static int run(const struct options *o, const struct merge_backend *be, const char *opts,
               const struct specials *sp)
{
    char err[512];
    if (!o->count_only &&
        train_check_vocab_size("--vocab-size", o->vocab_size, sp->n, err, sizeof err) < 0)
        return fail(err);
    struct train_request rq = request_of_options(o, be, opts, sp);
    rq.progress = o->quiet ? NULL : progress_start();
    struct train_result tr;
    int rc = train_run(&rq, &tr, err, sizeof err);
    progress_stop(rq.progress);
    rc = rc < 0 ? fail(err) : 0;
    if (rc == 0 && outputs_of_run(o, &tr, err, sizeof err) < 0)
        rc = fail(err);
    if (rc == 0 && !o->quiet)
        print_summary(o, &tr.rec);
    train_result_free(&tr);
    return rc;
}

int main(int argc, char **argv)
{
    /* A worker that dies must show up as EPIPE on its pipe, reported with
     * its cause, not as a SIGPIPE that silently kills the driver. */
    signal(SIGPIPE, SIG_IGN);
    cleanup_install();
    io_set_tempfile_hook(cleanup_set_tempfile);
    struct options o = {0};
    int rc = options_parse(argc, argv, &o);
    if (rc == 0)
        huge_pages_set(o.huge_pages); /* before any large array */
    const struct merge_backend *be = NULL;
    struct buf opts = {0};
    if (rc == 0)
        rc = resolve_backend(&o, &be, &opts);
    struct specials sp;
    char err[512];
    if (rc == 0 && specials_init(&sp, o.specials, o.n_specials, err, sizeof err) < 0)
        rc = fail(err);
    else if (rc == 0) {
        rc = run(&o, be, buf_cstr(&opts), &sp);
        specials_free(&sp);
    }
    buf_free(&opts);
    options_free(&o);
    return rc == 1 ? 0 : rc;
}

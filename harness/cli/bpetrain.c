/* bpetrain.c: the command-line trainer. Parses options, runs the counting
 * and merge phases with the chosen backend, writes vocab.json, merges.txt
 * and tokenizer.json, and appends the run's measurements to a CSV file. */
#define _GNU_SOURCE
#include "bopts.h"
#include "cleanup.h"
#include "count.h"
#include "input.h"
#include "io.h"
#include "merge.h"
#include "options.h"
#include "outputs.h"
#include "registry.h"
#include "runrow.h"
#include "specials.h"
#include "util.h"
#include "vocab.h"
#include "wordfile.h"

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int fail(const char *msg)
{
    fprintf(stderr, "bpetrain: %s\n", msg);
    return 2;
}

/* Resident anonymous and file-backed memory now (/proc/self/status), to
 * show that counting does not copy the input into anonymous memory. */
static void rss_now(long *anon_kb, long *file_kb)
{
    *anon_kb = *file_kb = -1;
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return;
    char line[128];
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "RssAnon:", 8) == 0)
            *anon_kb = strtol(line + 8, NULL, 10);
        else if (strncmp(line, "RssFile:", 8) == 0)
            *file_kb = strtol(line + 8, NULL, 10);
    }
    fclose(f);
}

/* The counting phase: load saved counts (checked against the input's size
 * and hash), or map the input, count it and optionally save the counts. The
 * input is unmapped before returning: the merge phase does not need it, and
 * fork-based backends should not inherit it. */
static int obtain_counts(const struct options *o, const struct specials *sp,
                         struct word_counts *wc, struct run_record *rec, char *err,
                         size_t errlen)
{
    uint64_t len, hash;
    if (o->load_counts) {
        if (wordfile_input_hash(o->input, &len, &hash, err, errlen) < 0)
            return -1;
        rec->input_bytes = len;
        return wordfile_load(o->load_counts, wc, sp, len, hash, err, errlen);
    }
    struct input in;
    if (input_open(&in, o->input, err, errlen) < 0)
        return -1;
    rec->input_bytes = in.len;
    struct count_config cfg = {.workers = o->count_workers, .pretok = o->pretok,
                               .pretok_only = o->pretok_only, .mapped = in.mapped};
    int rc = count_words_cfg(in.data, in.len, sp, &cfg, wc, &rec->count, err, errlen);
    rss_now(&rec->count_rss_anon_kb, &rec->count_rss_file_kb);
    input_close(&in);
    if (rc < 0)
        return -1;
    if (o->save_counts &&
        (wordfile_input_hash(o->input, &len, &hash, err, errlen) < 0 ||
         wordfile_save(o->save_counts, wc, sp, len, hash, err, errlen) < 0)) {
        word_counts_free(wc);
        return -1;
    }
    return 0;
}

/* The backend and its options, checked before anything is counted. */
static int resolve_backend(const struct options *o, const struct merge_backend **be,
                           struct buf *canonical_opts)
{
    *be = backend_find(o->backend);
    if (!*be) {
        fprintf(stderr, "bpetrain: unknown backend '%s'; known:", o->backend);
        for (size_t i = 0; i < backend_registry_len; i++)
            fprintf(stderr, " %s", backend_registry[i]->name);
        fprintf(stderr, "\n");
        return 2;
    }
    char err[512];
    if (bopts_canonical(*be, (const char *)o->backend_opts.data, canonical_opts, err,
                        sizeof err) < 0)
        return fail(err);
    return 0;
}

/* The vocabulary must have room for at least one merge. */
static int check_vocab_size(const struct options *o, const struct specials *sp)
{
    if (o->count_only || o->vocab_size > 256 + sp->n)
        return 0;
    fprintf(stderr, "bpetrain: --vocab-size must exceed 256 bytes + %zu special token%s "
                    "= %zu, got %" PRIu64 "\n", sp->n, sp->n == 1 ? "" : "s", 256 + sp->n,
            o->vocab_size);
    return 2;
}

/* What the run did, beyond its phase times, for the CSV row. */
static void fill_record(struct run_record *rec, const struct options *o,
                        const struct merge_backend *be, const char *opts,
                        const struct word_counts *wc, const struct merge_result *mr)
{
    rec->backend = be->name;
    rec->backend_opts = opts;
    rec->workers = o->workers;
    rec->count_workers = o->count_workers;
    rec->pin = pin_policy_name(o->pin);
    rec->input = o->input;
    rec->vocab_size = o->vocab_size;
    rec->words = wc->n;
    rec->pretokens = wc->total;
    rec->merges_hash = mr->hash;
    rec->pus = sysconf(_SC_NPROCESSORS_ONLN);
    rec->count_only = o->pretok_only ? 2 : o->count_only;
    rec->pretok = pretok_kind_name(o->pretok);
    rec->unicode = pretok_ops_of(o->pretok)->unicode_version();
    rec->counts_from = o->load_counts ? o->load_counts : "";
    usage_read(&rec->self, &rec->children);
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
    fprintf(stderr, "  peak RSS %ld KiB\n", rec->self.peak_rss_kb);
}

/* Appends the row; the error, if any, is reported and makes the exit 2. */
static int append_row(const char *csv, const struct run_record *rec)
{
    char err[512];
    char *row = run_csv_row(rec);
    int rc = append_csv_row(csv, run_csv_header(), row, err, sizeof err) < 0 ? fail(err) : 0;
    free(row);
    return rc;
}

/* Counting, merging and the outputs: everything after the options. */
static int train(const struct options *o, const struct merge_backend *be, const char *opts,
                 const struct specials *sp, struct run_record *rec)
{
    char err[512] = "";
    double t_start = now_s();
    struct word_counts wc;
    if (obtain_counts(o, sp, &wc, rec, err, sizeof err) < 0)
        return fail(err);
    rec->count_s = now_s() - t_start;
    struct vocab v;
    vocab_init(&v, sp->tok, (uint32_t)sp->n);
    struct merge_params mp = {.vocab_size = o->vocab_size, .backend = be,
                              .config = {.workers = o->workers, .pin = o->pin, .options = opts}};
    struct merge_result mr = {.hash = FNV64_OFFSET};
    int rc = 0;
    if (!o->count_only && merge_train(&wc, &v, &mp, &mr, &rec->merge, err, sizeof err) < 0)
        rc = fail(err);
    if (rc == 0 && rec->merge.stopped_early)
        fprintf(stderr, "bpetrain: notice: no pair left after %" PRIu64 " merges; the "
                        "vocabulary has %u tokens, not the %" PRIu64 " asked for\n",
                rec->merge.merges, v.n, o->vocab_size);
    if (rc == 0 && o->out_dir && !o->count_only &&
        outputs_write(o->out_dir, &v, &mr, err, sizeof err) < 0)
        rc = fail(err);
    rec->total_s = now_s() - t_start;
    if (rc == 0)
        fill_record(rec, o, be, opts, &wc, &mr);
    merge_result_free(&mr);
    vocab_free(&v);
    word_counts_free(&wc);
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
    const struct merge_backend *be = NULL;
    struct buf opts = {0};
    if (rc == 0)
        rc = resolve_backend(&o, &be, &opts);
    struct specials sp = {0};
    char err[512];
    if (rc == 0 && specials_init(&sp, o.specials, o.n_specials, err, sizeof err) < 0)
        rc = fail(err);
    else if (rc == 0 && (rc = check_vocab_size(&o, &sp)) == 0) {
        struct run_record rec = {0};
        time_t now = time(NULL);
        strftime(rec.started_at, sizeof rec.started_at, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
        rc = train(&o, be, buf_cstr(&opts), &sp, &rec);
        if (rc == 0 && o.csv)
            rc = append_row(o.csv, &rec);
        if (rc == 0 && !o.quiet)
            print_summary(&o, &rec);
        merge_stats_free(&rec.merge);
        specials_free(&sp);
    }
    buf_free(&opts);
    options_free(&o);
    return rc == 1 ? 0 : rc;
}

/* trainer.c: the parts of a training run every front end shares (see
 * trainer.h). */
#define _GNU_SOURCE
#include "trainer.h"

#include "bopts.h"
#include "cleanup.h"
#include "merge.h"
#include "io.h"
#include "outputs.h"
#include "registry.h"
#include "vocab.h"

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int trainer_fail(const char *msg)
{
    cli_say("%s\n", msg);
    return 2;
}

/* Resident anonymous and file-backed memory now (/proc/self/status), to
 * show that counting does not copy the input into anonymous memory. */
void trainer_rss_now(long *anon_kb, long *file_kb)
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

/* The backend and its options, checked before anything is counted. */
static int resolve_backend(const struct options *o, const struct merge_backend **be,
                           struct buf *canonical_opts)
{
    *be = backend_find(o->backend);
    if (!*be) {
        struct buf known = {0};
        for (size_t i = 0; i < registry_len(); i++)
            buf_printf(&known, " %s", registry_at(i)->name);
        cli_say("unknown backend '%s'; known:%s\n", o->backend, buf_cstr(&known));
        buf_free(&known);
        return 2;
    }
    char err[512];
    if (bopts_canonical(*be, (const char *)o->backend_opts.data, canonical_opts, err,
                        sizeof err) < 0)
        return trainer_fail(err);
    return 0;
}

/* The vocabulary must have room for at least one merge. */
static int check_vocab_size(const struct options *o, const struct specials *sp)
{
    if (o->count_only || o->vocab_size > 256 + sp->n)
        return 0;
    cli_say("--vocab-size must exceed 256 bytes + %zu special token%s = %zu, got %" PRIu64 "\n",
            sp->n, sp->n == 1 ? "" : "s", 256 + sp->n, o->vocab_size);
    return 2;
}

void trainer_signals(void)
{
    signal(SIGPIPE, SIG_IGN);
    cleanup_install();
    io_set_tempfile_hook(cleanup_set_tempfile);
}

int trainer_setup(int argc, char **argv, struct trainer_run *r)
{
    int rc = options_parse(argc, argv, &r->o);
    if (rc == 0)
        rc = resolve_backend(&r->o, &r->be, &r->opts);
    char err[512];
    if (rc == 0 && specials_init(&r->sp, r->o.specials, r->o.n_specials, err, sizeof err) < 0)
        return trainer_fail(err);
    if (rc == 0)
        rc = check_vocab_size(&r->o, &r->sp);
    time_t now = time(NULL);
    strftime(r->rec.started_at, sizeof r->rec.started_at, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    return rc;
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
    rec->count_only = o->count_only;
    rec->counts_hash = word_counts_hash(wc);
    if (!rec->ranks)
        rec->ranks = 1;
    rec->counts_from = o->load_counts ? o->load_counts : "";
    usage_read(&rec->self, &rec->children);
}

static void print_summary(const struct options *o, const struct run_record *rec)
{
    cli_say("%s, %" PRIu64 " bytes, %" PRIu64 " words, %" PRIu64 " initial pairs, %" PRIu64
            " merges\n", rec->backend, rec->input_bytes, rec->words, rec->merge.initial_pairs,
            rec->merge.merges);
    if (o->load_counts)
        fprintf(stderr, "  total %.3f s | counts loaded from %s in %.3f s\n", rec->total_s,
                o->load_counts, rec->count_s);
    else
        fprintf(stderr, "  total %.3f s | count %.3f s (pre-tokenize %.3f, table combine "
                        "%.3f; %u workers, %zu chunks)\n",
                rec->total_s, rec->count_s, rec->count.pretok_s, rec->count.combine_s,
                rec->count.workers, rec->count.chunks);
    if (rec->ranks > 1)
        fprintf(stderr, "  %u ranks: counting per rank %s s | %" PRIu64 " bytes of counts "
                        "exchanged\n", rec->ranks, rec->rank_count_s, rec->count_bytes);
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
    int rc = append_csv_row(csv, run_csv_header(), row, err, sizeof err) < 0 ? trainer_fail(err)
                                                                             : 0;
    free(row);
    return rc;
}

int trainer_merge(struct trainer_run *r, struct word_counts *wc, double t_start)
{
    const struct options *o = &r->o;
    const struct specials *sp = &r->sp;
    const struct merge_backend *be = r->be;
    const char *opts = buf_cstr(&r->opts);
    struct run_record *rec = &r->rec;
    char err[512] = "";
    struct vocab v;
    vocab_init(&v, sp->tok, (uint32_t)sp->n);
    struct merge_params mp = {.vocab_size = o->vocab_size, .backend = be,
                              .config = {.workers = o->workers, .pin = o->pin, .options = opts}};
    struct merge_result mr = {.hash = FNV64_OFFSET};
    int rc = 0;
    if (!o->count_only && merge_train(wc, &v, &mp, &mr, &rec->merge, err, sizeof err) < 0)
        rc = trainer_fail(err);
    if (rc == 0 && rec->merge.stopped_early)
        cli_say("notice: no pair left after %" PRIu64 " merges; the vocabulary has %u tokens, "
                "not the %" PRIu64 " asked for\n", rec->merge.merges, v.n, o->vocab_size);
    if (rc == 0 && o->out_dir && !o->count_only &&
        outputs_write(o->out_dir, &v, &mr, err, sizeof err) < 0)
        rc = trainer_fail(err);
    rec->total_s = now_s() - t_start;
    if (rc == 0)
        fill_record(rec, o, be, opts, wc, &mr);
    merge_result_free(&mr);
    vocab_free(&v);
    word_counts_free(wc);
    return rc;
}

int trainer_finish(struct trainer_run *r, int rc, int report)
{
    if (report && rc == 0 && r->o.csv)
        rc = append_row(r->o.csv, &r->rec);
    if (report && rc == 0 && !r->o.quiet)
        print_summary(&r->o, &r->rec);
    merge_stats_free(&r->rec.merge);
    specials_free(&r->sp);
    buf_free(&r->opts);
    options_free(&r->o);
    return rc == 1 ? 0 : rc;
}

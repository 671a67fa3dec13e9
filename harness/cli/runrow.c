/* runrow.c: a run's CSV row. */
#include "runrow.h"

#include "util.h"

#include <string.h>
#include <sys/resource.h>

static void from_rusage(struct usage *u, const struct rusage *ru)
{
    u->peak_rss_kb = ru->ru_maxrss;
    u->minflt = ru->ru_minflt;
    u->majflt = ru->ru_majflt;
    u->nvcsw = ru->ru_nvcsw;
    u->nivcsw = ru->ru_nivcsw;
}

void usage_read(struct usage *self, struct usage *children)
{
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    getrusage(RUSAGE_SELF, &ru);
    from_rusage(self, &ru);
    memset(&ru, 0, sizeof ru);
    getrusage(RUSAGE_CHILDREN, &ru);
    from_rusage(children, &ru);
}

static void put_csv_field(struct buf *b, const char *s)
{
    if (!s)
        s = "";
    if (!strpbrk(s, ",\"\n\r")) {
        buf_puts(b, s);
        return;
    }
    buf_putc(b, '"');
    for (; *s; s++) {
        if (*s == '"')
            buf_putc(b, '"');
        buf_putc(b, (unsigned char)*s);
    }
    buf_putc(b, '"');
}

/* How each kind of column is written, and what it is to a reader:
 * 's' text, 'i' an integer, 'f' a real number. */
#define PUT_S(b, v) buf_puts(b, (v) ? (v) : "")
#define PUT_U(b, v) buf_printf(b, "%llu", (unsigned long long)(v))
#define PUT_I(b, v) buf_printf(b, "%lld", (long long)(v))
#define PUT_F(b, v) buf_printf(b, "%.6f", (double)(v))
#define PUT_F1(b, v) buf_printf(b, "%.1f", (double)(v))
#define PUT_HEX(b, v) buf_printf(b, "%016llx", (unsigned long long)(v))
#define KIND_S 's'
#define KIND_U 'i'
#define KIND_I 'i'
#define KIND_F 'f'
#define KIND_F1 'f'
#define KIND_HEX 's'

static double avg_live_pairs(const struct merge_stats *m)
{
    return m->merges ? (double)m->live_pairs_sum / (double)m->merges : 0.0;
}

double update_ns_per_change(const struct merge_stats *m)
{
    return m->upd.pair_changes ? m->update_s * 1e9 / (double)m->upd.pair_changes : 0.0;
}

/* The columns, in order: name, kind, value. The first 21 are the ones
 * every consumer may rely on; the rest are extra detail. Fault and switch
 * counts cover the process and its children. The upd_ counters are run
 * totals (per merge: divide by merges); upd_ns_per_change is update_s per
 * elementary pair-count change. upd_round_s is the time the update
 * strategy's rounds took, upd_compute_s the slowest shard's part of each
 * (their difference: waking and waiting for the threads, over upd_rounds
 * rounds), upd_combine_s the main thread's adding up of the deltas,
 * upd_notify_s its keeping the live array and telling the backend;
 * upd_cpu_s is the update's CPU time on every thread, which unlike the
 * wall-clock times does not grow while a loaded machine makes it wait. */
#define RUN_COLUMNS(X)                                                                        \
    X(backend, S, r->backend)                                                                 \
    X(workers, U, r->workers)                                                                 \
    X(count_workers, U, r->count_workers)                                                     \
    X(pin, S, r->pin)                                                                         \
    X(input, S, r->input)                                                                     \
    X(input_bytes, U, r->input_bytes)                                                         \
    X(vocab_size, U, r->vocab_size)                                                           \
    X(merges, U, r->merge.merges)                                                             \
    X(total_s, F, r->total_s)                                                                 \
    X(count_s, F, r->count_s)                                                                 \
    X(copy_s, F, r->merge.copy_s)                                                             \
    X(max_s, F, r->merge.max_s)                                                               \
    X(compute_s, F, r->merge.compute_s)                                                       \
    X(update_s, F, r->merge.update_s)                                                         \
    X(merge_s, F, r->merge.merge_s)                                                           \
    X(peak_rss_kb, I, r->self.peak_rss_kb)                                                    \
    X(minflt, I, r->self.minflt + r->children.minflt)                                         \
    X(majflt, I, r->self.majflt + r->children.majflt)                                         \
    X(nvcsw, I, r->self.nvcsw + r->children.nvcsw)                                            \
    X(nivcsw, I, r->self.nivcsw + r->children.nivcsw)                                         \
    X(merges_hash, HEX, r->merges_hash)                                                       \
    X(count_pretok_s, F, r->count.pretok_s)                                                   \
    X(count_merge_s, F, r->count.combine_s)                                                   \
    X(count_chunks, U, r->count.chunks)                                                       \
    X(words, U, r->words)                                                                     \
    X(pretokens, U, r->pretokens)                                                             \
    X(initial_pairs, U, r->merge.initial_pairs)                                               \
    X(init_s, F, r->merge.init_s)                                                             \
    X(stopped_early, I, r->merge.stopped_early)                                               \
    X(child_peak_rss_kb, I, r->children.peak_rss_kb)                                          \
    X(child_minflt, I, r->children.minflt)                                                    \
    X(child_majflt, I, r->children.majflt)                                                    \
    X(child_nvcsw, I, r->children.nvcsw)                                                      \
    X(child_nivcsw, I, r->children.nivcsw)                                                    \
    X(pus, I, r->pus)                                                                         \
    X(started_at, S, r->started_at)                                                           \
    X(worker_pus, S, (const char *)r->merge.backend.worker_pus.data)                          \
    X(worker_minflt, I, r->merge.backend.worker_minflt)                                       \
    X(worker_majflt, I, r->merge.backend.worker_majflt)                                       \
    X(count_only, I, r->count_only)                                                           \
    X(counts_from, S, r->counts_from)                                                         \
    X(backend_opts, S, r->backend_opts)                                                       \
    X(backend_counters, S, (const char *)r->merge.backend.counters.data)                      \
    X(avg_live_pairs, F1, avg_live_pairs(&r->merge))                                          \
    X(count_rss_anon_kb, I, r->count_rss_anon_kb)                                             \
    X(count_rss_file_kb, I, r->count_rss_file_kb)                                             \
    X(upd_index_reads, U, r->merge.upd.index_reads)                                           \
    X(upd_index_stale, U, r->merge.upd.index_stale)                                           \
    X(upd_words_visited, U, r->merge.upd.words_visited)                                       \
    X(upd_pair_changes, U, r->merge.upd.pair_changes)                                         \
    X(upd_net_changes, U, r->merge.upd.net_changes)                                           \
    X(upd_ns_per_change, F1, update_ns_per_change(&r->merge))                                \
    X(update, S, r->update)                                                                   \
    X(update_workers, U, r->update_workers)                                                   \
    X(update_pus, S, (const char *)r->merge.upd_pus.data)                                     \
    X(upd_round_s, F, r->merge.upd_round_s)                                                   \
    X(upd_compute_s, F, r->merge.upd_compute_s)                                               \
    X(upd_combine_s, F, r->merge.upd_combine_s)                                               \
    X(upd_notify_s, F, r->merge.upd_notify_s)                                                 \
    X(upd_rounds, U, r->merge.upd_rounds)                                                     \
    X(update_min_words, U, r->update_min_words)                                               \
    X(upd_cpu_s, F, r->merge.upd_cpu_s) \
    X(pretok, S, r->pretok)                                                                   \
    X(unicode, S, r->unicode)                                                                 \
    X(counts_hash, HEX, r->counts_hash)                                                       \
    X(ranks, U, r->ranks)                                                                     \
    X(rank_count_s, S, r->rank_count_s)                                                       \
    X(count_bytes, U, r->count_bytes)                                                         \
    X(rank_count_bytes, S, r->rank_count_bytes)                                               \
    X(huge_pages, S, r->huge_pages)

#define HEADER_NAME(name, kind, value) "," #name
static const char header[] = RUN_COLUMNS(HEADER_NAME);

const char *run_csv_header(void)
{
    return header + 1; /* past the first comma */
}

#define VISIT_COLUMN(name, kind, value)                                                       \
    text.len = 0;                                                                             \
    PUT_##kind(&text, value);                                                                 \
    fn(ctx, #name, KIND_##kind, buf_cstr(&text));

void run_record_columns(const struct run_record *r, run_column_fn fn, void *ctx)
{
    struct buf text = {0};
    RUN_COLUMNS(VISIT_COLUMN)
    buf_free(&text);
}

struct row_writer {
    struct buf row;
    size_t fields;
};

static void append_field(void *ctx, const char *name, char kind, const char *value)
{
    (void)name;
    struct row_writer *w = ctx;
    if (w->fields++)
        buf_putc(&w->row, ',');
    if (kind == 's')
        put_csv_field(&w->row, value);
    else
        buf_puts(&w->row, value);
}

char *run_csv_row(const struct run_record *r)
{
    struct row_writer w = {{0}, 0};
    run_record_columns(r, append_field, &w);
    buf_cstr(&w.row);
    return (char *)w.row.data;
}

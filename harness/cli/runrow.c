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

/* How each kind of column is written. */
#define PUT_S(b, v) put_csv_field(b, v)
#define PUT_U(b, v) buf_printf(b, "%llu", (unsigned long long)(v))
#define PUT_I(b, v) buf_printf(b, "%lld", (long long)(v))
#define PUT_F(b, v) buf_printf(b, "%.6f", (double)(v))
#define PUT_F1(b, v) buf_printf(b, "%.1f", (double)(v))
#define PUT_HEX(b, v) buf_printf(b, "%016llx", (unsigned long long)(v))

static double avg_live_pairs(const struct merge_stats *m)
{
    return m->merges ? (double)m->live_pairs_sum / (double)m->merges : 0.0;
}

/* The columns, in order: name, kind, value. The first 21 are the ones
 * every consumer may rely on; the rest are extra detail. Fault and switch
 * counts cover the process and its children. */
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
    X(counts_hash, HEX, r->counts_hash)                                                       \
    X(ranks, U, r->ranks)                                                                     \
    X(rank_count_s, S, r->rank_count_s)                                                       \
    X(count_bytes, U, r->count_bytes)

#define HEADER_NAME(name, kind, value) "," #name
static const char header[] = RUN_COLUMNS(HEADER_NAME);

const char *run_csv_header(void)
{
    return header + 1; /* past the first comma */
}

#define PUT_COLUMN(name, kind, value)                                                         \
    buf_putc(&b, ',');                                                                        \
    PUT_##kind(&b, value);

char *run_csv_row(const struct run_record *r)
{
    struct buf b = {0};
    RUN_COLUMNS(PUT_COLUMN)
    memmove(b.data, b.data + 1, b.len - 1); /* drop the first comma */
    b.len--;
    buf_cstr(&b);
    return (char *)b.data;
}

/* runrow.c: a run's CSV row. */
#include "runrow.h"

#include "util.h"

#include <inttypes.h>
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

/* The first 21 columns are the ones every consumer may rely on; the rest
 * are extra detail. Fault and switch counts cover process and children. */
static const char header[] =
    "backend,workers,count_workers,pin,input,input_bytes,vocab_size,merges,"
    "total_s,count_s,copy_s,max_s,compute_s,update_s,merge_s,peak_rss_kb,"
    "minflt,majflt,nvcsw,nivcsw,merges_hash,"
    "count_pretok_s,count_merge_s,count_chunks,words,pretokens,initial_pairs,"
    "init_s,stopped_early,child_peak_rss_kb,child_minflt,child_majflt,child_nvcsw,"
    "child_nivcsw,pus,started_at,worker_pus,worker_minflt,worker_majflt,heap_stale,"
    "count_only,counts_from,layout,touch,shuffle_chunks,avg_live_pairs,count_rss_anon_kb,"
    "count_rss_file_kb";

const char *run_csv_header(void)
{
    return header;
}

static void put_csv_field(struct buf *b, const char *s)
{
    if (!strpbrk(s, ",\"\n\r")) {
        buf_put(b, s, strlen(s));
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

char *run_csv_row(const struct run_record *r)
{
    struct buf b = {0};
    put_csv_field(&b, r->backend);
    buf_printf(&b, ",%u,%u,", r->workers, r->count_workers);
    put_csv_field(&b, r->pin);
    buf_putc(&b, ',');
    put_csv_field(&b, r->input);
    buf_printf(&b, ",%" PRIu64 ",%" PRIu64 ",%" PRIu64, r->input_bytes, r->vocab_size,
               r->merge.merges);
    buf_printf(&b, ",%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f", r->total_s, r->count_s,
               r->merge.copy_s, r->merge.max_s, r->merge.compute_s, r->merge.update_s,
               r->merge.merge_s);
    long peak = r->self.peak_rss_kb;
    buf_printf(&b, ",%ld,%ld,%ld,%ld,%ld,%016" PRIx64, peak,
               r->self.minflt + r->children.minflt, r->self.majflt + r->children.majflt,
               r->self.nvcsw + r->children.nvcsw, r->self.nivcsw + r->children.nivcsw,
               r->merges_hash);
    buf_printf(&b, ",%.6f,%.6f,%zu,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%.6f,%d",
               r->count.pretok_s, r->count.merge_s, r->count.chunks, r->words, r->pretokens,
               r->merge.initial_pairs, r->merge.init_s, r->merge.stopped_early);
    buf_printf(&b, ",%ld,%ld,%ld,%ld,%ld,%ld,%s", r->children.peak_rss_kb,
               r->children.minflt, r->children.majflt, r->children.nvcsw,
               r->children.nivcsw, r->pus, r->started_at);
    buf_putc(&b, ',');
    put_csv_field(&b, r->merge.backend.worker_pus);
    buf_printf(&b, ",%lld,%lld,%llu", (long long)r->merge.backend.worker_minflt,
               (long long)r->merge.backend.worker_majflt,
               (unsigned long long)r->merge.backend.heap_stale);
    buf_printf(&b, ",%d,", r->count_only);
    put_csv_field(&b, r->counts_from ? r->counts_from : "");
    buf_printf(&b, ",%s,%d,%d,%.1f", r->layout ? r->layout : "flat", r->touch,
               r->shuffle_chunks,
               r->merge.merges ? (double)r->merge.live_pairs_sum / (double)r->merge.merges : 0.0);
    buf_printf(&b, ",%ld,%ld", r->count_rss_anon_kb, r->count_rss_file_kb);
    buf_putc(&b, 0);
    return (char *)b.data;
}

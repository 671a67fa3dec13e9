/* runrow.h: one run's measurements and their CSV row. The column list is
 * the contract with scripts/ (the bench and the report read it by name). */
#ifndef RUNROW_H
#define RUNROW_H

#include <stdint.h>

#include "count.h"
#include "merge.h"

struct usage {
    long peak_rss_kb;
    long minflt, majflt, nvcsw, nivcsw;
};

struct run_record {
    const char *backend;
    const char *backend_opts; /* canonical (bopts.h) */
    unsigned workers, count_workers;
    const char *update;
    unsigned update_workers;
    uint64_t update_min_words;
    const char *pin;
    const char *input;
    uint64_t input_bytes;
    uint64_t vocab_size;
    double total_s, count_s;
    struct count_stats count;
    struct merge_stats merge;
    uint64_t words, pretokens;
    uint64_t merges_hash;
    struct usage self, children;
    long pus;
    char started_at[32];  /* ISO 8601 UTC */
    int count_only;
    const char *counts_from; /* --load-counts file, "" when counted */
    long count_rss_anon_kb, count_rss_file_kb; /* right after counting */
    const char *pretok;       /* the pre-tokenizer ("fast", "pcre2") */
    const char *unicode;      /* the Unicode version its classes follow */
    uint64_t counts_hash;     /* word_counts_hash: equal for equal countings */
    unsigned ranks;           /* MPI ranks that counted (1 without MPI) */
    const char *rank_count_s; /* each rank's counting time, ';'-separated, or "" */
    uint64_t count_bytes;     /* bytes of word counts sent between ranks */
    const char *rank_count_bytes; /* input bytes each rank counted, ';'-separated, or "" */
    const char *huge_pages;   /* "on" or "off": whether large arrays asked for huge pages */
};

/* getrusage for the process (RUSAGE_SELF) and for its waited-for children
 * (RUSAGE_CHILDREN), which CLOCK_PROCESS_CPUTIME_ID would not include. */
void usage_read(struct usage *self, struct usage *children);

/* Calls fn once per column, in CSV order, with its name, its kind ('s'
 * text, 'i' an integer, 'f' a real number) and its value as text. */
typedef void (*run_column_fn)(void *ctx, const char *name, char kind, const char *value);
void run_record_columns(const struct run_record *r, run_column_fn fn, void *ctx);
/* The update's nanoseconds per elementary pair-count change (0 without any). */
double update_ns_per_change(const struct merge_stats *m);

const char *run_csv_header(void);
/* Renders the row (no newline) into a malloc'd string. */
char *run_csv_row(const struct run_record *r);

#endif

/* count.h: the counting phase: split on special tokens, pre-tokenize, and
 * count each distinct pre-token ("word") in parallel. */
#ifndef COUNT_H
#define COUNT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "pretok.h"
#include "specials.h"

/* The distinct words of the input and how often each occurs. Order is
 * unspecified (it depends on the worker count); the contents do not. */
struct word_counts {
    size_t n;
    unsigned char *bytes;  /* all words back to back */
    uint64_t *off;
    uint32_t *len;
    uint64_t *freq;
    uint64_t total;        /* number of pre-tokens counted */
};

struct count_stats {
    double pretok_s;   /* parallel part: splitting, regex, hashing */
    double combine_s;  /* combining the per-worker tables into one */
    size_t chunks;
    unsigned workers;
    uint64_t counted_bytes; /* of the data, what this count's threads took:
                               all of it unless chunks were shared */
};

/* How to count. */
struct count_config {
    unsigned workers;          /* threads, this one included */
    enum pretok_kind pretok;   /* the pre-tokenizer strategy */
    int pretok_only;           /* split and count pre-tokens but keep no table
                                  (out->n == 0): times the pre-tokenizer alone */
    int mapped;                /* data is a read-only private file mapping
                                  (input.h): counted pages are dropped as
                                  soon as they are counted, so the resident
                                  set stays small however large the file.
                                  Never set it for memory of one's own. */
    _Atomic uint64_t *bytes_done; /* optional: the count threads add the bytes
                                     they have counted (a progress line) */
    const atomic_int *cancel;  /* optional: once set, the count threads stop at
                                  their next piece and the count fails */
    /* Optional: a chunk counter shared with other processes that count the
     * same data (bpetrain-mpi's ranks on one node), each with its own
     * table, which then add up to the counts of the whole. The threads of
     * all of them take the next chunk as it comes, so a process slowed by
     * its neighbours counts less; every one must give the same data,
     * specials and sharers, and the counter starts at 0. */
    atomic_size_t *shared_next;
    unsigned sharers;          /* with shared_next: the threads of all of them
                                  together, which sizes the chunks */
};

/* Counts data[0..len) as cfg says. Returns 0, or -1 with a reason. */
int count_words_cfg(const unsigned char *data, size_t len, const struct specials *sp,
                    const struct count_config *cfg, struct word_counts *out,
                    struct count_stats *st, char *err, size_t errlen);
void word_counts_free(struct word_counts *wc);


/* Cuts data[0..len) into at most `parts` consecutive ranges where the
 * counting threads may cut (a special token's start, a newline that cannot
 * change the pre-tokenization): bounds[0] = 0 < ... < bounds[n] = len, n
 * returned; bounds has room for parts + 2. Counting each range on its own
 * and adding the results (word_counts_add) gives the counts of the whole,
 * which is how several processes share one input. */
size_t count_split(const unsigned char *data, size_t len, const struct specials *sp,
                   size_t parts, size_t *bounds);
/* Adds src's words into dst, which then holds the counts of both. */
void word_counts_add(struct word_counts *dst, const struct word_counts *src);
/* A hash of the words and their counts that does not depend on their
 * order, so two countings can be compared (the CSV's counts_hash). */
uint64_t word_counts_hash(const struct word_counts *wc);

#endif

/* distcount.h: counting one input over the ranks of an MPI job.
 *
 * Every rank maps the whole input (the ranks share one file system) and
 * cuts it into one range per node where the counting threads may cut
 * (count_split), so each range counts to exactly its share of the words.
 * The ranks of a node count its range's chunks with their own threads, all
 * taking the next chunk from one counter in the node's shared memory, as
 * one process's threads do: a rank slowed by what else runs on its CPU
 * counts fewer chunks instead of holding the others up (with a fixed range
 * per rank, the slowest rank set the pace). The tables are then summed
 * up a binomial tree: in round k, rank r + 2^k sends its table to rank r,
 * so rank 0 holds the total after ceil(log2 R) rounds and the merging of
 * tables runs in parallel on the way. cfg says how each rank counts (its
 * threads, the pre-tokenizer); `mapped` is set from the input. */
#ifndef DISTCOUNT_H
#define DISTCOUNT_H

#include <stddef.h>
#include <stdint.h>

#include "count.h"
#include "dist.h"
#include "specials.h"

struct dist_count_stats {
    struct count_stats local; /* this rank's own counting */
    uint64_t input_bytes;
    double local_s;           /* this rank's split and count */
    double reduce_s;          /* the reduction, as this rank saw it */
    uint64_t bytes_sent;      /* bytes of counts this rank sent */
    int fatal;                /* an MPI call failed: end the job */
    /* On rank 0 only: */
    double *rank_s;           /* local_s of each rank (free it) */
    uint64_t *rank_bytes;     /* input bytes each rank counted (free it) */
    uint64_t bytes_total;     /* bytes_sent summed over the ranks */
};

/* Collective. Rank 0 gets the counts of the whole input in out (the other
 * ranks an empty table). Returns 0, or -1 on every rank when any rank
 * failed: the lowest failing rank has its reason in err ("rank K: ..."
 * except on rank 0), the others an empty err. */
int dist_count_words(const struct dist *d, const char *path, const struct specials *sp,
                     const struct count_config *cfg, struct word_counts *out,
                     struct dist_count_stats *st, char *err, size_t errlen);

#endif

/* distcount.c: distributed counting (see distcount.h). */
#include "distcount.h"

#include "distmpi.h"
#include "input.h"
#include "util.h"
#include "wordfile.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The counter the ranks of one node take their chunks from, in memory
 * they share (rank 0 of the node holds it), and how many threads share it. */
struct node_chunks {
    MPI_Comm comm;
    MPI_Win win;
    atomic_size_t *next;
    unsigned sharers;
};

static int node_chunks_open(const struct dist *d, unsigned workers, struct node_chunks *nc,
                            char *err, size_t errlen)
{
    nc->comm = MPI_COMM_NULL;
    nc->win = MPI_WIN_NULL;
    nc->next = NULL;
    nc->sharers = workers;
    int node_rank = 0, mine = (int)workers, all = 0;
    MPI_Aint size = 0;
    int unit = 0;
    void *base = NULL;
    if (dist_check(dist_node_comm(d, &nc->comm), "MPI_Comm_split", err, errlen) < 0)
        return -1;
    if (dist_check(MPI_Comm_rank(nc->comm, &node_rank), "MPI_Comm_rank", err, errlen) < 0 ||
        dist_check(MPI_Allreduce(&mine, &all, 1, MPI_INT, MPI_SUM, nc->comm), "MPI_Allreduce",
                   err, errlen) < 0 ||
        dist_check(MPI_Win_allocate_shared(node_rank == 0 ? (MPI_Aint)sizeof *nc->next : 0, 1,
                                           MPI_INFO_NULL, nc->comm, &base, &nc->win),
                   "MPI_Win_allocate_shared", err, errlen) < 0 ||
        dist_check(MPI_Win_shared_query(nc->win, 0, &size, &unit, &nc->next),
                   "MPI_Win_shared_query", err, errlen) < 0)
        return -1;
    if (node_rank == 0)
        atomic_init(nc->next, 0);
    nc->sharers = (unsigned)all;
    /* No rank takes a chunk before the counter is 0. */
    return dist_check(MPI_Barrier(nc->comm), "MPI_Barrier", err, errlen);
}

static int node_chunks_close(struct node_chunks *nc, char *err, size_t errlen)
{
    int rc = MPI_SUCCESS;
    if (nc->win != MPI_WIN_NULL)
        rc = MPI_Win_free(&nc->win);
    if (nc->comm != MPI_COMM_NULL)
        MPI_Comm_free(&nc->comm);
    return dist_check(rc, "MPI_Win_free", err, errlen);
}

/* This rank's share of the input, counted as cfg says: the input is cut
 * into one range per node where the counting threads may cut (count_split),
 * and the ranks of a node count the chunks of its range as its threads
 * would, each taking the next from the node's shared counter. */
static int count_my_share(const struct dist *d, const char *path, const struct specials *sp,
                          const struct count_config *cfg, const struct node_chunks *nc,
                          struct word_counts *out, struct dist_count_stats *st, char *err,
                          size_t errlen)
{
    memset(out, 0, sizeof *out);
    struct input in;
    if (input_open(&in, path, err, errlen) < 0)
        return -1;
    double t0 = now_s();
    st->input_bytes = in.len;
    size_t *bounds = xmalloc(((size_t)d->nodes + 2) * sizeof *bounds);
    size_t n = count_split(in.data, in.len, sp, (size_t)d->nodes, bounds);
    /* A text with too few places to cut leaves the last nodes nothing. */
    size_t begin = (size_t)d->node < n ? bounds[d->node] : in.len;
    size_t end = (size_t)d->node < n ? bounds[d->node + 1] : in.len;
    free(bounds);
    struct count_config mine = *cfg;
    mine.mapped = in.mapped;
    mine.shared_next = nc->next;
    mine.sharers = nc->sharers;
    int rc = count_words_cfg(in.data + begin, end - begin, sp, &mine, out, &st->local, err,
                             errlen);
    st->local_s = now_s() - t0;
    input_close(&in);
    return rc;
}

/* The binomial tree: in round `step`, a rank with that bit set sends its
 * table to rank - step and is done; the others add what rank + step sends. */
static int reduce_tree(const struct dist *d, struct word_counts *wc,
                       struct dist_count_stats *st, char *err, size_t errlen)
{
    for (int step = 1; step < d->size; step <<= 1) {
        if (d->rank & step) {
            struct buf b = {0};
            wordfile_encode(&b, wc);
            int rc = dist_send_buf(b.data, b.len, d->rank - step, err, errlen);
            st->bytes_sent += b.len;
            buf_free(&b);
            word_counts_free(wc);
            return rc;
        }
        if (d->rank + step >= d->size)
            continue;
        void *p;
        uint64_t n;
        struct word_counts part;
        if (dist_recv_buf(&p, &n, d->rank + step, err, errlen) < 0) {
            free(p);
            return -1;
        }
        int bad = wordfile_decode(p, n, &part) < 0;
        free(p);
        if (bad)
            return errf(err, errlen, "malformed counts from rank %d", d->rank + step);
        word_counts_add(wc, &part);
        word_counts_free(&part);
    }
    return 0;
}

/* Each rank's counting time, bytes counted and bytes sent, to rank 0. */
static int gather_stats(const struct dist *d, struct dist_count_stats *st, char *err,
                        size_t errlen)
{
    uint64_t *bytes = NULL;
    if (d->rank == 0) {
        st->rank_s = xcalloc((size_t)d->size, sizeof *st->rank_s);
        st->rank_bytes = xcalloc((size_t)d->size, sizeof *st->rank_bytes);
        bytes = xcalloc((size_t)d->size, sizeof *bytes);
    }
    int rc = dist_check(MPI_Gather(&st->local_s, 1, MPI_DOUBLE, st->rank_s, 1, MPI_DOUBLE, 0,
                                   MPI_COMM_WORLD), "MPI_Gather", err, errlen);
    if (rc == 0)
        rc = dist_check(MPI_Gather(&st->local.counted_bytes, 1, MPI_UINT64_T, st->rank_bytes, 1,
                                   MPI_UINT64_T, 0, MPI_COMM_WORLD), "MPI_Gather", err, errlen);
    if (rc == 0)
        rc = dist_check(MPI_Gather(&st->bytes_sent, 1, MPI_UINT64_T, bytes, 1, MPI_UINT64_T, 0,
                                   MPI_COMM_WORLD), "MPI_Gather", err, errlen);
    for (int i = 0; bytes && i < d->size; i++)
        st->bytes_total += bytes[i];
    free(bytes);
    return rc;
}

/* An MPI call failed: the job ends (st->fatal). */
static int fatal_count(struct dist_count_stats *st, struct word_counts *out)
{
    st->fatal = 1;
    word_counts_free(out);
    return -1;
}

int dist_count_words(const struct dist *d, const char *path, const struct specials *sp,
                     const struct count_config *cfg, struct word_counts *out,
                     struct dist_count_stats *st, char *err, size_t errlen)
{
    memset(st, 0, sizeof *st);
    memset(out, 0, sizeof *out);
    char mine[512] = "";
    struct node_chunks nc;
    if (node_chunks_open(d, cfg->workers ? cfg->workers : 1, &nc, err, errlen) < 0) {
        node_chunks_close(&nc, mine, sizeof mine);
        return fatal_count(st, out);
    }
    int failed = dist_fault_point(d->rank, "start", mine, sizeof mine) < 0 ||
                 count_my_share(d, path, sp, cfg, &nc, out, st, mine, sizeof mine) < 0;
    /* Every rank of the node is done with the counter once this returns. */
    if (node_chunks_close(&nc, err, errlen) < 0 ||
        dist_fault_point(d->rank, "count", err, errlen) < 0)
        return fatal_count(st, out);
    int first;
    err[0] = '\0';
    if (dist_first_failed(d, failed, &first, err, errlen) < 0)
        return fatal_count(st, out);
    if (first >= 0) {
        if (first == d->rank && d->rank == 0)
            errf(err, errlen, "%s", mine);
        else if (first == d->rank)
            errf(err, errlen, "rank %d: %s", d->rank, mine);
        word_counts_free(out);
        return -1;
    }
    double t0 = now_s();
    if (reduce_tree(d, out, st, err, errlen) < 0 || gather_stats(d, st, err, errlen) < 0)
        return fatal_count(st, out);
    st->reduce_s = now_s() - t0;
    return 0;
}

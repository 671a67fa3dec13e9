/* distcount.c: distributed counting (see distcount.h). */
#include "distcount.h"

#include "distmpi.h"
#include "input.h"
#include "util.h"
#include "wordfile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* This rank's range of the input, counted as cfg says. */
static int count_my_range(const struct dist *d, const char *path, const struct specials *sp,
                          const struct count_config *cfg, struct word_counts *out,
                          struct dist_count_stats *st, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    struct input in;
    if (input_open(&in, path, err, errlen) < 0)
        return -1;
    double t0 = now_s();
    st->input_bytes = in.len;
    size_t *bounds = xmalloc(((size_t)d->size + 2) * sizeof *bounds);
    size_t n = count_split(in.data, in.len, sp, (size_t)d->size, bounds);
    /* A text with too few places to cut leaves the last ranks nothing. */
    size_t begin = (size_t)d->rank < n ? bounds[d->rank] : in.len;
    size_t end = (size_t)d->rank < n ? bounds[d->rank + 1] : in.len;
    free(bounds);
    struct count_config mine = *cfg;
    mine.mapped = in.mapped;
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

/* Each rank's counting time and bytes sent, to rank 0. */
static int gather_stats(const struct dist *d, struct dist_count_stats *st, char *err,
                        size_t errlen)
{
    uint64_t *bytes = NULL;
    if (d->rank == 0) {
        st->rank_s = xcalloc((size_t)d->size, sizeof *st->rank_s);
        bytes = xcalloc((size_t)d->size, sizeof *bytes);
    }
    int rc = dist_check(MPI_Gather(&st->local_s, 1, MPI_DOUBLE, st->rank_s, 1, MPI_DOUBLE, 0,
                                   MPI_COMM_WORLD), "MPI_Gather", err, errlen);
    if (rc == 0)
        rc = dist_check(MPI_Gather(&st->bytes_sent, 1, MPI_UINT64_T, bytes, 1, MPI_UINT64_T, 0,
                                   MPI_COMM_WORLD), "MPI_Gather", err, errlen);
    for (int i = 0; bytes && i < d->size; i++)
        st->bytes_total += bytes[i];
    free(bytes);
    return rc;
}

int dist_count_words(const struct dist *d, const char *path, const struct specials *sp,
                     const struct count_config *cfg, struct word_counts *out,
                     struct dist_count_stats *st, char *err, size_t errlen)
{
    memset(st, 0, sizeof *st);
    char mine[512] = "";
    int failed = count_my_range(d, path, sp, cfg, out, st, mine, sizeof mine) < 0;
    if (dist_fault_point(d->rank, "count", err, errlen) < 0) {
        st->fatal = 1;
        word_counts_free(out);
        return -1;
    }
    int first;
    err[0] = '\0';
    if (dist_first_failed(d, failed, &first, err, errlen) < 0) {
        st->fatal = 1;
        word_counts_free(out);
        return -1;
    }
    if (first >= 0) {
        if (first == d->rank && d->rank == 0)
            errf(err, errlen, "%s", mine);
        else if (first == d->rank)
            errf(err, errlen, "rank %d: %s", d->rank, mine);
        word_counts_free(out);
        return -1;
    }
    double t0 = now_s();
    if (reduce_tree(d, out, st, err, errlen) < 0 || gather_stats(d, st, err, errlen) < 0) {
        st->fatal = 1;
        word_counts_free(out);
        return -1;
    }
    st->reduce_s = now_s() - t0;
    return 0;
}

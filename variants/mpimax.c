/* mpimax.c: backend `mpi`, the article's parallel max over MPI: each merge
 * rank 0 scatters the live pairs (W = ranks equal chunks, as pool deals
 * them to its pipes; the copy step), every rank scans its chunk, and one
 * MPI_Allreduce with a user-defined operation on (count, bytes of both
 * tokens) picks the best under the tie-break of vocab.h (the select step).
 * Every rank keeps a copy of the token table, seeded by rank 0 at start
 * and extended with each winner, so candidates carry their tokens' bytes
 * and no rank needs rank 0's memory. */
#include "mpimax.h"

#include "bopts.h"
#include "distmpi.h"
#include "scan.h"
#include "util.h"
#include "vocab.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One rank's best pair: the element of the reduction, followed by the
 * bytes of its two tokens (room for the longest token twice). */
struct cand {
    int64_t count;
    uint64_t index;     /* in rank 0's live array */
    double compute_s;   /* the longest scan of the ranks reduced so far */
    uint32_t a, b, l1, l2;
    int32_t found, rank;
};

/* What rank 0 tells the others before each select; n_live < 0: stop. */
struct order {
    int64_t n_live;
};

struct mpi_state {
    struct dist d;
    struct vocab v;        /* ranks other than 0: their copy; rank 0: unused */
    const struct vocab *tv; /* the table candidates are read from */
    uint32_t max_len;      /* longest token that can appear in a pair */
    MPI_Datatype elem;     /* sizeof(struct cand) + 2 * max_len bytes */
    MPI_Op op;
    int have_op;
    int elem_size;
    struct live_pair *chunk; /* this rank's chunk (rank 0 scans in place) */
    size_t chunk_cap;
    int *counts, *displs;  /* Scatterv, in bytes */
    int stopped;
    int wait_mode;         /* option wait (enum dist_wait_mode) */
    uint64_t merges, scatter_bytes, reduce_bytes, order_bytes;
};

static const unsigned char *cand_bytes(const struct cand *c)
{
    return (const unsigned char *)(c + 1);
}

/* x beats y: the tie-break on the bytes, then the lower rank (the first
 * chunk, as scan_replies_reduce decides), so the operation commutes. */
static int cand_beats(const struct cand *x, const struct cand *y)
{
    if (!x->found || !y->found)
        return x->found;
    struct pair_key kx = {x->count, cand_bytes(x), cand_bytes(x) + x->l1, x->l1, x->l2};
    struct pair_key ky = {y->count, cand_bytes(y), cand_bytes(y) + y->l1, y->l1, y->l2};
    int c = pair_key_cmp(&kx, &ky);
    return c ? c > 0 : x->rank < y->rank;
}

static void cand_reduce(void *in, void *inout, int *len, MPI_Datatype *type)
{
    int size;
    MPI_Type_size(*type, &size);
    for (int i = 0; i < *len; i++) {
        struct cand *x = (struct cand *)((char *)in + (size_t)i * (size_t)size);
        struct cand *y = (struct cand *)((char *)inout + (size_t)i * (size_t)size);
        double longest = x->compute_s > y->compute_s ? x->compute_s : y->compute_s;
        if (cand_beats(x, y))
            memcpy(y, x, (size_t)size);
        y->compute_s = longest;
    }
}

/* The element type for the current longest token; a new one when a merge
 * made a longer token (every rank sees the same merges, so all agree). */
static int elem_fit(struct mpi_state *s, char *err, size_t errlen)
{
    size_t want = (sizeof(struct cand) + 2 * (size_t)s->max_len + 7) / 8 * 8;
    if (want > INT32_MAX / 2)
        return errf(err, errlen, "a token of %u bytes is too long to reduce", s->max_len);
    if ((int)want == s->elem_size)
        return 0;
    if (s->elem_size)
        MPI_Type_free(&s->elem);
    s->elem_size = 0;
    if (dist_check(MPI_Type_contiguous((int)want, MPI_BYTE, &s->elem), "MPI_Type_contiguous",
                   err, errlen) < 0 ||
        dist_check(MPI_Type_commit(&s->elem), "MPI_Type_commit", err, errlen) < 0)
        return -1;
    s->elem_size = (int)want;
    return 0;
}

/* The token table as rank 0 has it when the merge loop starts: count,
 * specials, each length, then all bytes. */
static void vocab_pack(const struct vocab *v, struct buf *b)
{
    buf_put(b, &v->n, sizeof v->n);
    buf_put(b, &v->n_special, sizeof v->n_special);
    buf_put(b, v->len, v->n * sizeof *v->len);
    for (uint32_t i = 0; i < v->n; i++)
        buf_put(b, vocab_ptr(v, i), v->len[i]);
}

static int vocab_unpack(struct vocab *v, const unsigned char *p, size_t n)
{
    uint32_t count, n_special;
    if (n < 8)
        return -1;
    memcpy(&count, p, 4);
    memcpy(&n_special, p + 4, 4);
    if (count > (n - 8) / 4 || n_special > count)
        return -1;
    const unsigned char *lens = p + 8, *bytes = lens + (size_t)count * 4;
    size_t left = n - 8 - (size_t)count * 4;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t l;
        memcpy(&l, lens + (size_t)i * 4, 4);
        if (l > left)
            return -1;
        vocab_add(v, bytes, l);
        bytes += l;
        left -= l;
    }
    v->n_special = n_special;
    return left ? -1 : 0;
}

/* Rank 0 broadcasts its table; the others build their copy from it. */
static int share_vocab(struct mpi_state *s, const struct vocab *v0, char *err, size_t errlen)
{
    struct buf b = {0};
    uint64_t n = 0;
    if (v0) {
        vocab_pack(v0, &b);
        n = b.len;
    }
    int rc = dist_check(MPI_Bcast(&n, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD), "MPI_Bcast", err,
                        errlen);
    if (rc == 0 && n > INT32_MAX)
        rc = errf(err, errlen, "a token table of %llu bytes is too large to share",
                  (unsigned long long)n);
    if (rc == 0 && !v0)
        buf_reserve(&b, n);
    if (rc == 0)
        rc = dist_check(MPI_Bcast(b.data, (int)n, MPI_BYTE, 0, MPI_COMM_WORLD), "MPI_Bcast",
                        err, errlen);
    if (rc == 0 && !v0 && vocab_unpack(&s->v, b.data, n) < 0)
        rc = errf(err, errlen, "malformed token table from rank 0");
    buf_free(&b);
    s->tv = v0 ? v0 : &s->v;
    for (uint32_t i = s->tv->n_special; rc == 0 && i < s->tv->n; i++)
        if (s->tv->len[i] > s->max_len)
            s->max_len = s->tv->len[i];
    return rc;
}

/* What every rank does at the start: ranks, the token table, the
 * reduction's operation and element type. */
static int state_start(struct mpi_state *s, const struct vocab *v0, char *err, size_t errlen)
{
    /* Rank 0 has read the options; the others learn them here. */
    if (dist_share_int(&s->wait_mode, err, errlen) < 0)
        return -1;
    if (dist_check(MPI_Comm_rank(MPI_COMM_WORLD, &s->d.rank), "MPI_Comm_rank", err, errlen) <
            0 ||
        dist_check(MPI_Comm_size(MPI_COMM_WORLD, &s->d.size), "MPI_Comm_size", err, errlen) < 0)
        return -1;
    s->counts = xcalloc((size_t)s->d.size, sizeof *s->counts);
    s->displs = xcalloc((size_t)s->d.size, sizeof *s->displs);
    if (share_vocab(s, v0, err, errlen) < 0 ||
        dist_check(MPI_Op_create(cand_reduce, 1, &s->op), "MPI_Op_create", err, errlen) < 0)
        return -1;
    s->have_op = 1;
    return elem_fit(s, err, errlen);
}

static void state_free(struct mpi_state *s)
{
    if (s->elem_size)
        MPI_Type_free(&s->elem);
    if (s->have_op)
        MPI_Op_free(&s->op);
    vocab_free(&s->v);
    free(s->chunk);
    free(s->counts);
    free(s->displs);
    free(s);
}

/* Tells the ranks how many live pairs there are (or to stop), and hands
 * each its chunk: rank 0 keeps the first and scans it in place. */
static int deal(struct mpi_state *s, const struct pair_table *pt, int64_t n_live, char *err,
                size_t errlen)
{
    struct order o = {n_live};
    MPI_Request rq;
    if (dist_check(MPI_Ibcast(&o, sizeof o, MPI_BYTE, 0, MPI_COMM_WORLD, &rq), "MPI_Ibcast", err,
                   errlen) < 0 ||
        dist_wait(&rq, (enum dist_wait_mode)s->wait_mode, "MPI_Ibcast", err, errlen) < 0)
        return -1;
    s->order_bytes += sizeof o * (uint64_t)(s->d.size - 1);
    if (o.n_live < 0)
        return 1;
    if ((uint64_t)o.n_live > INT32_MAX / sizeof(struct live_pair))
        return errf(err, errlen, "%lld live pairs are too many for one MPI_Scatterv",
                    (long long)o.n_live);
    for (int i = 0; i < s->d.size; i++) {
        size_t begin, end;
        chunk_range((size_t)o.n_live, (unsigned)s->d.size, (unsigned)i, &begin, &end);
        s->counts[i] = (int)((end - begin) * sizeof(struct live_pair));
        s->displs[i] = (int)(begin * sizeof(struct live_pair));
    }
    size_t mine = (size_t)s->counts[s->d.rank] / sizeof(struct live_pair);
    if (s->d.rank && mine > s->chunk_cap) {
        s->chunk_cap = mine * 2;
        s->chunk = xrealloc(s->chunk, s->chunk_cap * sizeof *s->chunk);
    }
    const void *send = pt ? (const void *)pt->live : NULL;
    void *recv = s->d.rank ? (void *)s->chunk : MPI_IN_PLACE;
    if (dist_check(MPI_Iscatterv(send, s->counts, s->displs, MPI_BYTE, recv,
                                 s->counts[s->d.rank], MPI_BYTE, 0, MPI_COMM_WORLD, &rq),
                   "MPI_Iscatterv", err, errlen) < 0 ||
        dist_wait(&rq, (enum dist_wait_mode)s->wait_mode, "MPI_Iscatterv", err, errlen) < 0)
        return -1;
    s->scatter_bytes += (uint64_t)(o.n_live * (int64_t)sizeof(struct live_pair)) -
                        (uint64_t)s->counts[0];
    return 0;
}

/* Scans this rank's chunk, then reduces every rank's candidate into *best
 * (on every rank). Both buffers hold elem_size bytes. */
static int scan_and_reduce(struct mpi_state *s, const struct live_pair *pairs,
                           struct cand *mine, struct cand *best, char *err, size_t errlen)
{
    size_t n = (size_t)s->counts[s->d.rank] / sizeof(struct live_pair);
    struct scan_reply r;
    scan_chunk(s->tv, pairs, 0, n, &r);
    memset(mine, 0, (size_t)s->elem_size);
    mine->compute_s = r.compute_s;
    mine->rank = s->d.rank;
    if (r.found) {
        mine->found = 1;
        mine->count = r.count;
        mine->index = (uint64_t)s->displs[s->d.rank] / sizeof(struct live_pair) + r.index;
        mine->a = r.a, mine->b = r.b;
        mine->l1 = s->tv->len[r.a], mine->l2 = s->tv->len[r.b];
        unsigned char *p = (unsigned char *)(mine + 1);
        memcpy(p, vocab_ptr(s->tv, r.a), mine->l1);
        memcpy(p + mine->l1, vocab_ptr(s->tv, r.b), mine->l2);
    }
    s->reduce_bytes += 2 * (uint64_t)s->elem_size * (uint64_t)(s->d.size - 1);
    s->merges++;
    MPI_Request rq;
    if (dist_check(MPI_Iallreduce(mine, best, 1, s->elem, s->op, MPI_COMM_WORLD, &rq),
                   "MPI_Iallreduce", err, errlen) < 0)
        return -1;
    return dist_wait(&rq, (enum dist_wait_mode)s->wait_mode, "MPI_Iallreduce", err, errlen);
}

/* After a select every rank knows the new token's length; the ranks other
 * than 0 also add the token to their table (rank 0's merge loop does). */
static int learn(struct mpi_state *s, const struct cand *best, char *err, size_t errlen)
{
    if (!best->found)
        return 0;
    if (s->d.rank)
        vocab_add(&s->v, cand_bytes(best), best->l1 + best->l2);
    if (best->l1 + best->l2 > s->max_len)
        s->max_len = best->l1 + best->l2;
    return elem_fit(s, err, errlen);
}

/* The two reduction buffers, sized for the current element. */
static struct cand *cand_pair(const struct mpi_state *s)
{
    return xcalloc(2, (size_t)s->elem_size);
}

static void mpi_destroy(void *state)
{
    struct mpi_state *s = state;
    char err[256];
    /* Lets the other ranks leave their loop; if this fails the caller
     * is already ending the job. */
    if (!s->stopped && s->counts)
        (void)deal(s, NULL, -1, err, sizeof err);
    state_free(s);
}

static int mpi_init(void **state, const struct backend_config *cfg, const struct pair_table *pt,
                    char *err, size_t errlen)
{
    struct mpi_state *s = xcalloc(1, sizeof *s);
    *state = s;
    s->wait_mode = bopts_is(cfg->options, "wait", "sleep")   ? DIST_WAIT_SLEEP
                   : bopts_is(cfg->options, "wait", "yield") ? DIST_WAIT_YIELD
                                                             : DIST_WAIT_SPIN;
    if (state_start(s, pt->vocab, err, errlen) < 0)
        return -1;
    if (cfg->workers != (unsigned)s->d.size)
        return errf(err, errlen, "--workers %u, but the job has %d ranks: W is the rank count",
                    cfg->workers, s->d.size);
    return 0;
}

/* The copy step: the live pairs to the ranks. */
static int mpi_copy(void *state, const struct pair_table *pt, char *err, size_t errlen)
{
    return deal(state, pt, pt->n_live, err, errlen);
}

static int mpi_select(void *state, const struct pair_table *pt, struct select_result *out,
                      char *err, size_t errlen)
{
    struct mpi_state *s = state;
    struct cand *mine = cand_pair(s);
    struct cand *best = (struct cand *)((char *)mine + s->elem_size);
    int rc = scan_and_reduce(s, pt->live, mine, best, err, errlen);
    out->pair_id = PAIR_NONE;
    out->compute_s = best->compute_s;
    if (rc == 0 && best->found) {
        if (best->index >= pt->n_live || pt->live[best->index].a != best->a ||
            pt->live[best->index].b != best->b)
            rc = errf(err, errlen, "the reduction named pair %llu, which is not live",
                      (unsigned long long)best->index);
        else
            out->pair_id = pt->live_id[best->index];
    }
    if (rc == 0)
        rc = learn(s, best, err, errlen);
    free(mine);
    return rc;
}

static void mpi_report(void *state, struct backend_report *out)
{
    struct mpi_state *s = state;
    uint64_t total = s->order_bytes + s->scatter_bytes + s->reduce_bytes;
    backend_report_counter(out, "ranks", (uint64_t)s->d.size);
    backend_report_counter(out, "scatter_bytes", s->scatter_bytes);
    backend_report_counter(out, "order_bytes", s->order_bytes);
    backend_report_counter(out, "reduce_bytes", s->reduce_bytes);
    backend_report_counter(out, "bytes_per_merge", s->merges ? total / s->merges : 0);
    backend_report_counter(out, "reduce_elem_bytes", (uint64_t)s->elem_size);
}

int mpi_backend_serve(char *err, size_t errlen)
{
    struct mpi_state *s = xcalloc(1, sizeof *s);
    int rc = state_start(s, NULL, err, errlen);
    while (rc == 0) {
        char at[24];
        snprintf(at, sizeof at, "%llu", (unsigned long long)s->merges);
        rc = dist_fault_point(s->d.rank, at, err, errlen);
        if (rc == 0)
            rc = deal(s, NULL, 0, err, errlen);
        if (rc)
            break;
        struct cand *mine = cand_pair(s);
        struct cand *best = (struct cand *)((char *)mine + s->elem_size);
        rc = scan_and_reduce(s, s->chunk, mine, best, err, errlen);
        if (rc == 0)
            rc = learn(s, best, err, errlen);
        free(mine);
    }
    s->stopped = 1;
    state_free(s);
    return rc < 0 ? -1 : 0;
}

static const char *const wait_values[] = {"spin", "yield", "sleep", NULL};
static const struct backend_option mpi_options[] = {
    {"wait", wait_values, "how a rank waits for the others: spin (MPI_Wait polls), yield "
                          "(MPI_Test, sched_yield between tries) or sleep (MPI_Test, pausing "
                          "20 us between tries: for a loaded machine)"},
    {NULL, NULL, NULL},
};

const struct merge_backend backend_mpi = {
    .name = "mpi",
    .description = "W = MPI ranks; each merge the live pairs are scattered and the best found "
                   "by MPI_Allreduce with a user-defined operation",
    .kind = BACKEND_PROCESSES,
    .article = "",
    .bench = 0,
    .options = mpi_options,
    .init = mpi_init,
    .destroy = mpi_destroy,
    .copy = mpi_copy,
    .select = mpi_select,
    .report = mpi_report,
};

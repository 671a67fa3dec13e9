/* dist.h: the ranks of an MPI job, as bpetrain-mpi and the mpi backend use
 * them. MPI calls return their errors (MPI_ERRORS_RETURN) so that each
 * failure becomes one line naming the call; the caller then ends the whole
 * job with dist_abort, which leaves no rank behind. This header does not
 * include <mpi.h>: a front end needs no MPI include path (distmpi.h is
 * the part that speaks MPI, for the dist layer and backend mpi). */
#ifndef DIST_H
#define DIST_H

#include <stddef.h>
#include <stdint.h>

struct dist {
    int rank, size;
    int local_size; /* ranks on this node (shared memory) */
    int root_local; /* rank 0 runs on this node too */
    int root_pid;   /* rank 0's process id (meaningful when root_local) */
    int node, nodes; /* this node's index (by its lowest rank) and the node count */
};

/* MPI_Init, errors returned, rank and sizes. A node is the ranks that share
 * memory; for the tests, BPEBENCH_RANKS_PER_NODE=k makes the job look as if
 * it ran on nodes of k ranks each (ranks 0..k-1, k..2k-1, ...). Returns 0,
 * or -1 with a reason. */
int dist_init(int *argc, char ***argv, struct dist *d, char *err, size_t errlen);
void dist_finalize(void);
/* Ends every rank of the job with exit status `code`. */
_Noreturn void dist_abort(int code);

/* Collective: the lowest rank whose `failed` is set, or -1 when none is;
 * every rank gets the answer, so all take the same way out. */
int dist_first_failed(const struct dist *d, int failed, int *first, char *err,
                      size_t errlen);

/* Collective: rank 0's *v to every rank. */
int dist_share_int(int *v, char *err, size_t errlen);

/* Point-to-point transfer of one buffer of any size (MPI counts are int):
 * its length, then its bytes in pieces. recv allocates *p (free it). */
int dist_send_buf(const void *p, uint64_t n, int to, char *err, size_t errlen);
int dist_recv_buf(void **p, uint64_t *n, int from, char *err, size_t errlen);

/* For the tests of failures, BPEBENCH_RANK_FAIL=k:AT[:HOW]: when rank k
 * reaches point AT ("start": before counting; "count": after counting its
 * share; a number: before serving that merge of backend mpi, from 0) it
 * dies of SIGKILL (HOW kill, the default), stops for good until a signal
 * ends it (stop), makes an MPI call that fails (mpi: a broadcast of a
 * negative count), returning -1 with the call's reason, or goes on a
 * second late (late: the others take its share of the chunks). Otherwise
 * returns 0. */
int dist_fault_point(int rank, const char *at, char *err, size_t errlen);

#endif

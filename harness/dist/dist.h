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
};

/* MPI_Init, errors returned, rank and sizes. Returns 0, or -1 with a reason. */
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

#endif

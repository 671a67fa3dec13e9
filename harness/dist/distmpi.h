/* distmpi.h: the MPI side of dist.h, for the dist layer and backend mpi:
 * errors as one line, and waiting for a nonblocking operation. */
#ifndef DISTMPI_H
#define DISTMPI_H

#include <mpi.h>
#include <stddef.h>

#include "dist.h"

/* 0 when rc is MPI_SUCCESS; otherwise "WHAT failed: MPI's reason" in err and -1. */
int dist_check(int rc, const char *what, char *err, size_t errlen);

/* Collective: the ranks of this rank's node (dist.h), ordered by rank.
 * Returns an MPI error code. */
int dist_node_comm(const struct dist *d, MPI_Comm *node);

/* How a rank waits for a nonblocking operation to complete: MPI_Wait,
 * which polls without pause (spin); MPI_Test with sched_yield between
 * tries (yield: a rank that waits gives its CPU to one that is ready); or
 * MPI_Test with pauses of 20 us after the first tries (sleep: for a loaded
 * machine, where even yielding ranks compete with the others' jobs). */
enum dist_wait_mode { DIST_WAIT_SPIN, DIST_WAIT_YIELD, DIST_WAIT_SLEEP };
int dist_wait(MPI_Request *rq, enum dist_wait_mode mode, const char *what, char *err,
              size_t errlen);

#endif

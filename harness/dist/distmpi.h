/* distmpi.h: the MPI side of dist.h, for the dist layer and backend mpi:
 * errors as one line, and waiting for a nonblocking operation. */
#ifndef DISTMPI_H
#define DISTMPI_H

#include <mpi.h>
#include <stddef.h>

#include "dist.h"

/* 0 when rc is MPI_SUCCESS; otherwise "WHAT failed: MPI's reason" in err and -1. */
int dist_check(int rc, const char *what, char *err, size_t errlen);

/* Completes a nonblocking operation: MPI_Wait, which polls without pause,
 * or with `sleepy` MPI_Test with pauses of 20 us after the first tries, so
 * that a rank waiting on a loaded machine leaves its CPU to those working. */
int dist_wait(MPI_Request *rq, int sleepy, const char *what, char *err, size_t errlen);

#endif

/* mpimax.h: backend `mpi` (bpetrain-mpi only). Rank 0 runs the merge loop
 * with backend_mpi; every other rank serves its selects until rank 0's
 * backend is destroyed. */
#ifndef MPIMAX_H
#define MPIMAX_H

#include <stddef.h>

#include "backend.h"

extern const struct merge_backend backend_mpi;

/* On ranks other than 0, while rank 0 runs merge_train with backend_mpi.
 * Returns 0 when rank 0 ends the merge loop, or -1 with a one-line reason
 * (an MPI call failed; the caller ends the job). */
int mpi_backend_serve(char *err, size_t errlen);

#endif

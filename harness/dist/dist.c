/* dist.c: MPI start-up, errors and large transfers (see dist.h). */
#include "distmpi.h"

#include "util.h"

#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int dist_check(int rc, const char *what, char *err, size_t errlen)
{
    if (rc == MPI_SUCCESS)
        return 0;
    char msg[MPI_MAX_ERROR_STRING];
    int n = 0;
    if (MPI_Error_string(rc, msg, &n) != MPI_SUCCESS)
        snprintf(msg, sizeof msg, "error %d", rc);
    return errf(err, errlen, "%s failed: %s", what, msg);
}

int dist_node_comm(const struct dist *d, MPI_Comm *node)
{
    const char *k = getenv("BPEBENCH_RANKS_PER_NODE");
    if (k && atoi(k) > 0)
        return MPI_Comm_split(MPI_COMM_WORLD, d->rank / atoi(k), d->rank, node);
    return MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, d->rank, MPI_INFO_NULL,
                               node);
}

int dist_init(int *argc, char ***argv, struct dist *d, char *err, size_t errlen)
{
    if (dist_check(MPI_Init(argc, argv), "MPI_Init", err, errlen) < 0)
        return -1;
    MPI_Comm local;
    if (dist_check(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN),
                   "MPI_Comm_set_errhandler", err, errlen) < 0 ||
        dist_check(MPI_Comm_rank(MPI_COMM_WORLD, &d->rank), "MPI_Comm_rank", err, errlen) < 0 ||
        dist_check(MPI_Comm_size(MPI_COMM_WORLD, &d->size), "MPI_Comm_size", err, errlen) < 0 ||
        dist_check(dist_node_comm(d, &local), "MPI_Comm_split_type", err, errlen) < 0)
        return -1;
    /* Whether rank 0 shares this node, and its pid: a rank that fails
     * tells it so (dist.h). The node's index is the number of nodes whose
     * lowest rank (the first of local) is below this node's. */
    int is_root = d->rank == 0, pid = (int)getpid(), local_rank = 0, first = 0;
    int rc = MPI_Comm_size(local, &d->local_size);
    if (rc == MPI_SUCCESS)
        rc = MPI_Allreduce(&is_root, &d->root_local, 1, MPI_INT, MPI_MAX, local);
    if (rc == MPI_SUCCESS)
        rc = MPI_Comm_rank(local, &local_rank);
    first = local_rank == 0;
    d->node = 0;
    if (rc == MPI_SUCCESS)
        rc = MPI_Exscan(&first, &d->node, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    if (d->rank == 0)
        d->node = 0; /* MPI_Exscan leaves rank 0's undefined */
    if (rc == MPI_SUCCESS)
        rc = MPI_Bcast(&d->node, 1, MPI_INT, 0, local);
    if (rc == MPI_SUCCESS)
        rc = MPI_Allreduce(&first, &d->nodes, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    MPI_Comm_free(&local);
    if (rc == MPI_SUCCESS)
        rc = MPI_Bcast(&pid, 1, MPI_INT, 0, MPI_COMM_WORLD);
    d->root_pid = pid;
    return dist_check(rc, "MPI_Comm_size", err, errlen);
}

void dist_finalize(void)
{
    MPI_Finalize();
}

_Noreturn void dist_abort(int code)
{
    MPI_Abort(MPI_COMM_WORLD, code);
    exit(code); /* MPI_Abort does not return; this satisfies _Noreturn */
}

int dist_first_failed(const struct dist *d, int failed, int *first, char *err,
                      size_t errlen)
{
    /* The lowest failed rank is the minimum over (failed ? rank : size). */
    int mine = failed ? d->rank : d->size, lowest;
    if (dist_check(MPI_Allreduce(&mine, &lowest, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD),
                   "MPI_Allreduce", err, errlen) < 0)
        return -1;
    *first = lowest < d->size ? lowest : -1;
    return 0;
}

int dist_wait(MPI_Request *rq, enum dist_wait_mode mode, const char *what, char *err,
              size_t errlen)
{
    if (mode == DIST_WAIT_SPIN)
        return dist_check(MPI_Wait(rq, MPI_STATUS_IGNORE), what, err, errlen);
    /* 20 us: shorter pauses wake more often on a busy machine, where a
     * wake-up costs most (measured: 5 us with 1 us timer slack was worse). */
    const struct timespec pause_for = {0, 20000};
    for (unsigned tries = 0;; tries++) {
        int done = 0;
        if (dist_check(MPI_Test(rq, &done, MPI_STATUS_IGNORE), what, err, errlen) < 0)
            return -1;
        if (done)
            return 0;
        if (mode == DIST_WAIT_YIELD)
            sched_yield();
        else if (tries >= 64)
            nanosleep(&pause_for, NULL);
    }
}

int dist_share_int(int *v, char *err, size_t errlen)
{
    return dist_check(MPI_Bcast(v, 1, MPI_INT, 0, MPI_COMM_WORLD), "MPI_Bcast", err, errlen);
}

/* Pieces of 1 GiB: MPI counts are int. */
#define PIECE (1 << 30)

int dist_send_buf(const void *p, uint64_t n, int to, char *err, size_t errlen)
{
    if (dist_check(MPI_Send(&n, 1, MPI_UINT64_T, to, 0, MPI_COMM_WORLD), "MPI_Send", err,
                   errlen) < 0)
        return -1;
    for (uint64_t off = 0; off < n; off += PIECE) {
        int k = (int)(n - off < PIECE ? n - off : PIECE);
        if (dist_check(MPI_Send((const char *)p + off, k, MPI_BYTE, to, 1, MPI_COMM_WORLD),
                       "MPI_Send", err, errlen) < 0)
            return -1;
    }
    return 0;
}

int dist_recv_buf(void **p, uint64_t *n, int from, char *err, size_t errlen)
{
    *p = NULL;
    if (dist_check(MPI_Recv(n, 1, MPI_UINT64_T, from, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE),
                   "MPI_Recv", err, errlen) < 0)
        return -1;
    *p = xmalloc(*n ? *n : 1);
    for (uint64_t off = 0; off < *n; off += PIECE) {
        int k = (int)(*n - off < PIECE ? *n - off : PIECE);
        if (dist_check(MPI_Recv((char *)*p + off, k, MPI_BYTE, from, 1, MPI_COMM_WORLD,
                                MPI_STATUS_IGNORE), "MPI_Recv", err, errlen) < 0)
            return -1;
    }
    return 0;
}

int dist_fault_point(int rank, const char *at, char *err, size_t errlen)
{
    const char *spec = getenv("BPEBENCH_RANK_FAIL");
    int k, n = 0;
    char where[24] = "", how[8] = "kill";
    if (!spec || sscanf(spec, "%d:%23[^:]%n", &k, where, &n) < 2 || k != rank ||
        strcmp(where, at) != 0)
        return 0;
    if (spec[n] == ':')
        snprintf(how, sizeof how, "%s", spec + n + 1);
    if (strcmp(how, "stop") == 0)
        for (;;)
            pause();
    if (strcmp(how, "late") == 0) {
        sleep(1);
        return 0;
    }
    if (strcmp(how, "mpi") != 0)
        raise(SIGKILL);
    int junk = 0;
    return dist_check(MPI_Bcast(&junk, -1, MPI_INT, 0, MPI_COMM_WORLD), "MPI_Bcast", err,
                      errlen);
}

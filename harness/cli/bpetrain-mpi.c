/* bpetrain-mpi.c: bpetrain as an MPI job (mpirun -n R bin/bpetrain-mpi
 * ...): the same options and outputs, the counting spread over the ranks
 * (distcount.h), the merge phase on rank 0 with any backend, or with
 * backend mpi spread over the ranks too. Rank 0 writes every output and
 * speaks for the job; another rank speaks only of its own failure. */
#define _GNU_SOURCE
#include "cleanup.h"
#include "dist.h"
#include "distcount.h"
#include "mpimax.h"
#include "registry.h"
#include "trainer.h"
#include "util.h"
#include "wordfile.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static struct buf rank_times; /* the CSV's rank_count_s */

/* A failure the other ranks cannot know of: one line, then the whole job
 * ends. */
_Noreturn static void fatal(const struct dist *d, const char *msg)
{
    cli_say("rank %d: %s\n", d->rank, msg);
    dist_abort(2);
}

/* Every rank parses the same command line to the same result; only rank 0
 * prints what parsing has to say (help, listings, errors). */
static int setup_quietly(const struct dist *d, int argc, char **argv, struct trainer_run *r)
{
    int saved[2] = {-1, -1};
    if (d->rank) {
        fflush(NULL);
        int nul = open("/dev/null", O_WRONLY | O_CLOEXEC);
        for (int fd = 1; fd <= 2 && nul >= 0; fd++) {
            saved[fd - 1] = dup(fd);
            dup2(nul, fd);
        }
        if (nul >= 0)
            close(nul);
    }
    int rc = trainer_setup(argc, argv, r);
    fflush(NULL);
    for (int fd = 1; fd <= 2; fd++)
        if (saved[fd - 1] >= 0) {
            dup2(saved[fd - 1], fd);
            close(saved[fd - 1]);
        }
    return rc;
}

/* What only MPI adds to the option checks; every rank decides alike. */
static int check_ranks(const struct dist *d, struct options *o, const struct merge_backend *be)
{
    if (be == &backend_mpi && o->workers == 1)
        o->workers = (unsigned)d->size;
    if (be == &backend_mpi && o->workers != (unsigned)d->size) {
        if (d->rank == 0)
            cli_say("backend mpi: --workers %u, but the job has %d ranks: W is the rank "
                    "count\n", o->workers, d->size);
        return 2;
    }
    /* Ranks on one node share its CPUs unless told otherwise. */
    if (!o->count_workers_set) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        long each = cpus > 0 ? cpus / d->local_size : 1;
        o->count_workers = each > 0 ? (unsigned)each : 1;
    }
    return 0;
}

/* Rank 0: saved counts, loaded (no distributed counting), or saved. */
static int load_or_save(const struct options *o, const struct specials *sp,
                        struct word_counts *wc, struct run_record *rec, char *err,
                        size_t errlen)
{
    uint64_t len, hash;
    if (wordfile_input_hash(o->input, &len, &hash, err, errlen) < 0)
        return -1;
    rec->input_bytes = len;
    if (o->load_counts)
        return wordfile_load(o->load_counts, wc, sp, len, hash, err, errlen);
    return o->save_counts ? wordfile_save(o->save_counts, wc, sp, len, hash, err, errlen) : 0;
}

/* The distributed counting, and what rank 0 records of it. */
static int count_over_ranks(const struct dist *d, const struct options *o,
                            const struct specials *sp, struct word_counts *wc,
                            struct run_record *rec)
{
    char err[512];
    struct dist_count_stats st;
    int rc = dist_count_words(d, o->input, sp, o->count_workers, wc, &st, err, sizeof err);
    if (rc < 0 && st.fatal)
        fatal(d, err);
    if (rc < 0) {
        if (err[0])
            cli_say("%s\n", err);
        return 2;
    }
    if (d->rank == 0) {
        rec->input_bytes = st.input_bytes;
        rec->count = st.local;
        rec->count.combine_s += st.reduce_s;
        rec->count_bytes = st.bytes_total;
        for (int i = 0; i < d->size; i++)
            buf_printf(&rank_times, "%s%.6f", i ? ";" : "", st.rank_s[i]);
        rec->rank_count_s = buf_cstr(&rank_times);
        trainer_rss_now(&rec->count_rss_anon_kb, &rec->count_rss_file_kb);
    }
    free(st.rank_s);
    return 0;
}

/* Counts (or loads them), then rank 0 tells every rank whether to go on. */
static int obtain_counts(const struct dist *d, const struct options *o,
                         const struct specials *sp, struct word_counts *wc,
                         struct run_record *rec)
{
    memset(wc, 0, sizeof *wc);
    rec->ranks = (unsigned)d->size;
    int rc = o->load_counts ? 0 : count_over_ranks(d, o, sp, wc, rec);
    if (rc)
        return rc;
    char err[512];
    if (d->rank == 0 && load_or_save(o, sp, wc, rec, err, sizeof err) < 0)
        rc = trainer_fail(err);
    if (dist_share_int(&rc, err, sizeof err) < 0)
        fatal(d, err);
    return rc;
}

static int run(const struct dist *d, struct trainer_run *r)
{
    double t_start = now_s();
    struct word_counts wc;
    int rc = obtain_counts(d, &r->o, &r->sp, &wc, &r->rec);
    r->rec.count_s = now_s() - t_start;
    int serve = !r->o.count_only && r->be == &backend_mpi;
    if (rc || d->rank) {
        char err[512];
        word_counts_free(&wc);
        if (rc == 0 && serve && mpi_backend_serve(err, sizeof err) < 0)
            fatal(d, err);
        return rc;
    }
    rc = trainer_merge(r, &wc, t_start);
    /* The other ranks may be waiting in a collective of a failed select. */
    if (rc && serve)
        dist_abort(rc);
    return rc;
}

int main(int argc, char **argv)
{
    cli_program = "bpetrain-mpi";
    registry_extend(&backend_mpi);
    struct dist d;
    char err[512];
    if (dist_init(&argc, &argv, &d, err, sizeof err) < 0)
        return trainer_fail(err);
    /* After MPI_Init, which may install handlers of its own. mpirun stops
     * every rank with SIGTERM when one dies or it is interrupted; rank 0
     * says so, once for the job. */
    trainer_signals();
    if (d.rank == 0)
        cleanup_set_notice("bpetrain-mpi: the job was stopped (a rank died, or mpirun was "
                           "interrupted); no output written\n");
    struct trainer_run r = {0};
    int rc = setup_quietly(&d, argc, argv, &r);
    if (rc == 0)
        rc = check_ranks(&d, &r.o, r.be);
    if (rc == 0)
        rc = run(&d, &r);
    /* The job is over: whatever stops this rank now stops no training. */
    cleanup_set_notice(NULL);
    rc = trainer_finish(&r, rc, d.rank == 0);
    buf_free(&rank_times);
    dist_finalize();
    /* Every rank reached the same verdict (a failure only one rank sees
     * ends the job in fatal); rank 0 alone reports it, so that mpirun has
     * no other rank's non-zero exit to stop rank 0 for. */
    return d.rank == 0 ? rc : 0;
}

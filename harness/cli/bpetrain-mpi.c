/* bpetrain-mpi.c: bpetrain as an MPI job (mpirun -n R bin/bpetrain-mpi
 * ...): the same options, training (train.h) and outputs, with the counting
 * spread over the ranks (distcount.h) and the merge phase on rank 0 with any
 * backend, or with backend mpi spread over the ranks too. Rank 0 writes
 * every output and speaks for the job; another rank speaks only of a
 * failure of its own. */
#define _GNU_SOURCE
#include "cleanup.h"
#include "dist.h"
#include "distcount.h"
#include "io.h"
#include "mpimax.h"
#include "options.h"
#include "outputs.h"
#include "registry.h"
#include "request.h"
#include "train.h"
#include "util.h"

#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int fail(const char *msg)
{
    fprintf(stderr, "bpetrain-mpi: %s\n", msg);
    return 2;
}

/* The line rank 0 prints when mpirun stops it (cleanup.h), and the
 * signal by which a failing rank on its node says it has explained. */
static const char stopped_notice[] =
    "bpetrain-mpi: the job was stopped (a rank died, or mpirun was interrupted); no output "
    "written\n";
#define SIG_EXPLAINED SIGUSR1

static void on_explained(int sig)
{
    (void)sig;
    cleanup_set_notice(NULL);
}

/* A failure the other ranks cannot know of: one line, then the whole job
 * ends. Rank 0 (told first, when it is on this node: a signal sent before
 * mpirun's SIGTERM, and of a lower number, is handled first) then adds no
 * line of its own. */
_Noreturn static void fatal(const struct dist *d, const char *msg)
{
    if (d->rank == 0)
        cleanup_set_notice(NULL);
    else if (d->root_local)
        kill((pid_t)d->root_pid, SIG_EXPLAINED);
    fprintf(stderr, "bpetrain-mpi: rank %d: %s\n", d->rank, msg);
    dist_abort(2);
}

/* What one rank runs with, from the command line. */
struct job {
    struct options o;
    const struct merge_backend *be;
    struct buf opts;           /* the backend's options, canonical */
    struct specials sp;
    int have_sp;
};

/* Options, backend, specials and vocabulary size, checked as bpetrain
 * checks them (the same one-line errors). 0 to run, 1 done, 2 failed. */
static int parse(int argc, char **argv, struct job *j)
{
    char err[512];
    int rc = options_parse(argc, argv, &j->o);
    if (rc == 0) {
        j->be = registry_resolve(j->o.backend, (const char *)j->o.backend_opts.data, &j->opts,
                                 err, sizeof err);
        rc = j->be ? 0 : fail(err);
    }
    if (rc == 0 && specials_init(&j->sp, j->o.specials, j->o.n_specials, err, sizeof err) < 0)
        rc = fail(err);
    j->have_sp = rc == 0;
    if (rc == 0 && !j->o.count_only &&
        train_check_vocab_size("--vocab-size", j->o.vocab_size, j->sp.n, err, sizeof err) < 0)
        rc = fail(err);
    return rc;
}

/* Every rank parses the same command line to the same result; only rank 0
 * prints what parsing has to say (help, listings, errors). */
static int parse_quietly(const struct dist *d, int argc, char **argv, struct job *j)
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
    int rc = parse(argc, argv, j);
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
            fprintf(stderr, "bpetrain-mpi: backend mpi: --workers %u, but the job has %d "
                            "ranks: W is the rank count\n", o->workers, d->size);
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

/* The counting over the ranks, as train.c's counter (rank 0), and what
 * the record says of it. */
struct ranks_counter {
    const struct dist *d;
    struct buf rank_times;     /* the CSV's rank_count_s */
    struct buf rank_bytes;     /* the CSV's rank_count_bytes */
};

static int count_ranks(const struct dist *d, const struct train_request *rq,
                       struct word_counts *wc, struct dist_count_stats *st, char *err,
                       size_t errlen)
{
    struct count_config cfg = {.workers = rq->count_workers, .pretok = rq->pretok,
                               .pretok_only = rq->pretok_only};
    int rc = dist_count_words(d, rq->input, rq->specials, &cfg, wc, st, err, errlen);
    if (rc < 0 && st->fatal)
        fatal(d, err);
    return rc;
}

static int count_over_ranks(void *ctx, const struct train_request *rq, struct word_counts *wc,
                            struct run_record *rec, char *err, size_t errlen)
{
    struct ranks_counter *c = ctx;
    struct dist_count_stats st;
    int rc = count_ranks(c->d, rq, wc, &st, err, errlen);
    if (rc == 0) {
        rec->input_bytes = st.input_bytes;
        rec->count = st.local;
        rec->count.combine_s += st.reduce_s;
        rec->count_bytes = st.bytes_total;
        rec->ranks = (unsigned)c->d->size;
        for (int i = 0; i < c->d->size; i++) {
            buf_printf(&c->rank_times, "%s%.6f", i ? ";" : "", st.rank_s[i]);
            buf_printf(&c->rank_bytes, "%s%" PRIu64, i ? ";" : "", st.rank_bytes[i]);
        }
        rec->rank_count_s = buf_cstr(&c->rank_times);
        rec->rank_count_bytes = buf_cstr(&c->rank_bytes);
    }
    free(st.rank_s);
    free(st.rank_bytes);
    return rc;
}

static void print_summary(const struct options *o, const struct run_record *rec)
{
    fprintf(stderr, "bpetrain-mpi: %s, %u rank%s, %" PRIu64 " bytes, %" PRIu64 " words, %"
                    PRIu64 " merges | total %.3f s\n",
            rec->backend, rec->ranks, rec->ranks == 1 ? "" : "s", rec->input_bytes, rec->words, rec->merge.merges,
            rec->total_s);
    fprintf(stderr, "  count %.3f s (per rank %s s, %s bytes of input; %" PRIu64 " bytes of "
                    "counts exchanged) | counts_hash %016" PRIx64 "\n",
            rec->count_s, rec->rank_count_s ? rec->rank_count_s : "-",
            rec->rank_count_bytes ? rec->rank_count_bytes : "-", rec->count_bytes,
            rec->counts_hash);
    if (!o->count_only)
        fprintf(stderr, "  merge %.3f s (copy %.3f, max %.3f, compute %.3f, update %.3f) | "
                        "merges_hash %016" PRIx64 "\n",
                rec->merge.merge_s, rec->merge.copy_s, rec->merge.max_s, rec->merge.compute_s,
                rec->merge.update_s, rec->merges_hash);
}

/* Rank 0 after a training that returned rc: outputs, row, summary. */
static int report(const struct options *o, struct train_result *tr, int rc)
{
    char err[512];
    if (rc == 0 && outputs_of_run(o, tr, err, sizeof err) < 0)
        rc = fail(err);
    if (rc == 0 && !o->quiet)
        print_summary(o, &tr->rec);
    return rc;
}

/* Rank 0 trains (train_count, then train_merge); the others count their
 * range and, for backend mpi, serve the merges. Between the phases rank 0
 * tells every rank whether counting worked. */
static int run(const struct dist *d, struct job *j)
{
    char err[512];
    struct train_request rq = request_of_options(&j->o, j->be, buf_cstr(&j->opts), &j->sp);
    struct ranks_counter ctx = {.d = d};
    struct train_counter counter = {count_over_ranks, &ctx};
    rq.counter = &counter;
    struct word_counts wc = {0};
    struct train_result tr;
    memset(&tr, 0, sizeof tr);
    int rc = 0;
    if (d->rank == 0)
        rc = train_count(&rq, &tr, &wc, err, sizeof err) < 0 ? fail(err) : 0;
    else if (!rq.load_counts) {
        struct dist_count_stats st;
        rc = count_ranks(d, &rq, &wc, &st, err, sizeof err) < 0 ? 2 : 0;
        free(st.rank_s);
        free(st.rank_bytes);
    }
    if (dist_share_int(&rc, err, sizeof err) < 0)
        fatal(d, err);
    int serve = !j->o.count_only && j->be == &backend_mpi;
    if (d->rank) {
        word_counts_free(&wc);
        if (rc == 0 && serve && mpi_backend_serve(err, sizeof err) < 0)
            fatal(d, err);
    } else {
        if (rc == 0)
            rc = train_merge(&rq, &tr, &wc, err, sizeof err) < 0 ? fail(err) : 0;
        word_counts_free(&wc);
        /* The other ranks may be waiting in a collective of a failed select. */
        if (rc && serve)
            dist_abort(rc);
        rc = report(&j->o, &tr, rc);
        train_result_free(&tr);
    }
    buf_free(&ctx.rank_times);
    buf_free(&ctx.rank_bytes);
    return rc;
}

int main(int argc, char **argv)
{
    registry_extend(&backend_mpi);
    struct dist d;
    char err[512];
    if (dist_init(&argc, &argv, &d, err, sizeof err) < 0)
        return fail(err);
    /* After MPI_Init, which may install handlers of its own: as bpetrain,
     * a dead worker shows as EPIPE, a fatal signal cleans up. mpirun stops
     * every rank with SIGTERM when one dies or it is interrupted; rank 0
     * says so, once for the job. */
    signal(SIGPIPE, SIG_IGN);
    cleanup_install();
    io_set_tempfile_hook(cleanup_set_tempfile);
    if (d.rank == 0) {
        cleanup_set_notice(stopped_notice);
        signal(SIG_EXPLAINED, on_explained);
    }
    struct job j;
    memset(&j, 0, sizeof j);
    int rc = parse_quietly(&d, argc, argv, &j);
    if (rc == 0)
        rc = check_ranks(&d, &j.o, j.be);
    if (rc == 0)
        rc = run(&d, &j);
    /* The job is over: whatever stops this rank now stops no training. */
    cleanup_set_notice(NULL);
    if (j.have_sp)
        specials_free(&j.sp);
    buf_free(&j.opts);
    options_free(&j.o);
    dist_finalize();
    /* Every rank reached the same verdict (a failure only one rank sees
     * ends the job in fatal); rank 0 alone reports it, so that mpirun has
     * no other rank's non-zero exit to stop rank 0 for. */
    if (d.rank)
        return 0;
    return rc == 1 ? 0 : rc;
}

/* pool.c: backend `pool`, the article's bpe_v4_time (multiprocessing.Pool):
 * W worker processes started once, before the merge loop. Each merge the
 * parent copies the live pairs, serialises each chunk (the pairs and the
 * bytes of every token they name) into that worker's pipe; the worker
 * deserialises into fresh memory, scans and replies. After start-up nothing
 * reaches a worker through inherited memory: that is the comparison. */
#include "backend.h"
#include "pinning.h"
#include "procs.h"
#include "scanproto.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

struct pool_state {
    unsigned w;
    struct pin_plan plan;
    struct proc *procs;
    struct scan_set copy;
    struct scan_mode mode;
    int shuffle;
    uint64_t rng;
    struct request_writer request;
    uint64_t merge;
    int64_t minflt, majflt;
};

struct pool_child {
    struct pin_plan *plan;
    unsigned i;
};

static int pool_child_main(void *arg, int in_fd, int out_fd)
{
    struct pool_child *c = arg;
    pin_self_process(c->plan, c->i);
    return scan_worker_serve(in_fd, out_fd, c->i);
}

static void pool_destroy(void *state)
{
    struct pool_state *s = state;
    char why[128];
    for (unsigned i = 0; i < s->w; i++)
        if (s->procs[i].pid > 0 && !s->procs[i].reaped)
            proc_close_request(&s->procs[i]);
    /* End of input tells each worker to exit; wait for that, then make
     * sure (a worker that failed to exit is killed). */
    for (unsigned i = 0; i < s->w; i++) {
        if (s->procs[i].pid > 0 && !s->procs[i].reaped)
            proc_wait(&s->procs[i], why, sizeof why);
        proc_kill(&s->procs[i]);
    }
    pin_plan_free(&s->plan);
    request_writer_free(&s->request);
    scan_set_free(&s->copy);
    free(s->procs);
    free(s);
}

static int pool_init(void **state, const struct backend_config *cfg,
                     const struct pair_table *pt, char *err, size_t errlen)
{
    (void)pt;
    if (procs_fork_is_unsafe())
        return errf(err, errlen, "backend pool: cannot fork after OpenMP ran in this process");
    struct pool_state *s = xcalloc(1, sizeof *s);
    s->w = cfg->workers;
    s->procs = xcalloc(s->w, sizeof *s->procs);
    s->mode.layout = cfg->layout;
    s->mode.touch = cfg->touch;
    s->shuffle = cfg->shuffle_chunks;
    s->rng = 0x2545F4914F6CDD1DULL;
    *state = s;
    if (pin_plan_init(&s->plan, cfg->pin, s->w, err, errlen) < 0) {
        pool_destroy(s);
        return -1;
    }
    char why[256];
    for (unsigned i = 0; i < s->w; i++) {
        struct pool_child c = {&s->plan, i};
        if (proc_fork(&s->procs[i], pool_child_main, &c, 1, why, sizeof why) < 0) {
            pool_destroy(s);
            return errf(err, errlen, "backend pool: worker %u: %s", i, why);
        }
    }
    return 0;
}

static int pool_copy(void *state, const struct pair_table *pt, char *err, size_t errlen)
{
    (void)err, (void)errlen;
    struct pool_state *s = state;
    scan_set_fill(&s->copy, s->mode.layout, pt->live, pt->n_live);
    return 0;
}

static int pool_select(void *state, const struct pair_table *pt, struct select_result *out,
                       char *err, size_t errlen)
{
    struct pool_state *s = state;
    const struct vocab *v = pt->vocab;
    char why[256];
    /* Chunk c goes to worker order[c]: the identity, or with --shuffle-chunks
     * a fresh permutation every merge, as a Pool hands tasks to whichever
     * worker is free (the article's proposed test of its cache guess). */
    unsigned *order = xmalloc(s->w * sizeof *order);
    for (unsigned c = 0; c < s->w; c++)
        order[c] = c;
    for (unsigned c = s->w; s->shuffle && c > 1; c--) {
        s->rng ^= s->rng << 13, s->rng ^= s->rng >> 7, s->rng ^= s->rng << 17;
        unsigned j = (unsigned)(s->rng % c), t = order[c - 1];
        order[c - 1] = order[j];
        order[j] = t;
    }
    for (unsigned c = 0; c < s->w; c++) {
        unsigned i = order[c];
        size_t begin, end;
        chunk_range(s->copy.n, s->w, c, &begin, &end);
        scan_request_build(&s->request, &s->copy, begin, end, v, i, s->merge, s->mode);
        if (proc_write(&s->procs[i], s->request.out.data, s->request.out.len, why,
                       sizeof why) < 0) {
            free(order);
            for (unsigned j = 0; j < s->w; j++)
                proc_kill(&s->procs[j]);
            return errf(err, errlen, "backend pool: worker %u failed: %s", i, why);
        }
    }
    s->merge++;
    /* Replies are read per chunk, so the reduction maps each back to its
     * chunk's pairs whichever worker scanned it. */
    struct proc *by_chunk = xmalloc(s->w * sizeof *by_chunk);
    for (unsigned c = 0; c < s->w; c++)
        by_chunk[c] = s->procs[order[c]];
    int rc = scan_collect("pool", by_chunk, s->w, v, pt->live_id, s->copy.n, out, &s->minflt,
                          &s->majflt, err, errlen);
    for (unsigned c = 0; c < s->w; c++)
        s->procs[order[c]] = by_chunk[c];
    free(by_chunk);
    free(order);
    return rc;
}

static void pool_report(void *state, struct backend_report *out)
{
    struct pool_state *s = state;
    pin_plan_describe(&s->plan, out->worker_pus, sizeof out->worker_pus);
    out->worker_minflt = s->minflt;
    out->worker_majflt = s->majflt;
}

const struct merge_backend backend_pool = {
    .name = "pool",
    .honours_layout = 1,
    .description = "W worker processes started once; each merge the chunks are serialised "
                   "through pipes (bpe_v4_time, Pool)",
    .init = pool_init,
    .destroy = pool_destroy,
    .copy = pool_copy,
    .select = pool_select,
    .report = pool_report,
};

/* pool.c: backend `pool`, the article's bpe_v4_time (multiprocessing.Pool):
 * W worker processes started once, before the merge loop. Each merge the
 * parent copies the live pairs, serialises each chunk (the pairs and the
 * bytes of every token they name) into that worker's pipe; the worker
 * deserialises into fresh memory, scans and replies. After start-up nothing
 * reaches a worker through inherited memory: that is the comparison. */
#include "backend.h"
#include "procworkers.h"
#include "util.h"
#include "wire.h"
#include "worker.h"

#include <stdlib.h>

struct pool_state {
    struct proc_workers pw; /* first: the shared copy and report read it */
    int shuffle;
    uint64_t rng;
    unsigned *order;        /* chunk c goes to worker order[c] */
    struct request_writer request;
};

static const struct backend_option pool_options[] = {
    PROC_WORKERS_OPTIONS,
    {"shuffle", bopts_flag_values, "hand the chunks to the workers in a new random order "
                                   "every merge, as a Pool hands tasks to whichever is free"},
    {NULL, NULL, NULL},
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
    struct proc_workers *pw = &s->pw;
    char why[128];
    /* End of input tells each worker to exit; wait for that, then make
     * sure (a worker that failed to exit is killed). */
    for (unsigned i = 0; pw->procs && i < pw->w; i++)
        if (pw->procs[i].pid > 0 && !pw->procs[i].reaped)
            proc_close_request(&pw->procs[i]);
    for (unsigned i = 0; pw->procs && i < pw->w; i++)
        if (pw->procs[i].pid > 0 && !pw->procs[i].reaped)
            proc_wait(&pw->procs[i], why, sizeof why);
    proc_workers_free(pw);
    request_writer_free(&s->request);
    free(s->order);
    free(s);
}

static int pool_init(void **state, const struct backend_config *cfg,
                     const struct pair_table *pt, char *err, size_t errlen)
{
    (void)pt;
    struct pool_state *s = xcalloc(1, sizeof *s);
    *state = s;
    if (proc_workers_init(&s->pw, cfg, 1, err, errlen) < 0)
        return -1;
    s->shuffle = bopts_is(cfg->options, "shuffle", "1");
    s->rng = 0x2545F4914F6CDD1DULL;
    s->order = xcalloc(s->pw.w, sizeof *s->order);
    char why[256];
    for (unsigned i = 0; i < s->pw.w; i++) {
        struct pool_child c = {&s->pw.plan, i};
        if (proc_fork(&s->pw.procs[i], pool_child_main, &c, 1, why, sizeof why) < 0)
            return errf(err, errlen, "worker %u: %s", i, why);
    }
    return 0;
}

/* The identity, or with the shuffle option a fresh permutation every merge
 * (the article's proposed test of its cache guess). */
static void pool_deal(struct pool_state *s)
{
    unsigned w = s->pw.w;
    for (unsigned c = 0; c < w; c++)
        s->order[c] = c;
    for (unsigned c = w; s->shuffle && c > 1; c--) {
        s->rng ^= s->rng << 13, s->rng ^= s->rng >> 7, s->rng ^= s->rng << 17;
        unsigned j = (unsigned)(s->rng % c), t = s->order[c - 1];
        s->order[c - 1] = s->order[j];
        s->order[j] = t;
    }
}

static int pool_select(void *state, const struct pair_table *pt, struct select_result *out,
                       char *err, size_t errlen)
{
    struct pool_state *s = state;
    struct proc_workers *pw = &s->pw;
    pool_deal(s);
    for (unsigned c = 0; c < pw->w; c++)
        if (proc_workers_send(pw, &s->request, pt->vocab, c, s->order[c], err, errlen) < 0)
            return -1;
    pw->merge++;
    /* Replies are read per chunk, so the reduction maps each back to its
     * chunk's pairs whichever worker scanned it. */
    return proc_workers_collect(pw, s->order, pt->vocab, pt->live_id, pw->copy.n, out, err,
                                errlen);
}

const struct merge_backend backend_pool = {
    .name = "pool",
    .description = "W worker processes started once; each merge the chunks are serialised "
                   "through pipes (Pool)",
    .kind = BACKEND_PROCESSES,
    .article = "bpe_v4_time",
    .bench = 1,
    .options = pool_options,
    .init = pool_init,
    .destroy = pool_destroy,
    .copy = proc_backend_copy,
    .select = pool_select,
    .report = proc_backend_report,
};

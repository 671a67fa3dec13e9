/* fork.c: backend `fork`, the article's bpe_v4_mp: every merge, copy the
 * live pairs into a fresh dense array, fork W children that each scan their
 * chunk of it (read through copy-on-write, never serialised) and send back
 * their local best and scan time through a pipe; the parent reaps every
 * child and reduces. */
#include "backend.h"
#include "pinning.h"
#include "procs.h"
#include "scanproto.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

struct fork_state {
    unsigned w;
    struct pin_plan plan;
    struct live_pair *copy; /* this merge's copy of the live pairs */
    size_t n_copy;
    uint64_t merge;
    int64_t minflt, majflt;
    struct proc *procs;
};

/* What a child needs; it reads all of it from the memory it inherited. */
struct fork_child {
    struct fork_state *s;
    const struct vocab *v;
    unsigned i;
};

static int fork_child_main(void *arg, int in_fd, int out_fd)
{
    (void)in_fd;
    struct fork_child *c = arg;
    struct fork_state *s = c->s;
    pin_self_process(&s->plan, c->i);
    size_t begin, end;
    chunk_range(s->n_copy, s->w, c->i, &begin, &end);
    struct scan_reply r;
    scan_chunk(c->v, s->copy, begin, end, &r);
    scan_fault_point(c->i, s->merge, out_fd);
    return scan_reply_write(out_fd, &r) < 0 ? 5 : 0;
}

static int fork_init(void **state, const struct backend_config *cfg,
                     const struct pair_table *pt, char *err, size_t errlen)
{
    (void)pt;
    if (procs_fork_is_unsafe())
        return errf(err, errlen, "backend fork: cannot fork after OpenMP ran in this process");
    struct fork_state *s = xcalloc(1, sizeof *s);
    s->w = cfg->workers;
    s->procs = xcalloc(s->w, sizeof *s->procs);
    if (pin_plan_init(&s->plan, cfg->pin, s->w, err, errlen) < 0) {
        pin_plan_free(&s->plan);
        free(s->procs);
        free(s);
        return -1;
    }
    *state = s;
    return 0;
}

static void fork_destroy(void *state)
{
    struct fork_state *s = state;
    for (unsigned i = 0; i < s->w; i++)
        proc_kill(&s->procs[i]);
    pin_plan_free(&s->plan);
    free(s->copy);
    free(s->procs);
    free(s);
}

/* The article's list(pair_counts.items()): a new array every merge. */
static int fork_copy(void *state, const struct pair_table *pt, char *err, size_t errlen)
{
    (void)err, (void)errlen;
    struct fork_state *s = state;
    free(s->copy);
    s->n_copy = pt->n_live;
    s->copy = xmalloc((s->n_copy ? s->n_copy : 1) * sizeof *s->copy);
    memcpy(s->copy, pt->live, s->n_copy * sizeof *s->copy);
    return 0;
}

static int fork_select(void *state, const struct pair_table *pt, struct select_result *out,
                       char *err, size_t errlen)
{
    struct fork_state *s = state;
    struct fork_child c = {.s = s, .v = pt->vocab};
    char why[256];
    for (unsigned i = 0; i < s->w; i++) {
        c.i = i;
        if (proc_fork(&s->procs[i], fork_child_main, &c, 0, why, sizeof why) < 0) {
            for (unsigned j = 0; j < i; j++)
                proc_kill(&s->procs[j]);
            return errf(err, errlen, "backend fork: worker %u: %s", i, why);
        }
    }
    int rc = scan_collect("fork", s->procs, s->w, pt->vocab, pt->live_id, s->n_copy, out,
                          &s->minflt, &s->majflt, err, errlen);
    for (unsigned i = 0; i < s->w && rc == 0; i++)
        if (proc_wait(&s->procs[i], why, sizeof why) < 0)
            rc = errf(err, errlen, "backend fork: worker %u failed: %s", i, why);
    for (unsigned i = 0; i < s->w; i++)
        proc_kill(&s->procs[i]);
    s->merge++;
    return rc;
}

static void fork_report(void *state, struct backend_report *out)
{
    struct fork_state *s = state;
    pin_plan_describe(&s->plan, out->worker_pus, sizeof out->worker_pus);
    out->worker_minflt = s->minflt;
    out->worker_majflt = s->majflt;
}

const struct merge_backend backend_fork = {
    .name = "fork",
    .description = "each merge: copy the live pairs, fork W children that scan their chunk "
                   "(bpe_v4_mp)",
    .init = fork_init,
    .destroy = fork_destroy,
    .copy = fork_copy,
    .select = fork_select,
    .report = fork_report,
};

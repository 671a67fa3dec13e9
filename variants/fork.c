/* fork.c: backend `fork`, the article's bpe_v4_mp: every merge, copy the
 * live pairs into fresh memory (the article's list(pair_counts.items())),
 * fork W children that each scan their chunk of it through copy-on-write,
 * never serialised, and reply through a pipe; the parent reaps every child
 * and reduces. */
#include "backend.h"
#include "forkscan.h"
#include "procworkers.h"
#include "util.h"

#include <stdlib.h>

static const struct backend_option fork_options[] = {PROC_WORKERS_OPTIONS, {NULL, NULL, NULL}};

static int fork_init(void **state, const struct backend_config *cfg,
                     const struct pair_table *pt, char *err, size_t errlen)
{
    (void)pt;
    struct proc_workers *pw = xcalloc(1, sizeof *pw);
    *state = pw;
    return proc_workers_init(pw, cfg, 1, err, errlen);
}

static void fork_destroy(void *state)
{
    proc_workers_free(state);
    free(state);
}

static int fork_select(void *state, const struct pair_table *pt, struct select_result *out,
                       char *err, size_t errlen)
{
    struct proc_workers *pw = state;
    return forkscan_select(pw, pt, pt->vocab, &pw->copy, out, err, errlen);
}

const struct merge_backend backend_fork = {
    .name = "fork",
    .description = "each merge: copy the live pairs, fork W children that scan their chunk",
    .kind = BACKEND_PROCESSES,
    .forks_each_merge = 1,
    .article = "bpe_v4_mp_time",
    .bench = 1,
    .options = fork_options,
    .init = fork_init,
    .destroy = fork_destroy,
    .copy = proc_backend_copy,
    .select = fork_select,
    .report = proc_backend_report,
};

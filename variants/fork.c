/* fork.c: backend `fork`, the article's bpe_v4_mp: every merge, copy the
 * live pairs into fresh memory (the article's list(pair_counts.items())),
 * fork W children that each scan their chunk of it through copy-on-write,
 * never serialised, and reply through a pipe; the parent reaps every child
 * and reduces. */
#include "backend.h"
#include "forkscan.h"
#include "util.h"

#include <stdlib.h>

struct fork_state {
    struct forkscan f;
    enum pair_layout layout;
    struct scan_set copy;
};

static void fork_destroy(void *state)
{
    struct fork_state *s = state;
    forkscan_free(&s->f);
    scan_set_free(&s->copy);
    free(s);
}

static int fork_init(void **state, const struct backend_config *cfg,
                     const struct pair_table *pt, char *err, size_t errlen)
{
    (void)pt;
    struct fork_state *s = xcalloc(1, sizeof *s);
    s->layout = cfg->layout;
    if (forkscan_init(&s->f, "fork", cfg, err, errlen) < 0) {
        fork_destroy(s);
        return -1;
    }
    *state = s;
    return 0;
}

static int fork_copy(void *state, const struct pair_table *pt, char *err, size_t errlen)
{
    (void)err, (void)errlen;
    struct fork_state *s = state;
    scan_set_fill(&s->copy, s->layout, pt->live, pt->n_live);
    return 0;
}

static int fork_select(void *state, const struct pair_table *pt, struct select_result *out,
                       char *err, size_t errlen)
{
    struct fork_state *s = state;
    return forkscan_select(&s->f, pt, pt->vocab, &s->copy, out, err, errlen);
}

static void fork_report(void *state, struct backend_report *out)
{
    struct fork_state *s = state;
    forkscan_report(&s->f, out);
}

const struct merge_backend backend_fork = {
    .name = "fork",
    .honours_layout = 1,
    .description = "each merge: copy the live pairs, fork W children that scan their chunk "
                   "(bpe_v4_mp)",
    .init = fork_init,
    .destroy = fork_destroy,
    .copy = fork_copy,
    .select = fork_select,
    .report = fork_report,
};

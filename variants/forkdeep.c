/* forkdeep.c: backend `fork-deepcopy`, the article's bpe_v4_mp_deepcopy:
 * like `fork`, but the copy phase also serialises the copy and
 * deserialises it into fresh memory (the article's pickle.dumps then
 * pickle.loads) before the children are forked. It tests the article's
 * guess that a deep copy's more compact layout makes the children's scan
 * faster. */
#include "backend.h"
#include "forkscan.h"
#include "procworkers.h"
#include "util.h"
#include "wire.h"

#include <stdlib.h>

struct deep_state {
    struct proc_workers pw; /* first: the shared report callback reads it */
    struct scan_set deep;
    struct vocab deep_vocab; /* the tokens the deserialised copy names */
    struct request_writer bytes;
};

static const struct backend_option deep_options[] = {PROC_WORKERS_OPTIONS, {NULL, NULL, NULL}};

static int deep_init(void **state, const struct backend_config *cfg,
                     const struct pair_table *pt, char *err, size_t errlen)
{
    (void)pt;
    struct deep_state *s = xcalloc(1, sizeof *s);
    *state = s;
    return proc_workers_init(&s->pw, cfg, 1, err, errlen);
}

static void deep_destroy(void *state)
{
    struct deep_state *s = state;
    proc_workers_free(&s->pw);
    scan_set_free(&s->deep);
    vocab_free(&s->deep_vocab);
    request_writer_free(&s->bytes);
    free(s);
}

static int deep_copy(void *state, const struct pair_table *pt, char *err, size_t errlen)
{
    struct deep_state *s = state;
    proc_backend_copy(&s->pw, pt, err, errlen);
    scan_request_build(&s->bytes, &s->pw.copy, 0, s->pw.copy.n, pt->vocab, 0, 0, s->pw.mode);
    struct scan_mode mode;
    uint64_t merge;
    if (scan_request_parse(s->bytes.out.data, s->bytes.out.len, &s->deep, &s->deep_vocab, &mode,
                           &merge) < 0)
        return errf(err, errlen, "its own serialised copy is malformed");
    return 0;
}

static int deep_select(void *state, const struct pair_table *pt, struct select_result *out,
                       char *err, size_t errlen)
{
    struct deep_state *s = state;
    return forkscan_select(&s->pw, pt, &s->deep_vocab, &s->deep, out, err, errlen);
}

const struct merge_backend backend_fork_deepcopy = {
    .name = "fork-deepcopy",
    .description = "like fork, but the copy is serialised and deserialised into fresh memory "
                   "first",
    .kind = BACKEND_PROCESSES,
    .forks_each_merge = 1,
    .article = "bpe_v4_mp_deepcopy_time",
    .bench = 0,
    .options = deep_options,
    .init = deep_init,
    .destroy = deep_destroy,
    .copy = deep_copy,
    .select = deep_select,
    .report = proc_backend_report,
};

/* forkdeep.c: backend `fork-deepcopy`, the article's bpe_v4_mp_deepcopy:
 * like `fork`, but the copy phase also serialises the copy and
 * deserialises it into fresh memory (the article's pickle.dumps then
 * pickle.loads) before the children are forked. It tests the article's
 * guess that a deep copy's more compact layout makes the children's scan
 * faster. */
#include "backend.h"
#include "forkscan.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

struct deep_state {
    struct forkscan f;
    struct scan_mode mode;
    struct scan_set copy, deep;
    struct vocab deep_vocab;   /* the tokens the deserialised copy names */
    struct request_writer bytes;
};

static void deep_destroy(void *state)
{
    struct deep_state *s = state;
    forkscan_free(&s->f);
    scan_set_free(&s->copy);
    scan_set_free(&s->deep);
    free(s->deep_vocab.off);
    free(s->deep_vocab.len);
    free(s->deep_vocab.bytes);
    request_writer_free(&s->bytes);
    free(s);
}

static int deep_init(void **state, const struct backend_config *cfg,
                     const struct pair_table *pt, char *err, size_t errlen)
{
    (void)pt;
    struct deep_state *s = xcalloc(1, sizeof *s);
    s->mode.layout = cfg->layout;
    s->mode.touch = cfg->touch;
    if (forkscan_init(&s->f, "fork-deepcopy", cfg, err, errlen) < 0) {
        deep_destroy(s);
        return -1;
    }
    *state = s;
    return 0;
}

static int deep_copy(void *state, const struct pair_table *pt, char *err, size_t errlen)
{
    struct deep_state *s = state;
    const struct vocab *v = pt->vocab;
    scan_set_fill(&s->copy, s->mode.layout, pt->live, pt->n_live);
    scan_request_build(&s->bytes, &s->copy, 0, s->copy.n, v, 0, 0, s->mode);
    struct scan_mode mode;
    uint64_t merge;
    if (scan_request_parse(s->bytes.out.data, s->bytes.out.len, &s->deep, &s->deep_vocab, &mode,
                           &merge) < 0)
        return errf(err, errlen, "backend fork-deepcopy: its own serialised copy is malformed");
    return 0;
}

static int deep_select(void *state, const struct pair_table *pt, struct select_result *out,
                       char *err, size_t errlen)
{
    struct deep_state *s = state;
    return forkscan_select(&s->f, pt, &s->deep_vocab, &s->deep, out, err, errlen);
}

static void deep_report(void *state, struct backend_report *out)
{
    struct deep_state *s = state;
    forkscan_report(&s->f, out);
}

const struct merge_backend backend_fork_deepcopy = {
    .name = "fork-deepcopy",
    .honours_layout = 1,
    .description = "like fork, but the copy is serialised and deserialised into fresh memory "
                   "first (bpe_v4_mp_deepcopy)",
    .init = deep_init,
    .destroy = deep_destroy,
    .copy = deep_copy,
    .select = deep_select,
    .report = deep_report,
};

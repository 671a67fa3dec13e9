/* pthread.c: backend `pthread`: W threads started once. Each merge the main
 * thread publishes a round; each thread scans its slice of the live pair
 * table in place (no copy: copy_s is 0) and writes its local best into its
 * own cache-line-padded slot; the main thread waits on a condition
 * variable and reduces. */
#include "backend.h"
#include "pinning.h"
#include "rounds.h"
#include "scan.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

/* One slot per thread, on its own cache lines, so threads writing their
 * results never contend for a line. */
struct slot {
    struct scan_reply r;
} __attribute__((aligned(64)));

struct pthread_state {
    unsigned w;
    struct rounds rounds;
    struct slot *slots;
    const struct pair_table *pt; /* published with each round */
    int64_t minflt, majflt;
};

/* Thread i's part of a round: its slice of the live pairs. */
static void scan_slice(void *arg, unsigned i)
{
    struct pthread_state *s = arg;
    size_t begin, end;
    chunk_range(s->pt->n_live, s->w, i, &begin, &end);
    scan_chunk(s->pt->vocab, s->pt->live, begin, end, &s->slots[i].r);
}

static void pthread_destroy(void *state)
{
    struct pthread_state *s = state;
    rounds_stop(&s->rounds);
    free(s->slots);
    free(s);
}

static int pthread_init(void **state, const struct backend_config *cfg,
                        const struct pair_table *pt, char *err, size_t errlen)
{
    (void)pt;
    struct pthread_state *s = xcalloc(1, sizeof *s);
    s->w = cfg->workers;
    s->slots = xcalloc_lines(s->w, sizeof *s->slots);
    *state = s;
    return rounds_start(&s->rounds, s->w, cfg->pin, scan_slice, s, err, errlen);
}

static int pthread_select(void *state, const struct pair_table *pt, struct select_result *out,
                          char *err, size_t errlen)
{
    (void)err, (void)errlen;
    struct pthread_state *s = state;
    s->pt = pt;
    rounds_run(&s->rounds);

    struct scan_reply rep[64], *r = s->w <= 64 ? rep : xmalloc(s->w * sizeof *r);
    for (unsigned i = 0; i < s->w; i++)
        r[i] = s->slots[i].r;
    (void)scan_replies_reduce(pt->vocab, r, s->w, pt->live_id, pt->n_live, out, &s->minflt,
                              &s->majflt);
    if (r != rep)
        free(r);
    return 0;
}

static void pthread_report(void *state, struct backend_report *out)
{
    struct pthread_state *s = state;
    pin_plan_describe(&s->rounds.plan, &out->worker_pus);
    out->worker_minflt = s->minflt;
    out->worker_majflt = s->majflt;
}

const struct merge_backend backend_pthread = {
    .name = "pthread",
    .description = "W threads started once scan their slice of the live pairs in place; "
                   "condition-variable rounds",
    .kind = BACKEND_THREADS,
    .article = "",
    .bench = 1,
    .init = pthread_init,
    .destroy = pthread_destroy,
    .select = pthread_select,
    .report = pthread_report,
};

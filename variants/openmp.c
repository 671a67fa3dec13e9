/* openmp.c: backend `openmp`: `#pragma omp parallel for` over the live pair
 * table with a user-declared reduction, W threads, schedule taken from
 * OMP_SCHEDULE (static when unset). No copy. The schedule, not chunk_range,
 * splits the pairs; the reduction applies the same tie-break as scan.h's. */
#define _GNU_SOURCE
#include "backend.h"
#include "pinning.h"
#include "procs.h"
#include "util.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>

/* A candidate carries the token table its tie-break needs: a declared
 * reduction's combiner takes no other argument, and a global would race
 * between two trainings in one process. */
struct best {
    int64_t count; /* -1: nothing seen yet */
    uint32_t a, b;
    size_t index;
    const struct vocab *v;
};

static struct best better(struct best x, struct best y)
{
    if (y.count < 0)
        return x;
    if (x.count < 0)
        return y;
    return pair_rank_cmp(x.v, x.count, x.a, x.b, y.count, y.a, y.b) >= 0 ? x : y;
}

#pragma omp declare reduction(best_pair : struct best : omp_out = better(omp_out, omp_in)) \
    initializer(omp_priv = (struct best){-1, 0, 0, 0, NULL})

struct omp_state {
    int w;
    struct pin_plan plan;
    double *thread_s;   /* scan time of each thread, this merge */
    int64_t *thread_minflt, *thread_majflt;
    int64_t minflt, majflt;
};

static int openmp_init(void **state, const struct backend_config *cfg,
                       const struct pair_table *pt, char *err, size_t errlen)
{
    (void)pt;
    struct omp_state *s = xcalloc(1, sizeof *s);
    *state = s;
    s->w = (int)cfg->workers;
    s->thread_s = xcalloc(cfg->workers, sizeof *s->thread_s);
    s->thread_minflt = xcalloc(cfg->workers, sizeof *s->thread_minflt);
    s->thread_majflt = xcalloc(cfg->workers, sizeof *s->thread_majflt);
    if (pin_plan_init(&s->plan, cfg->pin, cfg->workers, err, errlen) < 0)
        return -1;
    if (!getenv("OMP_SCHEDULE"))
        omp_set_schedule(omp_sched_static, 0);
    /* From here on this process must not fork (see procs.h). */
    procs_note_openmp_used();
    /* libgomp keeps the team's threads between regions of the same size,
     * so binding each once, from inside itself, lasts the whole run. */
#pragma omp parallel num_threads(s->w)
    pin_self_thread(&s->plan, (unsigned)omp_get_thread_num());
    return 0;
}

static void openmp_destroy(void *state)
{
    struct omp_state *s = state;
    pin_plan_free(&s->plan);
    free(s->thread_s);
    free(s->thread_minflt);
    free(s->thread_majflt);
    free(s);
}

static int openmp_select(void *state, const struct pair_table *pt, struct select_result *out,
                         char *err, size_t errlen)
{
    (void)err, (void)errlen;
    struct omp_state *s = state;
    const struct live_pair *live = pt->live;
    size_t n = pt->n_live;
    struct best result = {-1, 0, 0, 0, NULL};
    memset(s->thread_s, 0, (size_t)s->w * sizeof *s->thread_s);
#pragma omp parallel num_threads(s->w)
    {
        struct thread_clock clock;
        thread_clock_start(&clock);
#pragma omp for schedule(runtime) reduction(best_pair : result) nowait
        for (size_t i = 0; i < n; i++) {
            if (live[i].count < result.count)
                continue;
            struct best cand = {live[i].count, live[i].a, live[i].b, i, pt->vocab};
            result = better(result, cand);
        }
        int t = omp_get_thread_num();
        s->thread_s[t] = thread_clock_stop(&clock, &s->thread_minflt[t], &s->thread_majflt[t]);
    }
    out->compute_s = 0;
    for (int t = 0; t < s->w; t++) {
        if (s->thread_s[t] > out->compute_s)
            out->compute_s = s->thread_s[t];
        s->minflt += s->thread_minflt[t];
        s->majflt += s->thread_majflt[t];
    }
    out->pair_id = result.count < 0 ? PAIR_NONE : pt->live_id[result.index];
    return 0;
}

static void openmp_report(void *state, struct backend_report *out)
{
    struct omp_state *s = state;
    pin_plan_describe(&s->plan, &out->worker_pus);
    out->worker_minflt = s->minflt;
    out->worker_majflt = s->majflt;
}

const struct merge_backend backend_openmp = {
    .name = "openmp",
    .description = "#pragma omp parallel for with a declared max reduction, W threads, "
                   "OMP_SCHEDULE (default static)",
    .kind = BACKEND_THREADS,
    .article = "",
    .bench = 1,
    .init = openmp_init,
    .destroy = openmp_destroy,
    .select = openmp_select,
    .report = openmp_report,
};

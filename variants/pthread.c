/* pthread.c: backend `pthread`: W threads started once. Each merge the main
 * thread publishes a round; each thread scans its slice of the live pair
 * table in place (no copy: copy_s is 0) and writes its local best into its
 * own cache-line-padded slot; the main thread waits on a condition
 * variable and reduces. */
#include "backend.h"
#include "pinning.h"
#include "scan.h"
#include "sys.h"
#include "util.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* One slot per thread, on its own cache lines, so threads writing their
 * results never contend for a line. */
struct slot {
    struct scan_reply r;
} __attribute__((aligned(64)));

struct pthread_state;

struct worker {
    pthread_t thread;
    struct pthread_state *s;
    unsigned i;
    int started;
};

struct pthread_state {
    unsigned w;
    struct pin_plan plan;
    struct worker *workers;
    struct slot *slots;
    pthread_mutex_t mu;
    pthread_cond_t go, done;
    uint64_t round;        /* incremented to start a scan */
    unsigned n_done;
    int quit;
    const struct pair_table *pt; /* published with each round */
    int64_t minflt, majflt;
};

static void *worker_main(void *arg)
{
    struct worker *wk = arg;
    struct pthread_state *s = wk->s;
    pin_self_thread(&s->plan, wk->i);
    uint64_t seen = 0;
    pthread_mutex_lock(&s->mu);
    for (;;) {
        while (!s->quit && s->round == seen)
            pthread_cond_wait(&s->go, &s->mu);
        if (s->quit)
            break;
        seen = s->round;
        const struct pair_table *pt = s->pt;
        pthread_mutex_unlock(&s->mu);

        size_t begin, end;
        chunk_range(pt->n_live, s->w, wk->i, &begin, &end);
        scan_chunk(pt->vocab, pt->live, begin, end, &s->slots[wk->i].r);

        pthread_mutex_lock(&s->mu);
        if (++s->n_done == s->w)
            pthread_cond_signal(&s->done);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

static void pthread_destroy(void *state)
{
    struct pthread_state *s = state;
    pthread_mutex_lock(&s->mu);
    s->quit = 1;
    pthread_cond_broadcast(&s->go);
    pthread_mutex_unlock(&s->mu);
    for (unsigned i = 0; i < s->w; i++)
        if (s->workers[i].started)
            pthread_join(s->workers[i].thread, NULL);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->go);
    pthread_cond_destroy(&s->done);
    pin_plan_free(&s->plan);
    free(s->workers);
    free(s->slots);
    free(s);
}

static int pthread_init(void **state, const struct backend_config *cfg,
                        const struct pair_table *pt, char *err, size_t errlen)
{
    (void)pt;
    struct pthread_state *s = xcalloc(1, sizeof *s);
    s->w = cfg->workers;
    s->workers = xcalloc(s->w, sizeof *s->workers);
    if (posix_memalign((void **)&s->slots, 64, s->w * sizeof *s->slots))
        s->slots = NULL;
    if (!s->slots)
        s->slots = xmalloc(s->w * sizeof *s->slots);
    memset(s->slots, 0, s->w * sizeof *s->slots);
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->go, NULL);
    pthread_cond_init(&s->done, NULL);
    *state = s;
    if (pin_plan_init(&s->plan, cfg->pin, s->w, err, errlen) < 0)
        return -1;
    for (unsigned i = 0; i < s->w; i++) {
        s->workers[i].s = s;
        s->workers[i].i = i;
        int e = sys_pthread_create(&s->workers[i].thread, NULL, worker_main,
                                   &s->workers[i]);
        if (e)
            return errf(err, errlen, "cannot start thread %u: %s", i, strerror(e));
        s->workers[i].started = 1;
    }
    return 0;
}

static int pthread_select(void *state, const struct pair_table *pt, struct select_result *out,
                          char *err, size_t errlen)
{
    (void)err, (void)errlen;
    struct pthread_state *s = state;
    pthread_mutex_lock(&s->mu);
    s->pt = pt;
    s->n_done = 0;
    s->round++;
    pthread_cond_broadcast(&s->go);
    while (s->n_done < s->w)
        pthread_cond_wait(&s->done, &s->mu);
    pthread_mutex_unlock(&s->mu);

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
    pin_plan_describe(&s->plan, &out->worker_pus);
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

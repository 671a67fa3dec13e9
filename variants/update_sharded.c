/* update_sharded.c: update strategy `sharded`: U threads started once, each
 * owning one shard of the distinct words (the YouTokenToMe design). Each
 * merge the main thread publishes a round; each thread merges the pair in
 * its own words and leaves its deltas in its shard; the main thread waits
 * and adds them up (merge.c), so the backend hears one net change per pair.
 *
 * These threads are the update's own, not the pthread backend's: select and
 * update alternate within a merge, but the update must work with every
 * backend (processes, OpenMP, heaps), so it cannot borrow one backend's
 * workers. Between rounds the threads sleep on a condition variable and
 * cost nothing. A backend that forks does so during select, while every
 * update thread is parked: the child inherits only the calling thread and
 * only scans, never touching the shards or these locks. */
#include "pinning.h"
#include "sys.h"
#include "update.h"
#include "util.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct sharded;

/* One per thread, on its own cache lines: the thread writes its time here. */
struct shard_thread {
    pthread_t thread;
    struct sharded *s;
    unsigned i;
    int started;
    double compute_s;
} __attribute__((aligned(64)));

struct sharded {
    unsigned n;
    struct shard *shards;
    struct shard_thread *th;
    struct pin_plan plan;
    pthread_mutex_t mu;
    pthread_cond_t go, done;
    uint64_t round;             /* incremented to start a round */
    unsigned n_done;
    int quit;
    struct shard_merge m;       /* published with each round */
};

static void *thread_main(void *arg)
{
    struct shard_thread *th = arg;
    struct sharded *s = th->s;
    pin_self_thread(&s->plan, th->i);
    uint64_t seen = 0;
    pthread_mutex_lock(&s->mu);
    for (;;) {
        while (!s->quit && s->round == seen)
            pthread_cond_wait(&s->go, &s->mu);
        if (s->quit)
            break;
        seen = s->round;
        struct shard_merge m = s->m;
        pthread_mutex_unlock(&s->mu);

        double t = shard_apply_timed(&s->shards[th->i], &m);

        pthread_mutex_lock(&s->mu);
        th->compute_s = t;
        if (++s->n_done == s->n)
            pthread_cond_signal(&s->done);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

static void sharded_destroy(void *state)
{
    struct sharded *s = state;
    pthread_mutex_lock(&s->mu);
    s->quit = 1;
    pthread_cond_broadcast(&s->go);
    pthread_mutex_unlock(&s->mu);
    for (unsigned i = 0; i < s->n; i++)
        if (s->th[i].started)
            pthread_join(s->th[i].thread, NULL);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->go);
    pthread_cond_destroy(&s->done);
    pin_plan_free(&s->plan);
    free(s->th);
    free(s);
}

static int sharded_init(void **state, const struct update_config *cfg, struct shard *shards,
                        char *err, size_t errlen)
{
    struct sharded *s = xcalloc(1, sizeof *s);
    s->n = cfg->workers;
    s->shards = shards;
    if (posix_memalign((void **)&s->th, 64, s->n * sizeof *s->th))
        s->th = NULL;
    if (!s->th)
        s->th = xmalloc(s->n * sizeof *s->th);
    memset(s->th, 0, s->n * sizeof *s->th);
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->go, NULL);
    pthread_cond_init(&s->done, NULL);
    *state = s;
    if (pin_plan_init(&s->plan, cfg->pin, s->n, err, errlen) < 0)
        return -1;
    for (unsigned i = 0; i < s->n; i++) {
        s->th[i].s = s;
        s->th[i].i = i;
        int e = sys_pthread_create(&s->th[i].thread, NULL, thread_main, &s->th[i]);
        if (e)
            return errf(err, errlen, "cannot start thread %u: %s", i, strerror(e));
        s->th[i].started = 1;
    }
    return 0;
}

static int sharded_run(void *state, const struct shard_merge *m, double *compute_s, char *err,
                       size_t errlen)
{
    (void)err, (void)errlen;
    struct sharded *s = state;
    pthread_mutex_lock(&s->mu);
    s->m = *m;
    s->n_done = 0;
    s->round++;
    pthread_cond_broadcast(&s->go);
    while (s->n_done < s->n)
        pthread_cond_wait(&s->done, &s->mu);
    *compute_s = 0;
    for (unsigned i = 0; i < s->n; i++)
        if (s->th[i].compute_s > *compute_s)
            *compute_s = s->th[i].compute_s;
    pthread_mutex_unlock(&s->mu);
    return 0;
}

static void sharded_report(void *state, struct buf *pus)
{
    struct sharded *s = state;
    pin_plan_describe(&s->plan, pus);
}

const struct update_strategy update_sharded = {
    .name = "sharded",
    .description = "U threads started once, each owning a shard of the words; "
                   "condition-variable rounds, deltas added up by the main thread",
    .init = sharded_init,
    .destroy = sharded_destroy,
    .run = sharded_run,
    .report = sharded_report,
};

/* rounds.c: threads that run one function per round (see rounds.h). */
#include "rounds.h"

#include "sys.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

struct round_thread {
    pthread_t thread;
    struct rounds *r;
    unsigned i;
    int started;
};

static void *thread_main(void *arg)
{
    struct round_thread *th = arg;
    struct rounds *r = th->r;
    pin_self_thread(&r->plan, th->i);
    uint64_t seen = 0;
    pthread_mutex_lock(&r->mu);
    for (;;) {
        while (!r->quit && r->round == seen)
            pthread_cond_wait(&r->go, &r->mu);
        if (r->quit)
            break;
        seen = r->round;
        pthread_mutex_unlock(&r->mu);

        r->fn(r->arg, th->i);

        pthread_mutex_lock(&r->mu);
        if (++r->n_done == r->n)
            pthread_cond_signal(&r->done);
    }
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

int rounds_start(struct rounds *r, unsigned n, enum pin_policy pin, round_fn fn, void *arg,
                 char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    r->n = n;
    r->fn = fn;
    r->arg = arg;
    r->th = xcalloc(n, sizeof *r->th);
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->go, NULL);
    pthread_cond_init(&r->done, NULL);
    if (pin_plan_init(&r->plan, pin, n, err, errlen) < 0)
        return -1;
    for (unsigned i = 0; i < n; i++) {
        r->th[i].r = r;
        r->th[i].i = i;
        int e = sys_pthread_create(&r->th[i].thread, NULL, thread_main, &r->th[i]);
        if (e)
            return errf(err, errlen, "cannot start thread %u: %s", i, strerror(e));
        r->th[i].started = 1;
    }
    return 0;
}

void rounds_run(struct rounds *r)
{
    pthread_mutex_lock(&r->mu);
    r->n_done = 0;
    r->round++;
    pthread_cond_broadcast(&r->go);
    while (r->n_done < r->n)
        pthread_cond_wait(&r->done, &r->mu);
    pthread_mutex_unlock(&r->mu);
}

double rounds_cpu_s(const struct rounds *r)
{
    double t = 0;
    for (unsigned i = 0; i < r->n; i++) {
        clockid_t id;
        struct timespec ts;
        if (r->th[i].started && pthread_getcpuclockid(r->th[i].thread, &id) == 0 &&
            clock_gettime(id, &ts) == 0)
            t += (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
    }
    return t;
}

void rounds_stop(struct rounds *r)
{
    if (!r->th)
        return;
    pthread_mutex_lock(&r->mu);
    r->quit = 1;
    pthread_cond_broadcast(&r->go);
    pthread_mutex_unlock(&r->mu);
    for (unsigned i = 0; i < r->n; i++)
        if (r->th[i].started)
            pthread_join(r->th[i].thread, NULL);
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->go);
    pthread_cond_destroy(&r->done);
    pin_plan_free(&r->plan);
    free(r->th);
    r->th = NULL;
}

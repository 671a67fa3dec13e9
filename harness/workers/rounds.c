/* rounds.c: threads that run one function per round (see rounds.h). */
#include "rounds.h"

#include "threadstart.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

struct round_thread {
    pthread_t thread;
    struct thread_start start;
    struct rounds *r;
    unsigned i;
    int started;
};

/* How long a waiting side watches before it sleeps: longer than the main
 * thread's work between the rounds of most merges, short enough that an
 * idle thread soon stops holding its PU. */
#define SPIN_S 5e-3

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* Has a round after `seen` started (or the end come)? */
static int round_started(struct rounds *r, uint64_t seen)
{
    return atomic_load_explicit(&r->round, memory_order_acquire) != seen ||
           atomic_load_explicit(&r->quit, memory_order_relaxed);
}

/* Are all `threads` done with this round? */
static int round_done(struct rounds *r, uint64_t threads)
{
    return atomic_load_explicit(&r->n_done, memory_order_acquire) == threads;
}

/* Watches for ready(r, arg) for up to SPIN_S; 1 if it came in time. */
static int watch(struct rounds *r, int (*ready)(struct rounds *, uint64_t), uint64_t arg)
{
    double until = now_s() + SPIN_S;
    for (unsigned k = 1; !ready(r, arg); k++) {
        cpu_relax();
        if (k % 64 == 0 && now_s() > until)
            return 0;
    }
    return 1;
}

static void *thread_main(void *arg)
{
    struct round_thread *th = arg;
    struct rounds *r = th->r;
    pin_self_thread(&r->plan, th->i);
    uint64_t seen = 0;
    unsigned threads = r->n - r->first;
    for (;;) {
        if (!(r->spin && watch(r, round_started, seen))) {
            pthread_mutex_lock(&r->mu);
            while (!atomic_load(&r->quit) &&
                   atomic_load_explicit(&r->round, memory_order_acquire) == seen)
                pthread_cond_wait(&r->go, &r->mu);
            pthread_mutex_unlock(&r->mu);
        }
        if (atomic_load(&r->quit))
            break;
        seen = atomic_load_explicit(&r->round, memory_order_acquire);

        r->fn(r->arg, th->i);

        /* The last one done wakes the caller, should it be asleep; the
         * mutex makes sure it is either still to look or already waiting. */
        if (atomic_fetch_add_explicit(&r->n_done, 1, memory_order_acq_rel) + 1 == threads) {
            pthread_mutex_lock(&r->mu);
            pthread_cond_signal(&r->done);
            pthread_mutex_unlock(&r->mu);
        }
    }
    return NULL;
}

int rounds_start_mode(struct rounds *r, unsigned n, enum pin_policy pin,
                      struct rounds_mode mode, round_fn fn, void *arg, char *err,
                      size_t errlen)
{
    memset(r, 0, sizeof *r);
    r->n = n;
    r->first = mode.caller_first && n > 0 ? 1 : 0;
    r->spin = mode.spin;
    r->fn = fn;
    r->arg = arg;
    r->th = xcalloc(n, sizeof *r->th);
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->go, NULL);
    pthread_cond_init(&r->done, NULL);
    if (pin_plan_init(&r->plan, pin, n, err, errlen) < 0)
        return -1;
    for (unsigned i = r->first; i < n; i++) {
        r->th[i].r = r;
        r->th[i].i = i;
        /* Begun apart from the caller (threadstart.h); a pinned one then
         * binds itself. */
        int e = thread_start_apart(&r->th[i].thread, &r->th[i].start, i, thread_main, &r->th[i]);
        if (e)
            return errf(err, errlen, "cannot start thread %u: %s", i, strerror(e));
        r->th[i].started = 1;
    }
    return 0;
}

int rounds_start(struct rounds *r, unsigned n, enum pin_policy pin, round_fn fn, void *arg,
                 char *err, size_t errlen)
{
    return rounds_start_mode(r, n, pin, (struct rounds_mode){0, 0}, fn, arg, err, errlen);
}

void rounds_run(struct rounds *r)
{
    unsigned threads = r->n - r->first;
    atomic_store_explicit(&r->n_done, 0, memory_order_relaxed);
    pthread_mutex_lock(&r->mu);
    atomic_fetch_add_explicit(&r->round, 1, memory_order_release);
    pthread_cond_broadcast(&r->go);
    pthread_mutex_unlock(&r->mu);
    if (r->first)
        r->fn(r->arg, 0);
    if (threads == 0 || (r->spin && watch(r, round_done, threads)))
        return;
    pthread_mutex_lock(&r->mu);
    while (atomic_load_explicit(&r->n_done, memory_order_acquire) < threads)
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
    atomic_store(&r->quit, 1);
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

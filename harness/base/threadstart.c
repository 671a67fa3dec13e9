/* threadstart.c: starting a thread on another CPU (see threadstart.h). */
#define _GNU_SOURCE
#include "threadstart.h"

#include "sys.h"
#include "util.h"

#include <sched.h>
#include <stdlib.h>
#include <unistd.h>

static void *begin(void *p)
{
    const struct thread_start *ts = p;
    /* Placed; from here on the thread goes wherever the process may. */
    cpu_set_t allowed;
    if (sched_getaffinity(getpid(), sizeof allowed, &allowed) == 0)
        pthread_setaffinity_np(pthread_self(), sizeof allowed, &allowed);
    return ts->fn(ts->arg);
}

/* The k-th CPU after `cur` of those in `set` (cur itself when k is a
 * multiple of their number), or -1 when fewer than two are in it. */
static int cpu_after(const cpu_set_t *set, int cur, unsigned k)
{
    int cpus[CPU_SETSIZE];
    unsigned n = 0, at = 0;
    for (size_t c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, set)) {
            if ((int)c == cur)
                at = n;
            cpus[n++] = (int)c;
        }
    return n < 2 ? -1 : cpus[(at + k % n) % n];
}

/* pthread_create with the new thread bound to `cpu` until begin runs. */
static int create_on(pthread_t *t, int cpu, struct thread_start *ts)
{
    pthread_attr_t attr;
    if (pthread_attr_init(&attr) != 0)
        return -1;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET((size_t)cpu, &one);
    int e = pthread_attr_setaffinity_np(&attr, sizeof one, &one) == 0
                ? sys_pthread_create(t, &attr, begin, ts)
                : -1;
    pthread_attr_destroy(&attr);
    return e;
}

int thread_start_apart(pthread_t *t, struct thread_start *ts, unsigned k, void *(*fn)(void *),
                       void *arg)
{
    ts->fn = fn;
    ts->arg = arg;
    cpu_set_t mine;
    int cpu = sched_getaffinity(0, sizeof mine, &mine) == 0
                  ? cpu_after(&mine, sched_getcpu(), k)
                  : -1;
    int e = cpu < 0 ? -1 : create_on(t, cpu, ts);
    /* A failure of the seam's own is the caller's to see, not retried. */
    return e >= 0 ? e : sys_pthread_create(t, NULL, fn, arg);
}

/* One part of a threads_run, as its thread sees it. */
struct part {
    pthread_t thread;
    struct thread_start start;
    part_fn fn;
    void *arg;
    unsigned t;
    int started;
};

static void *run_part(void *p)
{
    struct part *q = p;
    q->fn(q->arg, q->t);
    return NULL;
}

void threads_run(unsigned n, part_fn fn, void *arg)
{
    struct part *q = xcalloc(n ? n : 1, sizeof *q);
    for (unsigned t = 1; t < n; t++) {
        q[t] = (struct part){.fn = fn, .arg = arg, .t = t};
        q[t].started = thread_start_apart(&q[t].thread, &q[t].start, t, run_part, &q[t]) == 0;
    }
    if (n)
        fn(arg, 0);
    for (unsigned t = 1; t < n; t++) {
        if (q[t].started)
            pthread_join(q[t].thread, NULL);
        else
            fn(arg, t);
    }
    free(q);
}

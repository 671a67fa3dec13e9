/* test_threadstart.c: thread_start_apart (threadstart.h) starts the
 * function it is given, through the system-call seam, and leaves the new
 * thread free to run on every CPU the process's main thread may use. */
#define _GNU_SOURCE
#include "testhelp.h"
#include "threadstart.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

struct seen {
    int arg;
    cpu_set_t mask; /* the thread's CPUs, as it ran */
    int mask_read;
};

static void *record(void *p)
{
    struct seen *s = p;
    s->mask_read = pthread_getaffinity_np(pthread_self(), sizeof s->mask, &s->mask) == 0;
    return &s->arg;
}

/* Starts record on a thread k CPUs apart and joins it; 1 if it ran with
 * arg and the creator's CPUs. */
static int runs_free(unsigned k, int arg)
{
    cpu_set_t mine;
    if (sched_getaffinity(0, sizeof mine, &mine) != 0)
        return 0;
    struct seen s = {.arg = arg};
    pthread_t t;
    struct thread_start ts;
    if (thread_start_apart(&t, &ts, k, record, &s) != 0)
        return 0;
    void *ret = NULL;
    pthread_join(t, &ret);
    return ret == &s.arg && s.arg == arg && s.mask_read && CPU_EQUAL(&s.mask, &mine);
}

int main(void)
{
    /* The seam's first pthread_create fails: the caller hears its error,
     * and nothing starts (the seam reads the variable at its first call). */
    setenv("BPEBENCH_FAIL_SYSCALL", "pthread_create:1", 1);
    struct seen s = {0};
    pthread_t t;
    struct thread_start ts;
    CHECK("a failing pthread_create is the caller's error (EAGAIN)",
          thread_start_apart(&t, &ts, 1, record, &s) == EAGAIN && !s.mask_read);

    cpu_set_t all;
    CHECK("the process's CPUs can be read", sched_getaffinity(0, sizeof all, &all) == 0);
    CHECK("the thread runs the function with its argument and may use every CPU the "
          "process may (1 apart)", runs_free(1, 7));
    CHECK("the same 3 CPUs apart (counted modulo the CPUs there are)", runs_free(3, 8));

    /* Allowed a single CPU, the creator has no other to place it on. */
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET((size_t)sched_getcpu(), &one);
    CHECK("the creator can be bound to one CPU", sched_setaffinity(0, sizeof one, &one) == 0);
    CHECK("with one CPU allowed it still runs, on that CPU's mask", runs_free(1, 9));
    sched_setaffinity(0, sizeof all, &all);
    return TEST_EXIT_CODE();
}

/* threadstart.h: starting a thread on another CPU than its creator's.
 *
 * The kernel may start a new thread on the CPU of the thread that created
 * it, and one of the two then waits until the scheduler moves it to an idle
 * CPU. On a virtual machine that CPU is asleep and takes milliseconds to
 * wake: counting the sentences at 2 workers (machine 5c1a00ece6), one of
 * the two threads began 1 to 4 ms after the other in most runs, out of a
 * count of 20 ms. A thread started here begins on the k-th CPU after its
 * creator's, of those the creator may use, and may run on every CPU the
 * process's main thread may once it has begun: the binding places it, it
 * does not pin it. It allocates nothing before it calls fn: a thread's
 * first allocation makes its allocator arena, a mapping, which waits for
 * any other thread's populating madvise (util.h, map_zeroed_written). */
#ifndef THREADSTART_H
#define THREADSTART_H

#include <pthread.h>

/* What a thread needs until it has begun: the caller's, kept until it has
 * joined the thread. */
struct thread_start {
    void *(*fn)(void *);
    void *arg;
};

/* pthread_create(t, NULL, fn, arg) through the system-call seam (sys.h),
 * the thread beginning k CPUs after the caller's (k >= 1; counted modulo
 * the CPUs allowed). Where the CPUs cannot be read or set, or only one is
 * allowed, the thread starts as pthread_create would place it. Returns
 * pthread_create's result. */
int thread_start_apart(pthread_t *t, struct thread_start *ts, unsigned k, void *(*fn)(void *),
                       void *arg);

/* Part t of a threads_run. */
typedef void (*part_fn)(void *arg, unsigned t);

/* Runs fn(arg, t) for t = 0 .. n-1: part 0 on this thread, the others on
 * threads of their own started apart (k = t), and returns once every part
 * has run. A part whose thread cannot start runs on this thread afterwards,
 * so the result never depends on how many threads there were. */
void threads_run(unsigned n, part_fn fn, void *arg);

#endif

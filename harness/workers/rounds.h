/* rounds.h: n threads started once, each bound to its PU of a pin plan,
 * that run one function per round. The caller publishes what the round
 * needs, calls rounds_run, and reads what the threads wrote once it
 * returns: the round's mutex orders the writes on both sides. Between
 * rounds the threads sleep on a condition variable. The one mechanism of
 * the pthread backend and the sharded update. */
#ifndef ROUNDS_H
#define ROUNDS_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "pinning.h"

/* Thread i's part of a round. */
typedef void (*round_fn)(void *arg, unsigned i);

struct round_thread;

struct rounds {
    unsigned n;
    struct pin_plan plan; /* thread i binds itself to plan's PU i */
    round_fn fn;
    void *arg;
    struct round_thread *th;
    pthread_mutex_t mu;
    pthread_cond_t go, done;
    uint64_t round;       /* incremented to start a round */
    unsigned n_done;
    int quit;
};

/* Plans the binding and starts n threads (through the system-call seam).
 * Returns 0, or -1 with a reason ("cannot start thread I: ...") in err;
 * rounds_stop is needed either way. */
int rounds_start(struct rounds *r, unsigned n, enum pin_policy pin, round_fn fn, void *arg,
                 char *err, size_t errlen);
/* One round: every thread runs fn(arg, i) once; returns when all have. */
void rounds_run(struct rounds *r);
/* CPU seconds the threads have run so far, together. */
double rounds_cpu_s(const struct rounds *r);
/* Ends and joins every thread that started; frees the plan. */
void rounds_stop(struct rounds *r);

#endif

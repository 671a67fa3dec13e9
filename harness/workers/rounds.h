/* rounds.h: n threads started once, each bound to its PU of a pin plan,
 * that run one function per round. The caller publishes what the round
 * needs, calls rounds_run, and reads what the threads wrote once it
 * returns: the round's counters (release on one side, acquire on the
 * other) and its mutex order the writes on both sides. Between rounds the
 * threads sleep on a condition variable; with `spin` they first watch the
 * round counter for a while, so that a round that follows soon starts
 * without a wake-up. With `caller_first` the calling thread runs part 0
 * itself and the threads parts 1 .. n-1: n parts on n PUs, nobody idle.
 * The one mechanism of the pthread backend and the sharded update. */
#ifndef ROUNDS_H
#define ROUNDS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "pinning.h"

/* Thread i's part of a round. */
typedef void (*round_fn)(void *arg, unsigned i);

struct round_thread;

/* How a set of rounds runs. */
struct rounds_mode {
    int caller_first;     /* the caller runs part 0 (unpinned: it is the main thread) */
    int spin;             /* wait by watching before sleeping */
};

struct rounds {
    unsigned n;           /* parts of a round */
    unsigned first;       /* the first part a thread runs: 0, or 1 with caller_first */
    int spin;
    struct pin_plan plan; /* the thread of part i binds itself to plan's PU i */
    round_fn fn;
    void *arg;
    struct round_thread *th; /* one per part from `first` on */
    pthread_mutex_t mu;
    pthread_cond_t go, done;
    _Atomic uint64_t round; /* incremented to start a round */
    _Atomic unsigned n_done; /* threads done with this round */
    _Atomic int quit;
};

/* Plans the binding and starts the threads (through the system-call seam).
 * Returns 0, or -1 with a reason ("cannot start thread I: ...") in err;
 * rounds_stop is needed either way. */
int rounds_start(struct rounds *r, unsigned n, enum pin_policy pin, round_fn fn, void *arg,
                 char *err, size_t errlen);
/* rounds_start with a mode. */
int rounds_start_mode(struct rounds *r, unsigned n, enum pin_policy pin,
                      struct rounds_mode mode, round_fn fn, void *arg, char *err,
                      size_t errlen);
/* One round: every thread runs fn(arg, i) once; returns when all have. */
void rounds_run(struct rounds *r);
/* CPU seconds the threads have run so far, together. */
double rounds_cpu_s(const struct rounds *r);
/* Ends and joins every thread that started; frees the plan. */
void rounds_stop(struct rounds *r);

#endif

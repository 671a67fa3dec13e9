/* update.h: the contract of an update strategy, the second strategy axis
 * (the first is the select backend, backend.h). The merge loop owns the
 * shards of words (shard.h); each merge a strategy runs shard_apply on
 * every shard and returns once all are done. The merge loop then adds the
 * shards' deltas up into one net change per pair, which the select
 * backend hears as before, so every strategy works with every backend and
 * learns the same merges. */
#ifndef UPDATE_H
#define UPDATE_H

#include <stddef.h>

#include "backend.h"
#include "shard.h"
#include "util.h"

/* What the driver tells a strategy when it starts. */
struct update_config {
    unsigned workers;     /* --update-workers: shards (and threads, if any) */
    enum pin_policy pin;  /* --pin */
    uint64_t min_words;   /* --update-min-words: fewer words to merge than
                             this and the shards run in turn, no round */
};

/* update_run.compute_s of a run that woke no thread: the shards ran in
 * turn on the caller's thread, so the whole run was their merges (the
 * merge loop times it; timing each shard again would cost clock reads). */
#define UPDATE_RUN_ALL (-1.0)

/* One merge's run of the shards. */
struct update_run {
    double compute_s;    /* the shards' merges on the critical path, measured
                            where they ran (threads: the slowest), or
                            UPDATE_RUN_ALL: the rest of the run is the cost
                            of waking the threads and waiting for them */
    int round;           /* 1 when it woke threads */
};

struct update_strategy {
    const char *name;        /* --update NAME */
    const char *description; /* one line for --help */

    /* Called once the shards hold their initial lists. Sets *state as soon
     * as it has one: the caller then calls destroy exactly once, even when
     * init fails. Returns 0, or -1 with a one-line reason in err. */
    int (*init)(void **state, const struct update_config *cfg, struct shard *shards,
                char *err, size_t errlen);
    void (*destroy)(void *state);

    /* Runs shard_apply(shards[i], m) for every shard and says how it went
     * (struct update_run, zeroed by the caller). */
    int (*run)(void *state, const struct shard_merge *m, struct update_run *out, char *err,
               size_t errlen);

    /* Set when run reads shard_merge.words (the merge loop keeps that
     * count per pair only for such a strategy). */
    int reads_words;

    /* Optional: "L#:P#" per thread, ';'-separated (pinning.h), and the CPU
     * time its threads have run (the caller's own is measured apart). */
    void (*report)(void *state, struct buf *pus, double *thread_cpu_s);
};

/* Every shard in turn, on the calling thread. */
extern const struct update_strategy update_serial;

/* shard_apply timed: its seconds. What every strategy runs per shard. */
double shard_apply_timed(struct shard *s, const struct shard_merge *m);
/* Every shard in turn on the calling thread. */
void shards_apply_in_turn(struct shard *shards, unsigned n, const struct shard_merge *m);

#endif

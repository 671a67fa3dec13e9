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
#include "rounds.h"
#include "update.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Each thread's time, on its own cache line. */
struct thread_time {
    double compute_s;
} __attribute__((aligned(64)));

struct sharded {
    unsigned n;
    uint64_t min_words;
    struct shard *shards;
    struct thread_time *times;
    struct rounds rounds;
    struct shard_merge m;       /* published with each round */
};

/* Thread i's part of a round: the merge in its own shard. */
static void merge_shard(void *arg, unsigned i)
{
    struct sharded *s = arg;
    s->times[i].compute_s = shard_apply_timed(&s->shards[i], &s->m);
}

static void sharded_destroy(void *state)
{
    struct sharded *s = state;
    rounds_stop(&s->rounds);
    free(s->times);
    free(s);
}

/* Unpinned, the main thread merges shard 0 itself: U shards keep U PUs
 * busy, and nobody sleeps through a round waiting for the others. Pinned,
 * every shard has its pinned thread (the main thread is never bound: the
 * processes it forks would inherit the binding). The waits spin when every
 * thread that waits has a PU of its own, else a spinning thread would take
 * the PU of one that has work. */
static struct rounds_mode sharded_mode(unsigned n, enum pin_policy pin)
{
    long pus = sysconf(_SC_NPROCESSORS_ONLN);
    struct rounds_mode mode = {.caller_first = pin == PIN_NONE};
    unsigned running = mode.caller_first ? n : n + 1;
    mode.spin = pus > 0 && running <= (unsigned long)pus;
    return mode;
}

static int sharded_init(void **state, const struct update_config *cfg, struct shard *shards,
                        char *err, size_t errlen)
{
    struct sharded *s = xcalloc(1, sizeof *s);
    s->n = cfg->workers;
    s->min_words = cfg->min_words;
    s->shards = shards;
    s->times = xcalloc_lines(s->n, sizeof *s->times);
    *state = s;
    return rounds_start_mode(&s->rounds, s->n, cfg->pin, sharded_mode(s->n, cfg->pin),
                             merge_shard, s, err, errlen);
}

static int sharded_run(void *state, const struct shard_merge *m, struct update_run *out,
                       char *err, size_t errlen)
{
    (void)err, (void)errlen;
    struct sharded *s = state;
    /* A merge of a few words costs less than waking the threads: the main
     * thread does it. Between rounds the shards are the main thread's, and
     * the round's mutex orders its writes before the threads' next reads. */
    out->round = m->words >= s->min_words;
    if (!out->round) {
        shards_apply_in_turn(s->shards, s->n, m);
        out->compute_s = UPDATE_RUN_ALL;
        return 0;
    }
    s->m = *m;
    rounds_run(&s->rounds);
    for (unsigned i = 0; i < s->n; i++)
        if (s->times[i].compute_s > out->compute_s)
            out->compute_s = s->times[i].compute_s;
    return 0;
}

static void sharded_report(void *state, struct buf *pus, double *thread_cpu_s)
{
    struct sharded *s = state;
    pin_plan_describe(&s->rounds.plan, pus);
    /* The threads do nothing but merge, so their whole CPU time is the
     * update's: read once here, not twice a round. */
    *thread_cpu_s = rounds_cpu_s(&s->rounds);
}

const struct update_strategy update_sharded = {
    .name = "sharded",
    .description = "U shards of the words, each merged by its own thread (unpinned, shard "
                   "0 by the main thread); rounds that spin when each thread has a PU, else "
                   "sleep; deltas added up by the main thread; a merge of fewer than "
                   "--update-min-words words runs on the main thread",
    .init = sharded_init,
    .destroy = sharded_destroy,
    .run = sharded_run,
    .reads_words = 1,
    .report = sharded_report,
};

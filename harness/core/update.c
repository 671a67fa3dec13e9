/* update.c: the serial update strategy (see update.h). */
#include "update.h"

#include <stdlib.h>

struct serial_update {
    struct shard *shards;
    unsigned n;
};

double shard_apply_timed(struct shard *s, const struct shard_merge *m)
{
    double t0 = now_s();
    shard_apply(s, m);
    return now_s() - t0;
}

void shards_apply_in_turn(struct shard *shards, unsigned n, const struct shard_merge *m)
{
    for (unsigned i = 0; i < n; i++)
        shard_apply(&shards[i], m);
}

static int serial_init(void **state, const struct update_config *cfg, struct shard *shards,
                       char *err, size_t errlen)
{
    (void)err, (void)errlen;
    struct serial_update *s = xmalloc(sizeof *s);
    s->shards = shards;
    s->n = cfg->workers;
    *state = s;
    return 0;
}

static void serial_destroy(void *state)
{
    free(state);
}

static int serial_run(void *state, const struct shard_merge *m, struct update_run *out,
                      char *err, size_t errlen)
{
    (void)err, (void)errlen;
    struct serial_update *s = state;
    shards_apply_in_turn(s->shards, s->n, m);
    out->compute_s = UPDATE_RUN_ALL;
    return 0;
}

const struct update_strategy update_serial = {
    .name = "serial",
    .description = "the shards in turn on the main thread (one shard unless "
                   "--update-workers says more)",
    .init = serial_init,
    .destroy = serial_destroy,
    .run = serial_run,
};

/* serial.c: backend `serial`, the article's `max`: one full scan of the live
 * pairs per merge, in the calling thread. The baseline for every other. */
#include "backend.h"
#include "util.h"

static int serial_init(void **state, const struct backend_config *cfg,
                       const struct pair_table *pt, char *err, size_t errlen)
{
    (void)cfg, (void)pt, (void)err, (void)errlen;
    *state = NULL;
    return 0;
}

static void serial_destroy(void *state)
{
    (void)state;
}

static int serial_select(void *state, const struct pair_table *pt, struct select_result *out,
                         char *err, size_t errlen)
{
    (void)state, (void)err, (void)errlen;
    size_t best = live_scan_best(pt->vocab, pt->live, 0, pt->n_live);
    out->pair_id = best < pt->n_live ? pt->live_id[best] : PAIR_NONE;
    return 0;
}

const struct merge_backend backend_serial = {
    .name = "serial",
    .description = "full scan of the live pairs each merge, one thread (the article's max)",
    .kind = BACKEND_SINGLE,
    .article = "bpe_v3_time",
    .bench = 1,
    .init = serial_init,
    .destroy = serial_destroy,
    .select = serial_select,
};

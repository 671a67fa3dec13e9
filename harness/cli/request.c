/* request.c: a command line's training request (see request.h). */
#include "request.h"

struct train_request request_of_options(const struct options *o, const struct merge_backend *be,
                                        const char *opts, const struct specials *sp)
{
    struct train_request rq = {.input = o->input, .vocab_size = o->vocab_size, .specials = sp,
                               .backend = be, .backend_opts = opts, .workers = o->workers,
                               .count_workers = o->count_workers, .pin = o->pin,
                               .count_only = o->count_only, .pretok_only = o->pretok_only,
                               .pretok = o->pretok, .save_counts = o->save_counts,
                               .load_counts = o->load_counts, .update = o->update,
                               .update_config = {.workers = o->update_workers, .pin = o->pin,
                                                 .min_words = o->update_min_words}};
    return rq;
}

/* testcount.h: counting the way the C tests do it, which the trainer
 * itself never needs in this form (it always goes through a count_config). */
#ifndef TESTCOUNT_H
#define TESTCOUNT_H

#include <stddef.h>

#include "count.h"
#include "input.h"
#include "specials.h"

/* Counts data[0..len) with `workers` threads and the default pre-tokenizer.
 * Returns 0, or -1 with a reason. */
int count_words(const unsigned char *data, size_t len, const struct specials *sp,
                unsigned workers, struct word_counts *out, struct count_stats *st, char *err,
                size_t errlen);

/* Opens path into *in and counts it into *wc with `workers` threads, the one
 * special token <|endoftext|> in *sp. The caller releases all three. Returns
 * 0, or -1 with a reason and nothing left to release. */
int count_file_eot(const char *path, unsigned workers, struct input *in, struct specials *sp,
                   struct word_counts *wc, char *err, size_t errlen);

#endif

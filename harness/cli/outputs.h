/* outputs.h: what a training leaves in --out DIR: merges.txt, vocab.json
 * and tokenizer.json, all of them or none. */
#ifndef OUTPUTS_H
#define OUTPUTS_H

#include <stddef.h>

#include "merge.h"
#include "options.h"
#include "train.h"
#include "vocab.h"

/* Writes the three files, each atomically; if one cannot be written, the
 * ones already written are removed, so the directory never holds a partial
 * set. Creates DIR (and its parents) if needed. */
int outputs_write(const char *dir, const struct vocab *v, const struct merge_result *mr,
                  char *err, size_t errlen);

/* What a command line asks of a finished training: the three files in
 * --out (not with --count-only), their time added to the run's total, then
 * the run's row appended to --csv. Returns 0, or -1 with a reason. */
int outputs_of_run(const struct options *o, struct train_result *tr, char *err, size_t errlen);

#endif

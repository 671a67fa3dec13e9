/* outputs.h: what a training leaves in --out DIR: merges.txt, vocab.json
 * and tokenizer.json, all of them or none. */
#ifndef OUTPUTS_H
#define OUTPUTS_H

#include <stddef.h>

#include "merge.h"
#include "vocab.h"

/* Writes the three files, each atomically; if one cannot be written, the
 * ones already written are removed, so the directory never holds a partial
 * set. Creates DIR (and its parents) if needed. */
int outputs_write(const char *dir, const struct vocab *v, const struct merge_result *mr,
                  char *err, size_t errlen);

#endif

/* wordfile.h: saving and loading the counting phase's result, so that the
 * merge-phase runs of a benchmark need not re-count a multi-gigabyte corpus
 * for every combination. A file records the size and a 64-bit hash of the
 * input it came from and the special tokens used; loading checks both, so
 * counts are never applied to the wrong data. */
#ifndef WORDFILE_H
#define WORDFILE_H

#include <stddef.h>
#include <stdint.h>

#include "count.h"
#include "specials.h"
#include "util.h"

/* The fingerprint of an input file: its size and a hash of all its bytes. */
int wordfile_input_hash(const char *path, uint64_t *len, uint64_t *hash, char *err,
                        size_t errlen);

int wordfile_save(const char *path, const struct word_counts *wc, const struct specials *sp,
                  uint64_t input_len, uint64_t input_hash, char *err, size_t errlen);
/* Loads into wc; fails with a one-line reason when the file is damaged or
 * was made from another input or other special tokens. */
int wordfile_load(const char *path, struct word_counts *wc, const struct specials *sp,
                  uint64_t input_len, uint64_t input_hash, char *err, size_t errlen);

/* The words and their counts alone, in the file's own record format: how
 * counts travel between processes (bpetrain-mpi). decode reads exactly n
 * bytes and returns 0, or -1 (wc left empty) when they are malformed. */
void wordfile_encode(struct buf *b, const struct word_counts *wc);
int wordfile_decode(const unsigned char *p, size_t n, struct word_counts *wc);

#endif

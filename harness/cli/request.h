/* request.h: the training a command line asks for (options.h to train.h),
 * one place for bpetrain and bpetrain-mpi. */
#ifndef REQUEST_H
#define REQUEST_H

#include "options.h"
#include "specials.h"
#include "train.h"

/* The request of options o with backend be (its options canonical in opts)
 * and the special tokens sp; o, opts and sp must outlive it. */
struct train_request request_of_options(const struct options *o, const struct merge_backend *be,
                                        const char *opts, const struct specials *sp);

#endif

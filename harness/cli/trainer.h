/* trainer.h: what bpetrain and bpetrain-mpi share around the counting
 * phase: the checks before anything runs, the merge phase and outputs once
 * the word counts exist, and the CSV row and summary at the end. How the
 * counts are obtained is each front end's own business. */
#ifndef TRAINER_H
#define TRAINER_H

#include "backend.h"
#include "count.h"
#include "options.h"
#include "runrow.h"
#include "specials.h"
#include "util.h"

/* Prints msg as one line and returns 2, the exit status of a bad run. */
int trainer_fail(const char *msg);

/* Resident anonymous and file-backed memory now, in KiB (-1: unknown). */
void trainer_rss_now(long *anon_kb, long *file_kb);

/* One run, from the command line to the CSV row. */
struct trainer_run {
    struct options o;
    const struct merge_backend *be;
    struct buf opts;      /* the backend's options, canonical (bopts.h) */
    struct specials sp;
    struct run_record rec;
};

/* What every front end does first: a worker that dies must show up as
 * EPIPE on its pipe, not as a SIGPIPE that silently kills the driver; a
 * fatal signal kills the workers and removes a half-written file. */
void trainer_signals(void);

/* Parses the options, finds the backend and canonicalises its options,
 * checks the special tokens and the vocabulary size, and stamps the start
 * time. Returns 0 to run, 1 when nothing is left to do (--help), 2 after a
 * one-line error. r starts zeroed; trainer_finish releases it either way. */
int trainer_setup(int argc, char **argv, struct trainer_run *r);

/* The merge phase on wc (unless --count-only), the outputs, and the rest of
 * the record; t_start is when the run began. Releases wc. Returns 0 or 2. */
int trainer_merge(struct trainer_run *r, struct word_counts *wc, double t_start);

/* After a run that returned rc: with `report`, the CSV row and the summary
 * when rc is 0. Releases r. Returns the exit status. */
int trainer_finish(struct trainer_run *r, int rc, int report);

#endif

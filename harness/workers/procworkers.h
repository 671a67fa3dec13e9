/* procworkers.h: what the process backends (fork, fork-deepcopy, pool,
 * spawn) share: their W workers, the workers' pin plan, the per-merge copy
 * of the live pairs, the scan mode their options ask for, the faults the
 * workers report, and the collection of the workers' replies.
 *
 * A process backend's state begins with a struct proc_workers, so that
 * proc_backend_copy and proc_backend_report serve as its copy and report
 * callbacks as they are. */
#ifndef PROCWORKERS_H
#define PROCWORKERS_H

#include "backend.h"
#include "bopts.h"
#include "pinning.h"
#include "procs.h"
#include "scan.h"
#include "wire.h"

struct proc_workers {
    unsigned w;
    struct pin_plan plan;
    struct proc *procs;
    struct scan_set copy;  /* this merge's copy of the live pairs */
    struct scan_mode mode; /* options layout and touch */
    uint64_t merge;        /* merges selected so far, as the wire numbers them */
    int64_t minflt, majflt;
};

/* The options every process backend declares, for its options array:
 * { PROC_WORKERS_OPTIONS, ..., {NULL} }. */
extern const char *const proc_layout_values[];
#define PROC_WORKERS_OPTIONS                                                                 \
    {"layout", proc_layout_values, "copy the pairs as one array (flat) or as separately "   \
                                   "allocated objects, like a Python list"},                 \
    {"touch", bopts_flag_values, "workers write to every entry they scan, as CPython's "    \
                                 "reference counting does"}

/* Reads the options, plans the pinning, makes room for W workers. With
 * will_fork, refuses when OpenMP already ran in this process (procs.h). */
int proc_workers_init(struct proc_workers *pw, const struct backend_config *cfg, int will_fork,
                      char *err, size_t errlen);
/* Kills and reaps every worker still running. */
void proc_workers_kill(struct proc_workers *pw);
/* Kills the workers and releases everything; safe on a partly built one. */
void proc_workers_free(struct proc_workers *pw);

/* Sends worker i chunk c of this merge's copy as one request, built in req.
 * On failure every worker is killed and reaped, and -1 comes back with a
 * line naming the worker and the cause. */
int proc_workers_send(struct proc_workers *pw, struct request_writer *req,
                      const struct vocab *v, unsigned c, unsigned i, char *err, size_t errlen);
/* Reads one reply per chunk, chunk c from worker order[c] (NULL: worker c),
 * and reduces them to the best pair's stable id. On any failure every
 * worker is killed and reaped, and -1 comes back with a line naming the
 * worker and the cause. */
int proc_workers_collect(struct proc_workers *pw, const unsigned *order, const struct vocab *v,
                         const uint32_t *ids, size_t n_ids, struct select_result *out,
                         char *err, size_t errlen);
/* Waits for every worker to exit with status 0 (fork and spawn workers
 * serve one merge), then makes sure each is gone. */
int proc_workers_wait(struct proc_workers *pw, char *err, size_t errlen);

/* The copy and report callbacks of a state that begins with proc_workers. */
int proc_backend_copy(void *state, const struct pair_table *pt, char *err, size_t errlen);
void proc_backend_report(void *state, struct backend_report *out);

#endif

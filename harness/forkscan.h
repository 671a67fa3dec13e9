/* forkscan.h: fork-per-merge scanning, shared by the fork and
 * fork-deepcopy backends: each merge, fork W children that each scan their
 * chunk of a scan_set straight from the memory they inherited (never
 * serialised), send back their local best through a pipe, and are reaped. */
#ifndef FORKSCAN_H
#define FORKSCAN_H

#include "backend.h"
#include "pinning.h"
#include "procs.h"
#include "scanproto.h"

struct forkscan {
    const char *name;  /* the backend, for error messages */
    unsigned w;
    int touch;
    struct pin_plan plan;
    struct proc *procs;
    uint64_t merge;
    int64_t minflt, majflt;
};

int forkscan_init(struct forkscan *f, const char *name, const struct backend_config *cfg,
                  char *err, size_t errlen);
void forkscan_free(struct forkscan *f);
/* Scans `set` (whose entry i is live pair i of pt) with W forked children. */
int forkscan_select(struct forkscan *f, const struct pair_table *pt, const struct vocab *v,
                    const struct scan_set *set, struct select_result *out, char *err,
                    size_t errlen);
void forkscan_report(const struct forkscan *f, struct backend_report *out);

#endif

/* forkscan.h: fork-per-merge scanning, shared by the fork and
 * fork-deepcopy backends: each merge, fork W children that each scan their
 * chunk of a scan_set straight from the memory they inherited (never
 * serialised), send back their local best through a pipe, and are reaped. */
#ifndef FORKSCAN_H
#define FORKSCAN_H

#include "procworkers.h"

/* Scans `set` (whose entry i is live pair i of pt, tokens in v) with the W
 * children of pw. */
int forkscan_select(struct proc_workers *pw, const struct pair_table *pt,
                    const struct vocab *v, const struct scan_set *set,
                    struct select_result *out, char *err, size_t errlen);

#endif

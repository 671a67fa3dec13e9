/* pinning.h: CPU binding of backend workers with hwloc.
 *
 * The topology is loaded once, in the parent, when a backend starts. The
 * plan gives worker i one PU: compact fills PUs in logical order (so worker
 * i is on PU i, cores filled in order); scatter spreads workers over
 * packages and cores with hwloc_distrib. Each worker binds itself: a thread
 * from inside the thread, a child process after it starts (a child inherits
 * its parent's binding, so the parent must never bind itself). */
#ifndef PINNING_H
#define PINNING_H

#include <stddef.h>

#include "backend.h"
#include "util.h"

struct pin_plan {
    enum pin_policy policy;
    unsigned workers;
    unsigned n_pus, n_cores, n_packages;
    int *pu_logical;   /* per worker; -1 when not pinned */
    int *pu_os;
    void *topology;    /* hwloc_topology_t, opaque to the backends */
    void **cpusets;    /* hwloc_bitmap_t per worker */
};

/* "none", "compact", "scatter". */
const char *pin_policy_name(enum pin_policy p);
/* The policy called `name`; -1 when there is none. */
int pin_policy_parse(const char *name, enum pin_policy *out);

/* Builds the plan; warns once on stderr when workers exceed PUs. Never
 * fails for lack of binding support: the plan is then "not pinned". */
int pin_plan_init(struct pin_plan *p, enum pin_policy policy, unsigned workers, char *err,
                  size_t errlen);
void pin_plan_free(struct pin_plan *p);

/* Binds the calling thread (or, in a single-threaded child process, the
 * whole process) to worker i's PU. Where binding is unsupported it says so
 * once and returns 0: the run goes on unpinned. */
int pin_self_thread(struct pin_plan *p, unsigned i);
int pin_self_process(struct pin_plan *p, unsigned i);
/* For a freshly spawned process that has no topology: bind by OS index. */
int pin_self_os_index(int pu_os);

/* The cache levels, e.g. "L1d 32KiB x2, L2 1024KiB x2, L3 32768KiB x1". */
void pin_describe_caches(const struct pin_plan *p, char *out, size_t outlen);

/* Appends "L#:P#" per worker, ';'-separated ("-" when unpinned), for the CSV. */
void pin_plan_describe(const struct pin_plan *p, struct buf *out);

#endif

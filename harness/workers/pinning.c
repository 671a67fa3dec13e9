/* pinning.c: CPU binding with hwloc (see pinning.h). */
#define _GNU_SOURCE
#include "pinning.h"

#include "util.h"

#include <errno.h>
#include <hwloc.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static atomic_int unsupported_said;

static void say_unsupported(int e)
{
    if (atomic_exchange(&unsupported_said, 1) == 0)
        fprintf(stderr, "bpetrain: warning: CPU binding is not supported here (%s); "
                        "running unpinned\n", strerror(e));
}

const char *pin_policy_name(enum pin_policy p)
{
    return p == PIN_COMPACT ? "compact" : p == PIN_SCATTER ? "scatter" : "none";
}

int pin_policy_parse(const char *name, enum pin_policy *out)
{
    static const enum pin_policy all[] = {PIN_NONE, PIN_COMPACT, PIN_SCATTER};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (strcmp(name, pin_policy_name(all[i])) == 0) {
            *out = all[i];
            return 0;
        }
    return -1;
}

int pin_plan_init(struct pin_plan *p, enum pin_policy policy, unsigned workers, char *err,
                  size_t errlen)
{
    memset(p, 0, sizeof *p);
    p->policy = policy;
    p->workers = workers;
    p->pu_logical = xmalloc(workers * sizeof *p->pu_logical);
    p->pu_os = xmalloc(workers * sizeof *p->pu_os);
    p->cpusets = xcalloc(workers, sizeof *p->cpusets);
    for (unsigned i = 0; i < workers; i++)
        p->pu_logical[i] = p->pu_os[i] = -1;

    hwloc_topology_t topo;
    if (hwloc_topology_init(&topo) < 0 || hwloc_topology_load(topo) < 0)
        return errf(err, errlen, "hwloc cannot load the machine topology: %s",
                    strerror(errno));
    p->topology = topo;
    int npu = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU);
    int ncore = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE);
    int npkg = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PACKAGE);
    p->n_pus = npu > 0 ? (unsigned)npu : 1;
    p->n_cores = ncore > 0 ? (unsigned)ncore : p->n_pus;
    p->n_packages = npkg > 0 ? (unsigned)npkg : 1;
    if (workers > p->n_pus)
        fprintf(stderr, "bpetrain: warning: %u workers on %u PUs: oversubscribed, workers "
                        "will share CPUs\n", workers, p->n_pus);
    if (policy == PIN_NONE)
        return 0;

    if (policy == PIN_COMPACT) {
        for (unsigned i = 0; i < workers; i++) {
            hwloc_obj_t pu = hwloc_get_obj_by_type(topo, HWLOC_OBJ_PU, i % p->n_pus);
            if (!pu)
                continue;
            p->cpusets[i] = hwloc_bitmap_dup(pu->cpuset);
        }
    } else {
        hwloc_bitmap_t *sets = xcalloc(workers, sizeof *sets);
        hwloc_obj_t root = hwloc_get_root_obj(topo);
        if (hwloc_distrib(topo, &root, 1, sets, workers, INT_MAX, 0) == 0) {
            for (unsigned i = 0; i < workers; i++)
                p->cpusets[i] = sets[i];
        }
        free(sets);
    }
    for (unsigned i = 0; i < workers; i++) {
        hwloc_bitmap_t set = p->cpusets[i];
        if (!set)
            continue;
        /* One PU each: otherwise the OS may still move a worker between the
         * PUs of its set, which is what pinning is meant to rule out. */
        hwloc_bitmap_singlify(set);
        hwloc_obj_t pu = hwloc_get_pu_obj_by_os_index(topo, (unsigned)(int)hwloc_bitmap_first(set));
        if (pu) {
            p->pu_logical[i] = (int)pu->logical_index;
            p->pu_os[i] = (int)pu->os_index;
        }
    }
    return 0;
}

void pin_plan_free(struct pin_plan *p)
{
    if (p->cpusets)
        for (unsigned i = 0; i < p->workers; i++)
            if (p->cpusets[i])
                hwloc_bitmap_free(p->cpusets[i]);
    if (p->topology)
        hwloc_topology_destroy(p->topology);
    free(p->cpusets);
    free(p->pu_logical);
    free(p->pu_os);
    memset(p, 0, sizeof *p);
}

static int bind(struct pin_plan *p, unsigned i, int flags)
{
    if (p->policy == PIN_NONE || i >= p->workers || !p->cpusets[i])
        return 0;
    if (hwloc_set_cpubind(p->topology, p->cpusets[i], flags) < 0) {
        if (errno == ENOSYS || errno == EXDEV)
            say_unsupported(errno);
        else
            fprintf(stderr, "bpetrain: warning: cannot bind worker %u to PU P#%d: %s\n", i,
                    p->pu_os[i], strerror(errno));
    }
    return 0;
}

int pin_self_thread(struct pin_plan *p, unsigned i)
{
    return bind(p, i, HWLOC_CPUBIND_THREAD);
}

int pin_self_process(struct pin_plan *p, unsigned i)
{
    return bind(p, i, HWLOC_CPUBIND_PROCESS);
}

int pin_self_os_index(int pu_os)
{
    if (pu_os < 0)
        return 0;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET((size_t)pu_os, &set);
    if (sched_setaffinity(0, sizeof set, &set) < 0) {
        if (errno == ENOSYS)
            say_unsupported(errno);
        else
            fprintf(stderr, "bpetrain: warning: cannot bind to PU P#%d: %s\n", pu_os,
                    strerror(errno));
    }
    return 0;
}

void pin_plan_describe(const struct pin_plan *p, struct buf *out)
{
    for (unsigned i = 0; i < p->workers; i++) {
        if (p->pu_logical[i] < 0)
            buf_printf(out, "%s-", i ? ";" : "");
        else
            buf_printf(out, "%sL%d:P%d", i ? ";" : "", p->pu_logical[i], p->pu_os[i]);
    }
}

void pin_describe_caches(const struct pin_plan *p, char *out, size_t outlen)
{
    static const struct {
        hwloc_obj_type_t type;
        const char *name;
    } levels[] = {{HWLOC_OBJ_L1CACHE, "L1d"}, {HWLOC_OBJ_L2CACHE, "L2"},
                  {HWLOC_OBJ_L3CACHE, "L3"}};
    size_t used = 0;
    if (outlen)
        out[0] = 0;
    for (size_t i = 0; i < sizeof levels / sizeof levels[0] && p->topology; i++) {
        int n = hwloc_get_nbobjs_by_type(p->topology, levels[i].type);
        hwloc_obj_t o = hwloc_get_obj_by_type(p->topology, levels[i].type, 0);
        if (n <= 0 || !o || !o->attr)
            continue;
        int w = snprintf(out + used, outlen - used, "%s%s %lluKiB x%d", used ? ", " : "",
                         levels[i].name, (unsigned long long)o->attr->cache.size / 1024, n);
        if (w < 0 || (size_t)w >= outlen - used)
            break;
        used += (size_t)w;
    }
}

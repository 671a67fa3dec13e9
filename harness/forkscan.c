/* forkscan.c: fork-per-merge scanning (see forkscan.h). */
#include "forkscan.h"

#include "util.h"

#include <stdlib.h>
#include <string.h>

/* What a child needs; it reads all of it from the memory it inherited. */
struct fork_child {
    struct forkscan *f;
    const struct vocab *v;
    const struct scan_set *set;
    unsigned i;
};

static int fork_child_main(void *arg, int in_fd, int out_fd)
{
    (void)in_fd;
    struct fork_child *c = arg;
    pin_self_process(&c->f->plan, c->i);
    size_t begin, end;
    chunk_range(c->set->n, c->f->w, c->i, &begin, &end);
    struct scan_reply r;
    scan_set_chunk(c->v, c->set, begin, end, c->f->touch, &r);
    scan_fault_point(c->i, c->f->merge, out_fd);
    return scan_reply_write(out_fd, &r) < 0 ? 5 : 0;
}

int forkscan_init(struct forkscan *f, const char *name, const struct backend_config *cfg,
                  char *err, size_t errlen)
{
    memset(f, 0, sizeof *f);
    f->name = name;
    if (procs_fork_is_unsafe())
        return errf(err, errlen, "backend %s: cannot fork after OpenMP ran in this process",
                    name);
    f->w = cfg->workers;
    f->touch = cfg->touch;
    f->procs = xcalloc(f->w, sizeof *f->procs);
    return pin_plan_init(&f->plan, cfg->pin, f->w, err, errlen);
}

void forkscan_free(struct forkscan *f)
{
    for (unsigned i = 0; f->procs && i < f->w; i++)
        proc_kill(&f->procs[i]);
    pin_plan_free(&f->plan);
    free(f->procs);
    memset(f, 0, sizeof *f);
}

int forkscan_select(struct forkscan *f, const struct pair_table *pt, const struct vocab *v,
                    const struct scan_set *set, struct select_result *out, char *err,
                    size_t errlen)
{
    struct fork_child c = {.f = f, .v = v, .set = set};
    char why[256];
    for (unsigned i = 0; i < f->w; i++) {
        c.i = i;
        if (proc_fork(&f->procs[i], fork_child_main, &c, 0, why, sizeof why) < 0) {
            for (unsigned j = 0; j < i; j++)
                proc_kill(&f->procs[j]);
            return errf(err, errlen, "backend %s: worker %u: %s", f->name, i, why);
        }
    }
    int rc = scan_collect(f->name, f->procs, f->w, pt->vocab, pt->live_id, set->n, out,
                          &f->minflt, &f->majflt, err, errlen);
    for (unsigned i = 0; i < f->w && rc == 0; i++)
        if (proc_wait(&f->procs[i], why, sizeof why) < 0)
            rc = errf(err, errlen, "backend %s: worker %u failed: %s", f->name, i, why);
    for (unsigned i = 0; i < f->w; i++)
        proc_kill(&f->procs[i]);
    f->merge++;
    return rc;
}

void forkscan_report(const struct forkscan *f, struct backend_report *out)
{
    pin_plan_describe(&f->plan, out->worker_pus, sizeof out->worker_pus);
    out->worker_minflt = f->minflt;
    out->worker_majflt = f->majflt;
}

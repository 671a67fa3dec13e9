/* forkscan.c: fork-per-merge scanning (see forkscan.h). */
#include "forkscan.h"

#include "wire.h"
#include "worker.h"

/* What a child needs; it reads all of it from the memory it inherited. */
struct fork_child {
    struct proc_workers *pw;
    const struct vocab *v;
    const struct scan_set *set;
    unsigned i;
};

static int fork_child_main(void *arg, int in_fd, int out_fd)
{
    (void)in_fd;
    struct fork_child *c = arg;
    pin_self_process(&c->pw->plan, c->i);
    size_t begin, end;
    chunk_range(c->set->n, c->pw->w, c->i, &begin, &end);
    struct scan_reply r;
    scan_set_chunk(c->v, c->set, begin, end, c->pw->mode.touch, &r);
    scan_fault_point(c->i, c->pw->merge, out_fd);
    return scan_reply_write(out_fd, &r) < 0 ? 5 : 0;
}

int forkscan_select(struct proc_workers *pw, const struct pair_table *pt,
                    const struct vocab *v, const struct scan_set *set,
                    struct select_result *out, char *err, size_t errlen)
{
    struct fork_child c = {.pw = pw, .v = v, .set = set};
    char why[256];
    int rc = 0;
    for (unsigned i = 0; i < pw->w && rc == 0; i++) {
        c.i = i;
        if (proc_fork(&pw->procs[i], fork_child_main, &c, 0, why, sizeof why) < 0) {
            proc_workers_kill(pw);
            rc = errf(err, errlen, "worker %u: %s", i, why);
        }
    }
    if (rc == 0)
        rc = proc_workers_collect(pw, NULL, pt->vocab, pt->live_id, set->n, out, err, errlen);
    if (rc == 0)
        rc = proc_workers_wait(pw, err, errlen);
    pw->merge++;
    return rc;
}

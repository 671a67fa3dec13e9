/* procworkers.c: the process backends' shared state (see procworkers.h). */
#include "procworkers.h"

#include "util.h"

#include <stdlib.h>
#include <string.h>

const char *const proc_layout_values[] = {"flat", "objects", NULL};

int proc_workers_init(struct proc_workers *pw, const struct backend_config *cfg, int will_fork,
                      char *err, size_t errlen)
{
    memset(pw, 0, sizeof *pw);
    pw->w = cfg->workers;
    pw->procs = xcalloc(pw->w, sizeof *pw->procs);
    pw->mode.layout = bopts_is(cfg->options, "layout", "objects") ? LAYOUT_OBJECTS : LAYOUT_FLAT;
    pw->mode.touch = bopts_is(cfg->options, "touch", "1");
    if (will_fork && procs_fork_is_unsafe())
        return errf(err, errlen, "cannot fork after OpenMP ran in this process");
    return pin_plan_init(&pw->plan, cfg->pin, pw->w, err, errlen);
}

void proc_workers_kill(struct proc_workers *pw)
{
    for (unsigned i = 0; pw->procs && i < pw->w; i++)
        proc_kill(&pw->procs[i]);
}

void proc_workers_free(struct proc_workers *pw)
{
    proc_workers_kill(pw);
    pin_plan_free(&pw->plan);
    scan_set_free(&pw->copy);
    free(pw->procs);
    memset(pw, 0, sizeof *pw);
}

static int worker_failed(struct proc_workers *pw, unsigned i, const char *why, char *err,
                         size_t errlen)
{
    proc_workers_kill(pw);
    return errf(err, errlen, "worker %u failed: %s", i, why);
}

int proc_workers_send(struct proc_workers *pw, struct request_writer *req,
                      const struct vocab *v, unsigned c, unsigned i, char *err, size_t errlen)
{
    size_t begin, end;
    char why[256];
    chunk_range(pw->copy.n, pw->w, c, &begin, &end);
    scan_request_build(req, &pw->copy, begin, end, v, i, pw->merge, pw->mode);
    if (proc_write(&pw->procs[i], req->out.data, req->out.len, why, sizeof why) < 0)
        return worker_failed(pw, i, why, err, errlen);
    return 0;
}

int proc_workers_collect(struct proc_workers *pw, const unsigned *order, const struct vocab *v,
                         const uint32_t *ids, size_t n_ids, struct select_result *out,
                         char *err, size_t errlen)
{
    struct scan_reply *rep = xcalloc(pw->w, sizeof *rep);
    char why[200];
    int rc = 0;
    for (unsigned c = 0; c < pw->w && rc == 0; c++) {
        unsigned i = order ? order[c] : c;
        if (proc_read(&pw->procs[i], &rep[c], sizeof rep[c], why, sizeof why) < 0)
            rc = worker_failed(pw, i, why, err, errlen);
        else if (rep[c].magic != SCAN_REPLY_MAGIC)
            rc = worker_failed(pw, i, "malformed reply", err, errlen);
    }
    if (rc == 0 && scan_replies_reduce(v, rep, pw->w, ids, n_ids, out, &pw->minflt,
                                       &pw->majflt) < 0)
    {
        proc_workers_kill(pw);
        rc = errf(err, errlen, "a worker failed: its reply's index is out of its chunk");
    }
    free(rep);
    return rc;
}

int proc_workers_wait(struct proc_workers *pw, char *err, size_t errlen)
{
    char why[200];
    int rc = 0;
    for (unsigned i = 0; i < pw->w && rc == 0; i++)
        if (proc_wait(&pw->procs[i], why, sizeof why) < 0)
            rc = errf(err, errlen, "worker %u failed: %s", i, why);
    proc_workers_kill(pw);
    return rc;
}

int proc_backend_copy(void *state, const struct pair_table *pt, char *err, size_t errlen)
{
    (void)err, (void)errlen;
    struct proc_workers *pw = state;
    scan_set_fill(&pw->copy, pw->mode.layout, pt->live, pt->n_live);
    return 0;
}

void proc_backend_report(void *state, struct backend_report *out)
{
    const struct proc_workers *pw = state;
    pin_plan_describe(&pw->plan, &out->worker_pus);
    out->worker_minflt = pw->minflt;
    out->worker_majflt = pw->majflt;
}

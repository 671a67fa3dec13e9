/* spawn.c: backend `spawn`, the article's bpe_v4_mp_spawn_time: each merge,
 * copy the live pairs and start W fresh processes of the bpescan executable
 * with posix_spawn (no inherited address space); each receives its chunk
 * serialised through a pipe, scans, replies and exits. */
#include "backend.h"
#include "pinning.h"
#include "procs.h"
#include "scanproto.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct spawn_state {
    unsigned w;
    struct pin_plan plan;
    char *worker_exe;
    struct proc *procs;
    struct scan_set copy;
    struct scan_mode mode;
    struct request_writer request;
    uint64_t merge;
    int64_t minflt, majflt;
};

static void spawn_destroy(void *state)
{
    struct spawn_state *s = state;
    for (unsigned i = 0; i < s->w; i++)
        proc_kill(&s->procs[i]);
    pin_plan_free(&s->plan);
    request_writer_free(&s->request);
    free(s->worker_exe);
    scan_set_free(&s->copy);
    free(s->procs);
    free(s);
}

/* bpescan lives next to the running bpetrain (bin/, or a sanitizer
 * build's own bin/), so the two always come from the same build. */
static char *find_worker_exe(const char *self)
{
    const char *slash = self ? strrchr(self, '/') : NULL;
    size_t dir = slash ? (size_t)(slash - self) + 1 : 0;
    char *path = xmalloc(dir + 16);
    memcpy(path, self, dir);
    strcpy(path + dir, "bpescan");
    return path;
}

static int spawn_init(void **state, const struct backend_config *cfg,
                      const struct pair_table *pt, char *err, size_t errlen)
{
    (void)pt;
    struct spawn_state *s = xcalloc(1, sizeof *s);
    s->w = cfg->workers;
    s->procs = xcalloc(s->w, sizeof *s->procs);
    s->worker_exe = find_worker_exe(cfg->self_exe);
    s->mode.layout = cfg->layout;
    s->mode.touch = cfg->touch;
    *state = s;
    if (access(s->worker_exe, X_OK) < 0) {
        errf(err, errlen, "backend spawn: worker executable %s not found (run make)",
             s->worker_exe);
        spawn_destroy(s);
        return -1;
    }
    if (pin_plan_init(&s->plan, cfg->pin, s->w, err, errlen) < 0) {
        spawn_destroy(s);
        return -1;
    }
    return 0;
}

static int spawn_copy(void *state, const struct pair_table *pt, char *err, size_t errlen)
{
    (void)err, (void)errlen;
    struct spawn_state *s = state;
    scan_set_fill(&s->copy, s->mode.layout, pt->live, pt->n_live);
    return 0;
}

static int spawn_select(void *state, const struct pair_table *pt, struct select_result *out,
                        char *err, size_t errlen)
{
    struct spawn_state *s = state;
    const struct vocab *v = pt->vocab;
    char why[256], worker[16], pu[16];
    int rc = 0;
    for (unsigned i = 0; i < s->w && rc == 0; i++) {
        snprintf(worker, sizeof worker, "%u", i);
        snprintf(pu, sizeof pu, "%d", s->plan.pu_os[i]);
        char *argv[] = {"bpescan", "--worker", worker, "--pu", pu, NULL};
        if (proc_spawn(&s->procs[i], s->worker_exe, argv, why, sizeof why) < 0) {
            rc = errf(err, errlen, "backend spawn: worker %u: %s", i, why);
            break;
        }
        size_t begin, end;
        chunk_range(s->copy.n, s->w, i, &begin, &end);
        scan_request_build(&s->request, &s->copy, begin, end, v, i, s->merge, s->mode);
        if (proc_write(&s->procs[i], s->request.out.data, s->request.out.len, why,
                       sizeof why) < 0)
            rc = errf(err, errlen, "backend spawn: worker %u failed: %s", i, why);
        else
            proc_close_request(&s->procs[i]); /* one request, then end of input */
    }
    if (rc == 0)
        rc = scan_collect("spawn", s->procs, s->w, v, pt->live_id, s->copy.n, out, &s->minflt,
                          &s->majflt, err, errlen);
    for (unsigned i = 0; i < s->w && rc == 0; i++)
        if (proc_wait(&s->procs[i], why, sizeof why) < 0)
            rc = errf(err, errlen, "backend spawn: worker %u failed: %s", i, why);
    for (unsigned i = 0; i < s->w; i++)
        proc_kill(&s->procs[i]);
    s->merge++;
    return rc;
}

static void spawn_report(void *state, struct backend_report *out)
{
    struct spawn_state *s = state;
    pin_plan_describe(&s->plan, out->worker_pus, sizeof out->worker_pus);
    out->worker_minflt = s->minflt;
    out->worker_majflt = s->majflt;
}

const struct merge_backend backend_spawn = {
    .name = "spawn",
    .honours_layout = 1,
    .description = "each merge: posix_spawn W fresh worker processes and send each its "
                   "chunk serialised (bpe_v4_mp_spawn)",
    .init = spawn_init,
    .destroy = spawn_destroy,
    .copy = spawn_copy,
    .select = spawn_select,
    .report = spawn_report,
};

/* spawn.c: backend `spawn`, the article's bpe_v4_mp_spawn_time: each merge,
 * copy the live pairs and start W fresh processes of the bpescan executable
 * with posix_spawn (no inherited address space); each receives its chunk
 * serialised through a pipe, scans, replies and exits. */
#include "backend.h"
#include "procworkers.h"
#include "util.h"
#include "wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct spawn_state {
    struct proc_workers pw; /* first: the shared copy and report read it */
    char *worker_exe;
    struct request_writer request;
};

static const struct backend_option spawn_options[] = {PROC_WORKERS_OPTIONS, {NULL, NULL, NULL}};

/* bpescan lives next to the running executable (bin/, or a sanitizer
 * build's own bin/), so the two always come from the same build. A program
 * that is not in that directory names it: the Python module in the config,
 * a test in BPEBENCH_BPESCAN. */
static char *find_worker_exe(const struct backend_config *cfg)
{
    if (cfg->worker_exe)
        return xstrdup(cfg->worker_exe);
    const char *named = getenv("BPEBENCH_BPESCAN");
    if (named && *named)
        return xstrdup(named);
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    self[n > 0 ? n : 0] = 0;
    const char *slash = strrchr(self, '/');
    size_t dir = slash ? (size_t)(slash - self) + 1 : 0;
    char *path = xmalloc(dir + 16);
    memcpy(path, self, dir);
    strcpy(path + dir, "bpescan");
    return path;
}

static void spawn_destroy(void *state)
{
    struct spawn_state *s = state;
    proc_workers_free(&s->pw);
    request_writer_free(&s->request);
    free(s->worker_exe);
    free(s);
}

static int spawn_init(void **state, const struct backend_config *cfg,
                      const struct pair_table *pt, char *err, size_t errlen)
{
    (void)pt;
    struct spawn_state *s = xcalloc(1, sizeof *s);
    *state = s;
    s->worker_exe = find_worker_exe(cfg);
    if (access(s->worker_exe, X_OK) < 0)
        return errf(err, errlen, "worker executable %s not found (run make)", s->worker_exe);
    return proc_workers_init(&s->pw, cfg, 0, err, errlen);
}

/* Starts worker i and sends it its one request, then end of input. */
static int spawn_one(struct spawn_state *s, const struct vocab *v, unsigned i, char *err,
                     size_t errlen)
{
    struct proc_workers *pw = &s->pw;
    char why[256], worker[16], pu[16];
    snprintf(worker, sizeof worker, "%u", i);
    snprintf(pu, sizeof pu, "%d", pw->plan.pu_os[i]);
    char *argv[] = {"bpescan", "--worker", worker, "--pu", pu, NULL};
    if (proc_spawn(&pw->procs[i], s->worker_exe, argv, why, sizeof why) < 0)
        return errf(err, errlen, "worker %u: %s", i, why);
    if (proc_workers_send(pw, &s->request, v, i, i, err, errlen) < 0)
        return -1;
    proc_close_request(&pw->procs[i]);
    return 0;
}

static int spawn_select(void *state, const struct pair_table *pt, struct select_result *out,
                        char *err, size_t errlen)
{
    struct spawn_state *s = state;
    struct proc_workers *pw = &s->pw;
    int rc = 0;
    for (unsigned i = 0; i < pw->w && rc == 0; i++)
        rc = spawn_one(s, pt->vocab, i, err, errlen);
    if (rc == 0)
        rc = proc_workers_collect(pw, NULL, pt->vocab, pt->live_id, pw->copy.n, out, err,
                                  errlen);
    if (rc == 0)
        rc = proc_workers_wait(pw, err, errlen);
    proc_workers_kill(pw);
    pw->merge++;
    return rc;
}

const struct merge_backend backend_spawn = {
    .name = "spawn",
    .description = "each merge: posix_spawn W fresh worker processes and send each its "
                   "chunk serialised",
    .kind = BACKEND_PROCESSES,
    .article = "bpe_v4_mp_spawn_time",
    .bench = 1,
    .options = spawn_options,
    .init = spawn_init,
    .destroy = spawn_destroy,
    .copy = proc_backend_copy,
    .select = spawn_select,
    .report = proc_backend_report,
};

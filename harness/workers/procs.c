/* procs.c: worker processes (see procs.h). */
#define _GNU_SOURCE
#include "procs.h"

#include "cleanup.h"
#include "io.h"
#include "sys.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static atomic_int openmp_used;

void procs_note_openmp_used(void)
{
    atomic_store(&openmp_used, 1);
}

int procs_fork_is_unsafe(void)
{
    return atomic_load(&openmp_used);
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* Moves fd to exactly `target`, whatever it was. */
static int move_fd(int fd, int target)
{
    if (fd == target)
        return fcntl(fd, F_SETFD, 0);
    return dup2(fd, target) < 0 ? -1 : 0;
}

int proc_fork(struct proc *p, proc_main_fn fn, void *arg, int with_request_pipe, char *err,
              size_t errlen)
{
    memset(p, 0, sizeof *p);
    p->to_fd = p->from_fd = -1;
    int req[2] = {-1, -1}, rep[2];
    if ((with_request_pipe && sys_pipe2(req, O_CLOEXEC) < 0) ||
        sys_pipe2(rep, O_CLOEXEC) < 0) {
        int e = errno;
        close_fd(&req[0]);
        close_fd(&req[1]);
        return errf(err, errlen, "cannot create a pipe: %s", strerror(e));
    }
    fflush(NULL);
    pid_t pid = sys_fork();
    if (pid < 0) {
        int e = errno;
        close_fd(&req[0]);
        close_fd(&req[1]);
        close_fd(&rep[0]);
        close_fd(&rep[1]);
        return errf(err, errlen, "cannot fork: %s", strerror(e));
    }
    if (pid == 0) {
        cleanup_in_child();
        /* Own pipes to fds 3 and 4 (via high numbers, so the moves cannot
         * clobber each other), everything else above 4 closed. */
        int in = with_request_pipe ? fcntl(req[0], F_DUPFD, 100) : -1;
        int out = fcntl(rep[1], F_DUPFD, 100);
        if (out < 0 || (with_request_pipe && in < 0) ||
            (with_request_pipe && move_fd(in, 3) < 0) || move_fd(out, 4) < 0)
            _exit(120);
        close_range(5, ~0U, 0);
        if (!with_request_pipe)
            close(3);
        _exit(fn(arg, with_request_pipe ? 3 : -1, 4));
    }
    close_fd(&req[0]);
    close_fd(&rep[1]);
    cleanup_add_child(pid);
    p->pid = pid;
    p->to_fd = req[1];
    p->from_fd = rep[0];
    return 0;
}

int proc_spawn(struct proc *p, const char *path, char *const argv[], char *err,
               size_t errlen)
{
    memset(p, 0, sizeof *p);
    p->to_fd = p->from_fd = -1;
    int req[2], rep[2];
    if (sys_pipe2(req, O_CLOEXEC) < 0)
        return errf(err, errlen, "cannot create a pipe: %s", strerror(errno));
    if (sys_pipe2(rep, O_CLOEXEC) < 0) {
        int e = errno;
        close(req[0]);
        close(req[1]);
        return errf(err, errlen, "cannot create a pipe: %s", strerror(e));
    }
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, req[0], 0);
    posix_spawn_file_actions_adddup2(&fa, rep[1], 1);
    posix_spawnattr_init(&attr);
    /* The driver ignores SIGPIPE; a worker should die of it as usual. */
    sigset_t def;
    sigemptyset(&def);
    sigaddset(&def, SIGPIPE);
    posix_spawnattr_setsigdefault(&attr, &def);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
    pid_t pid;
    int e = sys_posix_spawn(&pid, path, &fa, &attr, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    close(req[0]);
    close(rep[1]);
    if (e) {
        close(req[1]);
        close(rep[0]);
        return errf(err, errlen, "cannot spawn %s: %s", path, strerror(e));
    }
    cleanup_add_child(pid);
    p->pid = pid;
    p->to_fd = req[1];
    p->from_fd = rep[0];
    return 0;
}

/* "exited with status 3", "killed by signal 6 (Aborted)". */
static void describe_status(int status, char *out, size_t outlen)
{
    if (WIFEXITED(status))
        snprintf(out, outlen, "exited with status %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(out, outlen, "killed by signal %d (%s)", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
    else
        snprintf(out, outlen, "stopped (status 0x%x)", status);
}

static int reap(struct proc *p, int options)
{
    if (p->pid <= 0 || p->reaped)
        return p->reaped;
    for (;;) {
        pid_t r = sys_waitpid(p->pid, &p->status, options);
        if (r == p->pid) {
            p->reaped = 1;
            cleanup_remove_child(p->pid);
            return 1;
        }
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            /* Not our child any more (already reaped elsewhere). */
            p->reaped = 1;
            p->status = 0;
            cleanup_remove_child(p->pid);
            return 1;
        }
        return 0;
    }
}

/* After a pipe failed: give a dying worker a moment to finish dying, so
 * the report names its real cause, then kill whatever is left. */
static void explain_failure(struct proc *p, const char *what, char *why, size_t whylen)
{
    for (int i = 0; i < 50 && !reap(p, WNOHANG); i++)
        usleep(2000);
    if (p->reaped) {
        char st[96];
        describe_status(p->status, st, sizeof st);
        if (WIFEXITED(p->status) && WEXITSTATUS(p->status) == 0)
            snprintf(why, whylen, "%s (worker exited with status 0)", what);
        else
            snprintf(why, whylen, "%s", st);
    } else {
        snprintf(why, whylen, "%s", what);
    }
    proc_kill(p);
}

int proc_write(struct proc *p, const void *buf, size_t len, char *why, size_t whylen)
{
    if (io_write_full(p->to_fd, buf, len) == 0)
        return 0;
    char what[128];
    snprintf(what, sizeof what, "cannot send it work: %s", strerror(errno));
    explain_failure(p, what, why, whylen);
    return -1;
}

int proc_read(struct proc *p, void *buf, size_t len, char *why, size_t whylen)
{
    ssize_t got = io_read_full(p->from_fd, buf, len);
    if (got == (ssize_t)len)
        return 0;
    char what[160];
    if (got < 0)
        snprintf(what, sizeof what, "cannot read its reply: %s", strerror(errno));
    else if (got == 0)
        snprintf(what, sizeof what, "closed its pipe without replying");
    else
        snprintf(what, sizeof what, "short reply (%zd of %zu bytes)", got, len);
    explain_failure(p, what, why, whylen);
    return -1;
}

void proc_close_request(struct proc *p)
{
    close_fd(&p->to_fd);
}

int proc_wait(struct proc *p, char *why, size_t whylen)
{
    close_fd(&p->to_fd);
    reap(p, 0);
    close_fd(&p->from_fd);
    if (WIFEXITED(p->status) && WEXITSTATUS(p->status) == 0)
        return 0;
    describe_status(p->status, why, whylen);
    return -1;
}

void proc_kill(struct proc *p)
{
    if (p->pid > 0 && !p->reaped) {
        kill(p->pid, SIGKILL);
        reap(p, 0);
    }
    close_fd(&p->to_fd);
    close_fd(&p->from_fd);
}

/* procs.h: worker processes for the process backends (fork, pool, spawn).
 *
 * One `struct proc` per child: its pid and the parent's ends of its pipes.
 * Every read and write goes through here so that a worker that dies (a
 * signal, a non-zero exit, a closed pipe, a short reply) is reported with
 * its cause instead of hanging the driver, and every child is reaped. */
#ifndef PROCS_H
#define PROCS_H

#include <stddef.h>
#include <sys/types.h>

struct proc {
    pid_t pid;     /* 0 when there is no child */
    int to_fd;     /* parent's end of the request pipe, or -1 */
    int from_fd;   /* parent's end of the reply pipe, or -1 */
    int reaped;
    int status;    /* waitpid status, once reaped */
};

/* The child's side of a forked worker: reads requests from in_fd (-1 when
 * the worker was given no request pipe), writes replies to out_fd, returns
 * its exit status. */
typedef int (*proc_main_fn)(void *arg, int in_fd, int out_fd);

/* Forks a child that runs fn and exits with its result. In the child every
 * inherited descriptor but stdin/stdout/stderr and its own pipes is closed,
 * so a sibling's pipe never stays open in another worker (which would hide
 * that sibling's death from the parent). */
int proc_fork(struct proc *p, proc_main_fn fn, void *arg, int with_request_pipe, char *err,
              size_t errlen);

/* Starts an executable with posix_spawn, its stdin the request pipe and its
 * stdout the reply pipe. No address space is inherited. */
int proc_spawn(struct proc *p, const char *path, char *const argv[], char *err,
               size_t errlen);

/* Writes or reads exactly len bytes. On failure (-1) `why` says what
 * happened to the worker: its exit status or signal, or that it closed its
 * pipe, or how short the reply was; the worker is then killed and reaped. */
int proc_write(struct proc *p, const void *buf, size_t len, char *why, size_t whylen);
int proc_read(struct proc *p, void *buf, size_t len, char *why, size_t whylen);

/* Closes the request pipe (the worker sees end of input). */
void proc_close_request(struct proc *p);

/* Waits for the worker to exit; 0 when it exited with status 0, else -1
 * with the cause in `why`. */
int proc_wait(struct proc *p, char *why, size_t whylen);

/* Kills the worker if it still runs, reaps it and closes its pipes. Safe to
 * call on any proc, any number of times. */
void proc_kill(struct proc *p);


/* Whether a process forked now could deadlock: libgomp's thread pool does
 * not survive fork, and a child that enters a parallel region after its
 * parent ran one hangs. The openmp backend sets this; fork-based backends
 * refuse to start after it. */
void procs_note_openmp_used(void);
int procs_fork_is_unsafe(void);

#endif

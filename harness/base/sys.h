/* sys.h: the system calls the harness depends on, behind one seam.
 *
 * In the spirit of SQLite's aSyscall table: every call below goes through
 * a function here, so a test can make the k-th call of one of them fail and
 * watch the harness report it cleanly (a one-line error, a non-zero exit,
 * no hang, no zombie, no partial output). Set
 *
 *   BPEBENCH_FAIL_SYSCALL=name:k[:ERRNO]
 *
 * e.g. "fork:3", "write:2:ENOSPC", "malloc:1000": the k-th call (counted
 * from 1 in this process) of `name` fails with ERRNO (default: a typical
 * errno for that call). Without the variable the seam is a direct call. */
#ifndef SYS_H
#define SYS_H

#include <pthread.h>
#include <spawn.h>
#include <stddef.h>
#include <sys/types.h>

pid_t sys_fork(void);
int sys_pipe2(int fd[2], int flags);
ssize_t sys_read(int fd, void *buf, size_t n);
ssize_t sys_write(int fd, const void *buf, size_t n);
pid_t sys_waitpid(pid_t pid, int *status, int options);
void *sys_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
/* Counted and failed as "mmap": growing a mapping is mapping memory. */
void *sys_mremap(void *old, size_t old_len, size_t new_len, int flags);
void *sys_malloc(size_t n);
void *sys_calloc(size_t n, size_t size);
void *sys_realloc(void *p, size_t n);
int sys_pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *),
                       void *arg);
int sys_rename(const char *from, const char *to);
int sys_posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
                    const posix_spawnattr_t *attr, char *const argv[], char *const envp[]);

#endif

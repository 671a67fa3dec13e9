/* sys.c: the system-call seam (see sys.h). */
#define _GNU_SOURCE
#include "sys.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

enum call { C_FORK, C_PIPE2, C_READ, C_WRITE, C_WAITPID, C_MMAP, C_MALLOC, C_PTHREAD_CREATE,
            C_RENAME, C_POSIX_SPAWN, C_COUNT };

/* The names BPEBENCH_FAIL_SYSCALL knows, in enum call's order. */
static const char *const sys_call_names[C_COUNT] = {"fork", "pipe2", "read", "write",
                                                    "waitpid", "mmap", "malloc",
                                                    "pthread_create", "rename", "posix_spawn"};

/* What a failing call reports when the test does not say. */
static const int default_errno[C_COUNT] = {EAGAIN, EMFILE, EIO, EIO, EINTR, ENOMEM,
                                           ENOMEM, EAGAIN, EIO, EAGAIN};

static const struct {
    const char *name;
    int value;
} errno_names[] = {{"EAGAIN", EAGAIN}, {"EMFILE", EMFILE}, {"EIO", EIO}, {"ENOSPC", ENOSPC},
                   {"EINTR", EINTR}, {"ENOMEM", ENOMEM}, {"EPIPE", EPIPE},
                   {"EACCES", EACCES}, {"ECHILD", ECHILD}, {"EDQUOT", EDQUOT}};

static atomic_int armed = -1;     /* -1: not parsed yet; C_COUNT: nothing to inject */
static unsigned long fail_at;
static int fail_errno;
static atomic_ulong calls;

/* Reads the test hook once. Racing threads may both parse it: the result
 * is the same, so that is harmless. */
static int arm(void)
{
    int a = atomic_load(&armed);
    if (a >= 0)
        return a;
    int which = C_COUNT;
    const char *spec = getenv("BPEBENCH_FAIL_SYSCALL");
    if (spec) {
        char name[32] = "", err[16] = "";
        unsigned long k = 0;
        if (sscanf(spec, "%31[a-z_0-9]:%lu:%15[A-Z]", name, &k, err) >= 2 && k > 0) {
            for (int i = 0; i < C_COUNT; i++)
                if (strcmp(name, sys_call_names[i]) == 0)
                    which = i;
            fail_at = k;
            fail_errno = which < C_COUNT ? default_errno[which] : 0;
            for (size_t i = 0; err[0] && i < sizeof errno_names / sizeof errno_names[0]; i++)
                if (strcmp(err, errno_names[i].name) == 0)
                    fail_errno = errno_names[i].value;
        }
        if (which == C_COUNT)
            fprintf(stderr, "bpetrain: warning: BPEBENCH_FAIL_SYSCALL='%s' not understood "
                            "(name:k[:ERRNO])\n", spec);
    }
    atomic_store(&armed, which);
    return which;
}

/* True (and errno set) when this call is the one to fail. */
static int inject(enum call c)
{
    if (__builtin_expect(arm() != (int)c, 1))
        return 0;
    if (atomic_fetch_add(&calls, 1) + 1 != fail_at)
        return 0;
    errno = fail_errno;
    return 1;
}

pid_t sys_fork(void)
{
    return inject(C_FORK) ? -1 : fork();
}

int sys_pipe2(int fd[2], int flags)
{
    return inject(C_PIPE2) ? -1 : pipe2(fd, flags);
}

ssize_t sys_read(int fd, void *buf, size_t n)
{
    return inject(C_READ) ? -1 : read(fd, buf, n);
}

ssize_t sys_write(int fd, const void *buf, size_t n)
{
    return inject(C_WRITE) ? -1 : write(fd, buf, n);
}

pid_t sys_waitpid(pid_t pid, int *status, int options)
{
    return inject(C_WAITPID) ? -1 : waitpid(pid, status, options);
}

void *sys_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    return inject(C_MMAP) ? MAP_FAILED : mmap(addr, len, prot, flags, fd, off);
}

void *sys_mremap(void *old, size_t old_len, size_t new_len, int flags)
{
    return inject(C_MMAP) ? MAP_FAILED : mremap(old, old_len, new_len, flags);
}

void *sys_malloc(size_t n)
{
    return inject(C_MALLOC) ? NULL : malloc(n);
}

void *sys_calloc(size_t n, size_t size)
{
    return inject(C_MALLOC) ? NULL : calloc(n, size);
}

void *sys_realloc(void *p, size_t n)
{
    return inject(C_MALLOC) ? NULL : realloc(p, n);
}

int sys_pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *),
                       void *arg)
{
    return inject(C_PTHREAD_CREATE) ? errno : pthread_create(t, attr, fn, arg);
}

int sys_rename(const char *from, const char *to)
{
    return inject(C_RENAME) ? -1 : rename(from, to);
}

int sys_posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
                    const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
    return inject(C_POSIX_SPAWN) ? errno : posix_spawn(pid, path, fa, attr, argv, envp);
}

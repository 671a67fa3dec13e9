/* cleanup.c: undoing a run on a fatal signal (see cleanup.h). Everything
 * the handler touches is async-signal-safe: plain loads of a fixed array,
 * kill, waitpid, unlink, write, strlen, signal and raise. */
#define _GNU_SOURCE
#include "cleanup.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_CHILDREN 4096

/* Slots are claimed and released with compare-and-swap: two trainings in
 * one process (the Python module) may start workers at the same time, and
 * lock-free atomics stay async-signal-safe for the handler. */
static atomic_int children[MAX_CHILDREN];
static const char *volatile tempfile;
static const char *volatile notice;
static const int fatal[] = {SIGINT, SIGTERM, SIGHUP};

static void on_fatal(int sig)
{
    for (int i = 0; i < MAX_CHILDREN; i++) {
        pid_t p = atomic_load(&children[i]);
        if (p > 0) {
            kill(p, SIGKILL);
            while (waitpid(p, NULL, 0) < 0 && errno == EINTR) {
            }
            atomic_store(&children[i], 0);
        }
    }
    const char *t = tempfile;
    if (t)
        unlink(t);
    const char *n = notice;
    if (n)
        (void)!write(2, n, strlen(n));
    signal(sig, SIG_DFL);
    raise(sig);
}

void cleanup_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_fatal;
    sigfillset(&sa.sa_mask); /* one cleanup at a time */
    for (size_t i = 0; i < sizeof fatal / sizeof fatal[0]; i++) {
        struct sigaction old;
        /* A signal the caller ignores (nohup, a background job) stays ignored. */
        if (sigaction(fatal[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
            continue;
        sigaction(fatal[i], &sa, NULL);
    }
}

/* Registration is rare (once per worker start) and the handler only reads,
 * so blocking the fatal signals around the update is all the locking the
 * array needs. */
static void block(sigset_t *old)
{
    sigset_t set;
    sigemptyset(&set);
    for (size_t i = 0; i < sizeof fatal / sizeof fatal[0]; i++)
        sigaddset(&set, fatal[i]);
    pthread_sigmask(SIG_BLOCK, &set, old);
}

void cleanup_add_child(pid_t pid)
{
    sigset_t old;
    block(&old);
    for (int i = 0; i < MAX_CHILDREN; i++) {
        int free_slot = 0;
        if (atomic_compare_exchange_strong(&children[i], &free_slot, pid))
            break;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
}

void cleanup_remove_child(pid_t pid)
{
    sigset_t old;
    block(&old);
    for (int i = 0; i < MAX_CHILDREN; i++) {
        int mine = pid;
        atomic_compare_exchange_strong(&children[i], &mine, 0);
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
}

void cleanup_set_tempfile(const char *path)
{
    tempfile = path;
}

void cleanup_set_notice(const char *line)
{
    notice = line;
}

void cleanup_in_child(void)
{
    for (size_t i = 0; i < sizeof fatal / sizeof fatal[0]; i++) {
        struct sigaction old;
        if (sigaction(fatal[i], NULL, &old) == 0 && old.sa_handler == on_fatal)
            signal(fatal[i], SIG_DFL);
    }
    for (int i = 0; i < MAX_CHILDREN; i++)
        atomic_store(&children[i], 0);
    tempfile = NULL;
    notice = NULL;
}

/* progress.c: the live progress line (see progress.h). */
#define _GNU_SOURCE
#include "progress.h"

#include "util.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define PROGRESS_PERIOD_NS 100000000L /* 10 redraws a second at most */

struct progress {
    pthread_t thread;
    pthread_mutex_t lock;   /* phase, total, t0, stop and the terminal line */
    pthread_cond_t wake;
    enum progress_phase phase;
    uint64_t total;
    double t0;
    int stop;
    int shown;              /* a line is on the terminal */
    _Atomic uint64_t bytes;  /* counting: added by the count threads */
    _Atomic uint64_t merges; /* merging: set by progress_merge_step */
};

/* "1:05" or "2:03:04". */
static int eta_text(char *buf, size_t size, double s)
{
    uint64_t t = (uint64_t)(s + 0.5);
    if (t >= 3600)
        return snprintf(buf, size, "%" PRIu64 ":%02u:%02u", t / 3600, (unsigned)(t / 60 % 60),
                        (unsigned)(t % 60));
    return snprintf(buf, size, "%u:%02u", (unsigned)(t / 60), (unsigned)(t % 60));
}

size_t progress_line(char *buf, size_t size, const struct progress_view *v)
{
    if (size == 0)
        return 0;
    buf[0] = '\0';
    if (v->phase == PROGRESS_NONE)
        return 0;
    double done = (double)v->done, total = (double)v->total;
    unsigned pct = v->total ? (unsigned)(100.0 * done / total) : 0;
    int n;
    if (v->phase == PROGRESS_COUNT)
        n = snprintf(buf, size, "bpetrain: counting %.1f of %.1f MB (%u%%)", done / 1e6,
                     total / 1e6, pct);
    else
        n = snprintf(buf, size, "bpetrain: merging %" PRIu64 " of %" PRIu64 " (%u%%)", v->done,
                     v->total, pct);
    /* A rate only once there is something to measure. */
    if (n >= 0 && (size_t)n < size && v->done > 0 && v->elapsed_s >= 0.05) {
        double rate = done / v->elapsed_s;
        char eta[32];
        eta_text(eta, sizeof eta, v->done < v->total ? (total - done) / rate : 0.0);
        if (v->phase == PROGRESS_COUNT)
            n += snprintf(buf + n, size - (size_t)n, ", %.1f MB/s, ETA %s", rate / 1e6, eta);
        else
            n += snprintf(buf + n, size - (size_t)n, ", %.0f merges/s, ETA %s", rate, eta);
    }
    return n < 0 ? 0 : (size_t)n < size ? (size_t)n : size - 1;
}

static void put(const char *s, size_t n)
{
    if (write(STDERR_FILENO, s, n) < 0) {
        /* nothing to do: the line is a courtesy */
    }
}

/* Redraws the line in place; called with p->lock held. */
static void draw(struct progress *p)
{
    struct progress_view v = {.phase = p->phase, .total = p->total, .elapsed_s = now_s() - p->t0};
    v.done = atomic_load_explicit(p->phase == PROGRESS_COUNT ? &p->bytes : &p->merges,
                                  memory_order_relaxed);
    if (v.done > v.total)
        v.done = v.total;
    char line[256];
    line[0] = '\r';
    size_t n = progress_line(line + 1, sizeof line - 4, &v);
    /* Never wider than the terminal: a wrapped line cannot be redrawn with \r. */
    struct winsize ws;
    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1 && n > ws.ws_col - 1u)
        n = ws.ws_col - 1u;
    memcpy(line + 1 + n, "\033[K", 3); /* erase what a longer line left */
    put(line, n + 4);
    p->shown = 1;
}

static void *progress_main(void *arg)
{
    struct progress *p = arg;
    pthread_mutex_lock(&p->lock);
    while (!p->stop) {
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        t.tv_nsec += PROGRESS_PERIOD_NS;
        if (t.tv_nsec >= 1000000000L) {
            t.tv_sec++;
            t.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&p->wake, &p->lock, &t);
        if (!p->stop && p->phase != PROGRESS_NONE)
            draw(p);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

struct progress *progress_start(void)
{
    if (!isatty(STDERR_FILENO))
        return NULL;
    struct progress *p = xcalloc(1, sizeof *p);
    pthread_mutex_init(&p->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&p->wake, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&p->thread, NULL, progress_main, p) != 0) {
        pthread_cond_destroy(&p->wake);
        pthread_mutex_destroy(&p->lock);
        free(p);
        return NULL; /* no line, no harm */
    }
    return p;
}

/* Enters a phase and draws it at once, so that even a phase shorter than
 * the period shows. */
static void enter(struct progress *p, enum progress_phase phase, uint64_t total)
{
    pthread_mutex_lock(&p->lock);
    p->phase = phase;
    p->total = total;
    p->t0 = now_s();
    atomic_store(&p->bytes, 0);
    atomic_store(&p->merges, 0);
    if (phase != PROGRESS_NONE)
        draw(p);
    else if (p->shown)
        put("\r\033[K", 4);
    if (phase == PROGRESS_NONE)
        p->shown = 0;
    pthread_mutex_unlock(&p->lock);
}

_Atomic uint64_t *progress_count(struct progress *p, uint64_t total_bytes)
{
    if (!p)
        return NULL;
    enter(p, PROGRESS_COUNT, total_bytes);
    return &p->bytes;
}

void *progress_merge(struct progress *p, uint64_t target)
{
    if (!p)
        return NULL;
    enter(p, PROGRESS_MERGE, target);
    return p;
}

void progress_merge_step(void *ctx, uint64_t done)
{
    struct progress *p = ctx;
    if (p)
        atomic_store_explicit(&p->merges, done, memory_order_relaxed);
}

void progress_clear(struct progress *p)
{
    if (p)
        enter(p, PROGRESS_NONE, 0);
}

void progress_stop(struct progress *p)
{
    if (!p)
        return;
    progress_clear(p);
    pthread_mutex_lock(&p->lock);
    p->stop = 1;
    pthread_cond_signal(&p->wake);
    pthread_mutex_unlock(&p->lock);
    pthread_join(p->thread, NULL);
    pthread_cond_destroy(&p->wake);
    pthread_mutex_destroy(&p->lock);
    free(p);
}

/* traverse.c: the article's traversal micro-benchmark, in C.
 *
 * The article traversed a list of 5,000,000 2-tuples in a child process:
 * forked, 1.07 s in total and 0.28 s to traverse; spawned, 4.8 s and
 * 0.08 s. It guessed that the forked child's traversal was slow because
 * CPython writes reference counts as it reads, turning shared pages into
 * copy-on-write faults. Here the same traversal runs in the parent, in a
 * forked child (reading inherited memory) and in a spawned child (which
 * receives a serialised copy through a pipe and rebuilds it), over tuples
 * laid out as separately allocated objects (like a Python list) or as one
 * flat array, with and without writing a reference count at every visit.
 *
 * Output: one CSV row per measurement on stdout:
 *   where,layout,touch,repeat,n,total_s,traverse_s,child_minflt
 * total_s is start of fork/spawn to child reaped (for "parent": the
 * traversal), traverse_s is timed inside whoever traverses. */
#define _GNU_SOURCE
#include "io.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* A 2-tuple as CPython holds it, reduced to what matters here: a header
 * with the reference count, then the two items. */
struct tuple {
    int64_t refcnt;
    int64_t a, b;
};

struct flat_pair {
    int64_t a, b;
};

struct data {
    int objects;          /* 1: array of pointers to separate objects */
    size_t n;
    struct tuple **objs;
    struct flat_pair *flat;
};

struct result {
    double traverse_s;
    long minflt;
    int64_t sum;          /* so the traversal cannot be optimised away */
};

static void build(struct data *d, int objects, size_t n)
{
    d->objects = objects;
    d->n = n;
    d->objs = NULL;
    d->flat = NULL;
    if (objects) {
        d->objs = xmalloc(n * sizeof *d->objs);
        for (size_t i = 0; i < n; i++) {
            d->objs[i] = xmalloc(sizeof **d->objs);
            d->objs[i]->refcnt = 1;
            d->objs[i]->a = (int64_t)i;
            d->objs[i]->b = (int64_t)i;
        }
    } else {
        d->flat = xmalloc(n * sizeof *d->flat);
        for (size_t i = 0; i < n; i++)
            d->flat[i].a = d->flat[i].b = (int64_t)i;
    }
}

static void release(struct data *d)
{
    if (d->objs)
        for (size_t i = 0; i < d->n; i++)
            free(d->objs[i]);
    free(d->objs);
    free(d->flat);
}

static void traverse(const struct data *d, int touch, struct result *r)
{
    struct rusage ru0, ru1;
    getrusage(RUSAGE_SELF, &ru0);
    double t0 = now_s();
    int64_t sum = 0;
    if (d->objects) {
        for (size_t i = 0; i < d->n; i++) {
            struct tuple *t = d->objs[i];
            /* Py_INCREF / Py_DECREF: a write to the object's page. */
            volatile int64_t *rc = &t->refcnt;
            if (touch)
                *rc = *rc + 1;
            sum += t->a + t->b;
            if (touch)
                *rc = *rc - 1;
        }
    } else {
        for (size_t i = 0; i < d->n; i++) {
            volatile int64_t *a = &d->flat[i].a;
            if (touch)
                *a = *a;
            sum += d->flat[i].a + d->flat[i].b;
        }
    }
    r->traverse_s = now_s() - t0;
    getrusage(RUSAGE_SELF, &ru1);
    r->minflt = ru1.ru_minflt - ru0.ru_minflt;
    r->sum = sum;
}

/* A whole message or nothing: -1 on error or end of input. */
static int read_all(int fd, void *p, size_t n)
{
    return io_read_full(fd, p, n) == (ssize_t)n ? 0 : -1;
}

/* The spawned child: read n and the pairs, rebuild them in its own memory
 * in the asked layout (unpickling allocates every object anew), traverse,
 * and send the result back. */
static int child_main(int objects, int touch)
{
    uint64_t n;
    if (read_all(0, &n, sizeof n) < 0)
        return 3;
    struct flat_pair *wire = xmalloc((n ? n : 1) * sizeof *wire);
    if (read_all(0, wire, n * sizeof *wire) < 0)
        return 3;
    struct data d = {.objects = objects, .n = n};
    if (objects) {
        d.objs = xmalloc((n ? n : 1) * sizeof *d.objs);
        for (size_t i = 0; i < n; i++) {
            d.objs[i] = xmalloc(sizeof **d.objs);
            d.objs[i]->refcnt = 1;
            d.objs[i]->a = wire[i].a;
            d.objs[i]->b = wire[i].b;
        }
        free(wire);
    } else {
        d.flat = wire;
    }
    struct result r;
    traverse(&d, touch, &r);
    return io_write_full(1, &r, sizeof r) < 0 ? 3 : 0;
}

static int measure_fork(const struct data *d, int touch, double *total, struct result *r)
{
    int p[2];
    if (pipe(p) < 0)
        return -1;
    double t0 = now_s();
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        close(p[0]);
        struct result cr;
        traverse(d, touch, &cr);
        _exit(io_write_full(p[1], &cr, sizeof cr) < 0 ? 3 : 0);
    }
    close(p[1]);
    int rc = read_all(p[0], r, sizeof *r);
    close(p[0]);
    int st;
    waitpid(pid, &st, 0);
    *total = now_s() - t0;
    return rc < 0 || !WIFEXITED(st) || WEXITSTATUS(st) ? -1 : 0;
}

static int measure_spawn(const char *self, const struct data *d, int touch, double *total,
                         struct result *r)
{
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0)
        return -1;
    double t0 = now_s();
    /* Serialise (the pickling the article's spawn paid for). */
    uint64_t n = d->n;
    struct flat_pair *wire = xmalloc((n ? n : 1) * sizeof *wire);
    for (size_t i = 0; i < n; i++) {
        if (d->objects) {
            wire[i].a = d->objs[i]->a;
            wire[i].b = d->objs[i]->b;
        } else {
            wire[i] = d->flat[i];
        }
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    char *argv[] = {"traverse", "--child", d->objects ? "objects" : "flat",
                    touch ? "touch" : "notouch", NULL};
    pid_t pid;
    int e = posix_spawn(&pid, self, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(in[0]);
    close(out[1]);
    if (e) {
        free(wire);
        return -1;
    }
    int rc = io_write_full(in[1], &n, sizeof n);
    if (rc == 0)
        rc = io_write_full(in[1], wire, n * sizeof *wire);
    close(in[1]);
    free(wire);
    if (rc == 0)
        rc = read_all(out[0], r, sizeof *r);
    close(out[0]);
    int st;
    waitpid(pid, &st, 0);
    *total = now_s() - t0;
    return rc < 0 || !WIFEXITED(st) || WEXITSTATUS(st) ? -1 : 0;
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    if (argc == 4 && strcmp(argv[1], "--child") == 0)
        return child_main(strcmp(argv[2], "objects") == 0, strcmp(argv[3], "touch") == 0);
    uint64_t n = 5000000, repeat = 3;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--n") == 0 && i + 1 < argc &&
            parse_u64(argv[i + 1], 1, 1ULL << 32, &n) == 0) {
            i++;
        } else if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc &&
                   parse_u64(argv[i + 1], 1, 1000, &repeat) == 0) {
            i++;
        } else {
            fprintf(stderr, "usage: traverse [--n TUPLES (5000000)] [--repeat R (3)]\n"
                            "Times traversing N 2-tuples in the parent, a forked child and a "
                            "spawned child; CSV on stdout.\n");
            return strcmp(argv[i], "--help") == 0 ? 0 : 2;
        }
    }
    char self[4096];
    ssize_t sl = readlink("/proc/self/exe", self, sizeof self - 1);
    if (sl <= 0) {
        fprintf(stderr, "traverse: cannot find its own executable\n");
        return 1;
    }
    self[sl] = 0;
    printf("where,layout,touch,repeat,n,total_s,traverse_s,child_minflt\n");
    static const char *where[] = {"parent", "fork", "spawn"};
    for (int objects = 1; objects >= 0; objects--) {
        struct data d;
        build(&d, objects, n);
        /* The parent's own runs come first: after any fork its pages are
         * write-protected for copy-on-write, and its next writes would
         * fault too (a cost of fork the parent pays, but not the baseline
         * the article's parent had). */
        for (int w = 0; w < 3; w++) {
            for (int touch = 0; touch <= 1; touch++) {
                for (uint64_t rep = 0; rep < repeat; rep++) {
                    struct result r;
                    double total;
                    int rc = 0;
                    if (w == 0) {
                        traverse(&d, touch, &r);
                        total = r.traverse_s;
                    } else if (w == 1) {
                        rc = measure_fork(&d, touch, &total, &r);
                    } else {
                        rc = measure_spawn(self, &d, touch, &total, &r);
                    }
                    if (rc < 0) {
                        fprintf(stderr, "traverse: the %s child failed\n", where[w]);
                        return 1;
                    }
                    printf("%s,%s,%d,%llu,%llu,%.6f,%.6f,%ld\n", where[w],
                           objects ? "objects" : "flat", touch, (unsigned long long)rep,
                           (unsigned long long)n, total, r.traverse_s, r.minflt);
                    fflush(stdout);
                }
            }
        }
        release(&d);
    }
    return 0;
}

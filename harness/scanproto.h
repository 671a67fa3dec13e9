/* scanproto.h: what a process worker is asked and what it answers.
 *
 * Every parallel backend splits the live pairs the way the article did:
 * W-1 equal chunks, the remainder added to the last. A worker finds its
 * chunk's best pair with the one shared scan (live_scan_best) and replies
 * with it, its scan time and its page faults. Forked workers read their
 * chunk from inherited memory; pool and spawn workers receive it
 * serialised: the pairs, and the bytes of every token they name, which the
 * tie-break needs. */
#ifndef SCANPROTO_H
#define SCANPROTO_H

#include <stddef.h>
#include <stdint.h>

#include "backend.h"
#include "pairs.h"
#include "util.h"
#include "vocab.h"

/* Chunk i of n items over w workers. */
static inline void chunk_range(size_t n, unsigned w, unsigned i, size_t *begin, size_t *end)
{
    size_t size = n / w;
    *begin = (size_t)i * size;
    *end = i + 1 == w ? n : *begin + size;
}

#define SCAN_REPLY_MAGIC 0x5343524bu /* "SCRK" */

struct scan_reply {
    uint32_t magic;
    int32_t found;       /* 0: the chunk was empty */
    uint64_t index;      /* the best pair's index within the chunk */
    int64_t count;
    uint32_t a, b;
    double compute_s;    /* the scan alone, timed inside the worker */
    int64_t minflt, majflt; /* the worker's own faults during the scan */
};

/* Scans pairs[begin, end) with the given token table and fills r. */
void scan_chunk(const struct vocab *v, const struct live_pair *pairs, size_t begin, size_t end,
                struct scan_reply *r);

/* A process backend's copy of the live pairs, in one of two layouts: one
 * flat array, or, the way a Python list of tuples is laid out, an array of
 * pointers to separately allocated objects, each with a reference count. */
struct pair_obj {
    int64_t refcnt;
    struct live_pair p;
};

struct scan_set {
    enum pair_layout layout;
    size_t n;
    struct live_pair *flat;  /* LAYOUT_FLAT */
    struct pair_obj **objs;  /* LAYOUT_OBJECTS */
};

/* Replaces s's contents with a fresh copy of src[0..n): new memory every
 * time, as the article's list(pair_counts.items()) is. */
void scan_set_fill(struct scan_set *s, enum pair_layout layout, const struct live_pair *src,
                   size_t n);
void scan_set_free(struct scan_set *s);
static inline const struct live_pair *scan_set_at(const struct scan_set *s, size_t i)
{
    return s->layout == LAYOUT_FLAT ? &s->flat[i] : &s->objs[i]->p;
}

/* Scans entries [begin, end) of s. With touch, writes to every entry it
 * visits, as CPython's Py_INCREF/Py_DECREF do during a read-only loop
 * (objects: increment then decrement the count; flat: store the count
 * back), which is what turns a forked child's reads into copy-on-write
 * faults. */
void scan_set_chunk(const struct vocab *v, const struct scan_set *s, size_t begin, size_t end,
                    int touch, struct scan_reply *r);

/* Index of the best reply among n (all from one select), or -1 if none
 * found a pair. The reduction every parallel backend shares. */
int scan_reduce(const struct vocab *v, const struct scan_reply *r, unsigned n);

/* How a request asks the worker to lay out and scan its chunk. */
struct scan_mode {
    enum pair_layout layout;
    int touch;
};

/* Builds requests; kept by a backend between merges (zero-initialised).
 * `mark` remembers which tokens the current request already names. */
struct request_writer {
    struct buf out;   /* the last request built */
    uint32_t *mark;
    uint32_t mark_cap, stamp;
};

/* Serialises entries [begin, end) of s into w->out (replacing it): header,
 * pairs, then (id, length) and bytes of each token the pairs name. */
void scan_request_build(struct request_writer *w, const struct scan_set *s, size_t begin,
                        size_t end, const struct vocab *v, unsigned worker, uint64_t merge,
                        struct scan_mode mode);
void request_writer_free(struct request_writer *w);

/* Deserialises a request built by scan_request_build into fresh memory: the
 * pairs in the requested layout, and a token table holding the tokens the
 * request named (v's arrays are replaced). Returns 0, or -1 if malformed.
 * The fork-deepcopy backend uses it on its own copy. */
int scan_request_parse(const unsigned char *req, size_t len, struct scan_set *s,
                       struct vocab *v, struct scan_mode *mode, uint64_t *merge);


/* The worker's loop: read a request, scan, reply; until end of input.
 * Returns the process exit status. Used by pool children and by the
 * spawned bpescan executable. */
int scan_worker_serve(int in_fd, int out_fd, unsigned worker);

/* Fault injection for tests: BPEBENCH_WORKER_FAIL="k:m[:mode]" makes
 * worker k fail at merge m; mode is abort (default: SIGABRT), exit
 * (status 3), close (closes its reply pipe and keeps running), or short
 * (writes half a reply and exits 0). Called by every worker before it
 * replies. */
void scan_fault_point(unsigned worker, uint64_t merge, int out_fd);

/* Writes all of a reply; -1 on error (the parent is gone). */
int scan_reply_write(int fd, const struct scan_reply *r);

struct proc;

/* The parent's side, shared by fork, pool and spawn: reads one reply from
 * each of the w workers, checks it, reduces, and maps the winner back to
 * its stable pair id through `ids` (the live_id entries the chunks were
 * cut from). Adds the workers' faults to *minflt, *majflt. On any failure
 * kills and reaps every worker and returns -1 with a one-line error
 * naming the backend, the worker and the cause. */
int scan_collect(const char *backend, struct proc *procs, unsigned w, const struct vocab *v,
                 const uint32_t *ids, size_t n_ids, struct select_result *out,
                 int64_t *minflt, int64_t *majflt, char *err, size_t errlen);

#endif

/* scan.h: the select step's scan and reduce, shared by every backend that
 * splits the live pairs among workers (pthread, fork, fork-deepcopy, pool,
 * spawn; openmp lets its schedule split them and reduces with its own
 * declared reduction, under the same tie-break; mpi splits with chunk_range
 * and scans with scan_chunk, but reduces over the ranks with MPI_Allreduce).
 *
 * The live pairs are split the way the article did: W-1 equal chunks, the
 * remainder added to the last. A worker finds its chunk's best pair with
 * the one shared scan (live_scan_best, pairs.h), timed inside the worker,
 * and the replies are reduced under the tie-break of vocab.h. */
#ifndef SCAN_H
#define SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "backend.h"
#include "pairs.h"
#include "vocab.h"

/* Chunk i of n items over w workers. */
static inline void chunk_range(size_t n, unsigned w, unsigned i, size_t *begin, size_t *end)
{
    size_t size = n / w;
    *begin = (size_t)i * size;
    *end = i + 1 == w ? n : *begin + size;
}

#define SCAN_REPLY_MAGIC 0x5343524bu /* "SCRK" */

/* A worker's answer for its chunk; also the wire format of a reply. */
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

/* How a process backend lays out its per-merge copy of the pairs (option
 * layout=flat|objects) and whether its workers write to every entry they
 * scan (option touch). */
enum pair_layout { LAYOUT_FLAT, LAYOUT_OBJECTS };

struct scan_mode {
    enum pair_layout layout;
    int touch;
};

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

/* Scans entries [begin, end) of s. With touch, writes to every entry it
 * visits, as CPython's Py_INCREF/Py_DECREF do during a read-only loop
 * (objects: increment then decrement the count; flat: store the count
 * back), which is what turns a forked child's reads into copy-on-write
 * faults. */
void scan_set_chunk(const struct vocab *v, const struct scan_set *s, size_t begin, size_t end,
                    int touch, struct scan_reply *r);

/* The reduction the chunking backends of one process share: the best of
 * the w replies (reply i is chunk i of the n_ids live pairs whose stable
 * ids are `ids`), mapped back to its stable pair id; compute_s is the
 * longest scan. Adds the workers' faults to *minflt, *majflt. Returns 0, or -1 when the
 * winning reply's index lies outside its chunk (a malformed reply). */
int scan_replies_reduce(const struct vocab *v, const struct scan_reply *r, unsigned w,
                        const uint32_t *ids, size_t n_ids, struct select_result *out,
                        int64_t *minflt, int64_t *majflt);

#endif

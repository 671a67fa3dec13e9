/* scanproto.c: the worker's side of the process backends, and the pieces
 * of select that every parallel backend shares (see scanproto.h). */
#define _GNU_SOURCE
#include "scanproto.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "procs.h"

#define SCAN_REQUEST_MAGIC 0x53435251u /* "SCRQ" */

struct request_header {
    uint32_t magic;
    uint32_t worker;
    uint64_t merge;
    uint64_t n_pairs;
    uint32_t id_limit;  /* one past the largest token id named */
    uint32_t n_tokens;
    uint64_t bytes_len;
};

struct token_entry {
    uint32_t id, len;
};

void scan_chunk(const struct vocab *v, const struct live_pair *pairs, size_t begin, size_t end,
                struct scan_reply *r)
{
    struct rusage ru0, ru1;
    memset(r, 0, sizeof *r);
    r->magic = SCAN_REPLY_MAGIC;
    getrusage(RUSAGE_THREAD, &ru0);
    double t0 = now_s();
    size_t best = live_scan_best(v, pairs, begin, end);
    r->compute_s = now_s() - t0;
    getrusage(RUSAGE_THREAD, &ru1);
    r->minflt = ru1.ru_minflt - ru0.ru_minflt;
    r->majflt = ru1.ru_majflt - ru0.ru_majflt;
    if (best < end) {
        r->found = 1;
        r->index = best - begin;
        r->count = pairs[best].count;
        r->a = pairs[best].a;
        r->b = pairs[best].b;
    }
}

int scan_reduce(const struct vocab *v, const struct scan_reply *r, unsigned n)
{
    int best = -1;
    for (unsigned i = 0; i < n; i++) {
        if (!r[i].found)
            continue;
        if (best < 0 || pair_rank_cmp(v, r[i].count, r[i].a, r[i].b, r[best].count,
                                      r[best].a, r[best].b) > 0)
            best = (int)i;
    }
    return best;
}

void scan_request_build(struct buf *out, const struct live_pair *pairs, size_t n,
                        const struct vocab *v, uint32_t *mark, uint32_t *stamp_io,
                        unsigned worker, uint64_t merge)
{
    /* mark[id] == stamp: named by this chunk, not yet written; stamp - 1:
     * written. Stamps advance by 2 per call, so older marks never match. */
    *stamp_io += 2;
    uint32_t stamp = *stamp_io;
    struct request_header h = {.magic = SCAN_REQUEST_MAGIC, .worker = worker, .merge = merge,
                               .n_pairs = n};
    /* First pass: which tokens, and how many bytes. */
    for (size_t i = 0; i < n; i++) {
        uint32_t ids[2] = {pairs[i].a, pairs[i].b};
        for (int k = 0; k < 2; k++) {
            if (mark[ids[k]] == stamp)
                continue;
            mark[ids[k]] = stamp;
            h.n_tokens++;
            h.bytes_len += v->len[ids[k]];
            if (ids[k] + 1 > h.id_limit)
                h.id_limit = ids[k] + 1;
        }
    }
    out->len = 0;
    buf_reserve(out, sizeof h + n * sizeof *pairs + h.n_tokens * sizeof(struct token_entry) +
                         h.bytes_len);
    buf_put(out, &h, sizeof h);
    buf_put(out, pairs, n * sizeof *pairs);
    /* Second pass: the token table, then the bytes, in first-seen order. */
    size_t table = out->len;
    out->len += h.n_tokens * sizeof(struct token_entry);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t ids[2] = {pairs[i].a, pairs[i].b};
        for (int j = 0; j < 2; j++) {
            /* mark[id] == stamp means "named, not yet written". */
            if (mark[ids[j]] != stamp)
                continue;
            mark[ids[j]] = stamp - 1;
            struct token_entry e = {ids[j], v->len[ids[j]]};
            memcpy(out->data + table + k++ * sizeof e, &e, sizeof e);
            buf_put(out, vocab_ptr(v, ids[j]), e.len);
        }
    }
}

static int read_full(int fd, void *buf, size_t len)
{
    unsigned char *d = buf;
    size_t got = 0;
    while (got < len) {
        ssize_t r = read(fd, d + got, len - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return got == 0 && r == 0 ? 0 : -1;
        got += (size_t)r;
    }
    return 1;
}

static int write_full(int fd, const void *buf, size_t len)
{
    const unsigned char *s = buf;
    while (len) {
        ssize_t w = write(fd, s, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        s += w;
        len -= (size_t)w;
    }
    return 0;
}

int scan_reply_write(int fd, const struct scan_reply *r)
{
    return write_full(fd, r, sizeof *r);
}

void scan_fault_point(unsigned worker, uint64_t merge, int out_fd)
{
    const char *spec = getenv("BPEBENCH_WORKER_FAIL");
    if (!spec)
        return;
    unsigned k;
    unsigned long long m;
    char mode[16] = "abort";
    if (sscanf(spec, "%u:%llu:%15s", &k, &m, mode) < 2 || k != worker || m != merge)
        return;
    if (strcmp(mode, "exit") == 0)
        _exit(3);
    if (strcmp(mode, "close") == 0) {
        close(out_fd);
        for (;;)
            pause();
    }
    if (strcmp(mode, "short") == 0) {
        struct scan_reply r = {.magic = SCAN_REPLY_MAGIC};
        write_full(out_fd, &r, sizeof r / 2);
        _exit(0);
    }
    abort();
}

int scan_worker_serve(int in_fd, int out_fd, unsigned worker)
{
    struct buf body = {0};
    struct vocab v;
    memset(&v, 0, sizeof v);
    int status = 0;
    for (;;) {
        struct request_header h;
        int r = read_full(in_fd, &h, sizeof h);
        if (r == 0)
            break; /* end of input: the parent is done with us */
        if (r < 0 || h.magic != SCAN_REQUEST_MAGIC) {
            status = 4;
            break;
        }
        size_t pairs_len = h.n_pairs * sizeof(struct live_pair);
        size_t table_len = h.n_tokens * sizeof(struct token_entry);
        size_t len = pairs_len + table_len + h.bytes_len;
        body.len = 0;
        buf_reserve(&body, len);
        if (read_full(in_fd, body.data, len) != 1 && len) {
            status = 4;
            break;
        }
        /* Deserialise into fresh memory: a sparse token table indexed by
         * id, so the shared scan and tie-break run unchanged. */
        struct live_pair *pairs = xmalloc(pairs_len ? pairs_len : 1);
        memcpy(pairs, body.data, pairs_len);
        free(v.off);
        free(v.len);
        free(v.bytes);
        v.n = h.id_limit;
        v.off = xcalloc(h.id_limit ? h.id_limit : 1, sizeof *v.off);
        v.len = xcalloc(h.id_limit ? h.id_limit : 1, sizeof *v.len);
        v.bytes = xmalloc(h.bytes_len ? h.bytes_len : 1);
        const unsigned char *tab = body.data + pairs_len;
        memcpy(v.bytes, tab + table_len, h.bytes_len);
        uint64_t off = 0;
        for (uint32_t i = 0; i < h.n_tokens; i++) {
            struct token_entry e;
            memcpy(&e, tab + i * sizeof e, sizeof e);
            v.off[e.id] = off;
            v.len[e.id] = e.len;
            off += e.len;
        }
        struct scan_reply rep;
        scan_chunk(&v, pairs, 0, h.n_pairs, &rep);
        free(pairs);
        scan_fault_point(worker, h.merge, out_fd);
        if (scan_reply_write(out_fd, &rep) < 0) {
            status = 5;
            break;
        }
    }
    free(v.off);
    free(v.len);
    free(v.bytes);
    buf_free(&body);
    return status;
}

int scan_collect(const char *backend, struct proc *procs, unsigned w, const struct vocab *v,
                 const uint32_t *ids, size_t n_ids, struct select_result *out,
                 int64_t *minflt, int64_t *majflt, char *err, size_t errlen)
{
    struct scan_reply *rep = xcalloc(w, sizeof *rep);
    int rc = 0;
    char why[200];
    for (unsigned i = 0; i < w && rc == 0; i++) {
        if (proc_read(&procs[i], &rep[i], sizeof rep[i], why, sizeof why) < 0)
            rc = errf(err, errlen, "backend %s: worker %u failed: %s", backend, i, why);
        else if (rep[i].magic != SCAN_REPLY_MAGIC)
            rc = errf(err, errlen, "backend %s: worker %u failed: malformed reply", backend, i);
    }
    if (rc < 0) {
        for (unsigned i = 0; i < w; i++)
            proc_kill(&procs[i]);
        free(rep);
        return rc;
    }
    out->pair_id = PAIR_NONE;
    out->compute_s = 0;
    for (unsigned i = 0; i < w; i++) {
        if (rep[i].compute_s > out->compute_s)
            out->compute_s = rep[i].compute_s;
        *minflt += rep[i].minflt;
        *majflt += rep[i].majflt;
    }
    int best = scan_reduce(v, rep, w);
    if (best >= 0) {
        size_t begin, end;
        chunk_range(n_ids, w, (unsigned)best, &begin, &end);
        size_t at = begin + rep[best].index;
        if (at >= end) {
            free(rep);
            for (unsigned i = 0; i < w; i++)
                proc_kill(&procs[i]);
            return errf(err, errlen, "backend %s: worker %d failed: reply index out of range",
                        backend, best);
        }
        out->pair_id = ids[at];
    }
    free(rep);
    return 0;
}

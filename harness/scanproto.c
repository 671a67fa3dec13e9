/* scanproto.c: the worker's side of the process backends, and the pieces
 * of select that every parallel backend shares (see scanproto.h). */
#define _GNU_SOURCE
#include "scanproto.h"

#include "sys.h"

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
    uint32_t layout;    /* enum pair_layout */
    uint32_t touch;
};

struct token_entry {
    uint32_t id, len;
};

/* Times a scan and counts its faults, inside whichever worker runs it
 * (RUSAGE_THREAD: a thread's own, or a single-threaded process's). */
struct scan_clock {
    struct rusage ru;
    double t;
};

static void clock_start(struct scan_clock *c)
{
    getrusage(RUSAGE_THREAD, &c->ru);
    c->t = now_s();
}

static void clock_stop(const struct scan_clock *c, struct scan_reply *r)
{
    r->compute_s = now_s() - c->t;
    struct rusage ru;
    getrusage(RUSAGE_THREAD, &ru);
    r->minflt = ru.ru_minflt - c->ru.ru_minflt;
    r->majflt = ru.ru_majflt - c->ru.ru_majflt;
}

static void set_found(struct scan_reply *r, size_t index, const struct live_pair *p)
{
    r->found = 1;
    r->index = index;
    r->count = p->count;
    r->a = p->a;
    r->b = p->b;
}

void scan_chunk(const struct vocab *v, const struct live_pair *pairs, size_t begin, size_t end,
                struct scan_reply *r)
{
    struct scan_clock c;
    memset(r, 0, sizeof *r);
    r->magic = SCAN_REPLY_MAGIC;
    clock_start(&c);
    size_t best = live_scan_best(v, pairs, begin, end);
    clock_stop(&c, r);
    if (best < end)
        set_found(r, best - begin, &pairs[best]);
}

void scan_set_fill(struct scan_set *s, enum pair_layout layout, const struct live_pair *src,
                   size_t n)
{
    scan_set_free(s);
    s->layout = layout;
    s->n = n;
    if (layout == LAYOUT_FLAT) {
        s->flat = xmalloc((n ? n : 1) * sizeof *s->flat);
        memcpy(s->flat, src, n * sizeof *s->flat);
        return;
    }
    s->objs = xmalloc((n ? n : 1) * sizeof *s->objs);
    for (size_t i = 0; i < n; i++) {
        s->objs[i] = xmalloc(sizeof **s->objs);
        s->objs[i]->refcnt = 1;
        s->objs[i]->p = src[i];
    }
}

void scan_set_free(struct scan_set *s)
{
    if (s->objs)
        for (size_t i = 0; i < s->n; i++)
            free(s->objs[i]);
    free(s->objs);
    free(s->flat);
    memset(s, 0, sizeof *s);
}

void scan_set_chunk(const struct vocab *v, const struct scan_set *s, size_t begin, size_t end,
                    int touch, struct scan_reply *r)
{
    if (s->layout == LAYOUT_FLAT && !touch) {
        scan_chunk(v, s->flat, begin, end, r);
        return;
    }
    struct scan_clock c;
    memset(r, 0, sizeof *r);
    r->magic = SCAN_REPLY_MAGIC;
    clock_start(&c);
    const struct live_pair *best = NULL;
    size_t best_i = 0;
    for (size_t i = begin; i < end; i++) {
        const struct live_pair *p;
        if (s->layout == LAYOUT_OBJECTS) {
            struct pair_obj *o = s->objs[i];
            /* volatile: the compiler must not fold the +1/-1 away. */
            volatile int64_t *rc = &o->refcnt;
            if (touch)
                *rc = *rc + 1;
            p = &o->p;
            if (!best || live_pair_beats(v, p, best))
                best = p, best_i = i;
            if (touch)
                *rc = *rc - 1;
        } else {
            p = &s->flat[i];
            volatile int64_t *cnt = (volatile int64_t *)&s->flat[i].count;
            *cnt = *cnt;
            if (!best || live_pair_beats(v, p, best))
                best = p, best_i = i;
        }
    }
    clock_stop(&c, r);
    if (best)
        set_found(r, best_i - begin, best);
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

void request_writer_free(struct request_writer *w)
{
    buf_free(&w->out);
    free(w->mark);
    memset(w, 0, sizeof *w);
}

void scan_request_build(struct request_writer *w, const struct scan_set *s, size_t begin,
                        size_t end, const struct vocab *v, unsigned worker, uint64_t merge,
                        struct scan_mode mode)
{
    if (w->mark_cap < v->n) {
        w->mark = xrealloc(w->mark, v->n * sizeof *w->mark);
        memset(w->mark + w->mark_cap, 0, (v->n - w->mark_cap) * sizeof *w->mark);
        w->mark_cap = v->n;
    }
    /* mark[id] == stamp: named by this chunk, not yet written; stamp - 1:
     * written. Stamps advance by 2 per call, so older marks never match. */
    w->stamp += 2;
    uint32_t stamp = w->stamp, *mark = w->mark;
    struct buf *out = &w->out;
    size_t n = end - begin;
    struct request_header h = {.magic = SCAN_REQUEST_MAGIC, .worker = worker, .merge = merge,
                               .n_pairs = n, .layout = mode.layout, .touch = (uint32_t)mode.touch};
    /* The pairs first, right after the header: flat, one copy of the whole
     * chunk; objects, gathered one by one as pickling walks a list. The
     * passes below then read them contiguously from the request itself. */
    out->len = 0;
    buf_reserve(out, sizeof h + n * sizeof(struct live_pair));
    buf_put(out, &h, sizeof h);
    if (s->layout == LAYOUT_FLAT) {
        buf_put(out, s->flat + begin, n * sizeof(struct live_pair));
    } else {
        for (size_t i = begin; i < end; i++)
            buf_put(out, &s->objs[i]->p, sizeof(struct live_pair));
    }
    const struct live_pair *pairs = (const struct live_pair *)(out->data + sizeof h);
    /* Which tokens, and how many bytes. */
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
    buf_reserve(out, h.n_tokens * sizeof(struct token_entry) + h.bytes_len);
    pairs = (const struct live_pair *)(out->data + sizeof h);
    memcpy(out->data, &h, sizeof h);
    /* The token table, then the bytes, in first-seen order. */
    size_t table = out->len;
    out->len += h.n_tokens * sizeof(struct token_entry);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t ids[2] = {pairs[i].a, pairs[i].b};
        for (int j = 0; j < 2; j++) {
            if (mark[ids[j]] != stamp)
                continue;
            mark[ids[j]] = stamp - 1;
            struct token_entry e = {ids[j], v->len[ids[j]]};
            memcpy(out->data + table + k++ * sizeof e, &e, sizeof e);
            memcpy(out->data + out->len, vocab_ptr(v, ids[j]), e.len);
            out->len += e.len;
        }
    }
}

static void vocab_release(struct vocab *v)
{
    free(v->off);
    free(v->len);
    free(v->bytes);
    memset(v, 0, sizeof *v);
}

int scan_request_parse(const unsigned char *req, size_t len, struct scan_set *s,
                       struct vocab *v, struct scan_mode *mode, uint64_t *merge)
{
    struct request_header h;
    if (len < sizeof h)
        return -1;
    memcpy(&h, req, sizeof h);
    size_t pairs_len = h.n_pairs * sizeof(struct live_pair);
    size_t table_len = h.n_tokens * sizeof(struct token_entry);
    if (h.magic != SCAN_REQUEST_MAGIC || h.layout > LAYOUT_OBJECTS ||
        len != sizeof h + pairs_len + table_len + h.bytes_len)
        return -1;
    const unsigned char *body = req + sizeof h;
    mode->layout = (enum pair_layout)h.layout;
    mode->touch = h.touch != 0;
    *merge = h.merge;
    /* Fresh memory, as unpickling makes: the pairs in the asked layout
     * (one allocation per object for LAYOUT_OBJECTS), and a sparse token
     * table indexed by id so the shared scan and tie-break run unchanged. */
    scan_set_free(s);
    s->layout = mode->layout;
    s->n = h.n_pairs;
    if (s->layout == LAYOUT_FLAT) {
        s->flat = xmalloc(pairs_len ? pairs_len : 1);
        memcpy(s->flat, body, pairs_len);
    } else {
        s->objs = xmalloc((h.n_pairs ? h.n_pairs : 1) * sizeof *s->objs);
        for (size_t i = 0; i < h.n_pairs; i++) {
            s->objs[i] = xmalloc(sizeof **s->objs);
            s->objs[i]->refcnt = 1;
            memcpy(&s->objs[i]->p, body + i * sizeof(struct live_pair),
                   sizeof(struct live_pair));
        }
    }
    vocab_release(v);
    v->n = h.id_limit;
    v->off = xcalloc(h.id_limit ? h.id_limit : 1, sizeof *v->off);
    v->len = xcalloc(h.id_limit ? h.id_limit : 1, sizeof *v->len);
    v->bytes = xmalloc(h.bytes_len ? h.bytes_len : 1);
    const unsigned char *tab = body + pairs_len;
    memcpy(v->bytes, tab + table_len, h.bytes_len);
    uint64_t off = 0;
    for (uint32_t i = 0; i < h.n_tokens; i++) {
        struct token_entry e;
        memcpy(&e, tab + i * sizeof e, sizeof e);
        if (e.id >= h.id_limit || off + e.len > h.bytes_len)
            return -1;
        v->off[e.id] = off;
        v->len[e.id] = e.len;
        off += e.len;
    }
    return 0;
}

static int read_full(int fd, void *buf, size_t len)
{
    unsigned char *d = buf;
    size_t got = 0;
    while (got < len) {
        ssize_t r = sys_read(fd, d + got, len - got);
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
        ssize_t w = sys_write(fd, s, len);
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
    struct buf req = {0};
    struct vocab v;
    struct scan_set set;
    memset(&v, 0, sizeof v);
    memset(&set, 0, sizeof set);
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
        size_t len = h.n_pairs * sizeof(struct live_pair) +
                     h.n_tokens * sizeof(struct token_entry) + h.bytes_len;
        req.len = 0;
        buf_put(&req, &h, sizeof h);
        buf_reserve(&req, len);
        if (len && read_full(in_fd, req.data + req.len, len) != 1) {
            status = 4;
            break;
        }
        req.len += len;
        struct scan_mode mode;
        uint64_t merge;
        if (scan_request_parse(req.data, req.len, &set, &v, &mode, &merge) < 0) {
            status = 4;
            break;
        }
        struct scan_reply rep;
        scan_set_chunk(&v, &set, 0, set.n, mode.touch, &rep);
        scan_set_free(&set);
        scan_fault_point(worker, merge, out_fd);
        if (scan_reply_write(out_fd, &rep) < 0) {
            status = 5;
            break;
        }
    }
    scan_set_free(&set);
    vocab_release(&v);
    buf_free(&req);
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

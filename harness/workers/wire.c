/* wire.c: requests and replies as bytes (see wire.h). */
#include "wire.h"

#include "io.h"

#include <stdlib.h>
#include <string.h>

struct token_entry {
    uint32_t id, len;
};

size_t request_body_len(const struct request_header *h)
{
    if (h->magic != SCAN_REQUEST_MAGIC || h->layout > LAYOUT_OBJECTS ||
        h->n_pairs > SIZE_MAX / 2 / sizeof(struct live_pair) ||
        h->bytes_len > SIZE_MAX / 4)
        return SIZE_MAX;
    return h->n_pairs * sizeof(struct live_pair) + h->n_tokens * sizeof(struct token_entry) +
           h->bytes_len;
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

int scan_request_parse(const unsigned char *req, size_t len, struct scan_set *s,
                       struct vocab *v, struct scan_mode *mode, uint64_t *merge)
{
    struct request_header h;
    if (len < sizeof h)
        return -1;
    memcpy(&h, req, sizeof h);
    size_t body_len = request_body_len(&h);
    if (body_len == SIZE_MAX || len != sizeof h + body_len)
        return -1;
    size_t pairs_len = h.n_pairs * sizeof(struct live_pair);
    size_t table_len = h.n_tokens * sizeof(struct token_entry);
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
    vocab_free(v);
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

int scan_reply_write(int fd, const struct scan_reply *r)
{
    return io_write_full(fd, r, sizeof *r);
}

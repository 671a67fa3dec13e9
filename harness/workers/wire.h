/* wire.h: what a process worker is asked and what it answers, as bytes.
 *
 * Forked workers read their chunk from inherited memory; pool and spawn
 * workers receive it serialised: a header, the pairs, then the (id, length)
 * and bytes of every token the pairs name, which the tie-break needs. The
 * reply is one struct scan_reply (scan.h). */
#ifndef WIRE_H
#define WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "scan.h"
#include "util.h"
#include "vocab.h"

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

/* The length of the request body that follows a header, or SIZE_MAX when
 * the header is malformed. */
size_t request_body_len(const struct request_header *h);

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

/* Writes all of a reply; -1 on error (the parent is gone). */
int scan_reply_write(int fd, const struct scan_reply *r);

#endif

/* wordfile.c: the word-count file (see wordfile.h). Little-endian, as the
 * machines that run this are; the magic carries a version. */
#include "wordfile.h"

#include "input.h"
#include "io.h"
#include "sys.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

static const char magic[8] = {'B', 'P', 'E', 'W', 'C', '0', '0', '1'};

int wordfile_input_hash(const char *path, uint64_t *len, uint64_t *hash, char *err,
                        size_t errlen)
{
    /* Read, not mapped: the merge runs that load counts should not carry
     * the whole input in their resident set (their peak RSS is reported).
     * Blocks of 1 MiB chained through FNV: the block hash is fast, the
     * chain makes the order of blocks count. */
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errf(err, errlen, "cannot open input %s: %s", path, strerror(errno));
    size_t cap = 1u << 20;
    unsigned char *block = xmalloc(cap);
    uint64_t h = FNV64_OFFSET, total = 0;
    int rc = 0;
    for (;;) {
        ssize_t r = io_read_full(fd, block, cap);
        if (r < 0) {
            rc = errf(err, errlen, "cannot read input %s: %s", path, strerror(errno));
            break;
        }
        size_t got = (size_t)r;
        if (got == 0)
            break;
        uint64_t b = hash_bytes(block, got);
        h = fnv1a64(h, &b, sizeof b);
        total += got;
        if (got < cap)
            break;
    }
    free(block);
    close(fd);
    *len = total;
    *hash = h;
    return rc;
}

void wordfile_encode(struct buf *b, const struct word_counts *wc)
{
    uint64_t n = wc->n;
    buf_put(b, &n, 8);
    buf_put(b, &wc->total, 8);
    for (size_t i = 0; i < wc->n; i++) {
        buf_put(b, &wc->len[i], 4);
        buf_put(b, &wc->freq[i], 8);
        buf_put(b, wc->bytes + wc->off[i], wc->len[i]);
    }
}

int wordfile_save(const char *path, const struct word_counts *wc, const struct specials *sp,
                  uint64_t input_len, uint64_t input_hash, char *err, size_t errlen)
{
    struct buf b = {0};
    buf_put(&b, magic, sizeof magic);
    buf_put(&b, &input_len, 8);
    buf_put(&b, &input_hash, 8);
    uint32_t ns = (uint32_t)sp->n;
    buf_put(&b, &ns, 4);
    for (size_t i = 0; i < sp->n; i++) {
        uint32_t l = (uint32_t)sp->len[i];
        buf_put(&b, &l, 4);
        buf_put(&b, sp->tok[i], l);
    }
    wordfile_encode(&b, wc);
    int rc = write_file_atomic(path, b.data, b.len, err, errlen);
    buf_free(&b);
    return rc;
}

struct reader {
    const unsigned char *p;
    size_t left;
};

static int take(struct reader *r, void *out, size_t n)
{
    if (r->left < n)
        return -1;
    memcpy(out, r->p, n);
    r->p += n;
    r->left -= n;
    return 0;
}

/* The words, as wordfile_encode wrote them, to the end of r. */
static int decode(struct reader *r, struct word_counts *wc)
{
    uint64_t n;
    memset(wc, 0, sizeof *wc);
    if (take(r, &n, 8) < 0 || take(r, &wc->total, 8) < 0 || n > r->left / 12)
        return -1;
    wc->n = n;
    wc->off = xmalloc((n ? n : 1) * sizeof *wc->off);
    wc->len = xmalloc((n ? n : 1) * sizeof *wc->len);
    wc->freq = xmalloc((n ? n : 1) * sizeof *wc->freq);
    wc->bytes = xmalloc(r->left ? r->left : 1);
    uint64_t off = 0;
    for (uint64_t i = 0; i < n; i++) {
        if (take(r, &wc->len[i], 4) < 0 || take(r, &wc->freq[i], 8) < 0 ||
            r->left < wc->len[i])
            return -1;
        memcpy(wc->bytes + off, r->p, wc->len[i]);
        wc->off[i] = off;
        off += wc->len[i];
        r->p += wc->len[i];
        r->left -= wc->len[i];
    }
    return r->left ? -1 : 0;
}

int wordfile_decode(const unsigned char *p, size_t n, struct word_counts *wc)
{
    struct reader r = {p, n};
    if (decode(&r, wc) == 0)
        return 0;
    word_counts_free(wc);
    return -1;
}

int wordfile_load(const char *path, struct word_counts *wc, const struct specials *sp,
                  uint64_t input_len, uint64_t input_hash, char *err, size_t errlen)
{
    memset(wc, 0, sizeof *wc);
    struct input in;
    if (input_open(&in, path, err, errlen) < 0)
        return -1;
    struct reader r = {in.data, in.len};
    char m[8];
    uint64_t len, hash;
    uint32_t ns;
    int rc = -1;
    if (take(&r, m, 8) < 0 || memcmp(m, magic, 8) != 0) {
        errf(err, errlen, "%s is not a word-count file of this version", path);
        goto out;
    }
    if (take(&r, &len, 8) < 0 || take(&r, &hash, 8) < 0 || take(&r, &ns, 4) < 0)
        goto damaged;
    if (len != input_len || hash != input_hash) {
        errf(err, errlen, "%s was counted from another input (size %llu, hash %016llx; this "
                          "input: size %llu, hash %016llx)", path, (unsigned long long)len,
             (unsigned long long)hash, (unsigned long long)input_len,
             (unsigned long long)input_hash);
        goto out;
    }
    /* Specials are stored longest first, as specials_init sorts them. */
    int same = ns == sp->n;
    for (uint32_t i = 0; i < ns; i++) {
        uint32_t l;
        if (take(&r, &l, 4) < 0 || r.left < l)
            goto damaged;
        same = same && l == sp->len[i] && memcmp(r.p, sp->tok[i], l) == 0;
        r.p += l;
        r.left -= l;
    }
    if (!same) {
        errf(err, errlen, "%s was counted with other special tokens", path);
        goto out;
    }
    if (decode(&r, wc) < 0)
        goto damaged;
    rc = 0;
    goto out;
damaged:
    errf(err, errlen, "%s is damaged (truncated or malformed)", path);
out:
    if (rc < 0)
        word_counts_free(wc);
    input_close(&in);
    return rc;
}

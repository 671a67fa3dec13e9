/* util.h: small helpers shared by the harness: allocation that cannot
 * return NULL, monotonic and per-thread clocks, error strings, hashes,
 * growable buffers and number parsing. */
#ifndef UTIL_H
#define UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Allocation failure is not recoverable for a trainer: say so and exit. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
/* xcalloc with every page already mapped writable, for an array read at
 * random before it is written: calloc's fresh pages would map the shared
 * zero page on that read, so the write would fault again and, with other
 * threads of the process running, interrupt their CPUs to flush their TLBs
 * (xcalloc_huge does the same for a huge array). */
void *xcalloc_written(size_t n, size_t size);
/* What xcalloc_written and xcalloc_huge do to their zeroed array, for one
 * allocated earlier, untouched, by another thread: mapping pages changes
 * the process's memory map, which waits for any other thread's populating
 * madvise (so a thread allocating while another maps its pages stalls for
 * that whole call), whereas two threads populating do not wait for each
 * other. [p, p + bytes) must read as zero. */
void map_zeroed_written(void *p, size_t bytes);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
/* n zeroed elements of `size` bytes on their own cache lines (free with
 * free), so threads writing neighbouring elements never share a line. */
void *xcalloc_lines(size_t n, size_t size);
/* Grows the zero-filled array p (from xrealloc_huge) of *n elements of
 * `size` bytes, doubling, until index `need` fits; the new elements are
 * zero. Returns p. */
void *xgrow_zeroed(void *p, uint32_t *n, uint32_t need, size_t size);
/* Asks for huge pages under an array of `bytes` read at random, if it is
 * large (4 MiB or more): past what the TLB maps in small pages every access
 * would pay a page walk on top of its cache miss. Nothing but speed depends
 * on the kernel granting it. With huge pages off (hugepages.h) it asks for
 * small pages instead; so do xrealloc_huge and xcalloc_huge. */
void advise_huge(void *p, size_t bytes);
/* realloc for an array that grows large (NULL: a new one): a mapping of
 * its own, which grows by moving its pages (mremap), not by copying them
 * into fresh memory, since on a virtual machine touching fresh memory is
 * what growing costs most (only an array leaving small pages, under 256
 * KiB, is copied once, into whole huge pages advised as such). The bytes
 * it gains read as zero; its pages fault in as they are first touched.
 * Free it with xfree_huge, never free(). */
void *xrealloc_huge(void *p, size_t new_bytes);
void xfree_huge(void *p);
/* A zeroed array as large, every page already mapped writable (one
 * madvise, not a fault per page). Such an array is read before it is
 * written (a hash probe): on pages never touched that read would map the
 * shared zero page, so the write would fault a second time and, with other
 * threads of the process running, flush their CPUs' TLBs too. */
void *xcalloc_huge(size_t bytes);

/* Seconds on the monotonic clock. */
double now_s(void);
/* CPU seconds the calling thread has run: unlike now_s, blind to the time
 * it waited for a CPU on a loaded machine. */
double thread_cpu_s(void);

/* A scan's time and page faults, measured inside whichever worker runs it
 * (RUSAGE_THREAD: a thread's own, or a single-threaded process's). */
struct thread_clock {
    double t;
    long minflt, majflt;
};
void thread_clock_start(struct thread_clock *c);
/* Seconds since start; the calling thread's faults since start. */
double thread_clock_stop(const struct thread_clock *c, int64_t *minflt, int64_t *majflt);

/* The number of a "Key:   N kB" line of a /proc file (status,
 * smaps_rollup), or -1 when the file or the key is not there. */
long proc_kb(const char *file, const char *key);

/* snprintf into an error buffer; returns -1 so callers can `return errf(...)`. */
int errf(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* 64-bit hash of a byte string, used by every hash table in the harness. */
uint64_t hash_bytes(const void *p, size_t n);

/* FNV-1a, for the run's merges_hash: stable across versions and machines. */
#define FNV64_OFFSET 0xcbf29ce484222325ULL
uint64_t fnv1a64(uint64_t h, const void *p, size_t n);

/* A growable byte buffer. */
struct buf {
    unsigned char *data;
    size_t len, cap;
};
void buf_reserve(struct buf *b, size_t extra);
void buf_put(struct buf *b, const void *p, size_t n);
void buf_putc(struct buf *b, unsigned char c);
void buf_puts(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends code point cp as UTF-8. */
void buf_put_utf8(struct buf *out, unsigned cp);
/* Appends raw UTF-8 p[0..n) as a JSON string; -1 if it is not valid UTF-8
 * (JSON cannot carry it). The one JSON string writer of the project. */
int json_put_utf8(struct buf *out, const unsigned char *p, size_t n);
/* The contents as a C string (a NUL kept after them, not counted in len). */
const char *buf_cstr(struct buf *b);
void buf_free(struct buf *b);

/* Length of the UTF-8 sequence at s[0] (s has avail >= 1 bytes) by Python's
 * strict decoder, its code point in *cp; 0 when s[0] is a byte Python's
 * "surrogateescape" escapes (a stray continuation byte, an overlong form, an
 * encoded surrogate, beyond U+10FFFF, or a truncated sequence). Escaping such
 * bytes one at a time equals Python's "maximal subpart" rule: every byte of a
 * subpart after its lead is a continuation byte, which never starts a valid
 * sequence itself. Inline: the pre-tokenizers call it per character. */
static inline size_t utf8_decode(const unsigned char *s, size_t avail, uint32_t *cp)
{
    unsigned c = s[0], lo = 0x80, hi = 0xBF;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c < 0xC2) /* stray continuation, or overlong 2-byte lead */
        return 0;
    if (c < 0xE0) {
        if (avail < 2 || (s[1] & 0xC0) != 0x80)
            return 0;
        *cp = (c & 0x1Fu) << 6 | (s[1] & 0x3Fu);
        return 2;
    }
    if (c < 0xF0) {
        if (c == 0xE0)
            lo = 0xA0; /* overlong */
        else if (c == 0xED)
            hi = 0x9F; /* UTF-16 surrogates */
        if (avail < 3 || s[1] < lo || s[1] > hi || (s[2] & 0xC0) != 0x80)
            return 0;
        *cp = (c & 0x0Fu) << 12 | (s[1] & 0x3Fu) << 6 | (s[2] & 0x3Fu);
        return 3;
    }
    if (c >= 0xF5)
        return 0;
    if (c == 0xF0)
        lo = 0x90; /* overlong */
    else if (c == 0xF4)
        hi = 0x8F; /* beyond U+10FFFF */
    if (avail < 4 || s[1] < lo || s[1] > hi || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
        return 0;
    *cp = (c & 0x07u) << 18 | (s[1] & 0x3Fu) << 12 | (s[2] & 0x3Fu) << 6 | (s[3] & 0x3Fu);
    return 4;
}

/* Parses a non-negative decimal integer that fits in [min, max]; no sign,
 * no trailing garbage. */
int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);

#endif

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
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
/* n zeroed elements of `size` bytes on their own cache lines (free with
 * free), so threads writing neighbouring elements never share a line. */
void *xcalloc_lines(size_t n, size_t size);
/* Grows the zero-filled array p of *n elements of `size` bytes, doubling,
 * until index `need` fits; the new elements are zero. Returns p. */
void *xgrow_zeroed(void *p, uint32_t *n, uint32_t need, size_t size);

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
/* The contents as a C string (a NUL kept after them, not counted in len). */
const char *buf_cstr(struct buf *b);
void buf_free(struct buf *b);

/* Parses a non-negative decimal integer that fits in [min, max]; no sign,
 * no trailing garbage. */
int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);

#endif

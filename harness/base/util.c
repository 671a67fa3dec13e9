/* util.c: helpers shared by the harness (see util.h). */
#define _GNU_SOURCE
#include "hugepages.h"
#include "sys.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static void out_of_memory(size_t n)
{
    fprintf(stderr, "bpetrain: out of memory (allocating %zu bytes)\n", n);
    exit(2);
}

void *xmalloc(size_t n)
{
    void *p = sys_malloc(n ? n : 1);
    if (!p)
        out_of_memory(n);
    return p;
}

void *xcalloc(size_t n, size_t size)
{
    void *p = sys_calloc(n ? n : 1, size ? size : 1);
    if (!p)
        out_of_memory(n * size);
    return p;
}

/* The pages that [p, p + bytes) touches, rounded out: *len bytes from the
 * returned start. */
static void *page_span(const void *p, size_t bytes, size_t *len)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    uintptr_t lo = (uintptr_t)p / page * page;
    uintptr_t hi = ((uintptr_t)p + bytes + page - 1) / page * page;
    *len = hi - lo;
    return (void *)lo;
}

/* Maps every page of [map, map + len) writable in one call, without a
 * fault each; where the kernel cannot, zeroes [p, p + bytes), which it
 * holds, a fault at a time. The bytes read as zero either way. */
static void map_written(void *map, size_t len, void *p, size_t bytes)
{
#ifdef MADV_POPULATE_WRITE
    if (madvise(map, len, MADV_POPULATE_WRITE) == 0)
        return;
#else
    (void)map, (void)len;
#endif
    memset(p, 0, bytes);
}

void map_zeroed_written(void *p, size_t bytes)
{
    /* Rounded out, the pages are still inside the allocator's own writable
     * mapping, and populating a page changes none of its bytes. */
    size_t len;
    void *map = page_span(p, bytes, &len);
    map_written(map, len, p, bytes);
}

void *xcalloc_written(size_t n, size_t size)
{
    void *p = xcalloc(n, size); /* which refuses an n * size that overflows */
    map_zeroed_written(p, (n ? n : 1) * (size ? size : 1));
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = sys_realloc(p, n ? n : 1);
    if (!q)
        out_of_memory(n);
    return q;
}

void *xcalloc_lines(size_t n, size_t size)
{
    void *p = NULL;
    size_t bytes = (n ? n : 1) * size;
    if (posix_memalign(&p, 64, bytes))
        p = xmalloc(bytes); /* unaligned, but still correct */
    memset(p, 0, bytes);
    return p;
}

void *xgrow_zeroed(void *p, uint32_t *n, uint32_t need, size_t size)
{
    if (need < *n)
        return p;
    uint32_t cap = *n ? *n : 1024;
    while (cap <= need)
        cap *= 2;
    p = xrealloc_huge(p, (size_t)cap * size); /* the new elements come zeroed */
    *n = cap;
    return p;
}

/* Huge pages are asked for from this size up. */
enum { HUGE_FROM = 4u << 20 };

/* The advice for a large array's pages, by the huge-page mode
 * (hugepages.h): small pages are asked for explicitly, for a kernel that
 * gives huge ones unasked (transparent huge pages "always"). */
static int huge_advice(void)
{
    return huge_pages_enabled() ? MADV_HUGEPAGE : MADV_NOHUGEPAGE;
}

void advise_huge(void *p, size_t bytes)
{
    if (bytes < HUGE_FROM)
        return;
    /* Every page the array touches, rounded out: advising only the pages
     * inside it would split its mapping into three, which mremap cannot
     * move (EFAULT). */
    size_t len;
    void *map = page_span(p, bytes, &len);
    madvise(map, len, huge_advice());
}

/* A large array sits behind a header giving its usable size, so that it
 * can grow and be freed knowing nothing else. The header is a cache line,
 * so the array starts on one. */
struct big_head {
    size_t bytes;
} __attribute__((aligned(64)));

/* Under AddressSanitizer the arrays come from malloc, whose redzones catch
 * an overrun that a mapping's slack would hide; under ThreadSanitizer too,
 * which does not see mremap: when one thread's array moved and another
 * thread's moved into the addresses it left, it took the two threads'
 * accesses there for a race (test_update, sharded, U=3: 2 runs of 16).
 * Elsewhere each is a mapping of its own. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define BIG_FROM_MALLOC 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define BIG_FROM_MALLOC 1
#endif
#endif

#ifdef BIG_FROM_MALLOC
static struct big_head *big_resize(struct big_head *h, size_t old_bytes, size_t new_bytes)
{
    h = xrealloc(h, sizeof *h + new_bytes);
    if (new_bytes > old_bytes)
        memset((char *)(h + 1) + old_bytes, 0, new_bytes - old_bytes);
    advise_huge(h, sizeof *h + new_bytes);
    return h;
}

static void big_release(struct big_head *h)
{
    free(h);
}
#else
/* An array past an eighth of a huge page is mapped as a whole number of
 * huge pages, advised: each costs one fault instead of 512 (on these VMs a
 * small page's first touch costs microseconds), the kernel places such a
 * mapping on a huge-page boundary, where its huge pages fit, and mremap
 * moves them whole (an unaligned mapping is split into small pages as it
 * moves). Smaller arrays stay in small pages, so a small training does not
 * hold 2 MiB for each of them. */
enum { HUGE_PAGE = 2u << 20, HUGE_MAP_FROM = HUGE_PAGE / 8 };

static size_t big_map_len(size_t bytes)
{
    size_t len = sizeof(struct big_head) + bytes;
    size_t unit = len >= HUGE_MAP_FROM ? HUGE_PAGE : (size_t)sysconf(_SC_PAGESIZE);
    return (len + unit - 1) / unit * unit;
}

/* A fresh mapping reads as zeros, and growing one moves its pages instead
 * of copying them (glibc's realloc copies a block that came from its heap,
 * where its moving mmap threshold puts large blocks after the first free:
 * a seventh to a third of a training's page faults were such copies). */
static struct big_head *big_map(size_t len, size_t bytes)
{
    void *q = sys_mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (q == MAP_FAILED)
        out_of_memory(bytes);
    if (len >= HUGE_PAGE) /* before any page of it is touched */
        madvise(q, len, huge_advice());
    return q;
}

static struct big_head *big_resize(struct big_head *h, size_t old_bytes, size_t new_bytes)
{
    size_t old_len = h ? big_map_len(old_bytes) : 0, len = big_map_len(new_bytes);
    if (old_len >= HUGE_MAP_FROM || (h && len < HUGE_MAP_FROM)) {
        /* Advice, where there is any, is already on the whole mapping:
         * advising part of it would split it in two, which mremap cannot
         * grow (EFAULT). */
        void *q = sys_mremap(h, old_len, len, MREMAP_MAYMOVE);
        if (q == MAP_FAILED)
            out_of_memory(new_bytes);
        return q;
    }
    /* New, or leaving small pages: a fresh mapping, since small pages
     * moved into it would keep their part of it out of huge pages. What is
     * copied is under HUGE_MAP_FROM. */
    struct big_head *q = big_map(len, new_bytes);
    if (h) {
        memcpy(q, h, sizeof *h + old_bytes);
        munmap(h, old_len);
    }
    return q;
}

static void big_release(struct big_head *h)
{
    munmap(h, big_map_len(h->bytes));
}
#endif

void *xrealloc_huge(void *p, size_t new_bytes)
{
    struct big_head *h = p ? (struct big_head *)p - 1 : NULL;
    h = big_resize(h, h ? h->bytes : 0, new_bytes);
    h->bytes = new_bytes;
    return h + 1;
}

void xfree_huge(void *p)
{
    if (p)
        big_release((struct big_head *)p - 1);
}

void *xcalloc_huge(size_t bytes)
{
    void *p = xrealloc_huge(NULL, bytes); /* zeroed; from malloc, also touched */
#ifndef BIG_FROM_MALLOC
    /* Only the pages the array touches: the mapping's slack past it (up to
     * a huge page, when the header tips a power-of-two array over a
     * boundary: 8 MiB of slots map 10) is never read. */
    map_zeroed_written(p, bytes);
#endif
    return p;
}

char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(xmalloc(n), s, n);
}

double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double thread_cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void thread_clock_start(struct thread_clock *c)
{
    struct rusage ru;
    getrusage(RUSAGE_THREAD, &ru);
    c->minflt = ru.ru_minflt;
    c->majflt = ru.ru_majflt;
    c->t = now_s();
}

long proc_kb(const char *file, const char *key)
{
    FILE *f = fopen(file, "r");
    if (!f)
        return -1;
    char line[256];
    long v = -1;
    size_t k = strlen(key);
    while (fgets(line, sizeof line, f))
        if (strncmp(line, key, k) == 0 && line[k] == ':') {
            v = strtol(line + k + 1, NULL, 10);
            break;
        }
    fclose(f);
    return v;
}

double thread_clock_stop(const struct thread_clock *c, int64_t *minflt, int64_t *majflt)
{
    double s = now_s() - c->t;
    struct rusage ru;
    getrusage(RUSAGE_THREAD, &ru);
    *minflt = ru.ru_minflt - c->minflt;
    *majflt = ru.ru_majflt - c->majflt;
    return s;
}

int errf(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static inline uint64_t load64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static inline uint64_t mix64(uint64_t a, uint64_t b)
{
    __uint128_t r = (__uint128_t)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

/* A multiply-mix hash in the style of wyhash: words are a few bytes long,
 * so the short-input path (no loop) is what matters for counting speed. */
uint64_t hash_bytes(const void *data, size_t n)
{
    const unsigned char *p = data;
    const uint64_t k0 = 0xa0761d6478bd642fULL, k1 = 0xe7037ed1a0b428dbULL;
    uint64_t seed = k0 ^ n, a, b;
    if (n <= 16) {
        if (n >= 4) {
            size_t q = (n >> 3) << 2;
            uint32_t w0, w1, w2, w3;
            memcpy(&w0, p, 4);
            memcpy(&w1, p + q, 4);
            memcpy(&w2, p + n - 4, 4);
            memcpy(&w3, p + n - 4 - q, 4);
            a = ((uint64_t)w0 << 32) | w1;
            b = ((uint64_t)w2 << 32) | w3;
        } else if (n > 0) {
            a = ((uint64_t)p[0] << 16) | ((uint64_t)p[n >> 1] << 8) | p[n - 1];
            b = 0;
        } else {
            a = b = 0;
        }
    } else {
        size_t i = n;
        while (i > 16) {
            seed = mix64(load64(p) ^ k1, load64(p + 8) ^ seed);
            p += 16;
            i -= 16;
        }
        a = load64(p + i - 16);
        b = load64(p + i - 8);
    }
    return mix64(k1 ^ n, mix64(a ^ k1, b ^ seed));
}

uint64_t fnv1a64(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

void buf_reserve(struct buf *b, size_t extra)
{
    if (b->len + extra <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra)
        cap *= 2;
    b->data = xrealloc(b->data, cap);
    b->cap = cap;
}

void buf_put(struct buf *b, const void *p, size_t n)
{
    buf_reserve(b, n);
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
}

void buf_putc(struct buf *b, unsigned char c)
{
    buf_reserve(b, 1);
    b->data[b->len++] = c;
}

void buf_puts(struct buf *b, const char *s)
{
    buf_put(b, s, strlen(s));
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
    /* Most strings fit a small stack buffer: one formatting pass. */
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof small) {
        buf_put(b, small, (size_t)n);
        return;
    }
    buf_reserve(b, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void buf_put_utf8(struct buf *out, unsigned cp)
{
    if (cp < 0x80) {
        buf_putc(out, (unsigned char)cp);
    } else if (cp < 0x800) {
        buf_putc(out, (unsigned char)(0xC0 | (cp >> 6)));
        buf_putc(out, (unsigned char)(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        buf_putc(out, (unsigned char)(0xE0 | (cp >> 12)));
        buf_putc(out, (unsigned char)(0x80 | ((cp >> 6) & 0x3F)));
        buf_putc(out, (unsigned char)(0x80 | (cp & 0x3F)));
    } else {
        buf_putc(out, (unsigned char)(0xF0 | (cp >> 18)));
        buf_putc(out, (unsigned char)(0x80 | ((cp >> 12) & 0x3F)));
        buf_putc(out, (unsigned char)(0x80 | ((cp >> 6) & 0x3F)));
        buf_putc(out, (unsigned char)(0x80 | (cp & 0x3F)));
    }
}

int json_put_utf8(struct buf *out, const unsigned char *p, size_t n)
{
    buf_putc(out, '"');
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t k = utf8_decode(p + i, n - i, &cp);
        if (k == 0)
            return -1;
        if (cp == '"' || cp == '\\') {
            buf_putc(out, '\\');
            buf_putc(out, (unsigned char)cp);
        } else if (cp < 0x20) {
            buf_printf(out, "\\u%04x", cp);
        } else {
            buf_put(out, p + i, k);
        }
        i += k;
    }
    buf_putc(out, '"');
    return 0;
}

const char *buf_cstr(struct buf *b)
{
    buf_reserve(b, 1);
    b->data[b->len] = 0;
    return (const char *)b->data;
}

void buf_free(struct buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    if (!s || !*s)
        return -1;
    uint64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    if (v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

/* test_differential.c: bin/bpetrain against the naive reference trainer.
 *
 * First the reference itself is pinned to the published CS336 merges, so a
 * disagreement later can be blamed on the trainer. Then thousands of small
 * generated inputs, biased toward the places a fast trainer goes wrong
 * (invalid UTF-8, exotic whitespace, overlapping special tokens, ties,
 * early stops), are trained by both and the merges compared exactly. The
 * first failing input is saved and shrunk so the report is readable.
 *
 * Usage: test_differential [--cases N] [--seed S] [--only I] [--keep]
 * Env:   BPETRAIN (default ./bin/bpetrain), CS336_DATA_DIR (default
 *        tests/fixtures/cs336), TMPDIR. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* nftw, mkdtemp */
#endif

#include "naive_bpe.h"
#include "testhelp.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define DEFAULT_SPECIAL "<|endoftext|>"
#define MAX_SPECIALS 4

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    return p;
}

/* ---------------------------------------------------------------------- */
/* Byte buffers and files                                                  */

struct buf {
    unsigned char *p;
    size_t n, cap;
};

static void buf_add(struct buf *b, const void *data, size_t n)
{
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->n + n)
            cap *= 2;
        unsigned char *p = realloc(b->p, cap);
        if (!p) {
            fprintf(stderr, "out of memory\n");
            exit(2);
        }
        b->p = p;
        b->cap = cap;
    }
    if (n)
        memcpy(b->p + b->n, data, n);
    b->n += n;
}

static void buf_adds(struct buf *b, const char *s)
{
    buf_add(b, s, strlen(s));
}

static int read_file(const char *path, struct buf *out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    unsigned char chunk[65536];
    size_t r;
    out->n = 0;
    while ((r = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_add(out, chunk, r);
    int bad = ferror(f);
    fclose(f);
    return bad ? -1 : 0;
}

static int write_file(const char *path, const unsigned char *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t w = n ? fwrite(p, 1, n, f) : 0;
    int bad = fclose(f) != 0 || w != n;
    return bad ? -1 : 0;
}

static int rm_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
    (void)sb;
    (void)ftw;
    return type == FTW_DP ? rmdir(path) : unlink(path);
}

static void rm_tree(const char *dir)
{
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---------------------------------------------------------------------- */
/* GPT-2 bytes_to_unicode, inverted                                        */

static int uni_to_byte[0x200];

static void gpt2_alphabet_init(void)
{
    int n = 0;
    for (int i = 0; i < 0x200; i++)
        uni_to_byte[i] = -1;
    for (int b = 0; b < 256; b++) {
        int printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
        uni_to_byte[printable ? b : 256 + n++] = b;
    }
}

/* Decodes one token written in the GPT-2 alphabet. Returns -1 on anything
 * that is not a concatenation of alphabet characters. */
static int gpt2_decode(const unsigned char *s, size_t n, struct buf *out)
{
    out->n = 0;
    for (size_t i = 0; i < n;) {
        unsigned cp;
        if (s[i] < 0x80) {
            cp = s[i];
            i += 1;
        } else if ((s[i] & 0xE0) == 0xC0 && i + 1 < n && (s[i + 1] & 0xC0) == 0x80) {
            cp = ((s[i] & 0x1Fu) << 6) | (s[i + 1] & 0x3Fu);
            i += 2;
        } else {
            return -1; /* the alphabet stops below U+0800 */
        }
        if (cp >= 0x200 || uni_to_byte[cp] < 0)
            return -1;
        unsigned char b = (unsigned char)uni_to_byte[cp];
        buf_add(out, &b, 1);
    }
    return n ? 0 : -1;
}

static void merges_push(struct naive_merges *m, const struct buf *a, const struct buf *b)
{
    struct naive_merge *v = realloc(m->v, (m->n + 1) * sizeof *v);
    if (!v) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    m->v = v;
    v[m->n].a = xmalloc(a->n);
    v[m->n].b = xmalloc(b->n);
    memcpy(v[m->n].a, a->p, a->n);
    memcpy(v[m->n].b, b->p, b->n);
    v[m->n].alen = a->n;
    v[m->n].blen = b->n;
    m->n++;
}

/* Strict reader of the merges.txt contract: every line "TOK1 TOK2\n". */
static int read_merges(const char *path, struct naive_merges *out, char *why, size_t whylen)
{
    struct buf f = {0}, a = {0}, b = {0};
    int rc = -1;
    out->v = NULL;
    out->n = 0;
    if (read_file(path, &f) != 0) {
        snprintf(why, whylen, "cannot read %s: %s", path, strerror(errno));
        goto done;
    }
    for (size_t p = 0, line = 1; p < f.n; line++) {
        unsigned char *nl = memchr(f.p + p, '\n', f.n - p);
        if (!nl) {
            snprintf(why, whylen, "merges.txt line %zu has no final newline", line);
            goto done;
        }
        size_t e = (size_t)(nl - f.p);
        unsigned char *sp = memchr(f.p + p, ' ', e - p);
        if (!sp || memchr(sp + 1, ' ', (size_t)(nl - sp - 1))) {
            snprintf(why, whylen, "merges.txt line %zu is not two tokens", line);
            goto done;
        }
        size_t s = (size_t)(sp - f.p);
        if (gpt2_decode(f.p + p, s - p, &a) != 0 || gpt2_decode(f.p + s + 1, e - s - 1, &b) != 0) {
            snprintf(why, whylen, "merges.txt line %zu is not in the GPT-2 alphabet", line);
            goto done;
        }
        merges_push(out, &a, &b);
        p = e + 1;
    }
    rc = 0;
done:
    if (rc != 0)
        naive_merges_free(out);
    free(f.p);
    free(a.p);
    free(b.p);
    return rc;
}

static int same_bytes(const unsigned char *a, size_t an, const unsigned char *b, size_t bn)
{
    return an == bn && (an == 0 || memcmp(a, b, an) == 0);
}

/* Index of the first differing merge, or SIZE_MAX when identical. */
static size_t first_diff(const struct naive_merges *x, const struct naive_merges *y)
{
    size_t n = x->n < y->n ? x->n : y->n;
    for (size_t i = 0; i < n; i++)
        if (!same_bytes(x->v[i].a, x->v[i].alen, y->v[i].a, y->v[i].alen) ||
            !same_bytes(x->v[i].b, x->v[i].blen, y->v[i].b, y->v[i].blen))
            return i;
    return x->n == y->n ? SIZE_MAX : n;
}

static void print_escaped(FILE *o, const unsigned char *p, size_t n)
{
    fputc('"', o);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = p[i];
        if (c == '\\' || c == '"')
            fprintf(o, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", o);
        else if (c == '\r')
            fputs("\\r", o);
        else if (c == '\t')
            fputs("\\t", o);
        else if (c >= 0x20 && c < 0x7F)
            fputc(c, o);
        else
            fprintf(o, "\\x%02x", c);
    }
    fputc('"', o);
}

static void print_merge(FILE *o, const struct naive_merges *m, size_t i)
{
    if (i >= m->n) {
        fputs("(none)", o);
        return;
    }
    print_escaped(o, m->v[i].a, m->v[i].alen);
    fputc(' ', o);
    print_escaped(o, m->v[i].b, m->v[i].blen);
}

/* ---------------------------------------------------------------------- */
/* Part (a): the reference trainer against the published merges            */

static const char *data_dir(void)
{
    const char *env = getenv("CS336_DATA_DIR");
    if (env && *env)
        return env;
    /* The fixtures are bundled with the tests (see their README). */
    return "tests/fixtures/cs336";
}

static void check_reference(void)
{
    char cpath[4096], mpath[4096], err[256] = "";
    const char *dir = data_dir();
    snprintf(cpath, sizeof cpath, "%s/corpus.en", dir);
    snprintf(mpath, sizeof mpath, "%s/train-bpe-reference-merges.txt", dir);
    struct buf corpus = {0};
    struct naive_merges want = {0}, got = {0};
    int ok_read = read_file(cpath, &corpus) == 0 && read_merges(mpath, &want, err, sizeof err) == 0;
    if (!ok_read)
        printf("# cannot load %s or %s %s\n", cpath, mpath, err);
    CHECK("reference data (corpus.en, 243 reference merges) loads", ok_read && want.n == 243);

    const char *specials[] = {DEFAULT_SPECIAL};
    int ok = 0;
    if (ok_read && naive_bpe_train(corpus.p, corpus.n, specials, 1, 500, &got, err, sizeof err) == 0) {
        size_t d = first_diff(&want, &got);
        ok = d == SIZE_MAX;
        if (!ok) {
            printf("# naive trainer: %zu merges, reference %zu; first difference at merge %zu:"
                   " reference ",
                   got.n, want.n, d);
            print_merge(stdout, &want, d);
            fputs(", naive ", stdout);
            print_merge(stdout, &got, d);
            fputc('\n', stdout);
        }
    } else if (ok_read) {
        printf("# naive trainer failed: %s\n", err);
    }
    CHECK("naive trainer reproduces the reference merges on corpus.en at vocab 500", ok);
    naive_merges_free(&want);
    naive_merges_free(&got);
    free(corpus.p);
}

/* ---------------------------------------------------------------------- */
/* Random cases                                                            */

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Uniform in [0, n); the modulo bias is irrelevant for test generation. */
static size_t rnd(uint64_t *s, size_t n)
{
    return (size_t)(splitmix64(s) % n);
}

#define PICK(s, arr) ((arr)[rnd((s), sizeof(arr) / sizeof((arr)[0]))])

static const char *const words_pool[] = {
    "a", "b", "ab", "ba", "aa", "abc", "the", "he", "t", "e", "th", "hello",
    "low", "lower", "newest", "widest", "A", "The", "x", "xyz",
};
static const char *const seps_pool[] = {
    " ", " ", " ", "  ", "   ", "\n", "\n\n", "\r\n", "\t", " \t ", "\n ", " \n", "\r", "\v", "\f",
};
static const char *const contr_pool[] = {
    "'s", "'d", "'m", "'t", "'ll", "'ve", "'re", "'S", "'LL", "'x", "''", "'", "'l", "'v", "'r",
};
static const char *const digits_pool[] = {"0", "1", "12", "123", "2024", "7", "99"};
static const char *const punct_pool[] = {
    ".", ",", "!", "?", "--", "...", "(", ")", "\"", "#", "@", "$", "<", ">", "|", "_", "-", ";",
};
/* Each entry probes a classification the trainer could get wrong: other
 * scripts' letters, non-ASCII whitespace, the U+180E exception, format and
 * combining characters, Nl/No numbers, C0 separators, titlecase, modifier
 * letters. */
static const char *const unicode_pool[] = {
    "\xc3\xa9", "\xc3\xbc", "\xc3\xb1", "\xce\xb1", "\xce\xb2", "\xce\xa9", "\xd0\xb4",
    "\xd0\xb6", "\xd0\xaf", "\xe4\xb8\xad", "\xe6\x96\x87", "\xf0\x9f\x98\x80",
    "\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd", "\xc2\xa0", "\xc2\x85", "\xe2\x80\xa8",
    "\xe3\x80\x80", "\xe1\xa0\x8e", "\xe2\x80\x8b", "\xcc\x81", "\xe2\x85\xab", "\xc2\xbd",
    "\xd9\xa3", "\xc2\xb2", "\xe2\x80\x83", "\xe1\x9a\x80", "\x1c", "\x1f", "\xc7\x85",
    "\xca\xb0", "\xe3\x80\x87", "\xc2\xad", "\xe2\x82\xac", " \xc3\xa9", " \xc2\xa0",
    "\xe1\xa0\x8e ",
};
/* Overlong, encoded surrogate, above U+10FFFF, truncated, lone continuation,
 * NUL: each must behave as one "other" character per invalid byte. */
static const char *const invalid_pool[] = {
    "\x80", "\xbf", "\xff", "\xfe", "\xc0\xaf", "\xc1\xbf", "\xe0\x80\xaf", "\xed\xa0\x80",
    "\xed\xbf\xbf", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xe2\x82", "\xf0\x9f\x98",
    "\xc3", " \x80", "\xe2\x82 ", "\xf8\x88\x80\x80\x80",
};

/* Special-token sets; several contain one token that is a prefix of
 * another, in both orders, to pin down longest-match. */
static const char *const special_sets[][MAX_SPECIALS + 1] = {
    {DEFAULT_SPECIAL, NULL},
    {"<|a|>", "<|a|>x", NULL},
    {"<|a|>x", "<|a|>", "<|a", NULL},
    {DEFAULT_SPECIAL, "<|pad|>", NULL},
    {"ab", NULL},
    {"\n\n", DEFAULT_SPECIAL, NULL},
    {" the", NULL},
    {"\xc3\xa9|", DEFAULT_SPECIAL, NULL},
    {"<|a|>", "<|a|>x", "<|a|>xy", "<|b|>", NULL},
};
static const char *const fragment_pool[] = {
    "<|endof", "<|endoftext|", "endoftext|>", "<|", "|>", "<|a|", "<|a|>x<|a|>",
    "<|a|><|a|>x", "<<|a|>x>", "<|endoftext|><|endoftext|>", "<|a|>xyz",
};

struct tcase {
    size_t index;
    uint64_t seed;
    struct buf input;
    const char *specials[MAX_SPECIALS];
    size_t nspecials; /* what the naive trainer uses */
    int pass_specials; /* 0: rely on bpetrain's default special token */
    size_t vocab;
};

static uint64_t case_seed(uint64_t seed, size_t index)
{
    uint64_t s = seed ^ ((uint64_t)index * 0xD1B54A32D192ED03ull);
    return splitmix64(&s);
}

static const char *special_or_fragment(uint64_t *s, const struct tcase *c)
{
    if (c->nspecials && rnd(s, 3) != 0)
        return c->specials[rnd(s, c->nspecials)];
    return PICK(s, fragment_pool);
}

static void gen_soup(uint64_t *s, struct tcase *c, size_t pieces, int exotic)
{
    for (size_t i = 0; i < pieces; i++) {
        size_t k = rnd(s, exotic ? 100 : 80);
        const char *p;
        if (k < 5) {
            /* Runs like "aaaa" or "abab" are where counting overlapping
             * pairs and merging left to right go wrong. */
            static const char *const units[] = {"a", "aa", "ab", "\xc3\xa9", "1", " ", "\n", "'",
                                                "\x80", "\xe4\xb8\xad"};
            const char *u = PICK(s, units);
            for (size_t r = 2 + rnd(s, 40); r > 0; r--)
                buf_adds(&c->input, u);
            continue;
        }
        if (k < 30)
            p = PICK(s, words_pool);
        else if (k < 50)
            p = PICK(s, seps_pool);
        else if (k < 58)
            p = PICK(s, contr_pool);
        else if (k < 66)
            p = PICK(s, digits_pool);
        else if (k < 74)
            p = PICK(s, punct_pool);
        else if (k < 77)
            p = special_or_fragment(s, c);
        else if (k < 80)
            p = k == 77 ? "\0" : "\0\0"; /* strlen would lose NULs */
        else if (k < 92)
            p = PICK(s, unicode_pool);
        else
            p = PICK(s, invalid_pool);
        if (k >= 77 && k < 80)
            buf_add(&c->input, p, k == 77 ? 1 : 2);
        else
            buf_adds(&c->input, p);
    }
}

static void gen_bytes(uint64_t *s, struct tcase *c, size_t len, int small_alphabet)
{
    unsigned char alpha[8];
    size_t na = 2 + rnd(s, 6);
    static const unsigned char likely[] = {' ', '\n', 'a', 'b', 0x80, 0xC3, 0xA9, 0, '\'', 's', '1'};
    for (size_t i = 0; i < na; i++)
        alpha[i] = rnd(s, 2) ? PICK(s, likely) : (unsigned char)rnd(s, 256);
    for (size_t i = 0; i < len; i++) {
        unsigned char b = small_alphabet ? alpha[rnd(s, na)] : (unsigned char)rnd(s, 256);
        buf_add(&c->input, &b, 1);
    }
    /* Specials land anywhere, even inside a multi-byte character. */
    size_t nins = rnd(s, 4);
    for (size_t i = 0; i < nins; i++) {
        const char *sp = special_or_fragment(s, c);
        size_t at = rnd(s, c->input.n + 1), n = strlen(sp);
        struct buf tail = {0};
        if (at < c->input.n)
            buf_add(&tail, c->input.p + at, c->input.n - at);
        c->input.n = at;
        buf_add(&c->input, sp, n);
        buf_add(&c->input, tail.p, tail.n);
        free(tail.p);
    }
}

static void gen_case(uint64_t seed, size_t index, struct tcase *c)
{
    memset(c, 0, sizeof *c);
    c->index = index;
    c->seed = case_seed(seed, index);
    uint64_t s = c->seed;

    if (rnd(&s, 5) == 0) {
        c->specials[0] = DEFAULT_SPECIAL;
        c->nspecials = 1;
        c->pass_specials = 0;
    } else {
        const char *const *set = PICK(&s, special_sets);
        while (c->nspecials < MAX_SPECIALS && set[c->nspecials]) {
            c->specials[c->nspecials] = set[c->nspecials];
            c->nspecials++;
        }
        c->pass_specials = 1;
    }

    size_t big = rnd(&s, 20) == 0 ? 10 : 1;
    size_t kind = rnd(&s, 100);
    if (kind < 12)
        gen_bytes(&s, c, rnd(&s, 100 * big + 1), 0);
    else if (kind < 27)
        gen_bytes(&s, c, rnd(&s, 200 * big + 1), 1);
    else if (kind < 65)
        gen_soup(&s, c, 1 + rnd(&s, 150 * big), 0);
    else
        gen_soup(&s, c, 1 + rnd(&s, 150 * big), 1);

    /* vocab == base (no merges at all) is left out: bpetrain rejects it
     * by design, which the contract leaves open. */
    size_t base = 256 + c->nspecials, v = rnd(&s, 100);
    if (v < 5)
        c->vocab = base + 1;
    else if (v < 55)
        c->vocab = base + 1 + rnd(&s, 40);
    else if (v < 85)
        c->vocab = base + 40 + rnd(&s, 200);
    else
        c->vocab = base + 5000; /* certainly stops early */
}

/* ---------------------------------------------------------------------- */
/* Running bpetrain                                                        */

struct runner {
    const char *bin;
    char dir[4096];
};

/* OUT_SPAWN (exec failed) is kept apart: it is the environment, e.g. the
 * trainer being rebuilt mid-run, and minimising it would chase noise. */
enum outcome { OUT_SAME, OUT_DIFF, OUT_FAIL, OUT_SPAWN };

struct result {
    enum outcome out;
    struct naive_merges want, got;
    size_t diff; /* first differing merge for OUT_DIFF */
    char why[512];
};

static pid_t spawn_trainer(const struct runner *r, const struct tcase *c, const char *tag, char *why,
                           size_t whylen)
{
    char in[4200], out[4200], log[4200], vocab[32], merges[4300], vjson[4300];
    snprintf(in, sizeof in, "%s/%s.in", r->dir, tag);
    snprintf(out, sizeof out, "%s/%s.out", r->dir, tag);
    snprintf(log, sizeof log, "%s/%s.log", r->dir, tag);
    snprintf(merges, sizeof merges, "%s/merges.txt", out);
    snprintf(vjson, sizeof vjson, "%s/vocab.json", out);
    snprintf(vocab, sizeof vocab, "%zu", c->vocab);
    if (write_file(in, c->input.p, c->input.n) != 0) {
        fprintf(stderr, "cannot write %s: %s\n", in, strerror(errno));
        exit(2);
    }
    /* Pre-creating the output directory keeps the test about merges, not
     * about whether --out creates directories; stale outputs must not pass
     * for fresh ones. */
    mkdir(out, 0755);
    unlink(merges);
    unlink(vjson);

    char *argv[9 + 2 * MAX_SPECIALS]; /* 8 fixed words and the NULL */
    size_t a = 0;
    argv[a++] = (char *)(uintptr_t)r->bin;
    argv[a++] = (char *)(uintptr_t) "--input";
    argv[a++] = in;
    argv[a++] = (char *)(uintptr_t) "--vocab-size";
    argv[a++] = vocab;
    for (size_t i = 0; c->pass_specials && i < c->nspecials; i++) {
        argv[a++] = (char *)(uintptr_t) "--special-token";
        argv[a++] = (char *)(uintptr_t)c->specials[i];
    }
    argv[a++] = (char *)(uintptr_t) "--out";
    argv[a++] = out;
    argv[a++] = (char *)(uintptr_t) "--quiet";
    argv[a] = NULL;

    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    pid_t pid;
    int e = posix_spawn(&pid, r->bin, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (e != 0) {
        snprintf(why, whylen, "cannot run %s: %s", r->bin, strerror(e));
        return -1;
    }
    return pid;
}

static void finish_trainer(const struct runner *r, const char *tag, pid_t pid, struct result *res)
{
    int st;
    if (pid < 0) {
        res->out = OUT_SPAWN; /* spawn_trainer already said why */
        return;
    }
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR) {
            fprintf(stderr, "waitpid: %s\n", strerror(errno));
            exit(2);
        }
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        res->out = OUT_FAIL;
        if (WIFSIGNALED(st))
            snprintf(res->why, sizeof res->why, "bpetrain killed by signal %d", WTERMSIG(st));
        else
            snprintf(res->why, sizeof res->why, "bpetrain exited %d", WEXITSTATUS(st));
        return;
    }
    char path[4300];
    snprintf(path, sizeof path, "%s/%s.out/vocab.json", r->dir, tag);
    if (access(path, R_OK) != 0) {
        res->out = OUT_FAIL;
        snprintf(res->why, sizeof res->why, "bpetrain wrote no vocab.json");
        return;
    }
    snprintf(path, sizeof path, "%s/%s.out/merges.txt", r->dir, tag);
    if (read_merges(path, &res->got, res->why, sizeof res->why) != 0) {
        res->out = OUT_FAIL;
        return;
    }
    res->diff = first_diff(&res->want, &res->got);
    if (res->diff == SIZE_MAX) {
        res->out = OUT_SAME;
    } else {
        res->out = OUT_DIFF;
        snprintf(res->why, sizeof res->why, "merges differ at #%zu (naive %zu merges, bpetrain %zu)",
                 res->diff, res->want.n, res->got.n);
    }
}

static void result_free(struct result *res)
{
    naive_merges_free(&res->want);
    naive_merges_free(&res->got);
}

/* The trainer runs while the naive trainer computes, which uses both
 * cores. */
static void run_case(const struct runner *r, const struct tcase *c, const char *tag,
                     struct result *res)
{
    char err[256];
    memset(res, 0, sizeof *res);
    pid_t pid = spawn_trainer(r, c, tag, res->why, sizeof res->why);
    if (naive_bpe_train(c->input.p, c->input.n, c->specials, c->nspecials, c->vocab, &res->want,
                        err, sizeof err) != 0) {
        fprintf(stderr, "naive trainer failed: %s\n", err);
        exit(2);
    }
    finish_trainer(r, tag, pid, res);
}

/* Bash $'...' quoting, so the printed command line can be pasted as is. */
static void print_shell(const char *s)
{
    fputs("$'", stdout);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '\\' || *p == '\'')
            printf("\\%c", *p);
        else if (*p >= 0x20 && *p < 0x7F)
            putchar(*p);
        else
            printf("\\x%02x", *p);
    }
    putchar('\'');
}

static void print_case(const struct runner *r, const struct tcase *c, const char *tag)
{
    printf("#   vocab size %zu, specials:", c->vocab);
    for (size_t i = 0; i < c->nspecials; i++) {
        putchar(' ');
        print_escaped(stdout, (const unsigned char *)c->specials[i], strlen(c->specials[i]));
    }
    if (!c->pass_specials)
        printf(" (bpetrain's default, none passed)");
    printf("\n#   input (%zu bytes, saved as %s/%s.in): ", c->input.n, r->dir, tag);
    print_escaped(stdout, c->input.p, c->input.n);
    printf("\n#   rerun: %s --input %s/%s.in --vocab-size %zu", r->bin, r->dir, tag, c->vocab);
    for (size_t i = 0; c->pass_specials && i < c->nspecials; i++) {
        printf(" --special-token ");
        print_shell(c->specials[i]);
    }
    printf(" --out %s/%s.out --quiet\n", r->dir, tag);
}

static void print_result(const struct runner *r, const char *tag, const struct result *res,
                         int all)
{
    if (res->out == OUT_SAME) {
        printf("#   passes now\n");
        return;
    }
    printf("#   %s\n", res->why);
    if (res->out == OUT_SPAWN)
        return;
    if (res->out == OUT_FAIL) {
        char path[4300];
        struct buf log = {0};
        snprintf(path, sizeof path, "%s/%s.log", r->dir, tag);
        if (read_file(path, &log) == 0 && log.n) {
            printf("#   bpetrain output: ");
            print_escaped(stdout, log.p, log.n < 400 ? log.n : 400);
            putchar('\n');
        }
        free(log.p);
        return;
    }
    size_t from = all ? 0 : (res->diff > 3 ? res->diff - 3 : 0);
    size_t n = res->want.n > res->got.n ? res->want.n : res->got.n;
    size_t to = all ? n : (res->diff + 3 < n ? res->diff + 3 : n);
    for (size_t i = from; i < to; i++) {
        printf("#   %c%4zu naive ", i == res->diff ? '>' : ' ', i);
        print_merge(stdout, &res->want, i);
        printf("   bpetrain ");
        print_merge(stdout, &res->got, i);
        putchar('\n');
    }
}

/* Still failing the same way? Used by the reducer. */
static int still_fails(const struct runner *r, const struct tcase *c, enum outcome kind,
                       size_t *evals)
{
    struct result res;
    (*evals)++;
    run_case(r, c, "probe", &res);
    int same = res.out == kind;
    result_free(&res);
    return same;
}

/* Delta debugging, coarse to fine: fewer merges first (cheap and makes the
 * rest faster), then fewer specials, then fewer bytes. */
static void reduce(const struct runner *r, struct tcase *c, enum outcome kind)
{
    size_t evals = 0, budget = 20000;
    int progress = 1;
    while (progress && evals < budget) {
        progress = 0;
        if (kind == OUT_DIFF) {
            struct result res;
            run_case(r, c, "probe", &res);
            size_t base = 256 + c->nspecials;
            if (res.out == OUT_DIFF && base + res.diff + 1 < c->vocab) {
                c->vocab = base + res.diff + 1;
                progress = 1;
            }
            result_free(&res);
        }
        for (size_t i = 0; c->pass_specials && i < c->nspecials && c->nspecials > 1;) {
            struct tcase t = *c;
            memmove(&t.specials[i], &t.specials[i + 1],
                    (t.nspecials - i - 1) * sizeof t.specials[0]);
            t.nspecials--;
            t.vocab--;
            if (still_fails(r, &t, kind, &evals)) {
                *c = t;
                progress = 1;
            } else {
                i++;
            }
        }
        for (size_t chunk = c->input.n / 2; chunk >= 1 && evals < budget; chunk /= 2) {
            for (size_t at = 0; at + chunk <= c->input.n && evals < budget;) {
                struct tcase t = *c;
                t.input.p = NULL;
                t.input.n = t.input.cap = 0;
                buf_add(&t.input, c->input.p, at);
                buf_add(&t.input, c->input.p + at + chunk, c->input.n - at - chunk);
                if (still_fails(r, &t, kind, &evals)) {
                    free(c->input.p);
                    c->input = t.input;
                    progress = 1;
                } else {
                    free(t.input.p);
                    at += chunk;
                }
            }
        }
    }
}

/* ---------------------------------------------------------------------- */

static int parse_size(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || end == s || *end)
        return -1;
    *out = (size_t)v;
    return 0;
}

int main(int argc, char **argv)
{
    size_t ncases = 3000, only = SIZE_MAX;
    size_t seed = 20240611;
    int keep = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--cases") && i + 1 < argc && parse_size(argv[i + 1], &ncases) == 0)
            i++;
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc && parse_size(argv[i + 1], &seed) == 0)
            i++;
        else if (!strcmp(argv[i], "--only") && i + 1 < argc && parse_size(argv[i + 1], &only) == 0)
            i++;
        else if (!strcmp(argv[i], "--keep"))
            keep = 1;
        else {
            fprintf(stderr, "usage: %s [--cases N] [--seed S] [--only I] [--keep]\n", argv[0]);
            return 2;
        }
    }
    gpt2_alphabet_init();
    check_reference();

    struct runner r;
    r.bin = getenv("BPETRAIN");
    if (!r.bin || !*r.bin)
        r.bin = "./bin/bpetrain";
    int have_bin = access(r.bin, X_OK) == 0;
    if (!have_bin)
        printf("# %s is missing or not executable\n", r.bin);
    CHECK("bpetrain exists", have_bin);
    if (!have_bin)
        return TEST_EXIT_CODE();

    const char *tmp = getenv("TMPDIR");
    snprintf(r.dir, sizeof r.dir, "%s/bpediff-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(r.dir)) {
        fprintf(stderr, "mkdtemp %s: %s\n", r.dir, strerror(errno));
        return 2;
    }

    size_t first = only == SIZE_MAX ? 0 : only, last = only == SIZE_MAX ? ncases : only + 1;
    size_t run = 0, failed_exit = 0, failed_merges = 0, early = 0, full = 0;
    int have_fail = 0, reproducible = 0;
    struct tcase fail_case = {0};
    enum outcome fail_kind = OUT_SAME;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (size_t i = first; i < last; i++) {
        struct tcase c;
        struct result res;
        gen_case((uint64_t)seed, i, &c);
        run_case(&r, &c, "case", &res);
        run++;
        if (res.want.n + 256 + c.nspecials < c.vocab)
            early++;
        else if (res.want.n > 0)
            full++;
        if (res.out == OUT_FAIL || res.out == OUT_SPAWN)
            failed_exit++;
        else if (res.out == OUT_DIFF)
            failed_merges++;
        if (res.out != OUT_SAME && !have_fail) {
            char tag[64];
            struct result again;
            have_fail = 1;
            fail_kind = res.out;
            fail_case = c;
            c.input.p = NULL; /* now owned by fail_case */
            snprintf(tag, sizeof tag, "fail-%zu", i);
            printf("# first failing case: --seed %zu --only %zu (case seed %#llx)\n", seed, i,
                   (unsigned long long)fail_case.seed);
            print_result(&r, "case", &res, 0);
            /* Rerun under its own name so the files survive later cases,
             * and so a trainer rebuilt mid-run is not blamed. */
            run_case(&r, &fail_case, tag, &again);
            print_case(&r, &fail_case, tag);
            reproducible = again.out == fail_kind && fail_kind != OUT_SPAWN;
            if (!reproducible)
                printf("#   did not fail the same way on rerun (%s); not minimised\n",
                       again.out == OUT_SAME ? "passed" : again.why);
            result_free(&again);
        }
        result_free(&res);
        free(c.input.p);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("# %zu cases in %.1f s: %zu stopped early, %zu filled the vocabulary; "
           "%zu trainer failures, %zu merge mismatches\n",
           run, secs, early, full, failed_exit, failed_merges);

    char descr[160];
    snprintf(descr, sizeof descr,
             "%zu random cases: bpetrain exits 0 and writes vocab.json and a well-formed merges.txt",
             run);
    CHECK(descr, failed_exit == 0);
    snprintf(descr, sizeof descr, "%zu random cases: merges identical to the naive trainer", run);
    CHECK(descr, failed_exit + failed_merges == 0);
    if (only == SIZE_MAX && run >= 100)
        CHECK("generator covers both early stops and full vocabularies (>= 5% each)",
              early * 20 >= run && full * 20 >= run);

    if (have_fail && reproducible) {
        reduce(&r, &fail_case, fail_kind);
        struct result res;
        run_case(&r, &fail_case, "minimal", &res);
        printf("# minimised failing case:\n");
        print_case(&r, &fail_case, "minimal");
        print_result(&r, "minimal", &res, res.out == OUT_DIFF && res.diff < 40);
        result_free(&res);
        printf("# kept %s for inspection\n", r.dir);
    } else if (have_fail) {
        printf("# kept %s for inspection\n", r.dir);
    } else if (keep) {
        printf("# kept %s\n", r.dir);
    } else {
        rm_tree(r.dir);
    }
    free(fail_case.input.p);
    return TEST_EXIT_CODE();
}

/* naive_bpe.c: reference BPE trainer; see naive_bpe.h for why it exists.
 * Clarity beats speed everywhere here: a bug in this file would hide the
 * trainer's bugs, so every step is the most literal reading of the spec. */
#define PCRE2_CODE_UNIT_WIDTH 8

#include "naive_bpe.h"

#include <pcre2.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------- */
/* Code point classes                                                      */

enum cclass { C_OTHER = 0, C_LETTER = 1, C_NUMBER = 2, C_SPACE = 3 };

/* Invalid UTF-8 bytes become surrogates under Python's surrogateescape; a
 * value outside Unicode keeps them distinct from every real code point. */
#define INVALID_BYTE_BASE 0x200000u

static pcre2_code *re_letter, *re_number, *re_space;
static pcre2_match_data *class_md;
/* 0 = not yet asked, otherwise 1 + enum cclass. Asking PCRE2 per character
 * would make the corpus check needlessly slow. */
static unsigned char class_cache[0x110000];

static pcre2_code *compile_class(const char *pat)
{
    int ec;
    PCRE2_SIZE eo;
    return pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED,
                         PCRE2_UTF | PCRE2_UCP | PCRE2_ANCHORED, &ec, &eo, NULL);
}

static int class_init(void)
{
    if (class_md)
        return 0;
    re_letter = compile_class("\\p{L}");
    re_number = compile_class("\\p{N}");
    re_space = compile_class("\\s");
    if (!re_letter || !re_number || !re_space)
        return -1;
    class_md = pcre2_match_data_create(4, NULL);
    return class_md ? 0 : -1;
}

static size_t utf8_encode(uint32_t cp, unsigned char *out)
{
    if (cp < 0x80) {
        out[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (unsigned char)(0xC0 | (cp >> 6));
        out[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (unsigned char)(0xE0 | (cp >> 12));
        out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (unsigned char)(0xF0 | (cp >> 18));
    out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

static int pcre_matches(const pcre2_code *re, const unsigned char *s, size_t n)
{
    return pcre2_match(re, (PCRE2_SPTR)s, n, 0, 0, class_md, NULL) >= 0;
}

static enum cclass classify(uint32_t cp)
{
    /* Escaped bytes are lone surrogates in Python: \S, not L, not N. */
    if (cp >= INVALID_BYTE_BASE)
        return C_OTHER;
    /* PCRE2 still lists MONGOLIAN VOWEL SEPARATOR in \h although Unicode
     * 6.3 made it a format character; the spec follows Unicode. */
    if (cp == 0x180E)
        return C_OTHER;
    if (class_cache[cp])
        return (enum cclass)(class_cache[cp] - 1);
    unsigned char buf[4];
    size_t n = utf8_encode(cp, buf);
    enum cclass c = C_OTHER;
    if (pcre_matches(re_letter, buf, n))
        c = C_LETTER;
    else if (pcre_matches(re_number, buf, n))
        c = C_NUMBER;
    else if (pcre_matches(re_space, buf, n))
        c = C_SPACE;
    class_cache[cp] = (unsigned char)(c + 1);
    return c;
}

/* Length of the valid UTF-8 sequence starting at s[0], or 0 if s[0] starts
 * none. Treating just s[0] as invalid and retrying at s[1] gives the same
 * characters as Python's maximal-subpart rule, because the rest of a
 * maximal subpart is continuation bytes, which are invalid on their own. */
static size_t utf8_valid_len(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned char b = s[0];
    size_t need;
    unsigned char lo = 0x80, hi = 0xBF;
    uint32_t v;
    if (b < 0x80) {
        *cp = b;
        return 1;
    }
    if (b >= 0xC2 && b <= 0xDF) {
        need = 2;
        v = b & 0x1Fu;
    } else if (b >= 0xE0 && b <= 0xEF) {
        need = 3;
        v = b & 0x0Fu;
        if (b == 0xE0)
            lo = 0xA0; /* overlong */
        if (b == 0xED)
            hi = 0x9F; /* surrogates */
    } else if (b >= 0xF0 && b <= 0xF4) {
        need = 4;
        v = b & 0x07u;
        if (b == 0xF0)
            lo = 0x90; /* overlong */
        if (b == 0xF4)
            hi = 0x8F; /* above U+10FFFF */
    } else {
        return 0;
    }
    if (n < need)
        return 0;
    for (size_t i = 1; i < need; i++) {
        unsigned char c = s[i];
        unsigned char l = i == 1 ? lo : 0x80, h = i == 1 ? hi : 0xBF;
        if (c < l || c > h)
            return 0;
        v = (v << 6) | (c & 0x3Fu);
    }
    *cp = v;
    return need;
}

/* ---------------------------------------------------------------------- */
/* Pre-tokenizer                                                           */

struct dchar {
    uint32_t cp;
    size_t off; /* byte offset of the character in the piece */
    enum cclass cls;
};

static int is_contraction_tail1(uint32_t c)
{
    return c == 's' || c == 'd' || c == 'm' || c == 't';
}

static int is_contraction_tail2(uint32_t c1, uint32_t c2)
{
    return (c1 == 'l' && c2 == 'l') || (c1 == 'v' && c2 == 'e') || (c1 == 'r' && c2 == 'e');
}

/* Length in characters of the match of the GPT-2 pattern at ch[i]; the
 * pattern matches any single character, so it is never 0. Each block is one
 * alternative, tried in the pattern's order. */
static size_t match_at(const struct dchar *ch, size_t n, size_t i)
{
    /* '(?:[sdmt]|ll|ve|re) */
    if (ch[i].cp == '\'') {
        if (i + 1 < n && is_contraction_tail1(ch[i + 1].cp))
            return 2;
        if (i + 2 < n && is_contraction_tail2(ch[i + 1].cp, ch[i + 2].cp))
            return 3;
    }
    /*  ?\p{L}+ |  ?\p{N}+ |  ?[^\s\p{L}\p{N}]+  — the optional space is
     * taken only if the run follows it; otherwise it backtracks to empty
     * and the run must start at ch[i], which a space never does. */
    static const enum cclass runs[3] = {C_LETTER, C_NUMBER, C_OTHER};
    for (size_t r = 0; r < 3; r++) {
        size_t j = i;
        if (ch[j].cp == ' ' && j + 1 < n && ch[j + 1].cls == runs[r])
            j++;
        if (ch[j].cls != runs[r])
            continue;
        while (j < n && ch[j].cls == runs[r])
            j++;
        return j - i;
    }
    /* Only whitespace is left. \s+(?!\S): the greedy run fails the
     * lookahead unless it reaches the end, so it gives back exactly one
     * character, which needs the run to be at least two long. */
    size_t k = 0;
    while (i + k < n && ch[i + k].cls == C_SPACE)
        k++;
    if (i + k == n)
        return k;
    if (k >= 2)
        return k - 1;
    return k; /* \s+ */
}

int naive_pretokenize(const unsigned char *text, size_t len, naive_pretok_fn fn, void *ctx)
{
    if (class_init() != 0)
        return -1;
    if (len == 0)
        return 0;
    struct dchar *ch = malloc(len * sizeof *ch);
    if (!ch)
        return -1;
    size_t n = 0;
    for (size_t p = 0; p < len;) {
        uint32_t cp;
        size_t l = utf8_valid_len(text + p, len - p, &cp);
        if (l == 0) {
            cp = INVALID_BYTE_BASE + text[p];
            l = 1;
        }
        ch[n].cp = cp;
        ch[n].off = p;
        ch[n].cls = classify(cp);
        n++;
        p += l;
    }
    for (size_t i = 0; i < n;) {
        size_t k = match_at(ch, n, i);
        size_t start = ch[i].off;
        size_t end = i + k < n ? ch[i + k].off : len;
        fn(text + start, end - start, ctx);
        i += k;
    }
    free(ch);
    return 0;
}

/* ---------------------------------------------------------------------- */
/* Training                                                                */

struct span {
    const unsigned char *p;
    size_t n;
};

struct spans {
    struct span *v;
    size_t n, cap;
    int oom;
};

static void collect_span(const unsigned char *piece, size_t len, void *ctx)
{
    struct spans *s = ctx;
    if (s->oom)
        return;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 1024;
        struct span *v = realloc(s->v, cap * sizeof *v);
        if (!v) {
            s->oom = 1;
            return;
        }
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n].p = piece;
    s->v[s->n].n = len;
    s->n++;
}

/* Bytes order, a proper prefix being smaller: Python's bytes comparison. */
static int cmp_bytes(const unsigned char *a, size_t an, const unsigned char *b, size_t bn)
{
    size_t m = an < bn ? an : bn;
    int c = m ? memcmp(a, b, m) : 0;
    if (c)
        return c;
    return an < bn ? -1 : an > bn ? 1 : 0;
}

static int cmp_span(const void *x, const void *y)
{
    const struct span *a = x, *b = y;
    return cmp_bytes(a->p, a->n, b->p, b->n);
}

struct token {
    unsigned char *b;
    size_t n;
};

struct word {
    uint32_t *ids;
    size_t n;
    uint64_t count;
};

struct pairc {
    uint32_t a, b;
    uint64_t count;
};

static int cmp_pair_ids(const void *x, const void *y)
{
    const struct pairc *p = x, *q = y;
    if (p->a != q->a)
        return p->a < q->a ? -1 : 1;
    if (p->b != q->b)
        return p->b < q->b ? -1 : 1;
    return 0;
}

static void seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* Longest special token that starts at text[p], or NULL. */
static const char *special_at(const unsigned char *text, size_t len, size_t p,
                              const char *const *specials, size_t nspecials, size_t *slen)
{
    const char *best = NULL;
    size_t bestn = 0;
    for (size_t s = 0; s < nspecials; s++) {
        size_t n = strlen(specials[s]);
        if (n == 0 || n > len - p || n <= bestn)
            continue;
        if (memcmp(text + p, specials[s], n) == 0) {
            best = specials[s];
            bestn = n;
        }
    }
    *slen = bestn;
    return best;
}

struct trainer {
    struct token *toks;
    size_t ntoks, captoks;
    struct word *words;
    size_t nwords;
};

/* Tokens are identified by their bytes, as in the Python reference where a
 * token is a bytes object: two merges yielding the same bytes share one. */
static long find_or_add_token(struct trainer *t, const unsigned char *b, size_t n)
{
    for (size_t i = 0; i < t->ntoks; i++)
        if (t->toks[i].n == n && memcmp(t->toks[i].b, b, n) == 0)
            return (long)i;
    if (t->ntoks == t->captoks) {
        size_t cap = t->captoks * 2;
        struct token *v = realloc(t->toks, cap * sizeof *v);
        if (!v)
            return -1;
        t->toks = v;
        t->captoks = cap;
    }
    unsigned char *copy = malloc(n);
    if (!copy)
        return -1;
    memcpy(copy, b, n);
    t->toks[t->ntoks].b = copy;
    t->toks[t->ntoks].n = n;
    return (long)t->ntoks++;
}

static int better_pair(const struct trainer *t, const struct pairc *p, const struct pairc *best)
{
    if (p->count != best->count)
        return p->count > best->count;
    const struct token *pa = &t->toks[p->a], *pb = &t->toks[p->b];
    const struct token *ba = &t->toks[best->a], *bb = &t->toks[best->b];
    int c = cmp_bytes(pa->b, pa->n, ba->b, ba->n);
    if (c == 0)
        c = cmp_bytes(pb->b, pb->n, bb->b, bb->n);
    return c > 0;
}

static void trainer_free(struct trainer *t)
{
    for (size_t i = 0; i < t->ntoks; i++)
        free(t->toks[i].b);
    free(t->toks);
    for (size_t i = 0; i < t->nwords; i++)
        free(t->words[i].ids);
    free(t->words);
}

static int add_merge(struct naive_merges *out, const struct token *a, const struct token *b)
{
    struct naive_merge *v = realloc(out->v, (out->n + 1) * sizeof *v);
    if (!v)
        return -1;
    out->v = v;
    struct naive_merge *m = &v[out->n];
    m->a = malloc(a->n);
    m->b = malloc(b->n);
    if (!m->a || !m->b) {
        free(m->a);
        free(m->b);
        return -1;
    }
    memcpy(m->a, a->b, a->n);
    memcpy(m->b, b->b, b->n);
    m->alen = a->n;
    m->blen = b->n;
    out->n++;
    return 0;
}

int naive_bpe_train(const unsigned char *text, size_t len, const char *const *specials,
                    size_t nspecials, size_t vocab_size, struct naive_merges *out, char *err,
                    size_t errlen)
{
    struct spans sp = {0};
    struct trainer t = {0};
    struct pairc *pairs = NULL;
    int rc = -1;
    out->v = NULL;
    out->n = 0;

    /* Callers may pass (NULL, 0); even NULL + 0 is undefined behaviour. */
    static const unsigned char empty[1];
    if (!text)
        text = empty;

    /* (1)+(2): cut at special tokens, pre-tokenize each piece between. */
    size_t piece = 0;
    for (size_t p = 0; p <= len;) {
        size_t slen = 0;
        if (p < len)
            special_at(text, len, p, specials, nspecials, &slen);
        if (p == len || slen) {
            if (naive_pretokenize(text + piece, p - piece, collect_span, &sp) != 0 || sp.oom) {
                seterr(err, errlen, "pre-tokenizer failed (PCRE2 or memory)");
                goto done;
            }
            if (p == len)
                break;
            p += slen;
            piece = p;
        } else {
            p++;
        }
    }

    /* (3): identical pre-tokens become one word with a count. */
    if (sp.n)
        qsort(sp.v, sp.n, sizeof *sp.v, cmp_span);
    t.words = calloc(sp.n ? sp.n : 1, sizeof *t.words);
    t.captoks = 512;
    t.toks = calloc(t.captoks, sizeof *t.toks);
    if (!t.words || !t.toks)
        goto oom;
    for (unsigned i = 0; i < 256; i++) {
        unsigned char b = (unsigned char)i;
        if (find_or_add_token(&t, &b, 1) < 0)
            goto oom;
    }
    size_t total_pairs = 0;
    for (size_t i = 0; i < sp.n;) {
        size_t j = i + 1;
        while (j < sp.n && cmp_span(&sp.v[i], &sp.v[j]) == 0)
            j++;
        struct word *w = &t.words[t.nwords++];
        w->n = sp.v[i].n;
        w->count = (uint64_t)(j - i);
        w->ids = malloc(w->n * sizeof *w->ids);
        if (!w->ids)
            goto oom;
        for (size_t k = 0; k < w->n; k++)
            w->ids[k] = sp.v[i].p[k];
        total_pairs += w->n - 1;
        i = j;
    }
    pairs = malloc((total_pairs ? total_pairs : 1) * sizeof *pairs);
    if (!pairs)
        goto oom;

    /* (4): recount everything every round; merging only shrinks words, so
     * the first allocation of pairs is always big enough. */
    while (256 + nspecials + out->n < vocab_size) {
        size_t np = 0;
        for (size_t i = 0; i < t.nwords; i++)
            for (size_t k = 0; k + 1 < t.words[i].n; k++) {
                pairs[np].a = t.words[i].ids[k];
                pairs[np].b = t.words[i].ids[k + 1];
                pairs[np].count = t.words[i].count;
                np++;
            }
        if (np == 0)
            break;
        qsort(pairs, np, sizeof *pairs, cmp_pair_ids);
        struct pairc best = {0, 0, 0};
        for (size_t i = 0; i < np;) {
            struct pairc cur = pairs[i];
            size_t j = i + 1;
            while (j < np && pairs[j].a == cur.a && pairs[j].b == cur.b)
                cur.count += pairs[j++].count;
            if (best.count == 0 || better_pair(&t, &cur, &best))
                best = cur;
            i = j;
        }
        size_t an = t.toks[best.a].n, bn = t.toks[best.b].n;
        unsigned char *joined = malloc(an + bn);
        if (!joined)
            goto oom;
        memcpy(joined, t.toks[best.a].b, an);
        memcpy(joined + an, t.toks[best.b].b, bn);
        long nid = find_or_add_token(&t, joined, an + bn);
        free(joined);
        if (nid < 0 || add_merge(out, &t.toks[best.a], &t.toks[best.b]) != 0)
            goto oom;
        for (size_t i = 0; i < t.nwords; i++) {
            struct word *w = &t.words[i];
            size_t o = 0;
            for (size_t k = 0; k < w->n;) {
                if (k + 1 < w->n && w->ids[k] == best.a && w->ids[k + 1] == best.b) {
                    w->ids[o++] = (uint32_t)nid;
                    k += 2;
                } else {
                    w->ids[o++] = w->ids[k++];
                }
            }
            w->n = o;
        }
    }
    rc = 0;
    goto done;
oom:
    seterr(err, errlen, "out of memory");
done:
    if (rc != 0)
        naive_merges_free(out);
    free(pairs);
    trainer_free(&t);
    free(sp.v);
    return rc;
}

void naive_merges_free(struct naive_merges *m)
{
    for (size_t i = 0; i < m->n; i++) {
        free(m->v[i].a);
        free(m->v[i].b);
    }
    free(m->v);
    m->v = NULL;
    m->n = 0;
}

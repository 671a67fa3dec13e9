/* specials.c: finding special tokens (see specials.h). */
#define _GNU_SOURCE
#include "specials.h"

#include "util.h"

#include <stdlib.h>
#include <string.h>

static int by_length_desc(const void *x, const void *y)
{
    size_t a = strlen(*(char *const *)x), b = strlen(*(char *const *)y);
    if (a != b)
        return a > b ? -1 : 1;
    return strcmp(*(char *const *)x, *(char *const *)y);
}

int specials_init(struct specials *sp, char *const *tokens, size_t n, char *err,
                  size_t errlen)
{
    memset(sp, 0, sizeof *sp);
    sp->tok = xcalloc(n, sizeof *sp->tok);
    sp->len = xcalloc(n, sizeof *sp->len);
    for (size_t i = 0; i < n; i++) {
        if (!tokens[i][0]) {
            specials_free(sp);
            return errf(err, errlen, "a special token cannot be empty");
        }
        int dup = 0;
        for (size_t j = 0; j < sp->n; j++)
            dup |= strcmp(sp->tok[j], tokens[i]) == 0;
        if (!dup)
            sp->tok[sp->n++] = xstrdup(tokens[i]);
    }
    qsort(sp->tok, sp->n, sizeof *sp->tok, by_length_desc);
    for (size_t i = 0; i < sp->n; i++) {
        sp->len[i] = strlen(sp->tok[i]);
        if (sp->len[i] > sp->max_len)
            sp->max_len = sp->len[i];
    }
    return 0;
}

void specials_free(struct specials *sp)
{
    for (size_t i = 0; i < sp->n; i++)
        free(sp->tok[i]);
    free(sp->tok);
    free(sp->len);
    memset(sp, 0, sizeof *sp);
}

/* The first occurrence of token i at or after pos. memchr finds the token's
 * rarest byte (c->key[i]) and memcmp checks the rest: between documents a
 * few hundred bytes apart, memmem's set-up on every call cost more than the
 * search (a fifth of pre-tokenizing a corpus of sentences). Anchors come in
 * increasing order, so the first that checks is the leftmost occurrence. */
static size_t find_from(const struct special_cursor *c, size_t i, size_t pos)
{
    const unsigned char *tok = (const unsigned char *)c->sp->tok[i];
    size_t m = c->sp->len[i], k = c->key[i], len = c->len;
    for (size_t p = pos + k; p < len;) {
        const unsigned char *hit = memchr(c->data + p, tok[k], len - p);
        if (!hit)
            break;
        size_t start = (size_t)(hit - c->data) - k;
        if (start + m <= len && memcmp(c->data + start, tok, m) == 0)
            return start;
        p = (size_t)(hit - c->data) + 1;
    }
    return len;
}

/* The byte of each token least frequent in the first 4 KiB of the buffer. */
static void choose_keys(struct special_cursor *c)
{
    size_t seen[256] = {0}, n = c->len < 4096 ? c->len : 4096;
    for (size_t j = 0; j < n; j++)
        seen[c->data[j]]++;
    for (size_t i = 0; i < c->sp->n; i++) {
        const unsigned char *tok = (const unsigned char *)c->sp->tok[i];
        size_t best = 0;
        for (size_t j = 1; j < c->sp->len[i]; j++)
            if (seen[tok[j]] < seen[tok[best]])
                best = j;
        c->key[i] = best;
    }
}

void special_cursor_init(struct special_cursor *c, const struct specials *sp,
                         const unsigned char *data, size_t len)
{
    c->sp = sp;
    c->data = data;
    c->len = len;
    c->next = xmalloc((sp->n ? sp->n : 1) * 2 * sizeof *c->next);
    c->key = c->next + (sp->n ? sp->n : 1);
    choose_keys(c);
    for (size_t i = 0; i < sp->n; i++)
        c->next[i] = find_from(c, i, 0);
}

void special_cursor_free(struct special_cursor *c)
{
    free(c->next);
    c->next = NULL;
    c->key = NULL;
}

size_t special_cursor_next(struct special_cursor *c, size_t pos, size_t *match_len)
{
    size_t best = c->len, best_len = 0;
    for (size_t i = 0; i < c->sp->n; i++) {
        if (c->next[i] < pos)
            c->next[i] = find_from(c, i, pos);
        /* Tokens are sorted longest first, so on equal starts the strict <
         * keeps the longest. */
        if (c->next[i] < best) {
            best = c->next[i];
            best_len = c->sp->len[i];
        }
    }
    *match_len = best_len;
    return best;
}

int special_covers(const struct specials *sp, const unsigned char *data, size_t len,
                   size_t pos)
{
    for (size_t i = 0; i < sp->n; i++) {
        size_t l = sp->len[i];
        size_t q = pos >= l - 1 ? pos - (l - 1) : 0;
        for (; q < pos; q++)
            if (q + l <= len && q + l > pos && memcmp(data + q, sp->tok[i], l) == 0)
                return 1;
    }
    return 0;
}

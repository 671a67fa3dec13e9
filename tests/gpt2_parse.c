/* gpt2_parse.c: reading vocab.json and merges.txt back, for the tests that
 * compare what the trainer writes with the CS336 reference files (see
 * gpt2_parse.h). */
#include "gpt2_parse.h"

#include <stdlib.h>
#include <string.h>

static size_t skip_ws(const unsigned char *s, size_t n, size_t i)
{
    while (i < n && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t'))
        i++;
    return i;
}

static int hex4(const unsigned char *s, unsigned *v)
{
    *v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned c = s[i], d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else
            return -1;
        *v = *v * 16 + d;
    }
    return 0;
}

/* Parses a JSON string starting at s[*i] == '"' into UTF-8 in out. */
static int parse_json_string(const unsigned char *s, size_t n, size_t *i, struct buf *out)
{
    size_t p = *i + 1;
    while (p < n && s[p] != '"') {
        if (s[p] != '\\') {
            buf_putc(out, s[p++]);
            continue;
        }
        if (++p >= n)
            return -1;
        unsigned char c = s[p++];
        switch (c) {
        case '"': case '\\': case '/': buf_putc(out, c); break;
        case 'b': buf_putc(out, '\b'); break;
        case 'f': buf_putc(out, '\f'); break;
        case 'n': buf_putc(out, '\n'); break;
        case 'r': buf_putc(out, '\r'); break;
        case 't': buf_putc(out, '\t'); break;
        case 'u': {
            unsigned cp, lo;
            if (p + 4 > n || hex4(s + p, &cp) < 0)
                return -1;
            p += 4;
            if (cp >= 0xD800 && cp < 0xDC00 && p + 6 <= n && s[p] == '\\' && s[p + 1] == 'u' &&
                hex4(s + p + 2, &lo) == 0 && lo >= 0xDC00 && lo < 0xE000) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                p += 6;
            }
            buf_put_utf8(out, cp);
            break;
        }
        default:
            return -1;
        }
    }
    if (p >= n)
        return -1;
    *i = p + 1;
    return 0;
}

int gpt2_parse_vocab_json(const unsigned char *s, size_t n, struct token_list *out,
                          char *err, size_t errlen)
{
    struct buf key = {0}, raw = {0};
    size_t i = skip_ws(s, n, 0);
    if (i >= n || s[i] != '{')
        return errf(err, errlen, "vocab.json: expected '{'");
    i = skip_ws(s, n, i + 1);
    if (i < n && s[i] == '}')
        return 0;
    for (;;) {
        if (i >= n || s[i] != '"')
            goto bad;
        key.len = raw.len = 0;
        if (parse_json_string(s, n, &i, &key) < 0)
            goto bad;
        i = skip_ws(s, n, i);
        if (i >= n || s[i] != ':')
            goto bad;
        i = skip_ws(s, n, i + 1);
        int neg = i < n && s[i] == '-';
        i += (size_t)neg;
        if (i >= n || s[i] < '0' || s[i] > '9')
            goto bad;
        int64_t id = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9' && id < INT64_MAX / 10 - 9)
            id = id * 10 + (s[i++] - '0');
        if (gpt2_decode(&raw, key.data, key.len) < 0) {
            buf_free(&key);
            buf_free(&raw);
            return errf(err, errlen, "vocab.json: token %lld is not in the GPT-2 byte alphabet",
                        (long long)id);
        }
        token_list_add(out, raw.data, raw.len, neg ? -id : id);
        i = skip_ws(s, n, i);
        if (i < n && s[i] == ',') {
            i = skip_ws(s, n, i + 1);
            continue;
        }
        if (i < n && s[i] == '}')
            break;
        goto bad;
    }
    buf_free(&key);
    buf_free(&raw);
    return 0;
bad:
    buf_free(&key);
    buf_free(&raw);
    return errf(err, errlen, "vocab.json: malformed near byte %zu", i);
}

int gpt2_parse_merges(const unsigned char *s, size_t n, struct token_list *out, char *err,
                      size_t errlen)
{
    struct buf raw = {0};
    size_t i = 0, line = 0;
    while (i < n) {
        size_t e = i;
        while (e < n && s[e] != '\n')
            e++;
        size_t end = e > i && s[e - 1] == '\r' ? e - 1 : e;
        line++;
        if (end > i && !(line == 1 && s[i] == '#' && end - i >= 8 &&
                         memcmp(s + i, "#version", 8) == 0)) {
            size_t sp = i;
            while (sp < end && s[sp] != ' ')
                sp++;
            if (sp == end || sp == i || sp + 1 == end)
                goto bad;
            raw.len = 0;
            if (gpt2_decode(&raw, s + i, sp - i) < 0)
                goto bad;
            token_list_add(out, raw.data, raw.len, -1);
            raw.len = 0;
            if (gpt2_decode(&raw, s + sp + 1, end - sp - 1) < 0)
                goto bad;
            token_list_add(out, raw.data, raw.len, -1);
        }
        i = e + 1;
    }
    buf_free(&raw);
    return 0;
bad:
    buf_free(&raw);
    return errf(err, errlen, "merges.txt: line %zu is not two GPT-2-alphabet tokens", line);
}

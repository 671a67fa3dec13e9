/* gpt2.c: the GPT-2 byte alphabet and its vocab.json / merges.txt files. */
#include "gpt2.h"

#include <stdlib.h>
#include <string.h>

static int is_printable_byte(unsigned b)
{
    return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
}

unsigned gpt2_codepoint_of_byte(unsigned char b)
{
    if (is_printable_byte(b))
        return b;
    unsigned n = 0;
    for (unsigned i = 0; i < b; i++)
        n += !is_printable_byte(i);
    return 256 + n;
}

int gpt2_rank_of_byte(unsigned char b)
{
    int r = 0;
    if (is_printable_byte(b)) {
        for (unsigned i = 0; i < b; i++)
            r += is_printable_byte(i);
        return r;
    }
    r = 188;
    for (unsigned i = 0; i < b; i++)
        r += !is_printable_byte(i);
    return r;
}

unsigned char gpt2_byte_at_rank(int rank)
{
    for (unsigned b = 0; b < 256; b++)
        if (gpt2_rank_of_byte((unsigned char)b) == rank)
            return (unsigned char)b;
    return 0;
}

/* Code point -> byte, built once; 0x144 is one past the alphabet's end. */
static int decode_table[0x144];
static unsigned encode_table[256];
static int tables_ready;

static void build_tables(void)
{
    if (tables_ready)
        return;
    for (unsigned i = 0; i < 0x144; i++)
        decode_table[i] = -1;
    for (unsigned b = 0; b < 256; b++) {
        encode_table[b] = gpt2_codepoint_of_byte((unsigned char)b);
        decode_table[encode_table[b]] = (int)b;
    }
    tables_ready = 1;
}

static void put_utf8(struct buf *out, unsigned cp)
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

void gpt2_encode(struct buf *out, const unsigned char *p, size_t n)
{
    build_tables();
    for (size_t i = 0; i < n; i++)
        put_utf8(out, encode_table[p[i]]);
}

/* Reads one UTF-8 code point; returns bytes used, 0 when malformed. */
static size_t get_utf8(const unsigned char *s, size_t n, unsigned *cp)
{
    if (n == 0)
        return 0;
    unsigned c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
    if (len == 0 || len > n)
        return 0;
    unsigned v = c & (0x3F >> (len - 1));
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    *cp = v;
    return len;
}

int gpt2_decode(struct buf *out, const unsigned char *s, size_t n)
{
    build_tables();
    size_t i = 0;
    while (i < n) {
        unsigned cp;
        size_t k = get_utf8(s + i, n - i, &cp);
        if (k == 0 || cp >= 0x144 || decode_table[cp] < 0)
            return -1;
        buf_putc(out, (unsigned char)decode_table[cp]);
        i += k;
    }
    return 0;
}

void token_list_add(struct token_list *t, const unsigned char *p, size_t n, int64_t id)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 512;
        t->off = xrealloc(t->off, t->cap * sizeof *t->off);
        t->len = xrealloc(t->len, t->cap * sizeof *t->len);
        t->id = xrealloc(t->id, t->cap * sizeof *t->id);
    }
    t->off[t->n] = t->bytes.len;
    t->len[t->n] = (uint32_t)n;
    t->id[t->n] = id;
    buf_put(&t->bytes, p, n);
    t->n++;
}

void token_list_free(struct token_list *t)
{
    buf_free(&t->bytes);
    free(t->off);
    free(t->len);
    free(t->id);
    memset(t, 0, sizeof *t);
}

/* Writes a GPT-2-alphabet string as a JSON string the way Python's json
 * module does: only '"' and '\\' need escaping (the alphabet has no control
 * characters); ensure_ascii turns the rest into lowercase \uXXXX. */
static void put_json_token(struct buf *out, const unsigned char *p, size_t n, int ascii)
{
    build_tables();
    buf_putc(out, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned cp = encode_table[p[i]];
        if (cp == '"' || cp == '\\') {
            buf_putc(out, '\\');
            buf_putc(out, (unsigned char)cp);
        } else if (ascii && cp >= 0x80) {
            buf_printf(out, "\\u%04x", cp);
        } else {
            put_utf8(out, cp);
        }
    }
    buf_putc(out, '"');
}

void gpt2_render_vocab_json(struct buf *out, const struct token_list *t,
                            enum vocab_json_style style)
{
    int indent = style == VOCAB_JSON_INDENT4_UTF8;
    buf_putc(out, '{');
    for (size_t i = 0; i < t->n; i++) {
        if (indent)
            buf_put(out, i ? ",\n    " : "\n    ", i ? 6 : 5);
        else if (i)
            buf_put(out, ", ", 2);
        put_json_token(out, t->bytes.data + t->off[i], t->len[i], !indent);
        buf_printf(out, ": %lld", (long long)t->id[i]);
    }
    if (indent && t->n)
        buf_putc(out, '\n');
    buf_putc(out, '}');
}

void gpt2_render_merges(struct buf *out, const struct token_list *t, const uint32_t *pairs,
                        size_t n_merges)
{
    for (size_t i = 0; i < n_merges; i++) {
        uint32_t a = pairs[2 * i], b = pairs[2 * i + 1];
        gpt2_encode(out, t->bytes.data + t->off[a], t->len[a]);
        buf_putc(out, ' ');
        gpt2_encode(out, t->bytes.data + t->off[b], t->len[b]);
        buf_putc(out, '\n');
    }
}

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
            put_utf8(out, cp);
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

int json_put_utf8(struct buf *out, const unsigned char *p, size_t n)
{
    buf_putc(out, '"');
    for (size_t i = 0; i < n;) {
        unsigned cp;
        size_t k = get_utf8(p + i, n - i, &cp);
        if (k == 0 || (k > 1 && cp < 0x80) || (cp >= 0xD800 && cp < 0xE000) || cp > 0x10FFFF)
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

int gpt2_render_tokenizer_json(struct buf *out, const struct token_list *t, size_t n_special,
                               const uint32_t *pairs, size_t n_merges)
{
    buf_puts(out, "{\n  \"version\": \"1.0\",\n  \"truncation\": null,\n  \"padding\": null,\n"
                  "  \"added_tokens\": [");
    for (size_t i = 0; i < n_special; i++) {
        buf_printf(out, "%s\n    {\"id\": %lld, \"content\": ", i ? "," : "",
                   (long long)t->id[i]);
        if (json_put_utf8(out, t->bytes.data + t->off[i], t->len[i]) < 0)
            return -1;
        buf_printf(out, ", \"single_word\": false, \"lstrip\": false, \"rstrip\": false, "
                        "\"normalized\": false, \"special\": true}");
    }
    /* The GPT-2 pipeline: byte-level pre-tokenizer with the GPT-2 regex (the
     * pattern this trainer uses), no prefix space, byte-level decoder. */
    buf_printf(out, "%s],\n  \"normalizer\": null,\n"
                    "  \"pre_tokenizer\": {\"type\": \"ByteLevel\", \"add_prefix_space\": false, "
                    "\"trim_offsets\": true, \"use_regex\": true},\n"
                    "  \"post_processor\": null,\n"
                    "  \"decoder\": {\"type\": \"ByteLevel\", \"add_prefix_space\": true, "
                    "\"trim_offsets\": true, \"use_regex\": true},\n"
                    "  \"model\": {\"type\": \"BPE\", \"dropout\": null, \"unk_token\": null, "
                    "\"continuing_subword_prefix\": null, \"end_of_word_suffix\": null, "
                    "\"fuse_unk\": false, \"byte_fallback\": false, \"ignore_merges\": false,\n"
                    "    \"vocab\": {", n_special ? "\n  " : "");
    for (size_t i = 0; i < t->n; i++) {
        buf_puts(out, i ? ", " : "");
        put_json_token(out, t->bytes.data + t->off[i], t->len[i], 0);
        buf_printf(out, ": %lld", (long long)t->id[i]);
    }
    buf_puts(out, "},\n    \"merges\": [");
    for (size_t m = 0; m < n_merges; m++) {
        uint32_t a = pairs[2 * m], b = pairs[2 * m + 1];
        buf_puts(out, m ? ",\n      [" : "\n      [");
        put_json_token(out, t->bytes.data + t->off[a], t->len[a], 0);
        buf_puts(out, ", ");
        put_json_token(out, t->bytes.data + t->off[b], t->len[b], 0);
        buf_putc(out, ']');
    }
    buf_puts(out, "]\n  }\n}\n");
    return 0;
}

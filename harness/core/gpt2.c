/* gpt2.c: the GPT-2 byte alphabet and its vocab.json / merges.txt files. */
#include "gpt2.h"

#include <pthread.h>
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

/* The inverse of gpt2_rank_of_byte, built once: a search per call made
 * vocab_init cost 256 x 256 x 128 steps, milliseconds at every start. */
static unsigned char byte_at_rank[256];
static pthread_once_t ranks_once = PTHREAD_ONCE_INIT;

static void fill_ranks(void)
{
    for (unsigned b = 0; b < 256; b++)
        byte_at_rank[gpt2_rank_of_byte((unsigned char)b)] = (unsigned char)b;
}

unsigned char gpt2_byte_at_rank(int rank)
{
    if (rank < 0 || rank > 255)
        return 0;
    pthread_once(&ranks_once, fill_ranks);
    return byte_at_rank[rank];
}

/* Code point -> byte, built once; 0x144 is one past the alphabet's end. */
static int decode_table[0x144];
static unsigned encode_table[256];
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static void fill_tables(void)
{
    for (unsigned i = 0; i < 0x144; i++)
        decode_table[i] = -1;
    for (unsigned b = 0; b < 256; b++) {
        encode_table[b] = gpt2_codepoint_of_byte((unsigned char)b);
        decode_table[encode_table[b]] = (int)b;
    }
}

/* Once per process, whichever thread (two trainings may run at once). */
static void build_tables(void)
{
    pthread_once(&tables_once, fill_tables);
}

/* Appends the UTF-8 of bytes p[0..n) in the GPT-2 alphabet. */
static void gpt2_encode(struct buf *out, const unsigned char *p, size_t n)
{
    build_tables();
    for (size_t i = 0; i < n; i++)
        buf_put_utf8(out, encode_table[p[i]]);
}

int gpt2_decode(struct buf *out, const unsigned char *s, size_t n)
{
    build_tables();
    size_t i = 0;
    while (i < n) {
        uint32_t cp;
        size_t k = utf8_decode(s + i, n - i, &cp);
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
            buf_put_utf8(out, cp);
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

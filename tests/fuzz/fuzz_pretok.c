/* fuzz_pretok.c: libFuzzer target: the fast pre-tokenizer's stream against
 * PCRE2's on any bytes.
 *
 * The two follow different Unicode versions (16 and 14), so an input that
 * holds a code point they classify differently (tests/fixtures/
 * unicode_14_16_diff.txt) is skipped; U+180E is not skipped (pretok_pcre2.c
 * maps it so both see a non-space). Any other difference in the pieces, a
 * piece that is empty or not the input's own slice, aborts. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "pretok.h"
#include "unicode_tables.h"
#include "util.h"

#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

#define MAX_CP 0x110000u

struct pieces {
    const unsigned char *text;
    size_t pos, n;
    size_t lens[8192];
};

static void on_piece(const unsigned char *p, size_t len, void *ctx)
{
    struct pieces *s = ctx;
    if (len == 0 || p != s->text + s->pos || s->n == sizeof s->lens / sizeof s->lens[0])
        abort();
    s->lens[s->n++] = len;
    s->pos += len;
}

/* agree[cp]: PCRE2's \p{L}/\p{N}/\s class of cp equals the table's. */
static unsigned char *agree_table(void)
{
    static const char *const pats[3] = {"\\p{L}", "\\p{N}", "\\s"};
    static const enum uni_class cls[3] = {UNI_LETTER, UNI_NUMBER, UNI_SPACE};
    pcre2_code *re[3];
    int ec;
    PCRE2_SIZE eo;
    for (int i = 0; i < 3; i++)
        re[i] = pcre2_compile((PCRE2_SPTR)pats[i], PCRE2_ZERO_TERMINATED,
                              PCRE2_UTF | PCRE2_UCP | PCRE2_ANCHORED, &ec, &eo, NULL);
    pcre2_match_data *md = pcre2_match_data_create(1, NULL);
    unsigned char *agree = xcalloc(MAX_CP, 1);
    struct buf b = {0};
    for (uint32_t cp = 0; cp < MAX_CP; cp++) {
        if (cp >= 0xD800 && cp <= 0xDFFF)
            continue;
        enum uni_class c = UNI_OTHER;
        b.len = 0;
        buf_put_utf8(&b, cp);
        for (int i = 0; i < 3 && c == UNI_OTHER; i++)
            if (pcre2_match(re[i], b.data, b.len, 0, 0, md, NULL) >= 0)
                c = cls[i];
        agree[cp] = cp == 0x180E || c == uni_class_of(cp);
    }
    buf_free(&b);
    pcre2_match_data_free(md);
    for (int i = 0; i < 3; i++)
        pcre2_code_free(re[i]);
    return agree;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    static unsigned char *agree;
    static struct pretok *fast, *pcre2;
    static struct pieces a, b;
    char err[256];
    if (!agree) {
        agree = agree_table();
        fast = pretok_new(PRETOK_FAST, err, sizeof err);
        pcre2 = pretok_new(PRETOK_PCRE2, err, sizeof err);
        if (!fast || !pcre2)
            abort();
    }
    if (size > 4096)
        return 0;
    for (size_t i = 0; i < size;) {
        uint32_t cp;
        size_t k = utf8_decode(data + i, size - i, &cp);
        if (k && !agree[cp])
            return 0; /* Unicode 14 and 16 differ here */
        i += k ? k : 1;
    }
    a.text = b.text = data;
    a.pos = a.n = b.pos = b.n = 0;
    if (pretok_split(fast, data, size, on_piece, &a, err, sizeof err) < 0 ||
        pretok_split(pcre2, data, size, on_piece, &b, err, sizeof err) < 0)
        abort();
    if (a.pos != size || b.pos != size || a.n != b.n ||
        memcmp(a.lens, b.lens, a.n * sizeof a.lens[0]) != 0) {
        fprintf(stderr, "fuzz_pretok: fast and pcre2 split differently\n");
        abort();
    }
    return 0;
}

/* pretok_pcre2.c: the GPT-2 pre-tokenizer on PCRE2 (UTF + UCP, JIT).
 *
 * The reference is Python: bytes.decode("utf-8", "surrogateescape"), then
 * regex.finditer(PAT, text), each piece re-encoded with surrogateescape.
 * PCRE2 cannot be handed invalid UTF-8 (JIT matching does no UTF check and
 * its behaviour on such input is undefined), so whenever a block is not
 * plain valid UTF-8 we match a same-length substitute instead and cut the
 * pieces from the original bytes at the same offsets:
 *
 *  - Each byte Python would escape to a lone surrogate (anything that does
 *    not start a complete, shortest-form, non-surrogate, <= U+10FFFF
 *    sequence) becomes 0x01. A surrogate is neither \p{L}, \p{N} nor \s, and
 *    neither is 0x01; 0x01 is also none of the pattern's literals (' space
 *    s d m t l v e r). One byte for one byte, so offsets are preserved.
 *    Escaping byte by byte is equivalent to Python's "maximal subpart"
 *    errors because every byte of such a subpart after its lead byte is a
 *    continuation byte, which can never start a valid sequence itself.
 *
 *  - U+180E MONGOLIAN VOWEL SEPARATOR (E1 A0 8E) becomes U+E000 (EE 80 80).
 *    PCRE2 still lists U+180E among its horizontal spaces, so its \s matches
 *    it; Python's regex follows current Unicode (category Cf, not
 *    White_Space). Compared over every code point, this is the only \s
 *    disagreement. U+E000 (private use, Co) is, like U+180E, none of L, N or
 *    \s in both engines.
 *
 * Known, deliberate divergence: PCRE2 10.42 carries Unicode 14 tables while
 * the regex module carries a newer Unicode, so the code points assigned
 * since (letters and numbers now) are classified differently. This backend
 * stays as PCRE2 has it, for comparison; pretok_fast.c follows the
 * reference's Unicode (README, "Pre-tokenizers", lists the differences).
 *
 * The pattern can always match at least one character at any position
 * (every character is \s, \p{L}, \p{N} or the complement class), so the
 * compiled pattern is anchored: repeated matching from the end of the
 * previous match then equals finditer, without PCRE2 scanning forward for
 * a start. A failed match at a position is a bug and is reported. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "pretok.h"

#include "util.h"

#include <pcre2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pcre2_pretok {
    pcre2_code *code;
    pcre2_match_data *md;
    pcre2_match_context *mctx;
    pcre2_jit_stack *jstack;
    unsigned char *scratch; /* substitute subject for non-clean blocks */
    size_t scratch_cap;
};

static void pcre2_reason(int rc, char *buf, size_t buflen)
{
    if (pcre2_get_error_message(rc, (PCRE2_UCHAR *)buf, buflen) < 0)
        snprintf(buf, buflen, "PCRE2 error %d", rc);
}

/* Length of the valid UTF-8 sequence at s[0], or 0 for an escaped byte. */
static size_t utf8_seq_len(const unsigned char *s, size_t avail)
{
    uint32_t cp;
    return utf8_decode(s, avail, &cp);
}

static int is_u180e(const unsigned char *s)
{
    return s[0] == 0xE1 && s[1] == 0xA0 && s[2] == 0x8E;
}

/* Offset of the first byte that PCRE2 must not see as is (an escaped byte
 * or the start of U+180E), or n when the block can be matched directly.
 * TinyStories-like text is nearly all ASCII, so eight bytes are tested at a
 * time and only words with a high bit set are decoded. */
static size_t first_unclean(const unsigned char *s, size_t n)
{
    const uint64_t high = 0x8080808080808080u;
    size_t i = 0;

    while (i < n) {
        if (n - i >= 8) {
            uint64_t w;

            memcpy(&w, s + i, 8);
            w &= high;
            if (!w) {
                i += 8;
                continue;
            }
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
            i += (size_t)__builtin_ctzll(w) / 8; /* skip leading ASCII */
#endif
        }
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        size_t k = utf8_seq_len(s + i, n - i);
        if (k == 0 || (k == 3 && is_u180e(s + i)))
            return i;
        i += k;
    }
    return n;
}

/* Writes the substitute of s[0..n) into d; s[0..from) is known clean. */
static void substitute(const unsigned char *s, unsigned char *d, size_t n,
                       size_t from)
{
    size_t i = from;

    memcpy(d, s, from);
    while (i < n) {
        size_t k = utf8_seq_len(s + i, n - i);

        if (k == 0) {
            d[i++] = 0x01;
        } else { /* first_unclean stopped here, so this is U+180E */
            d[i] = 0xEE;
            d[i + 1] = 0x80;
            d[i + 2] = 0x80;
            i += 3;
        }
        size_t j = i + first_unclean(s + i, n - i);
        memcpy(d + i, s + i, j - i);
        i = j;
    }
}

static void pcre2_pretok_free(void *state);

static int pcre2_pretok_new(void **state, char *err, size_t errlen)
{
    struct pcre2_pretok *pt = calloc(1, sizeof *pt);
    char reason[256];
    int ec, rc;
    PCRE2_SIZE eo;

    if (!pt) {
        return errf(err, errlen, "pretok: out of memory");
    }
    pt->code = pcre2_compile((PCRE2_SPTR)PRETOK_GPT2_PATTERN,
                             PCRE2_ZERO_TERMINATED,
                             PCRE2_UTF | PCRE2_UCP | PCRE2_ANCHORED, &ec, &eo,
                             NULL);
    if (!pt->code) {
        pcre2_reason(ec, reason, sizeof reason);
        errf(err, errlen, "pretok: pattern compile failed at %zu: %s",
                (size_t)eo, reason);
        goto fail;
    }
    /* Without JIT, matching is several times slower; better to fail loudly
     * than to run a whole experiment at interpreter speed. */
    rc = pcre2_jit_compile(pt->code, PCRE2_JIT_COMPLETE);
    if (rc != 0) {
        pcre2_reason(rc, reason, sizeof reason);
        errf(err, errlen, "pretok: JIT compile failed: %s", reason);
        goto fail;
    }
    pt->md = pcre2_match_data_create(1, NULL);
    pt->mctx = pcre2_match_context_create(NULL);
    /* Every repeat in the pattern is a single-character one and nothing
     * recurses, so the default 32 KiB would do; the larger ceiling only
     * guards against a PCRE2 version that frames backtracking differently. */
    pt->jstack = pcre2_jit_stack_create(32 * 1024, 1024 * 1024, NULL);
    if (!pt->md || !pt->mctx || !pt->jstack) {
        errf(err, errlen, "pretok: out of memory");
        goto fail;
    }
    pcre2_jit_stack_assign(pt->mctx, NULL, pt->jstack);
    *state = pt;
    return 0;

fail:
    pcre2_pretok_free(pt);
    return -1;
}

static void pcre2_pretok_free(void *state)
{
    struct pcre2_pretok *pt = state;
    if (!pt)
        return;
    pcre2_jit_stack_free(pt->jstack);
    pcre2_match_context_free(pt->mctx);
    pcre2_match_data_free(pt->md);
    pcre2_code_free(pt->code);
    free(pt->scratch);
    free(pt);
}

static int pcre2_pretok_split(void *state, const unsigned char *text, size_t len,
                              pretok_emit_fn emit, void *ctx, char *err, size_t errlen)
{
    struct pcre2_pretok *pt = state;
    const unsigned char *subject = text;
    size_t clean = first_unclean(text, len);
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(pt->md);
    PCRE2_SIZE off = 0;

    if (clean < len) {
        if (pt->scratch_cap < len) {
            size_t cap = pt->scratch_cap * 2 > len ? pt->scratch_cap * 2 : len;
            unsigned char *p = realloc(pt->scratch, cap);

            if (!p) {
                errf(err, errlen, "pretok: out of memory (%zu bytes)", cap);
                return -1;
            }
            pt->scratch = p;
            pt->scratch_cap = cap;
        }
        substitute(text, pt->scratch, len, clean);
        subject = pt->scratch;
    }

    while (off < len) {
        int rc = pcre2_jit_match(pt->code, subject, len, off,
                                 PCRE2_NO_UTF_CHECK, pt->md, pt->mctx);

        if (rc < 0) {
            char reason[256];

            if (rc == PCRE2_ERROR_NOMATCH)
                snprintf(reason, sizeof reason,
                         "no match (pattern does not cover the input)");
            else
                pcre2_reason(rc, reason, sizeof reason);
            errf(err, errlen, "pretok: match at byte %zu failed: %s",
                    (size_t)off, reason);
            return -1;
        }
        if (ov[0] != off || ov[1] <= off) {
            errf(err, errlen,
                    "pretok: bad match [%zu,%zu) at byte %zu (gap or empty)",
                    (size_t)ov[0], (size_t)ov[1], (size_t)off);
            return -1;
        }
        emit(text + off, ov[1] - off, ctx);
        off = ov[1];
    }
    return 0;
}

/* PCRE2's own Unicode version ("14.0.0" for 10.42). */
static const char *pcre2_pretok_unicode(void)
{
    static char version[32];
    if (!version[0] && pcre2_config(PCRE2_CONFIG_UNICODE_VERSION, version) < 0)
        snprintf(version, sizeof version, "unknown");
    return version;
}

const struct pretok_ops pretok_pcre2_ops = {
    .name = "pcre2",
    .create = pcre2_pretok_new,
    .destroy = pcre2_pretok_free,
    .split = pcre2_pretok_split,
    .unicode_version = pcre2_pretok_unicode,
};

/* pairindex.c: pair ids by their newer token (see pairindex.h). */
#include "pairindex.h"

#include "util.h"

#include <stdlib.h>
#include <string.h>

void pair_index_init(struct pair_index *x, const struct vocab *v)
{
    memset(x, 0, sizeof *x);
    x->n_initial = v->n;
    x->byte_of = xmalloc((v->n ? v->n : 1) * sizeof *x->byte_of);
    memset(x->byte_of, 0xff, v->n * sizeof *x->byte_of);
    for (int c = 0; c < 256; c++) {
        x->byte_id[c] = vocab_byte_id(v, (unsigned char)c);
        x->byte_of[x->byte_id[c]] = (uint16_t)c;
    }
    x->initial = xmalloc(256 * 256 * sizeof *x->initial);
    memset(x->initial, 0xff, 256 * 256 * sizeof *x->initial); /* PAIR_NONE */
}

void pair_index_free(struct pair_index *x)
{
    free(x->byte_of);
    free(x->initial);
    free(x->group);
    xfree_huge(x->e);
    memset(x, 0, sizeof *x);
}

uint32_t pair_index_initial(struct pair_index *x, struct pair_table *pt, uint32_t a, uint32_t b)
{
    uint32_t *id = &x->initial[pair_index_bytes(x->byte_of, a, b)];
    if (*id == PAIR_NONE)
        *id = pairs_add(pt, a, b);
    return *id;
}

void pair_index_add_group(struct pair_index *x, const struct pair_table *pt, uint32_t z,
                          const uint32_t *ids, size_t n)
{
    uint32_t g = z - x->n_initial;
    if (g >= x->n_group) {
        uint32_t cap = x->n_group ? x->n_group : 1024;
        while (cap <= g)
            cap *= 2;
        x->group = xrealloc(x->group, cap * sizeof *x->group);
        x->n_group = cap;
    }
    /* At most 3/4 full: with 8-byte entries a probe seldom leaves its line. */
    uint64_t cap = 1;
    while (cap * 3 < (uint64_t)n * 4 + 1)
        cap *= 2;
    if (x->n_e + cap > x->cap_e) {
        while (x->n_e + cap > x->cap_e)
            x->cap_e = x->cap_e ? x->cap_e * 2 : 1 << 16;
        x->e = xrealloc_huge(x->e, x->cap_e * sizeof *x->e);
    }
    x->group[g] = (struct pair_index_group){.mask = (uint32_t)(cap - 1), .off = x->n_e};
    struct pair_index_entry *e = x->e + x->n_e;
    memset(e, 0xff, cap * sizeof *e); /* key PAIR_NONE: empty */
    x->n_e += cap;
    for (size_t i = 0; i < n; i++) {
        const struct pair_rec *r = &pt->rec[ids[i]];
        uint64_t s = pair_index_slot(x, r->a, r->b) - x->group[g].off;
        while (e[s].key != PAIR_NONE)
            s = (s + 1) & (cap - 1);
        e[s] = (struct pair_index_entry){pair_index_key(r->a, r->b), ids[i]};
    }
}

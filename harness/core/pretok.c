/* pretok.c: the pre-tokenizer strategies behind one interface (pretok.h). */
#include "pretok.h"

#include "util.h"

#include <stdlib.h>
#include <string.h>

struct pretok {
    const struct pretok_ops *ops;
    void *state;
};

/* Indexed by enum pretok_kind. */
static const struct pretok_ops *const kinds[] = {
    [PRETOK_PCRE2] = &pretok_pcre2_ops,
    [PRETOK_FAST] = &pretok_fast_ops,
};

const struct pretok_ops *pretok_ops_of(enum pretok_kind kind)
{
    return kinds[kind];
}

const char *pretok_kind_name(enum pretok_kind kind)
{
    return kinds[kind]->name;
}

int pretok_kind_parse(const char *name, enum pretok_kind *kind)
{
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(name, kinds[i]->name) == 0) {
            *kind = (enum pretok_kind)i;
            return 0;
        }
    return -1;
}

struct pretok *pretok_new(enum pretok_kind kind, char *err, size_t errlen)
{
    struct pretok *pt = xmalloc(sizeof *pt);
    pt->ops = kinds[kind];
    pt->state = NULL;
    if (pt->ops->create(&pt->state, err, errlen) < 0) {
        free(pt);
        return NULL;
    }
    return pt;
}

void pretok_free(struct pretok *pt)
{
    if (!pt)
        return;
    pt->ops->destroy(pt->state);
    free(pt);
}

int pretok_split(struct pretok *pt, const unsigned char *text, size_t len,
                 pretok_emit_fn emit, void *ctx, char *err, size_t errlen)
{
    return pt->ops->split(pt->state, text, len, emit, ctx, err, errlen);
}

void pretok_readable_to(struct pretok *pt, const unsigned char *end)
{
    if (pt->ops->readable_to)
        pt->ops->readable_to(pt->state, end);
}

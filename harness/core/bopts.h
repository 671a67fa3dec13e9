/* bopts.h: a backend's options (--backend-opts "k=v,k2"), checked against
 * what the backend declares and put in one canonical form, which is what
 * the backend receives and what the CSV records. */
#ifndef BOPTS_H
#define BOPTS_H

#include <stddef.h>

#include "backend.h"
#include "util.h"

/* The values of an on/off option: {"0", "1", NULL}, default off. */
extern const char *const bopts_flag_values[];

/* Checks `spec` (items "k=v" or bare "k" meaning "k=1", separated by ',' or
 * ';'; NULL or "" for none; a later item overrides an earlier one) against
 * be's options and writes every declared option, defaults included, as
 * "k=v;k=v" into out (replacing it; "" for a backend without options).
 * Returns 0, or -1 with a one-line reason. */
int bopts_canonical(const struct merge_backend *be, const char *spec, struct buf *out,
                    char *err, size_t errlen);

/* In a canonical string: does option `name` have `value`? */
int bopts_is(const char *canonical, const char *name, const char *value);

#endif

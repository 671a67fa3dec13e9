/* registry.h: every merge-step backend, and their listing (--list-backends,
 * as text or as the JSON that scripts/ read instead of keeping a list of
 * their own). */
#ifndef REGISTRY_H
#define REGISTRY_H

#include <stddef.h>
#include <stdio.h>

#include "backend.h"

/* How many backends there are, and backend i, in the order --list-backends
 * prints them; entry 0 is the default. */
size_t registry_len(void);
const struct merge_backend *registry_at(size_t i);
/* Adds one backend after the common ones, for a front end that has one of
 * its own (bpetrain-mpi adds mpi). Call before parsing options. */
void registry_extend(const struct merge_backend *be);

const struct merge_backend *backend_find(const char *name);

/* Name, description and options of each backend, for people. */
void registry_print_text(FILE *f);
/* One JSON array: name, description, kind, article, bench, options. */
void registry_print_json(FILE *f);

#endif

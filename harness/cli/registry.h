/* registry.h: every merge-step backend, and their listing (--list-backends,
 * as text or as the JSON that scripts/ read instead of keeping a list of
 * their own). */
#ifndef REGISTRY_H
#define REGISTRY_H

#include <stddef.h>
#include <stdio.h>

#include "backend.h"
#include "util.h"
#include "update.h"

/* In the order --list-backends prints them; entry 0 is the default. */
extern const struct merge_backend *const backend_registry[];
extern const size_t backend_registry_len;
/* Adds one backend after those, for a front end that has one of its own
 * (bpetrain-mpi adds mpi); call it before parsing options. The lookups and
 * listings below then include it. */
void registry_extend(const struct merge_backend *be);

const struct merge_backend *backend_find(const char *name);

/* The backend called `name` with its options `spec` checked and made
 * canonical in *opts (bopts.h); NULL, with a one-line reason (an unknown
 * backend's names the known ones), when either is wrong. */
const struct merge_backend *registry_resolve(const char *name, const char *spec,
                                             struct buf *opts, char *err, size_t errlen);
/* The update strategies, the default (serial) first. */
extern const struct update_strategy *const update_registry[];
extern const size_t update_registry_len;
const struct update_strategy *update_find(const char *name);
/* "serial or sharded": the strategies' names, for option_refused. */
void update_names(struct buf *out);

/* Name, description and options of each backend, for people. */
void registry_print_text(FILE *f);
/* One JSON array: name, description, kind, article, bench, options. */
void registry_print_json(FILE *f);

#endif

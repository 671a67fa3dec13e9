/* registry.c: the list of merge-step backends. Adding a backend is one file
 * in variants/ and one line here; everything else (the CLI, the bench, the
 * report, the tests) learns of it from this list. */
#include "registry.h"

#include "bopts.h"
#include "gpt2.h"
#include "util.h"

#include <string.h>

/* The one list: each entry names the `struct merge_backend backend_NAME` a
 * file in variants/ defines, in --list-backends order, the default first. */
#define BACKENDS(X)                                                                          \
    X(serial) X(fork) X(pool) X(spawn) X(pthread) X(openmp) X(heap) X(lazyheap)              \
    X(fork_deepcopy)

#define DECLARE(name) extern const struct merge_backend backend_##name;
BACKENDS(DECLARE)
#define ADDRESS(name) &backend_##name,
const struct merge_backend *const backend_registry[] = {BACKENDS(ADDRESS)};

const size_t backend_registry_len = sizeof backend_registry / sizeof backend_registry[0];

/* A front end's own backend, after the common ones (bpetrain-mpi's mpi). */
static const struct merge_backend *extra_backend;

void registry_extend(const struct merge_backend *be)
{
    extra_backend = be;
}

static size_t registry_len(void)
{
    return backend_registry_len + (extra_backend != NULL);
}

static const struct merge_backend *registry_at(size_t i)
{
    return i < backend_registry_len ? backend_registry[i] : extra_backend;
}

/* The update strategies (update.h): serial lives in core, the rest in variants/. */
extern const struct update_strategy update_sharded;
const struct update_strategy *const update_registry[] = {&update_serial, &update_sharded};
const size_t update_registry_len = sizeof update_registry / sizeof update_registry[0];

const struct update_strategy *update_find(const char *name)
{
    for (size_t i = 0; i < update_registry_len; i++)
        if (strcmp(update_registry[i]->name, name) == 0)
            return update_registry[i];
    return NULL;
}

void update_names(struct buf *out)
{
    for (size_t i = 0; i < update_registry_len; i++)
        buf_printf(out, "%s%s", i ? (i + 1 == update_registry_len ? " or " : ", ") : "",
                   update_registry[i]->name);
}

const struct merge_backend *backend_find(const char *name)
{
    for (size_t i = 0; i < registry_len(); i++)
        if (strcmp(registry_at(i)->name, name) == 0)
            return registry_at(i);
    return NULL;
}

const struct merge_backend *registry_resolve(const char *name, const char *spec,
                                             struct buf *opts, char *err, size_t errlen)
{
    const struct merge_backend *be = backend_find(name);
    if (!be) {
        struct buf known = {0};
        for (size_t i = 0; i < registry_len(); i++)
            buf_printf(&known, " %s", registry_at(i)->name);
        errf(err, errlen, "unknown backend '%s'; known:%s", name, buf_cstr(&known));
        buf_free(&known);
        return NULL;
    }
    return bopts_canonical(be, spec, opts, err, errlen) < 0 ? NULL : be;
}

static const char *const kind_names[] = {"single", "threads", "processes"};

void registry_print_text(FILE *f)
{
    for (size_t i = 0; i < registry_len(); i++) {
        const struct merge_backend *be = registry_at(i);
        fprintf(f, "%-14s %s\n", be->name, be->description);
        for (const struct backend_option *o = be->options; o && o->name; o++) {
            fprintf(f, "%-14s   option %s=", "", o->name);
            for (size_t v = 0; o->values[v]; v++)
                fprintf(f, "%s%s", v ? "|" : "", o->values[v]);
            fprintf(f, " (default %s): %s\n", o->values[0], o->help);
        }
    }
}

static void json_str(struct buf *b, const char *s)
{
    (void)json_put_utf8(b, (const unsigned char *)s, strlen(s));
}

static void json_options(struct buf *b, const struct merge_backend *be)
{
    buf_puts(b, "[");
    for (const struct backend_option *o = be->options; o && o->name; o++) {
        buf_puts(b, o == be->options ? "{\"name\": " : ", {\"name\": ");
        json_str(b, o->name);
        buf_puts(b, ", \"values\": [");
        for (size_t v = 0; o->values[v]; v++) {
            buf_puts(b, v ? ", " : "");
            json_str(b, o->values[v]);
        }
        buf_puts(b, "], \"default\": ");
        json_str(b, o->values[0]);
        buf_puts(b, ", \"help\": ");
        json_str(b, o->help);
        buf_puts(b, "}");
    }
    buf_puts(b, "]");
}

void registry_print_json(FILE *f)
{
    struct buf b = {0};
    buf_puts(&b, "[");
    for (size_t i = 0; i < registry_len(); i++) {
        const struct merge_backend *be = registry_at(i);
        buf_puts(&b, i ? ",\n {\"name\": " : "{\"name\": ");
        json_str(&b, be->name);
        buf_puts(&b, ", \"description\": ");
        json_str(&b, be->description);
        buf_printf(&b, ", \"kind\": \"%s\", \"article\": ", kind_names[be->kind]);
        json_str(&b, be->article ? be->article : "");
        buf_printf(&b, ", \"bench\": %s, \"options\": ", be->bench ? "true" : "false");
        json_options(&b, be);
        buf_puts(&b, "}");
    }
    buf_puts(&b, "]\n");
    fwrite(b.data, 1, b.len, f);
    buf_free(&b);
}

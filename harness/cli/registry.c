/* registry.c: the list of merge-step backends. Adding a backend is one file
 * in variants/ and one line here; everything else (the CLI, the bench, the
 * report, the tests) learns of it from this list. */
#include "registry.h"

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
static const struct merge_backend *const common[] = {BACKENDS(ADDRESS)};
#define N_COMMON (sizeof common / sizeof common[0])
static const struct merge_backend *extra;

size_t registry_len(void)
{
    return N_COMMON + (extra != NULL);
}

const struct merge_backend *registry_at(size_t i)
{
    return i < N_COMMON ? common[i] : extra;
}

void registry_extend(const struct merge_backend *be)
{
    extra = be;
}

const struct merge_backend *backend_find(const char *name)
{
    for (size_t i = 0; i < registry_len(); i++)
        if (strcmp(registry_at(i)->name, name) == 0)
            return registry_at(i);
    return NULL;
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

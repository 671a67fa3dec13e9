/* bopts.c: backend options (see bopts.h). */
#include "bopts.h"

#include <stdlib.h>
#include <string.h>

const char *const bopts_flag_values[] = {"0", "1", NULL};

static size_t count_options(const struct merge_backend *be)
{
    size_t n = 0;
    while (be->options && be->options[n].name)
        n++;
    return n;
}

/* "layout, touch" or "none", for error messages. */
static void list_names(const struct merge_backend *be, struct buf *b)
{
    size_t n = count_options(be);
    for (size_t i = 0; i < n; i++)
        buf_printf(b, "%s%s", i ? ", " : "", be->options[i].name);
    if (!n)
        buf_puts(b, "none");
}

static int unknown_option(const struct merge_backend *be, const char *key, char *err,
                          size_t errlen)
{
    struct buf names = {0};
    list_names(be, &names);
    errf(err, errlen, "backend %s: unknown option '%s' (options: %s)", be->name, key,
         buf_cstr(&names));
    buf_free(&names);
    return -1;
}

static int bad_value(const struct merge_backend *be, const struct backend_option *o,
                     const char *value, char *err, size_t errlen)
{
    struct buf vals = {0};
    for (size_t i = 0; o->values[i]; i++)
        buf_printf(&vals, "%s%s", i ? "|" : "", o->values[i]);
    errf(err, errlen, "backend %s: option %s expects %s, got '%s'", be->name, o->name,
         buf_cstr(&vals), value);
    buf_free(&vals);
    return -1;
}

/* Applies one "k=v" or "k" item: chosen[i] becomes the index of its value. */
static int apply_item(const struct merge_backend *be, char *item, size_t *chosen, char *err,
                      size_t errlen)
{
    char *eq = strchr(item, '=');
    const char *value = "1";
    if (eq) {
        *eq = 0;
        value = eq + 1;
    }
    size_t n = count_options(be);
    for (size_t i = 0; i < n; i++) {
        const struct backend_option *o = &be->options[i];
        if (strcmp(o->name, item) != 0)
            continue;
        for (size_t v = 0; o->values[v]; v++)
            if (strcmp(o->values[v], value) == 0) {
                chosen[i] = v;
                return 0;
            }
        return bad_value(be, o, value, err, errlen);
    }
    return unknown_option(be, item, err, errlen);
}

int bopts_canonical(const struct merge_backend *be, const char *spec, struct buf *out,
                    char *err, size_t errlen)
{
    size_t n = count_options(be);
    size_t *chosen = xcalloc(n ? n : 1, sizeof *chosen);
    char *copy = xstrdup(spec ? spec : "");
    int rc = 0;
    char *save = NULL;
    for (char *item = strtok_r(copy, ",;", &save); item && rc == 0;
         item = strtok_r(NULL, ",;", &save))
        rc = apply_item(be, item, chosen, err, errlen);
    out->len = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        buf_printf(out, "%s%s=%s", i ? ";" : "", be->options[i].name,
                   be->options[i].values[chosen[i]]);
    buf_cstr(out);
    free(copy);
    free(chosen);
    return rc;
}

int bopts_is(const char *canonical, const char *name, const char *value)
{
    size_t nl = strlen(name), vl = strlen(value);
    for (const char *p = canonical; p && *p;) {
        const char *end = strchr(p, ';');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == nl + 1 + vl && strncmp(p, name, nl) == 0 && p[nl] == '=' &&
            strncmp(p + nl + 1, value, vl) == 0)
            return 1;
        p = end ? end + 1 : NULL;
    }
    return 0;
}

void backend_report_counter(struct backend_report *r, const char *name, uint64_t value)
{
    buf_printf(&r->counters, "%s%s=%llu", r->counters.len ? ";" : "", name,
               (unsigned long long)value);
}

void backend_report_free(struct backend_report *r)
{
    buf_free(&r->worker_pus);
    buf_free(&r->counters);
}

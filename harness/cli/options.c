/* options.c: bpetrain's command line (see options.h). */
#define _GNU_SOURCE
#include "options.h"

#include "pinning.h"
#include "registry.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *f)
{
    fprintf(f,
"usage: bpetrain --input FILE --vocab-size N [options]\n"
"       bpetrain --list-backends [--json] | --topology | --version | --help\n"
"\n"
"Trains a byte-level BPE tokenizer exactly as CS336 assignment 1 defines it and\n"
"times each phase.\n"
"\n"
"  --input FILE          training text (bytes; invalid UTF-8 is kept as is)\n"
"  --vocab-size N        target vocabulary size: specials + 256 bytes + merges\n"
"  --special-token TOK   a special token (repeatable); default " DEFAULT_SPECIAL "\n"
"  --no-special-tokens   train with no special token at all\n"
"  --backend NAME        merge-step backend (default serial; see --list-backends)\n"
"  --backend-opts K=V,.. the backend's own options (see --list-backends); a bare\n"
"                        K means K=1\n"
"  --workers N           workers of the backend (default 1)\n"
"  --count-workers N     counting threads, also those laying out the words before\n"
"                        the first merge (default: online CPUs)\n"
"  --pretok NAME         pre-tokenizer: fast (hand-written, Unicode %s tables)\n"
"                        or pcre2 (PCRE2 JIT, its Unicode %s); default %s\n"
"  --pin POLICY          none|compact|scatter: CPU binding of backend workers\n"
"                        and of update threads\n"
"  --update NAME         update step: serial (default; the shards in turn on the\n"
"                        main thread) or sharded (one thread per shard)\n"
"  --update-workers U    shards of the distinct words (default 1)\n"
"  --update-min-words N  sharded: a merge of fewer words runs on the main thread\n"
"                        without waking the threads (default 0: every merge)\n"
"  --huge-pages MODE     auto|on|off: large arrays on transparent huge pages;\n"
"                        auto (default) is off under a hypervisor that takes\n"
"                        back the guest's free memory (free page reporting),\n"
"                        except for a backend that forks every merge\n"
"  --layout flat|objects shorthand for --backend-opts layout=...\n"
"  --touch               shorthand for --backend-opts touch\n"
"  --shuffle-chunks      shorthand for --backend-opts shuffle\n"
"  --out DIR             write DIR/vocab.json, merges.txt and tokenizer.json (HF)\n"
"  --csv FILE            append this run's measurements as one CSV row\n"
"  --count-only          stop after the counting phase (time it alone)\n"
"  --pretok-only         only split into pre-tokens and count them, no word\n"
"                        table (times the pre-tokenizer alone; CSV count_only=2)\n"
"  --save-counts FILE    save the word counts (with the input's size and hash)\n"
"  --load-counts FILE    skip counting: load counts saved from this same input\n"
"  --quiet               no summary and no progress line on stderr (errors and notices\n"
"                        still appear); the progress line shows only on a terminal\n"
"  --list-backends       list the merge-step backends and their options and exit;\n"
"                        with --json, as one JSON array\n"
"  --topology            print the machine's topology (hwloc) as JSON and exit\n"
"  --version             the pre-tokenizers and their Unicode versions\n"
"  --help                this text\n",
            pretok_fast_ops.unicode_version(), pretok_pcre2_ops.unicode_version(),
            pretok_kind_name(PRETOK_DEFAULT));
}

/* The Unicode version of each pre-tokenizer, the default first. */
static void print_version(void)
{
    printf("bpetrain (bpebench)\n");
    printf("pretok fast: Unicode %s (scripts/gen_unicode_tables.py)\n",
           pretok_fast_ops.unicode_version());
    printf("pretok pcre2: PCRE2 Unicode %s\n", pretok_pcre2_ops.unicode_version());
    printf("default pretok: %s\n", pretok_kind_name(PRETOK_DEFAULT));
}

void option_refused(struct buf *msg, const char *what, const char *choices, const char *got)
{
    buf_printf(msg, "%s expects %s, got '%s'", what, choices, got);
}

/* Prints option_refused's line for --NAME. Returns -1. */
static int refuse(const char *what, const char *choices, const char *got)
{
    struct buf msg = {0};
    option_refused(&msg, what, choices, got);
    fprintf(stderr, "bpetrain: %s\n", buf_cstr(&msg));
    buf_free(&msg);
    return -1;
}

static int parse_pretok(const char *arg, enum pretok_kind *out)
{
    if (pretok_kind_parse(arg, out) == 0)
        return 0;
    return refuse("--pretok", PRETOK_CHOICES, arg);
}

static int parse_huge_pages(const char *arg, enum huge_pages_mode *out)
{
    if (huge_pages_parse(arg, out) == 0)
        return 0;
    return refuse("--huge-pages", HUGE_PAGES_CHOICES, arg);
}

static int parse_count(const char *opt, const char *arg, uint64_t min, uint64_t max,
                       uint64_t *out)
{
    if (parse_u64(arg, min, max, out) == 0)
        return 0;
    fprintf(stderr, "bpetrain: %s expects a whole number from %" PRIu64 " to %" PRIu64
                    ", got '%s'\n", opt, min, max, arg);
    return -1;
}

static int print_topology(void)
{
    char err[256], caches[512];
    struct pin_plan plan;
    if (pin_plan_init(&plan, PIN_NONE, 1, err, sizeof err) < 0) {
        fprintf(stderr, "bpetrain: %s\n", err);
        pin_plan_free(&plan);
        return 2;
    }
    pin_describe_caches(&plan, caches, sizeof caches);
    printf("{\"packages\": %u, \"cores\": %u, \"pus\": %u, \"caches\": \"%s\"}\n",
           plan.n_packages, plan.n_cores, plan.n_pus, caches);
    pin_plan_free(&plan);
    return 1;
}

static int parse_pin(const char *arg, enum pin_policy *out)
{
    if (pin_policy_parse(arg, out) == 0)
        return 0;
    return refuse("--pin", PIN_CHOICES, arg);
}

static int parse_update(const char *arg, const struct update_strategy **out)
{
    if ((*out = update_find(arg)))
        return 0;
    struct buf names = {0};
    update_names(&names);
    refuse("--update", buf_cstr(&names), arg);
    buf_free(&names);
    return 2;
}

/* Adds one item to the backend's options, as --backend-opts would. */
static void add_backend_opt(struct options *o, const char *item)
{
    buf_printf(&o->backend_opts, "%s%s", o->backend_opts.len ? "," : "", item);
}

enum { OPT_NO_SPECIALS = 256, OPT_LIST, OPT_JSON, OPT_PIN, OPT_COUNT_ONLY, OPT_SAVE, OPT_LOAD,
       OPT_TOPOLOGY, OPT_LAYOUT, OPT_TOUCH, OPT_SHUFFLE, OPT_BACKEND_OPTS, OPT_UPDATE,
       OPT_UPDATE_WORKERS, OPT_UPDATE_MIN_WORDS, OPT_PRETOK, OPT_PRETOK_ONLY, OPT_VERSION,
       OPT_HUGE_PAGES };

static const struct option longopts[] = {
    {"input", required_argument, 0, 'i'},
    {"vocab-size", required_argument, 0, 'v'},
    {"special-token", required_argument, 0, 's'},
    {"no-special-tokens", no_argument, 0, OPT_NO_SPECIALS},
    {"backend", required_argument, 0, 'b'},
    {"backend-opts", required_argument, 0, OPT_BACKEND_OPTS},
    {"workers", required_argument, 0, 'w'},
    {"count-workers", required_argument, 0, 'c'},
    {"pin", required_argument, 0, OPT_PIN},
    {"update", required_argument, 0, OPT_UPDATE},
    {"update-workers", required_argument, 0, OPT_UPDATE_WORKERS},
    {"update-min-words", required_argument, 0, OPT_UPDATE_MIN_WORDS},
    {"out", required_argument, 0, 'o'},
    {"csv", required_argument, 0, 'r'},
    {"quiet", no_argument, 0, 'q'},
    {"list-backends", no_argument, 0, OPT_LIST},
    {"json", no_argument, 0, OPT_JSON},
    {"count-only", no_argument, 0, OPT_COUNT_ONLY},
    {"topology", no_argument, 0, OPT_TOPOLOGY},
    {"layout", required_argument, 0, OPT_LAYOUT},
    {"touch", no_argument, 0, OPT_TOUCH},
    {"shuffle-chunks", no_argument, 0, OPT_SHUFFLE},
    {"save-counts", required_argument, 0, OPT_SAVE},
    {"load-counts", required_argument, 0, OPT_LOAD},
    {"pretok", required_argument, 0, OPT_PRETOK},
    {"pretok-only", no_argument, 0, OPT_PRETOK_ONLY},
    {"huge-pages", required_argument, 0, OPT_HUGE_PAGES},
    {"version", no_argument, 0, OPT_VERSION},
    {"help", no_argument, 0, 'h'},
    {0, 0, 0, 0},
};

/* One option with its argument; same return convention as options_parse. */
static int take_option(int c, char *arg, struct options *o, int *list)
{
    uint64_t v;
    char item[64];
    switch (c) {
    case 'i': o->input = arg; return 0;
    case 'v': return parse_count("--vocab-size", arg, 1, VOCAB_SIZE_MAX, &o->vocab_size) ? 2 : 0;
    case 's': o->specials[o->n_specials++] = arg; return 0;
    case OPT_NO_SPECIALS: o->no_specials = 1; return 0;
    case 'b': o->backend = arg; return 0;
    case OPT_BACKEND_OPTS: add_backend_opt(o, arg); return 0;
    case 'w':
        if (parse_count("--workers", arg, 1, WORKERS_MAX, &v) < 0)
            return 2;
        o->workers = (unsigned)v;
        return 0;
    case 'c':
        if (parse_count("--count-workers", arg, 1, WORKERS_MAX, &v) < 0)
            return 2;
        o->count_workers = (unsigned)v;
        o->count_workers_set = 1;
        return 0;
    case OPT_PIN: return parse_pin(arg, &o->pin) < 0 ? 2 : 0;
    case OPT_UPDATE: return parse_update(arg, &o->update);
    case OPT_UPDATE_WORKERS:
        if (parse_count("--update-workers", arg, 1, WORKERS_MAX, &v) < 0)
            return 2;
        o->update_workers = (unsigned)v;
        return 0;
    case OPT_UPDATE_MIN_WORDS:
        return parse_count("--update-min-words", arg, 0, UPDATE_MIN_WORDS_MAX,
                           &o->update_min_words) ? 2
                                                                                           : 0;
    case 'o': o->out_dir = arg; return 0;
    case 'r': o->csv = arg; return 0;
    case 'q': o->quiet = 1; return 0;
    case OPT_COUNT_ONLY: o->count_only = 1; return 0;
    case OPT_PRETOK: return parse_pretok(arg, &o->pretok) < 0 ? 2 : 0;
    case OPT_PRETOK_ONLY: o->pretok_only = o->count_only = 1; return 0;
    case OPT_HUGE_PAGES: return parse_huge_pages(arg, &o->huge_pages) < 0 ? 2 : 0;
    case OPT_VERSION: print_version(); return 1;
    case OPT_TOUCH: add_backend_opt(o, "touch"); return 0;
    case OPT_SHUFFLE: add_backend_opt(o, "shuffle"); return 0;
    case OPT_LAYOUT:
        snprintf(item, sizeof item, "layout=%.50s", arg);
        add_backend_opt(o, item);
        return 0;
    case OPT_SAVE: o->save_counts = arg; return 0;
    case OPT_LOAD: o->load_counts = arg; return 0;
    case OPT_TOPOLOGY: return print_topology();
    case OPT_LIST: *list |= 1; return 0;
    case OPT_JSON: *list |= 2; return 0;
    case 'h': usage(stdout); return 1;
    default: return -1;
    }
}

/* What getopt could not parse, as one line. */
static int unknown_option(int argc, char **argv)
{
    (void)argc;
    if (optopt)
        fprintf(stderr, "bpetrain: option --%s needs a value or is unknown (see --help)\n",
                argv[optind - 1] + 2);
    else
        fprintf(stderr, "bpetrain: unknown option %s (see --help)\n", argv[optind - 1]);
    return 2;
}

/* The combinations that cannot run, once everything is parsed. */
static int check_options(int argc, char **argv, struct options *o)
{
    const char *why = NULL;
    if (optind < argc) {
        fprintf(stderr, "bpetrain: unexpected argument '%s' (see --help)\n", argv[optind]);
        return 2;
    }
    if (!o->input)
        why = "--input FILE is required (see --help)";
    else if (!o->vocab_size && !o->count_only)
        why = "--vocab-size N is required (see --help)";
    else if (o->count_only && o->load_counts)
        why = "--count-only contradicts --load-counts";
    else if (o->pretok_only && o->save_counts)
        why = "--pretok-only keeps no counts to --save-counts";
    else if (o->no_specials && o->n_specials)
        why = "--no-special-tokens contradicts --special-token";
    if (why) {
        fprintf(stderr, "bpetrain: %s\n", why);
        return 2;
    }
    if (!o->no_specials && !o->n_specials)
        o->specials[o->n_specials++] = DEFAULT_SPECIAL;
    return 0;
}

int options_parse(int argc, char **argv, struct options *o)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    o->count_workers = cpus > 0 ? (unsigned)cpus : 1;
    o->workers = 1;
    o->update = update_registry[0];
    o->update_workers = 1;
    o->backend = backend_registry[0]->name;
    o->pin = PIN_NONE;
    o->pretok = PRETOK_DEFAULT;
    o->huge_pages = HUGE_PAGES_AUTO;
    o->specials = xcalloc((size_t)argc + 1, sizeof *o->specials);
    int c, list = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        int rc = take_option(c, optarg, o, &list);
        if (rc < 0)
            return unknown_option(argc, argv);
        if (rc)
            return rc;
    }
    if (list == 2) {
        fprintf(stderr, "bpetrain: --json goes with --list-backends\n");
        return 2;
    }
    if (list) {
        if (list & 2)
            registry_print_json(stdout);
        else
            registry_print_text(stdout);
        return 1;
    }
    if (o->backend_opts.len)
        buf_cstr(&o->backend_opts); /* a C string from here on */
    return check_options(argc, argv, o);
}

void options_free(struct options *o)
{
    free(o->specials);
    buf_free(&o->backend_opts);
}

/* bpetrain.c: the command-line trainer. Parses options, runs the counting
 * and merge phases with the chosen backend, writes vocab.json and
 * merges.txt, and appends the run's measurements to a CSV file. */
#define _GNU_SOURCE
#include "backend.h"
#include "cleanup.h"
#include "count.h"
#include "gpt2.h"
#include "input.h"
#include "merge.h"
#include "pinning.h"
#include "runrow.h"
#include "specials.h"
#include "util.h"
#include "vocab.h"
#include "wordfile.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_SPECIAL "<|endoftext|>"

struct options {
    const char *input;
    uint64_t vocab_size;
    char **specials;
    size_t n_specials;
    int no_specials;
    const char *backend;
    unsigned workers;
    unsigned count_workers;
    enum pin_policy pin;
    const char *out_dir;
    const char *csv;
    int quiet;
    int count_only;
    const char *save_counts, *load_counts;
    enum pair_layout layout;
    int touch, shuffle_chunks;
};

static void usage(FILE *f)
{
    fprintf(f,
"usage: bpetrain --input FILE --vocab-size N [options]\n"
"       bpetrain --list-backends | --help\n"
"\n"
"Trains a byte-level BPE tokenizer exactly as CS336 assignment 1 defines it and\n"
"times each phase.\n"
"\n"
"  --input FILE          training text (bytes; invalid UTF-8 is kept as is)\n"
"  --vocab-size N        target vocabulary size: specials + 256 bytes + merges\n"
"  --special-token TOK   a special token (repeatable); default " DEFAULT_SPECIAL "\n"
"  --no-special-tokens   train with no special token at all\n"
"  --backend NAME        merge-step backend (default serial; see --list-backends)\n"
"  --workers N           workers of the backend (default 1)\n"
"  --count-workers N     counting threads (default: online CPUs)\n"
"  --pin POLICY          none|compact|scatter: CPU binding of backend workers\n"
"  --layout flat|objects process backends: copy the pairs as one array (default)\n"
"                        or as separately allocated objects, like a Python list\n"
"  --touch               process backends: workers write to every entry they scan,\n"
"                        as CPython's reference counting does\n"
"  --shuffle-chunks      pool: hand chunks to workers in a new order every merge\n"
"  --out DIR             write DIR/vocab.json, merges.txt and tokenizer.json (HF)\n"
"  --csv FILE            append this run's measurements as one CSV row\n"
"  --count-only          stop after the counting phase (time it alone)\n"
"  --save-counts FILE    save the word counts (with the input's size and hash)\n"
"  --load-counts FILE    skip counting: load counts saved from this same input\n"
"  --quiet               no summary on stderr (errors and notices still appear)\n"
"  --list-backends       list the merge-step backends and exit\n"
"  --topology            print the machine's topology (hwloc) as JSON and exit\n"
"  --help                this text\n");
}

static int fail(const char *msg)
{
    fprintf(stderr, "bpetrain: %s\n", msg);
    return 2;
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
        return -1;
    }
    pin_describe_caches(&plan, caches, sizeof caches);
    printf("{\"packages\": %u, \"cores\": %u, \"pus\": %u, \"caches\": \"%s\"}\n",
           plan.n_packages, plan.n_cores, plan.n_pus, caches);
    pin_plan_free(&plan);
    return 0;
}

static int parse_options(int argc, char **argv, struct options *o)
{
    enum { OPT_NO_SPECIALS = 256, OPT_LIST, OPT_PIN, OPT_COUNT_ONLY, OPT_SAVE, OPT_LOAD,
           OPT_TOPOLOGY, OPT_LAYOUT, OPT_TOUCH, OPT_SHUFFLE };
    static const struct option longopts[] = {
        {"input", required_argument, 0, 'i'},
        {"vocab-size", required_argument, 0, 'v'},
        {"special-token", required_argument, 0, 's'},
        {"no-special-tokens", no_argument, 0, OPT_NO_SPECIALS},
        {"backend", required_argument, 0, 'b'},
        {"workers", required_argument, 0, 'w'},
        {"count-workers", required_argument, 0, 'c'},
        {"pin", required_argument, 0, OPT_PIN},
        {"out", required_argument, 0, 'o'},
        {"csv", required_argument, 0, 'r'},
        {"quiet", no_argument, 0, 'q'},
        {"list-backends", no_argument, 0, OPT_LIST},
        {"count-only", no_argument, 0, OPT_COUNT_ONLY},
        {"topology", no_argument, 0, OPT_TOPOLOGY},
        {"layout", required_argument, 0, OPT_LAYOUT},
        {"touch", no_argument, 0, OPT_TOUCH},
        {"shuffle-chunks", no_argument, 0, OPT_SHUFFLE},
        {"save-counts", required_argument, 0, OPT_SAVE},
        {"load-counts", required_argument, 0, OPT_LOAD},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    o->count_workers = cpus > 0 ? (unsigned)cpus : 1;
    o->workers = 1;
    o->backend = backend_registry[0]->name;
    o->pin = PIN_NONE;
    o->specials = xcalloc((size_t)argc + 1, sizeof *o->specials);
    uint64_t v;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'i': o->input = optarg; break;
        case 'v':
            if (parse_count("--vocab-size", optarg, 1, UINT32_MAX - 1, &o->vocab_size) < 0)
                return 2;
            break;
        case 's': o->specials[o->n_specials++] = optarg; break;
        case OPT_NO_SPECIALS: o->no_specials = 1; break;
        case 'b': o->backend = optarg; break;
        case 'w':
            if (parse_count("--workers", optarg, 1, 1024, &v) < 0)
                return 2;
            o->workers = (unsigned)v;
            break;
        case 'c':
            if (parse_count("--count-workers", optarg, 1, 1024, &v) < 0)
                return 2;
            o->count_workers = (unsigned)v;
            break;
        case OPT_PIN:
            if (strcmp(optarg, "none") == 0)
                o->pin = PIN_NONE;
            else if (strcmp(optarg, "compact") == 0)
                o->pin = PIN_COMPACT;
            else if (strcmp(optarg, "scatter") == 0)
                o->pin = PIN_SCATTER;
            else {
                fprintf(stderr, "bpetrain: --pin expects none, compact or scatter, got '%s'\n",
                        optarg);
                return 2;
            }
            break;
        case 'o': o->out_dir = optarg; break;
        case 'r': o->csv = optarg; break;
        case 'q': o->quiet = 1; break;
        case OPT_COUNT_ONLY: o->count_only = 1; break;
        case OPT_TOUCH: o->touch = 1; break;
        case OPT_SHUFFLE: o->shuffle_chunks = 1; break;
        case OPT_LAYOUT:
            if (strcmp(optarg, "flat") == 0)
                o->layout = LAYOUT_FLAT;
            else if (strcmp(optarg, "objects") == 0)
                o->layout = LAYOUT_OBJECTS;
            else {
                fprintf(stderr, "bpetrain: --layout expects flat or objects, got '%s'\n",
                        optarg);
                return 2;
            }
            break;
        case OPT_SAVE: o->save_counts = optarg; break;
        case OPT_LOAD: o->load_counts = optarg; break;
        case OPT_TOPOLOGY:
            return print_topology() < 0 ? 2 : 1;
        case OPT_LIST:
            for (size_t i = 0; i < backend_registry_len; i++)
                printf("%-14s %s\n", backend_registry[i]->name,
                       backend_registry[i]->description);
            return 1;
        case 'h':
            usage(stdout);
            return 1;
        case '?':
        default:
            if (optopt)
                fprintf(stderr, "bpetrain: option --%s needs a value or is unknown "
                                "(see --help)\n", argv[optind - 1] + 2);
            else
                fprintf(stderr, "bpetrain: unknown option %s (see --help)\n",
                        argv[optind - 1]);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "bpetrain: unexpected argument '%s' (see --help)\n", argv[optind]);
        return 2;
    }
    if (!o->input) {
        fprintf(stderr, "bpetrain: --input FILE is required (see --help)\n");
        return 2;
    }
    if (!o->vocab_size && !o->count_only) {
        fprintf(stderr, "bpetrain: --vocab-size N is required (see --help)\n");
        return 2;
    }
    if (o->count_only && o->load_counts) {
        fprintf(stderr, "bpetrain: --count-only contradicts --load-counts\n");
        return 2;
    }
    if (o->no_specials && o->n_specials) {
        fprintf(stderr, "bpetrain: --no-special-tokens contradicts --special-token\n");
        return 2;
    }
    if (!o->no_specials && !o->n_specials)
        o->specials[o->n_specials++] = DEFAULT_SPECIAL;
    return 0;
}

static int make_dir(const char *dir, char *err, size_t errlen)
{
    char *p = xstrdup(dir);
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = 0;
        if (mkdir(p, 0777) < 0 && errno != EEXIST) {
            errf(err, errlen, "cannot create directory %s: %s", p, strerror(errno));
            free(p);
            return -1;
        }
        *s = '/';
    }
    int rc = 0;
    if (mkdir(p, 0777) < 0 && errno != EEXIST)
        rc = errf(err, errlen, "cannot create directory %s: %s", p, strerror(errno));
    free(p);
    return rc;
}

/* Writes merges.txt, vocab.json and tokenizer.json, each atomically; if
 * one cannot be written, the ones already written are removed, so the
 * directory never holds a partial set. */
static int write_outputs(const char *dir, const struct vocab *v, const struct merge_result *mr,
                         char *err, size_t errlen)
{
    if (make_dir(dir, err, errlen) < 0)
        return -1;
    struct token_list tl = {0};
    for (uint32_t id = 0; id < v->n; id++)
        token_list_add(&tl, vocab_ptr(v, id), v->len[id], id);
    static const char *const names[] = {"merges.txt", "vocab.json", "tokenizer.json"};
    struct buf body[3] = {{0}};
    gpt2_render_merges(&body[0], &tl, mr->pairs, mr->merges);
    gpt2_render_vocab_json(&body[1], &tl, VOCAB_JSON_INDENT4_UTF8);
    int n_files = 3;
    if (gpt2_render_tokenizer_json(&body[2], &tl, v->n_special, mr->pairs, mr->merges) < 0) {
        fprintf(stderr, "bpetrain: warning: a special token is not valid UTF-8, so no "
                        "tokenizer.json is written (vocab.json and merges.txt are)\n");
        n_files = 2;
    }
    size_t n = strlen(dir) + 32;
    char *path = xmalloc(n);
    int rc = 0, written = 0;
    for (; written < n_files && rc == 0; written++) {
        snprintf(path, n, "%s/%s", dir, names[written]);
        rc = write_file_atomic(path, body[written].data, body[written].len, err, errlen);
    }
    if (rc < 0)
        for (int i = 0; i < written - 1; i++) {
            snprintf(path, n, "%s/%s", dir, names[i]);
            unlink(path);
        }
    free(path);
    for (int i = 0; i < 3; i++)
        buf_free(&body[i]);
    token_list_free(&tl);
    return rc;
}

/* Resident anonymous and file-backed memory now (/proc/self/status), to
 * show that counting does not copy the input into anonymous memory. */
static void rss_now(long *anon_kb, long *file_kb)
{
    *anon_kb = *file_kb = -1;
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return;
    char line[128];
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "RssAnon:", 8) == 0)
            *anon_kb = strtol(line + 8, NULL, 10);
        else if (strncmp(line, "RssFile:", 8) == 0)
            *file_kb = strtol(line + 8, NULL, 10);
    }
    fclose(f);
}

/* The counting phase: load saved counts (checked against the input's size
 * and hash), or map the input, count it and optionally save the counts. The
 * input is unmapped before returning: the merge phase does not need it, and
 * fork-based backends should not inherit it. */
static int obtain_counts(const struct options *o, const struct specials *sp,
                         struct word_counts *wc, struct run_record *rec, char *err,
                         size_t errlen)
{
    uint64_t len, hash;
    if (o->load_counts) {
        if (wordfile_input_hash(o->input, &len, &hash, err, errlen) < 0)
            return -1;
        rec->input_bytes = len;
        return wordfile_load(o->load_counts, wc, sp, len, hash, err, errlen);
    }
    struct input in;
    if (input_open(&in, o->input, err, errlen) < 0)
        return -1;
    rec->input_bytes = in.len;
    int rc = in.mapped ? count_words_mapped(in.data, in.len, sp, o->count_workers, wc,
                                            &rec->count, err, errlen)
                       : count_words(in.data, in.len, sp, o->count_workers, wc, &rec->count,
                                     err, errlen);
    rss_now(&rec->count_rss_anon_kb, &rec->count_rss_file_kb);
    input_close(&in);
    if (rc < 0)
        return -1;
    if (o->save_counts &&
        (wordfile_input_hash(o->input, &len, &hash, err, errlen) < 0 ||
         wordfile_save(o->save_counts, wc, sp, len, hash, err, errlen) < 0)) {
        word_counts_free(wc);
        return -1;
    }
    return 0;
}

static const char *pin_name(enum pin_policy p)
{
    return p == PIN_COMPACT ? "compact" : p == PIN_SCATTER ? "scatter" : "none";
}

int main(int argc, char **argv)
{
    /* A worker that dies must show up as EPIPE on its pipe, reported with
     * its cause, not as a SIGPIPE that silently kills the driver. */
    signal(SIGPIPE, SIG_IGN);
    cleanup_install();
    struct options o = {0};
    int prc = parse_options(argc, argv, &o);
    if (prc) {
        free(o.specials);
        return prc == 1 ? 0 : 2;
    }
    char err[512] = "";
    struct run_record rec = {0};
    time_t now = time(NULL);
    strftime(rec.started_at, sizeof rec.started_at, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    double t_start = now_s();

    const struct merge_backend *be = backend_find(o.backend);
    if (!be) {
        fprintf(stderr, "bpetrain: unknown backend '%s'; known:", o.backend);
        for (size_t i = 0; i < backend_registry_len; i++)
            fprintf(stderr, " %s", backend_registry[i]->name);
        fprintf(stderr, "\n");
        free(o.specials);
        return 2;
    }
    if ((o.layout != LAYOUT_FLAT || o.touch) && !be->honours_layout) {
        fprintf(stderr, "bpetrain: backend %s scans the pair table itself; --layout and "
                        "--touch apply to fork, fork-deepcopy, pool and spawn\n", be->name);
        free(o.specials);
        return 2;
    }
    if (o.shuffle_chunks && strcmp(be->name, "pool") != 0) {
        fprintf(stderr, "bpetrain: --shuffle-chunks applies to the pool backend only\n");
        free(o.specials);
        return 2;
    }
    struct specials sp;
    if (specials_init(&sp, o.specials, o.n_specials, err, sizeof err) < 0) {
        free(o.specials);
        return fail(err);
    }
    if (!o.count_only && o.vocab_size <= 256 + sp.n) {
        fprintf(stderr, "bpetrain: --vocab-size must exceed 256 bytes + %zu special token%s "
                        "= %zu, got %" PRIu64 "\n", sp.n, sp.n == 1 ? "" : "s", 256 + sp.n,
                o.vocab_size);
        specials_free(&sp);
        free(o.specials);
        return 2;
    }
    int rc = 0;
    struct word_counts wc;
    double t_count = now_s();
    if (obtain_counts(&o, &sp, &wc, &rec, err, sizeof err) < 0) {
        rc = fail(err);
        goto out_specials;
    }
    rec.count_s = now_s() - t_count;

    struct vocab v;
    vocab_init(&v, sp.tok, (uint32_t)sp.n);
    struct backend_config cfg = {.workers = o.workers, .pin = o.pin, .self_exe = argv[0],
                                 .layout = o.layout, .touch = o.touch,
                                 .shuffle_chunks = o.shuffle_chunks};
    char self[4096];
    ssize_t sl = readlink("/proc/self/exe", self, sizeof self - 1);
    if (sl > 0) {
        self[sl] = 0;
        cfg.self_exe = self;
    }
    struct merge_result mr;
    memset(&mr, 0, sizeof mr);
    mr.hash = FNV64_OFFSET;
    if (o.count_only) {
        /* Nothing to merge: the row records the counting phase alone. */
    } else if (merge_train(&wc, &v, o.vocab_size, be, &cfg, &mr, &rec.merge, err,
                           sizeof err) < 0) {
        rc = fail(err);
        goto out_vocab;
    }
    if (rec.merge.stopped_early)
        fprintf(stderr, "bpetrain: notice: no pair left after %" PRIu64 " merges; the "
                        "vocabulary has %u tokens, not the %" PRIu64 " asked for\n",
                rec.merge.merges, v.n, o.vocab_size);
    if (o.out_dir && !o.count_only && write_outputs(o.out_dir, &v, &mr, err, sizeof err) < 0) {
        rc = fail(err);
        goto out_merge;
    }
    rec.total_s = now_s() - t_start;

    rec.backend = be->name;
    rec.workers = o.workers;
    rec.count_workers = o.count_workers;
    rec.pin = pin_name(o.pin);
    rec.input = o.input;
    rec.vocab_size = o.vocab_size;
    rec.words = wc.n;
    rec.pretokens = wc.total;
    rec.merges_hash = mr.hash;
    rec.pus = sysconf(_SC_NPROCESSORS_ONLN);
    rec.count_only = o.count_only;
    rec.layout = o.layout == LAYOUT_OBJECTS ? "objects" : "flat";
    rec.touch = o.touch;
    rec.shuffle_chunks = o.shuffle_chunks;
    rec.counts_from = o.load_counts ? o.load_counts : "";
    usage_read(&rec.self, &rec.children);
    if (o.csv) {
        char *row = run_csv_row(&rec);
        if (append_csv_row(o.csv, run_csv_header(), row, err, sizeof err) < 0)
            rc = fail(err);
        free(row);
    }
    if (!o.quiet) {
        fprintf(stderr, "bpetrain: %s, %" PRIu64 " bytes, %zu words, %" PRIu64
                        " initial pairs, %" PRIu64 " merges\n",
                be->name, rec.input_bytes, wc.n, rec.merge.initial_pairs, rec.merge.merges);
        if (o.load_counts)
            fprintf(stderr, "  total %.3f s | counts loaded from %s in %.3f s\n", rec.total_s,
                    o.load_counts, rec.count_s);
        else
            fprintf(stderr, "  total %.3f s | count %.3f s (pre-tokenize %.3f, table merge "
                            "%.3f; %u workers, %zu chunks)\n",
                    rec.total_s, rec.count_s, rec.count.pretok_s, rec.count.merge_s,
                    rec.count.workers, rec.count.chunks);
        if (!o.count_only)
            fprintf(stderr, "  merge %.3f s (copy %.3f, max %.3f, compute %.3f, update %.3f) | "
                            "merges_hash %016" PRIx64 "\n",
                    rec.merge.merge_s, rec.merge.copy_s, rec.merge.max_s, rec.merge.compute_s,
                    rec.merge.update_s, mr.hash);
        fprintf(stderr, "  peak RSS %ld KiB\n", rec.self.peak_rss_kb);
    }
out_merge:
    merge_result_free(&mr);
out_vocab:
    vocab_free(&v);
    word_counts_free(&wc);
out_specials:
    specials_free(&sp);
    free(o.specials);
    return rc;
}

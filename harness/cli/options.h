/* options.h: bpetrain's command line. */
#ifndef OPTIONS_H
#define OPTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "backend.h"
#include "hugepages.h"
#include "pretok.h"
#include "util.h"

#define DEFAULT_SPECIAL "<|endoftext|>"

/* What the command line and the Python module both accept. */
#define VOCAB_SIZE_MAX (UINT32_MAX - 1)
#define WORKERS_MAX 1024 /* --workers, --count-workers, --update-workers */
#define UPDATE_MIN_WORDS_MAX UINT32_MAX
#define PIN_CHOICES "none, compact or scatter"
#define PRETOK_CHOICES "fast or pcre2"

/* The one wording of a refused name: "WHAT expects CHOICES, got 'GOT'",
 * WHAT being the option ("--pin") or the Python keyword ("pin"). */
void option_refused(struct buf *msg, const char *what, const char *choices, const char *got);

struct options {
    const char *input;
    uint64_t vocab_size;
    char **specials;
    size_t n_specials;
    int no_specials;
    const char *backend;
    struct buf backend_opts; /* --backend-opts and its shorthands, as given: a C
                                string once parsed, data NULL when none */
    unsigned workers;
    const struct update_strategy *update; /* --update */
    unsigned update_workers;              /* --update-workers */
    uint64_t update_min_words;            /* --update-min-words */
    unsigned count_workers;
    int count_workers_set;    /* given on the command line, not the default */
    enum pin_policy pin;
    const char *out_dir;
    const char *csv;
    int quiet;
    int count_only;
    int pretok_only;          /* --pretok-only (count_only is set too) */
    enum pretok_kind pretok;
    enum huge_pages_mode huge_pages; /* --huge-pages */
    const char *save_counts, *load_counts;
};

/* Parses argv into o. Returns 0 to run, 1 when the run is already done
 * (--help, --version, --list-backends, --topology printed what was asked), 2 after
 * printing a one-line error. Release o with options_free either way. */
int options_parse(int argc, char **argv, struct options *o);
void options_free(struct options *o);

#endif

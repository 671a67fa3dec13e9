/* options.h: bpetrain's command line. */
#ifndef OPTIONS_H
#define OPTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "backend.h"
#include "util.h"

#define DEFAULT_SPECIAL "<|endoftext|>"

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
    unsigned count_workers;
    int count_workers_set;   /* given on the command line, not the default */
    enum pin_policy pin;
    const char *out_dir;
    const char *csv;
    int quiet;
    int count_only;
    const char *save_counts, *load_counts;
};

/* Parses argv into o. Returns 0 to run, 1 when the run is already done
 * (--help, --list-backends, --topology printed what was asked), 2 after
 * printing a one-line error. Release o with options_free either way. */
int options_parse(int argc, char **argv, struct options *o);
void options_free(struct options *o);

const char *pin_policy_name(enum pin_policy p);

/* The name messages begin with: "bpetrain" unless a front end sets it. */
extern const char *cli_program;
/* One message line on stderr, "PROGRAM: " + fmt (which ends in '\n'). */
void cli_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif

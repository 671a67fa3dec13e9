/* bpetrain.c: the command-line trainer. Parses options, runs the counting
 * and merge phases with the chosen backend, writes vocab.json, merges.txt
 * and tokenizer.json, and appends the run's measurements to a CSV file. */
#define _GNU_SOURCE
#include "count.h"
#include "input.h"
#include "specials.h"
#include "trainer.h"
#include "util.h"
#include "wordfile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    trainer_rss_now(&rec->count_rss_anon_kb, &rec->count_rss_file_kb);
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

int main(int argc, char **argv)
{
    trainer_signals();
    struct trainer_run r = {0};
    int rc = trainer_setup(argc, argv, &r);
    if (rc == 0) {
        char err[512] = "";
        double t_start = now_s();
        struct word_counts wc;
        if (obtain_counts(&r.o, &r.sp, &wc, &r.rec, err, sizeof err) < 0)
            rc = trainer_fail(err);
        r.rec.count_s = now_s() - t_start;
        if (rc == 0)
            rc = trainer_merge(&r, &wc, t_start);
    }
    return trainer_finish(&r, rc, 1);
}

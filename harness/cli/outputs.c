/* outputs.c: merges.txt, vocab.json and tokenizer.json (see outputs.h). */
#include "outputs.h"

#include "gpt2.h"
#include "io.h"
#include "runrow.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

int outputs_write(const char *dir, const struct vocab *v, const struct merge_result *mr,
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

int outputs_of_run(const struct options *o, struct train_result *tr, char *err, size_t errlen)
{
    double t_out = now_s();
    int rc = 0;
    if (o->out_dir && !o->count_only)
        rc = outputs_write(o->out_dir, &tr->vocab, &tr->merges, err, errlen);
    tr->rec.total_s += now_s() - t_out;
    if (rc == 0 && o->csv) {
        char *row = run_csv_row(&tr->rec);
        rc = append_csv_row(o->csv, run_csv_header(), row, err, errlen);
        free(row);
    }
    return rc < 0 ? -1 : 0;
}

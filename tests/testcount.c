/* testcount.c: counting for the C tests (see testcount.h). */
#include "testcount.h"

#include "pretok.h"

int count_words(const unsigned char *data, size_t len, const struct specials *sp,
                unsigned workers, struct word_counts *out, struct count_stats *st, char *err,
                size_t errlen)
{
    struct count_config cfg = {.workers = workers, .pretok = PRETOK_DEFAULT};
    return count_words_cfg(data, len, sp, &cfg, out, st, err, errlen);
}

int count_file_eot(const char *path, unsigned workers, struct input *in, struct specials *sp,
                   struct word_counts *wc, char *err, size_t errlen)
{
    char *eot[] = {"<|endoftext|>"};
    if (specials_init(sp, eot, 1, err, errlen) < 0)
        return -1;
    if (input_open(in, path, err, errlen) < 0) {
        specials_free(sp);
        return -1;
    }
    struct count_stats cs;
    if (count_words(in->data, in->len, sp, workers, wc, &cs, err, errlen) < 0) {
        input_close(in);
        specials_free(sp);
        return -1;
    }
    return 0;
}

/* gpt2_parse.h: the vocab.json and merges.txt formats (gpt2.h) parsed
 * back, which only the tests need. */
#ifndef GPT2_PARSE_H
#define GPT2_PARSE_H

#include "gpt2.h"

/* Parse the same formats back. A "#version" first line of merges.txt is
 * skipped. Each merge is returned as two byte strings, tokens 2i and 2i+1. */
int gpt2_parse_vocab_json(const unsigned char *s, size_t n, struct token_list *out,
                          char *err, size_t errlen);
int gpt2_parse_merges(const unsigned char *s, size_t n, struct token_list *out, char *err,
                      size_t errlen);

#endif

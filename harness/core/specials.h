/* specials.h: finding special tokens in the input.
 *
 * The text is split on the special tokens the way Python's re.split does
 * with the escaped tokens joined longest first: leftmost occurrence first,
 * and at one position the longest token that matches. */
#ifndef SPECIALS_H
#define SPECIALS_H

#include <stddef.h>

struct specials {
    char **tok;     /* sorted longest first */
    size_t *len;
    size_t n;
    size_t max_len;
};

/* Copies the tokens, drops duplicates and sorts them longest first.
 * Returns -1 with a reason for an empty token. */
int specials_init(struct specials *sp, char *const *tokens, size_t n, char *err,
                  size_t errlen);
void specials_free(struct specials *sp);

/* A scanning position over one buffer. It remembers each token's next
 * occurrence, so a token that is rare or absent is searched for once, not
 * once per match of another (which would be quadratic). */
struct special_cursor {
    const struct specials *sp;
    const unsigned char *data;
    size_t len;
    size_t *next; /* next[i]: next occurrence of token i at or after the last
                     position asked for */
    size_t *key;  /* key[i]: the byte of token i searched for (memchr), the
                     one rarest at the start of the buffer */
};

void special_cursor_init(struct special_cursor *c, const struct specials *sp,
                         const unsigned char *data, size_t len);
void special_cursor_free(struct special_cursor *c);
/* The first special token occurrence at or after pos (pos must not go
 * backwards between calls). Returns its start and sets *match_len, or
 * returns len when there is none. */
size_t special_cursor_next(struct special_cursor *c, size_t pos, size_t *match_len);

/* True when an occurrence of some special token starts before pos and ends
 * after it, i.e. cutting the buffer at pos could split a special token. */
int special_covers(const struct specials *sp, const unsigned char *data, size_t len,
                   size_t pos);

#endif

/* input.h: the training input, mapped read-only (or read, for a pipe). */
#ifndef INPUT_H
#define INPUT_H

#include <stddef.h>

struct input {
    const unsigned char *data;
    size_t len;
    int mapped; /* 1: munmap on close; 0: free */
};

/* Returns 0, or -1 with a one-line reason (missing, unreadable, a
 * directory). An empty file gives len 0. */
int input_open(struct input *in, const char *path, char *err, size_t errlen);
void input_close(struct input *in);

#endif

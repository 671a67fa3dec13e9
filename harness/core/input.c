/* input.c: mapping the training input. Mapping (not reading) keeps a
 * multi-gigabyte corpus out of anonymous memory: its pages are the page
 * cache's and are dropped under pressure instead of swapped. */
#include "input.h"

#include "io.h"
#include "sys.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int input_open(struct input *in, const char *path, char *err, size_t errlen)
{
    memset(in, 0, sizeof *in);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errf(err, errlen, "cannot open input %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) < 0) {
        close(fd);
        return errf(err, errlen, "cannot stat input %s: %s", path, strerror(errno));
    }
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        return errf(err, errlen, "input %s is a directory", path);
    }
    if (S_ISREG(st.st_mode)) {
        if (st.st_size > 0) {
            void *p = sys_mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
            if (p == MAP_FAILED) {
                close(fd);
                return errf(err, errlen, "cannot map input %s: %s", path, strerror(errno));
            }
            madvise(p, (size_t)st.st_size, MADV_SEQUENTIAL);
            in->data = p;
            in->len = (size_t)st.st_size;
            in->mapped = 1;
        }
        close(fd);
        return 0;
    }
    /* A pipe or device: read it whole. */
    struct buf b = {0};
    for (;;) {
        buf_reserve(&b, 1 << 20);
        size_t room = b.cap - b.len;
        ssize_t r = io_read_full(fd, b.data + b.len, room);
        if (r < 0) {
            int e = errno;
            close(fd);
            buf_free(&b);
            return errf(err, errlen, "cannot read input %s: %s", path, strerror(e));
        }
        b.len += (size_t)r;
        if ((size_t)r < room)
            break;
    }
    close(fd);
    in->data = b.data;
    in->len = b.len;
    return 0;
}

void input_close(struct input *in)
{
    if (in->mapped)
        munmap((void *)(uintptr_t)in->data, in->len);
    else
        free((void *)(uintptr_t)in->data);
    memset(in, 0, sizeof *in);
}

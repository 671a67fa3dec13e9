/* io.c: read and write loops, atomic files, CSV appends (see io.h). */
#define _GNU_SOURCE
#include "io.h"

#include "sys.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

ssize_t io_read_full(int fd, void *buf, size_t len)
{
    unsigned char *d = buf;
    size_t got = 0;
    while (got < len) {
        ssize_t r = sys_read(fd, d + got, len - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

int io_write_full(int fd, const void *buf, size_t len)
{
    const unsigned char *s = buf;
    while (len) {
        ssize_t w = sys_write(fd, s, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            if (w == 0)
                errno = EIO;
            return -1;
        }
        s += w;
        len -= (size_t)w;
    }
    return 0;
}

static io_tempfile_hook tempfile_hook;

void io_set_tempfile_hook(io_tempfile_hook hook)
{
    tempfile_hook = hook;
}

static void tell_tempfile(const char *path)
{
    if (tempfile_hook)
        tempfile_hook(path);
}

/* After a failed write or rename: the error (errno), and no temporary file left. */
static int atomic_fail(char *tmp, const char *path, int fd, char *err, size_t errlen)
{
    errf(err, errlen, "cannot write %s: %s", path, strerror(errno));
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    tell_tempfile(NULL);
    free(tmp);
    return -1;
}

int write_file_atomic(const char *path, const void *data, size_t len, char *err,
                      size_t errlen)
{
    size_t n = strlen(path);
    char *tmp = xmalloc(n + 16);
    memcpy(tmp, path, n);
    memcpy(tmp + n, ".tmp.XXXXXX", 12);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        errf(err, errlen, "cannot create a temporary file next to %s: %s", path,
             strerror(errno));
        free(tmp);
        return -1;
    }
    tell_tempfile(tmp);
    /* mkstemp makes 0600; results are meant to be shared like any file. */
    mode_t mask = umask(0);
    umask(mask);
    (void)fchmod(fd, 0666 & ~mask);
    if (io_write_full(fd, data, len) < 0 || fsync(fd) < 0)
        return atomic_fail(tmp, path, fd, err, errlen);
    if (close(fd) < 0 || sys_rename(tmp, path) < 0)
        return atomic_fail(tmp, path, -1, err, errlen);
    tell_tempfile(NULL);
    free(tmp);
    return 0;
}

int append_csv_row(const char *path, const char *header, const char *row, char *err,
                   size_t errlen)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
    if (fd < 0)
        return errf(err, errlen, "cannot open %s: %s", path, strerror(errno));
    if (flock(fd, LOCK_EX) < 0) {
        close(fd);
        return errf(err, errlen, "cannot lock %s: %s", path, strerror(errno));
    }
    struct stat st;
    if (fstat(fd, &st) < 0) {
        close(fd);
        return errf(err, errlen, "cannot stat %s: %s", path, strerror(errno));
    }
    struct buf b = {0};
    if (st.st_size == 0) {
        buf_put(&b, header, strlen(header));
        buf_putc(&b, '\n');
    }
    buf_put(&b, row, strlen(row));
    buf_putc(&b, '\n');
    /* One write() under O_APPEND: the row lands whole or, on error, we cut
     * the file back to where it was so no partial row survives. */
    ssize_t w = sys_write(fd, b.data, b.len);
    int rc = 0;
    if (w != (ssize_t)b.len) {
        int e = w < 0 ? errno : ENOSPC;
        if (ftruncate(fd, st.st_size) < 0) {
            /* Nothing better to do: the error below is what matters. */
        }
        rc = errf(err, errlen, "cannot append to %s: %s", path, strerror(e));
    }
    buf_free(&b);
    if (close(fd) < 0 && rc == 0)
        rc = errf(err, errlen, "cannot close %s: %s", path, strerror(errno));
    return rc;
}


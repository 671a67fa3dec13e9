/* io.h: the one read loop and the one write loop of the harness, and files
 * written so that a reader never sees a partial one.
 *
 * Every loop retries EINTR and short transfers and goes through the
 * system-call seam (sys.h), so fault injection reaches every caller. */
#ifndef IO_H
#define IO_H

#include <stddef.h>
#include <sys/types.h>

/* Reads until len bytes or end of input. Returns the bytes read (fewer
 * than len only at end of input, 0 at once), or -1 with errno set. */
ssize_t io_read_full(int fd, void *buf, size_t len);

/* Writes all len bytes; 0, or -1 with errno set (EIO if the descriptor
 * accepted nothing). */
int io_write_full(int fd, const void *buf, size_t len);

/* Who must know about a temporary file while it exists: the CLI installs a
 * hook that removes it when a fatal signal arrives (cleanup.h). Called with
 * the path once the file exists and with NULL once it is gone or renamed;
 * the string stays valid until the NULL call. No hook: nothing is told. */
typedef void (*io_tempfile_hook)(const char *path);
void io_set_tempfile_hook(io_tempfile_hook hook);

/* Writes data to path through a temporary file in the same directory,
 * fsync and rename, so the file is either the old one or complete. */
int write_file_atomic(const char *path, const void *data, size_t len, char *err,
                      size_t errlen);

/* Appends one complete line (or header + line when the file is empty) under
 * an exclusive lock with a single write, so concurrent runs never interleave
 * and an interrupted run leaves no partial row. */
int append_csv_row(const char *path, const char *header, const char *row, char *err,
                   size_t errlen);

#endif

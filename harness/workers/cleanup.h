/* cleanup.h: what SIGINT, SIGTERM and SIGHUP must undo before the driver
 * dies of them: worker processes still running (killed and reaped, so none
 * is left behind) and a temporary output file half written (removed). The
 * signal is then re-raised, so the exit status says which one it was. */
#ifndef CLEANUP_H
#define CLEANUP_H

#include <sys/types.h>

/* Installs the handlers; call once, early in main. */
void cleanup_install(void);

/* Called by procs.c around each worker's life. */
void cleanup_add_child(pid_t pid);
void cleanup_remove_child(pid_t pid);

/* The temporary file a fatal signal must remove (NULL: none); the CLI
 * installs it as io.h's temp-file hook. The string must stay valid until
 * it is cleared. */
void cleanup_set_tempfile(const char *path);

/* A line to print on a fatal signal (NULL: none), for a process that is
 * told to stop by someone else (an MPI rank, by mpirun). Must stay valid. */
void cleanup_set_notice(const char *line);

/* In a freshly forked worker: default signal actions, nothing to clean
 * (the parent does that). */
void cleanup_in_child(void);

#endif

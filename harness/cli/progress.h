/* progress.h: bpetrain's live progress line on a terminal: one line on
 * stderr, redrawn in place (\r) at most about ten times a second by a thread
 * of its own, while counting (bytes done, MB/s, ETA) and while merging
 * (merges done of the target, merges/s, ETA); cleared before anything else
 * is printed. The phases report through a counter (counting) and a callback
 * (merge_params.on_merge); both are cheap enough for every chunk and merge.
 * Every function accepts NULL (no terminal: nothing to do). */
#ifndef PROGRESS_H
#define PROGRESS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

struct progress;

/* A progress line on stderr when stderr is a terminal, else NULL. */
struct progress *progress_start(void);
/* Clears the line, stops the thread and frees p. */
void progress_stop(struct progress *p);

/* Counting total_bytes begins: the line shows it at once. Returns the
 * counter the count threads add their bytes to (count_config.bytes_done),
 * NULL when p is NULL. */
_Atomic uint64_t *progress_count(struct progress *p, uint64_t total_bytes);
/* Merging begins, target merges at most. Returns p, the context for
 * progress_merge_step (NULL when p is NULL). */
void *progress_merge(struct progress *p, uint64_t target);
/* merge_params.on_merge: `done` merges are done. */
void progress_merge_step(void *ctx, uint64_t done);
/* No phase: the line is cleared (e.g. before a notice) until the next one. */
void progress_clear(struct progress *p);

/* What one line says; a pure function, for the tests. */
enum progress_phase { PROGRESS_NONE, PROGRESS_COUNT, PROGRESS_MERGE };
struct progress_view {
    enum progress_phase phase;
    uint64_t done, total;  /* bytes, or merges */
    double elapsed_s;      /* since the phase began */
};
/* Writes the line (no \r, no newline) into buf; returns its length. */
size_t progress_line(char *buf, size_t size, const struct progress_view *v);

#endif

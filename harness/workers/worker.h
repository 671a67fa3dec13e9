/* worker.h: the loop a pool child or a spawned bpescan runs, and the fault
 * injection every process worker passes through before it replies. */
#ifndef WORKER_H
#define WORKER_H

#include <stdint.h>

/* Read a request, scan, reply; until end of input. Returns the process
 * exit status (0, or 4 for a malformed request, 5 when the reply could
 * not be written). */
int scan_worker_serve(int in_fd, int out_fd, unsigned worker);

/* Fault injection for tests: BPEBENCH_WORKER_FAIL="k:m[:mode]" makes
 * worker k fail at merge m; mode is abort (default: SIGABRT), exit
 * (status 3), close (closes its reply pipe and keeps running), or short
 * (writes half a reply and exits 0). */
void scan_fault_point(unsigned worker, uint64_t merge, int out_fd);

#endif

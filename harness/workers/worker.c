/* worker.c: the process workers' loop and fault point (see worker.h). */
#define _GNU_SOURCE
#include "worker.h"

#include "io.h"
#include "wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void scan_fault_point(unsigned worker, uint64_t merge, int out_fd)
{
    const char *spec = getenv("BPEBENCH_WORKER_FAIL");
    if (!spec)
        return;
    unsigned k;
    unsigned long long m;
    char mode[16] = "abort";
    if (sscanf(spec, "%u:%llu:%15s", &k, &m, mode) < 2 || k != worker || m != merge)
        return;
    if (strcmp(mode, "exit") == 0)
        _exit(3);
    if (strcmp(mode, "close") == 0) {
        close(out_fd);
        for (;;)
            pause();
    }
    if (strcmp(mode, "short") == 0) {
        struct scan_reply r = {.magic = SCAN_REPLY_MAGIC};
        (void)io_write_full(out_fd, &r, sizeof r / 2);
        _exit(0);
    }
    abort();
}

/* Reads one whole request into req. 1: read; 0: end of input before it;
 * -1: malformed or cut short. */
static int read_request(int in_fd, struct buf *req)
{
    struct request_header h;
    ssize_t got = io_read_full(in_fd, &h, sizeof h);
    if (got == 0)
        return 0;
    size_t len = got == (ssize_t)sizeof h ? request_body_len(&h) : SIZE_MAX;
    if (len == SIZE_MAX)
        return -1;
    req->len = 0;
    buf_put(req, &h, sizeof h);
    buf_reserve(req, len);
    if (io_read_full(in_fd, req->data + req->len, len) != (ssize_t)len)
        return -1;
    req->len += len;
    return 1;
}

int scan_worker_serve(int in_fd, int out_fd, unsigned worker)
{
    struct buf req = {0};
    struct vocab v;
    struct scan_set set;
    memset(&v, 0, sizeof v);
    memset(&set, 0, sizeof set);
    int status = 0, r;
    while ((r = read_request(in_fd, &req)) != 0) {
        struct scan_mode mode;
        uint64_t merge;
        if (r < 0 || scan_request_parse(req.data, req.len, &set, &v, &mode, &merge) < 0) {
            status = 4;
            break;
        }
        struct scan_reply rep;
        scan_set_chunk(&v, &set, 0, set.n, mode.touch, &rep);
        scan_set_free(&set);
        scan_fault_point(worker, merge, out_fd);
        if (scan_reply_write(out_fd, &rep) < 0) {
            status = 5;
            break;
        }
    }
    scan_set_free(&set);
    vocab_free(&v);
    buf_free(&req);
    return status;
}

/* bpescan.c: the executable the spawn backend starts for each worker. It
 * binds itself to its PU (given by OS index: loading the hwloc topology in
 * every spawned process would add its own cost to each merge), then serves
 * requests from stdin until end of input, replying on stdout. */
#include "pinning.h"
#include "util.h"
#include "worker.h"

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    uint64_t worker = 0, pu = 0;
    int pu_os = -1;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--worker") == 0 && parse_u64(argv[i + 1], 0, 1 << 20, &worker) == 0)
            continue;
        if (strcmp(argv[i], "--pu") == 0) {
            if (strcmp(argv[i + 1], "-1") != 0 && parse_u64(argv[i + 1], 0, 1 << 20, &pu) == 0)
                pu_os = (int)pu;
            continue;
        }
        fprintf(stderr, "bpescan: usage: bpescan --worker K [--pu OS_INDEX] (started by "
                        "bpetrain --backend spawn)\n");
        return 2;
    }
    pin_self_os_index(pu_os);
    return scan_worker_serve(0, 1, (unsigned)worker);
}

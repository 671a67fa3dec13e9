/* registry.c: the list of merge-step backends. Adding a backend is one file
 * in variants/ and one line here. */
#include "backend.h"

#include <string.h>

extern const struct merge_backend backend_serial, backend_fork, backend_pool, backend_spawn,
    backend_pthread, backend_openmp, backend_heap, backend_lazyheap, backend_fork_deepcopy;

const struct merge_backend *const backend_registry[] = {
    &backend_serial, &backend_fork, &backend_pool, &backend_spawn, &backend_pthread,
    &backend_openmp, &backend_heap, &backend_lazyheap, &backend_fork_deepcopy,
};

const size_t backend_registry_len = sizeof backend_registry / sizeof backend_registry[0];

const struct merge_backend *backend_find(const char *name)
{
    for (size_t i = 0; i < backend_registry_len; i++)
        if (strcmp(backend_registry[i]->name, name) == 0)
            return backend_registry[i];
    return NULL;
}

/* hugepages.c: the huge-page mode (see hugepages.h). */
#include "hugepages.h"

#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

/* The virtio device id of a memory balloon, and the feature bit of free
 * page reporting (the virtio specification, "Memory Balloon Device"). */
#define VIRTIO_ID_BALLOON 5
#define VIRTIO_BALLOON_F_REPORTING 5

/* Atomic: the Python module's runs may set them from several threads; a
 * run in flight then only gets other advice for its later arrays. */
static _Atomic int mode = HUGE_PAGES_AUTO;
static _Atomic int forking;
static int reporting; /* free_page_reporting, looked for once */
static pthread_once_t looked = PTHREAD_ONCE_INIT;

int huge_pages_parse(const char *name, enum huge_pages_mode *out)
{
    static const char *const names[] = {"auto", "on", "off"};
    for (unsigned i = 0; i < sizeof names / sizeof *names; i++)
        if (strcmp(name, names[i]) == 0) {
            *out = (enum huge_pages_mode)i;
            return 0;
        }
    return -1;
}

/* The first line of dir/name/file into line (without its newline); 0, or
 * -1 when it cannot be read. */
static int read_line(const char *dir, const char *name, const char *file, char *line,
                     size_t size)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s/%s/%s", dir, name, file) >= (int)sizeof path)
        return -1;
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    int ok = fgets(line, (int)size, f) != NULL;
    fclose(f);
    if (!ok)
        return -1;
    line[strcspn(line, "\n")] = '\0';
    return 0;
}

/* sysfs writes a device's features as one '0' or '1' per bit, bit 0 first. */
static int reports_free_pages(const char *dir, const char *name)
{
    char line[512];
    unsigned id;
    if (read_line(dir, name, "device", line, sizeof line) < 0 ||
        sscanf(line, "%x", &id) != 1 || id != VIRTIO_ID_BALLOON)
        return 0;
    if (read_line(dir, name, "features", line, sizeof line) < 0)
        return 0;
    return strlen(line) > VIRTIO_BALLOON_F_REPORTING && line[VIRTIO_BALLOON_F_REPORTING] == '1';
}

int free_page_reporting(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int found = 0;
    for (struct dirent *e; !found && (e = readdir(d));)
        found = e->d_name[0] != '.' && reports_free_pages(dir, e->d_name);
    closedir(d);
    return found;
}

static void look(void)
{
    reporting = free_page_reporting("/sys/bus/virtio/devices");
}

void huge_pages_set(enum huge_pages_mode m)
{
    atomic_store(&mode, (int)m);
}

void huge_pages_set_forking(int forks_each_merge)
{
    atomic_store(&forking, forks_each_merge != 0);
}

/* The one decision: whether huge pages are on, and why (huge_pages_reason). */
static int decide(const char **why)
{
    switch (atomic_load(&mode)) {
    case HUGE_PAGES_ON: *why = "--huge-pages on"; return 1;
    case HUGE_PAGES_OFF: *why = "--huge-pages off"; return 0;
    default: break;
    }
    if (atomic_load(&forking)) {
        *why = "auto: the backend forks every merge";
        return 1;
    }
    pthread_once(&looked, look);
    *why = reporting ? "auto: free page reporting" : "auto: no free page reporting";
    return !reporting;
}

const char *huge_pages_reason(void)
{
    const char *why;
    decide(&why);
    return why;
}

int huge_pages_enabled(void)
{
    const char *why;
    return decide(&why);
}

/* hugepages.c: the huge-page mode (see hugepages.h). */
#include "hugepages.h"

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

/* The virtio device id of a memory balloon, and the feature bit of free
 * page reporting (the virtio specification, "Memory Balloon Device"). */
#define VIRTIO_ID_BALLOON 5
#define VIRTIO_BALLOON_F_REPORTING 5

static enum huge_pages_mode mode = HUGE_PAGES_AUTO;
static int enabled;
static const char *reason;
static pthread_once_t decided = PTHREAD_ONCE_INIT;

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
    line[strcspn(line, "\n")] = '\0';
    return ok ? 0 : -1;
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

static void decide(void)
{
    if (mode == HUGE_PAGES_ON) {
        enabled = 1;
        reason = "--huge-pages on";
    } else if (mode == HUGE_PAGES_OFF) {
        enabled = 0;
        reason = "--huge-pages off";
    } else if (free_page_reporting("/sys/bus/virtio/devices")) {
        enabled = 0;
        reason = "auto: free page reporting";
    } else {
        enabled = 1;
        reason = "auto: no free page reporting";
    }
}

void huge_pages_set(enum huge_pages_mode m)
{
    mode = m;
    decide(); /* now, so that a later first use does not decide again */
    pthread_once(&decided, decide);
}

int huge_pages_enabled(void)
{
    pthread_once(&decided, decide);
    return enabled;
}

const char *huge_pages_reason(void)
{
    pthread_once(&decided, decide);
    return reason;
}

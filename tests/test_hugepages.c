/* test_hugepages.c: the huge-page mode (hugepages.h): its names, the
 * detection of free page reporting on made-up sysfs trees, and the advice
 * that reaches a large array's mapping in each mode. */
#define _GNU_SOURCE
#include "hugepages.h"
#include "testhelp.h"
#include "util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void put(const char *dir, const char *dev, const char *file, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, dev);
    mkdir(path, 0700);
    snprintf(path, sizeof path, "%s/%s/%s", dir, dev, file);
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static void test_names(void)
{
    enum huge_pages_mode m = HUGE_PAGES_AUTO;
    CHECK("'on' parses as on", huge_pages_parse("on", &m) == 0 && m == HUGE_PAGES_ON);
    CHECK("'off' parses as off", huge_pages_parse("off", &m) == 0 && m == HUGE_PAGES_OFF);
    CHECK("'auto' parses as auto", huge_pages_parse("auto", &m) == 0 && m == HUGE_PAGES_AUTO);
    CHECK("'yes' and '' are refused",
          huge_pages_parse("yes", &m) < 0 && huge_pages_parse("", &m) < 0);
}

/* A balloon's features as sysfs shows them: bit 5 is free page reporting. */
#define BALLOON_REPORTING "0110010100000000000000000000000010000000\n"
#define BALLOON_NO_REPORTING "0110000100000000000000000000000010000000\n"

static void test_detection(void)
{
    char dir[] = "/tmp/test_hugepages.XXXXXX";
    if (!mkdtemp(dir)) {
        CHECK("a temporary directory", 0);
        return;
    }
    CHECK("no device: no free page reporting", free_page_reporting(dir) == 0);
    put(dir, "virtio0", "device", "0x0001\n"); /* a network device, bit 5 set */
    put(dir, "virtio0", "features", BALLOON_REPORTING);
    CHECK("bit 5 of a device that is not a balloon: none", free_page_reporting(dir) == 0);
    put(dir, "virtio1", "device", "0x0005\n");
    put(dir, "virtio1", "features", BALLOON_NO_REPORTING);
    CHECK("a balloon without bit 5: none", free_page_reporting(dir) == 0);
    put(dir, "virtio2", "device", "0x0005\n");
    put(dir, "virtio2", "features", "01100\n"); /* too short to hold bit 5 */
    CHECK("a balloon whose features stop before bit 5: none", free_page_reporting(dir) == 0);
    put(dir, "virtio4", "device", "0x0005\n");
    put(dir, "virtio4", "features", ""); /* empty: fgets reads nothing */
    CHECK("a balloon with an empty features file: none", free_page_reporting(dir) == 0);
    put(dir, "virtio3", "device", "0x0005\n");
    put(dir, "virtio3", "features", BALLOON_REPORTING);
    CHECK("a balloon with bit 5: free page reporting", free_page_reporting(dir) == 1);
    CHECK("a directory that does not exist: none",
          free_page_reporting("/nonexistent/virtio/devices") == 0);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "test_hugepages: could not remove %s\n", dir);
}

/* The VmFlags of the mapping that holds p (/proc/self/smaps), or "". */
static void vm_flags(const void *p, char *out, size_t size)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    char line[512];
    int inside = 0;
    out[0] = '\0';
    if (!f)
        return;
    while (fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' '))
            inside = (uintptr_t)p >= lo && (uintptr_t)p < hi;
        else if (inside && strncmp(line, "VmFlags:", 8) == 0) {
            snprintf(out, size, "%s", line + 8);
            break;
        }
    }
    fclose(f);
}

static int has_flag(const char *flags, const char *flag)
{
    char padded[600], want[8];
    snprintf(padded, sizeof padded, " %s ", flags);
    padded[strcspn(padded, "\n")] = ' ';
    snprintf(want, sizeof want, " %s ", flag);
    return strstr(padded, want) != NULL;
}

/* Each mode's advice on a table of 8 MiB (VmFlags: hg = MADV_HUGEPAGE,
 * nh = MADV_NOHUGEPAGE): what the kernel then does is its own affair. */
static void test_advice(void)
{
    char flags[512];
    huge_pages_set(HUGE_PAGES_OFF);
    CHECK("off: huge_pages_enabled is 0, said as --huge-pages off",
          huge_pages_enabled() == 0 && strcmp(huge_pages_reason(), "--huge-pages off") == 0);
    unsigned char *a = xcalloc_huge(8u << 20);
    vm_flags(a + (4u << 20), flags, sizeof flags);
    CHECK("off: an 8 MiB table is advised small pages (nh), not huge ones (hg)",
          has_flag(flags, "nh") && !has_flag(flags, "hg"));
    huge_pages_set(HUGE_PAGES_ON);
    CHECK("on: huge_pages_enabled is 1", huge_pages_enabled() == 1);
    unsigned char *b = xcalloc_huge(8u << 20);
    vm_flags(b + (4u << 20), flags, sizeof flags);
    CHECK("on: an 8 MiB table is advised huge pages (hg)",
          has_flag(flags, "hg") && !has_flag(flags, "nh"));
    CHECK("the tables read as zeros", a[12345] == 0 && b[(8u << 20) - 1] == 0);
    xfree_huge(a);
    xfree_huge(b);
}

/* auto: on for a backend that forks every merge, else as the machine's
 * free page reporting says. */
static void test_auto(void)
{
    huge_pages_set(HUGE_PAGES_AUTO);
    huge_pages_set_forking(1);
    CHECK("auto with a backend that forks every merge: on, and says why",
          huge_pages_enabled() == 1 &&
              strcmp(huge_pages_reason(), "auto: the backend forks every merge") == 0);
    huge_pages_set_forking(0);
    int reporting = free_page_reporting("/sys/bus/virtio/devices");
    CHECK("auto otherwise: off exactly where sysfs shows free page reporting",
          huge_pages_enabled() == !reporting &&
              strcmp(huge_pages_reason(), reporting ? "auto: free page reporting"
                                                    : "auto: no free page reporting") == 0);
    huge_pages_set_forking(1);
    huge_pages_set(HUGE_PAGES_OFF);
    CHECK("off wins over a forking backend", huge_pages_enabled() == 0);
}

int main(void)
{
    test_names();
    test_detection();
    test_advice();
    test_auto();
    return TEST_EXIT_CODE();
}

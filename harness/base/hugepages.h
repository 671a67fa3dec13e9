/* hugepages.h: whether the harness's large arrays ask the kernel for
 * transparent huge pages (util.h: xrealloc_huge, xcalloc_huge,
 * advise_huge).
 *
 * A huge page saves the TLB misses of an array read at random, and costs
 * one fault instead of 512 when its memory is at hand. Under a hypervisor
 * that is told which memory the guest has free (a virtio balloon with free
 * page reporting), it is not: the guest reports free blocks of 2 MiB and
 * more, the host takes their memory back, and a huge page is made of just
 * such a block, so its first touch waits for the host to supply it again.
 * On such a machine (5c1a00ece6) a huge page touched after the memory sat
 * idle a few seconds cost 8 to 18 us for each of its 4 KiB, ten to fifty
 * times a recently freed one; small pages come from smaller, unreported
 * blocks. So `auto` turns huge pages off there and on elsewhere, except
 * for a backend that forks the trainer every merge: fork copies the page
 * tables, one entry per 4 KiB or per 2 MiB, and on such a machine the
 * backend `fork` merged 1.3x to 1.5x faster on huge pages (mail, vocab
 * 800; REPORT.md, "Huge pages on this machine", `make hugepages`). */
#ifndef HUGEPAGES_H
#define HUGEPAGES_H

#include <stddef.h>

enum huge_pages_mode { HUGE_PAGES_AUTO, HUGE_PAGES_ON, HUGE_PAGES_OFF };
#define HUGE_PAGES_CHOICES "auto, on or off"

/* "auto", "on" or "off"; 0, or -1 for any other name. */
int huge_pages_parse(const char *name, enum huge_pages_mode *out);
/* The mode for this process (and the processes it forks); set it before
 * the first large array is made. Without a call the mode is auto. */
void huge_pages_set(enum huge_pages_mode mode);
/* Whether the run's backend forks the process every merge (its
 * forks_each_merge): auto then means on. Set before the run's arrays. */
void huge_pages_set_forking(int forks_each_merge);
/* 1 when large arrays ask for huge pages, 0 when they ask for small ones;
 * free page reporting is looked for on the first call that needs it
 * (free_page_reporting on /sys/bus/virtio/devices). Safe from any thread. */
int huge_pages_enabled(void);
/* What decided huge_pages_enabled: "--huge-pages on", "--huge-pages off",
 * "auto: the backend forks every merge", "auto: free page reporting" or
 * "auto: no free page reporting". */
const char *huge_pages_reason(void);
/* 1 when a virtio balloon device under dir (sysfs' devices directory of
 * the virtio bus: one subdirectory per device with `device` and `features`
 * files) has negotiated free page reporting, else 0 (none, or unreadable). */
int free_page_reporting(const char *dir);

#endif

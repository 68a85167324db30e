/* modfiles.c - the boot modules' archives into the tmpfs (see modfiles.h). */
#include <errno.h>
#include <stdint.h>

#include "arch/boot_info.h"
#include "arch/mmu.h"
#include "klog.h"
#include "mm/page.h"
#include "unikernel/modfiles.h"
#include "unikernel/tmpfs.h"

/* True when [start, end) lies inside one available region of the memory
 * map: RAM that the direct map covers and that holds nothing else. */
static bool in_ram(const struct boot_info *bi, uint64_t start, uint64_t end)
{
    for (size_t i = 0; i < bi->nregions; i++) {
        const struct boot_region *r = &bi->regions[i];
        if (r->type == BOOT_MEM_AVAILABLE && start >= r->base &&
            end <= r->base + r->length)
            return true;
    }
    return false;
}

/* Pins the whole frames inside module `m` (ram.c kept them out of the
 * allocator), so that page caches may hand them out: true when done
 * (else its files are copied on first mapping, as embedded ones). */
static bool pin(const struct boot_module *m)
{
    uint64_t lo = (m->start + PAGE_MASK) & ~(uint64_t)PAGE_MASK;
    uint64_t hi = m->end & ~(uint64_t)PAGE_MASK;
    return hi > lo && page_add_pinned(lo, (size_t)(hi - lo)) == 0;
}

/* Loads module `i`: 0 or -errno, the refusal printed. */
static int load_one(const struct boot_info *bi, size_t i)
{
    const struct boot_module *m = &bi->modules[i];
    const char *name = m->name && m->name[0] ? m->name : "(no name)";
    size_t size = (size_t)(m->end - m->start);
    const char *why = NULL;
    int rc = -EINVAL;
    if (m->end <= m->start)
        why = "it is empty";
    else if (!in_ram(bi, m->start, m->end))
        why = "it lies outside the RAM of the memory map";
    else if ((rc = tmpfs_load_cpio(mmu_kaddr(m->start), size,
                                   pin(m) ? m->start : 0)) == -EINVAL)
        why = "not a cpio newc archive (or cut short)";
    else if (rc == 0)
        why = "the archive holds no file";
    else if (rc < 0)
        why = "its files cannot be added (a path twice, or no memory)";
    if (why) {
        rc = rc < 0 ? rc : -EINVAL;
        kprintf("app: boot module %zu '%s' ([0x%lx-0x%lx), %zu bytes) refused: "
                "%s (%d)\n",
                i, name, m->start, m->end, size, why, rc);
        return rc;
    }
    klog(KLOG_INFO,
         "app: boot module %zu '%s': %d files (%zu KiB) in the tmpfs, "
         "read in place\n",
         i, name, rc, size >> 10);
    return 0;
}

int modfiles_load(const struct boot_info *bi)
{
    for (size_t i = 0; i < bi->nmodules; i++) {
        int rc = load_one(bi, i);
        if (rc < 0)
            return rc;
    }
    return 0;
}

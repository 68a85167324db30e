/* bootinfo.c - the protocol-neutral boot information and its boot log. */
#include <assert.h>

#include "arch/boot_info.h"
#include "klog.h"

struct boot_info boot_info;

void boot_reserve(struct boot_info *bi, uint64_t start, uint64_t end)
{
    if (bi->nreserved == BOOT_MAX_RESERVED)
        panic("boot: more than %d reserved ranges", BOOT_MAX_RESERVED);
    bi->reserved[bi->nreserved++] = (struct boot_range){ start, end };
}

uint64_t boot_usable_bytes(const struct boot_info *bi)
{
    uint64_t total = 0;
    for (size_t i = 0; i < bi->nregions; i++)
        if (bi->regions[i].type == BOOT_MEM_AVAILABLE)
            total += bi->regions[i].length;
    return total;
}

static const char *region_type_name(uint32_t type)
{
    switch (type) {
    case BOOT_MEM_AVAILABLE: return "available";
    case BOOT_MEM_RESERVED:  return "reserved";
    case BOOT_MEM_ACPI:      return "ACPI reclaimable";
    case BOOT_MEM_NVS:       return "ACPI NVS";
    case BOOT_MEM_BAD:       return "bad";
    default:                 return "unknown";
    }
}

void boot_info_print(const struct boot_info *bi)
{
    klog(KLOG_INFO, "boot: protocol %s, loader '%s'\n", bi->protocol,
         bi->loader);
    klog(KLOG_INFO, "boot: command line '%s'\n", bi->cmdline);
    klog(KLOG_DEBUG, "memory map (%zu regions):\n", bi->nregions);
    for (size_t i = 0; i < bi->nregions; i++) {
        const struct boot_region *r = &bi->regions[i];
        klog(KLOG_DEBUG, "  [0x%016lx-0x%016lx) %8lu KiB %s\n", r->base,
             r->base + r->length, r->length >> 10, region_type_name(r->type));
    }
    uint64_t usable = boot_usable_bytes(bi);
    klog(KLOG_INFO, "memory: usable %lu KiB (%lu MiB)\n", usable >> 10,
         usable >> 20);
    for (size_t i = 0; i < bi->nmodules; i++) {
        const struct boot_module *m = &bi->modules[i];
        klog(KLOG_INFO, "module: [0x%lx-0x%lx) '%s'\n", m->start, m->end,
             m->name);
    }
    if (bi->dropped)
        klog(KLOG_WARN, "boot: %zu regions/modules beyond the tables ignored\n",
             bi->dropped);
}

/* pvh.c - reads the PVH start info (qemu -kernel) into struct boot_info. */
#include <errno.h>
#include <string.h>

#include "arch/mmu.h"
#include "arch/x86_64/arch.h"
#include "arch/boot_info.h"

struct hvm_start_info {
    uint32_t magic;
    uint32_t version;
    uint32_t flags;
    uint32_t nr_modules;
    uint64_t modlist_paddr;
    uint64_t cmdline_paddr;
    uint64_t rsdp_paddr;
    uint64_t memmap_paddr;   /* version >= 1 */
    uint32_t memmap_entries;
    uint32_t reserved;
};

struct hvm_modlist_entry {
    uint64_t paddr, size, cmdline_paddr, reserved;
};

struct hvm_memmap_entry {
    uint64_t addr, size;
    uint32_t type, reserved;
};

int pvh_parse(uintptr_t info, struct boot_info *bi)
{
    const struct hvm_start_info *si = mmu_kaddr(info);
    if (si->magic != BOOT_MAGIC_PVH)
        return -EINVAL;
    bi->protocol = "pvh";
    bi->loader = "PVH";
    boot_reserve(bi, info, info + sizeof(*si));
    if (si->cmdline_paddr) {
        bi->cmdline = mmu_kaddr(si->cmdline_paddr);
        boot_reserve(bi, si->cmdline_paddr,
                     si->cmdline_paddr + strlen(bi->cmdline) + 1);
    }
    if (si->version >= 1 && si->memmap_paddr) {
        const struct hvm_memmap_entry *e = mmu_kaddr(si->memmap_paddr);
        boot_reserve(bi, si->memmap_paddr,
                     si->memmap_paddr + si->memmap_entries * sizeof(*e));
        for (uint32_t i = 0; i < si->memmap_entries; i++)
            boot_add_region(bi, e[i].addr, e[i].size, e[i].type);
    }
    if (si->rsdp_paddr) {
        bi->acpi_rsdp = mmu_kaddr(si->rsdp_paddr);
        bi->acpi_rsdp_len = 36; /* the longest RSDP (revision 2) */
    }
    const struct hvm_modlist_entry *m = mmu_kaddr(si->modlist_paddr);
    if (si->nr_modules)
        boot_reserve(bi, si->modlist_paddr,
                     si->modlist_paddr + si->nr_modules * sizeof(*m));
    for (uint32_t i = 0; i < si->nr_modules; i++) {
        if (bi->nmodules == BOOT_MAX_MODULES) {
            bi->dropped++;
            continue;
        }
        bi->modules[bi->nmodules++] = (struct boot_module){
            .start = m[i].paddr,
            .end = m[i].paddr + m[i].size,
            .name = m[i].cmdline_paddr ? mmu_kaddr(m[i].cmdline_paddr) : "",
        };
    }
    return 0;
}

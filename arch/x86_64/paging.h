/*
 * paging.h - x86_64 page-table entries (only arch/x86_64 sees them) and the
 * boot-time construction of the kernel's final tables.
 */
#ifndef ARCH_X86_64_PAGING_H
#define ARCH_X86_64_PAGING_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/mmu.h"

#define PTE_P      0x001ULL
#define PTE_W      0x002ULL
#define PTE_U      0x004ULL
#define PTE_PWT    0x008ULL
#define PTE_PCD    0x010ULL
#define PTE_A      0x020ULL
#define PTE_D      0x040ULL
#define PTE_PS     0x080ULL
#define PTE_G      0x100ULL
#define PTE_MAPPED 0x200ULL /* software: a translation exists */
#define PTE_READ   0x400ULL /* software: the read right was given */
#define PTE_NX     (1ULL << 63)
#define PTE_ADDR   0x000FFFFFFFFFF000ULL

/* Index of `va` in its table at `level` (3 PML4, 2 PDPT, 1 PD, 0 PT). */
#define PTE_INDEX(va, level) (((va) >> (PAGE_SHIFT + 9 * (level))) & 511)

struct boot_info;

/* The PTE bits for MMU_* `flags` (no address). */
uint64_t pte_from_flags(int flags);

/* The MMU_* flags of entry `pte` (0 when it maps nothing). */
int pte_to_flags(uint64_t pte);

/* The table at physical `table`, through the direct map. */
uint64_t *pte_table(phys_addr_t table);

/* Walks the tree at `pml4` down to the entry of `va` at `level`, creating
 * missing tables from page_new() when `create`.  Stops early at a large
 * page, storing the level reached in *found.  NULL when a table is absent
 * (or no frame is left to create it). */
uint64_t *pte_walk(phys_addr_t pml4, uintptr_t va, int level, bool create,
                   int *found);

/* Records the kernel's PML4; `final` forbids new kernel-half PML4 entries
 * (user directories copy them at creation). */
void mmu_set_kernel_dir(phys_addr_t pml4, bool final);

/* Builds the final kernel tables (direct map of RAM with large pages,
 * the image by section with exact rights, kmap slot), switches to them and
 * drops the boot tables.  Needs page_new() working (RAM below 4 GiB given).
 * Panics when no frame is left: the kernel cannot run without them. */
void paging_init(const struct boot_info *bi);

/* Checks the kernel tables: nothing in the lower half, no page both
 * writable and executable.  Returns the number of violations (printed). */
int paging_audit(void);

#endif

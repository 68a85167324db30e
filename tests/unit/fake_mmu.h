/*
 * tests/unit/fake_mmu.h - what the host tests can ask the software MMU
 * (tests/unit/fake_mmu.c, an exact model of arch/mmu.h) beyond the port
 * verbs: physical banks, the TLB model, simulated accesses.
 */
#ifndef FAKE_MMU_H
#define FAKE_MMU_H

#include <stdbool.h>
#include <stddef.h>

#include "arch/mmu.h"

/* Backs the physical range [base, base+size) with host memory so that
 * mmu_kaddr/mmu_paddr work on it.  base and size: 2 MiB aligned. */
void fake_mmu_add_bank(phys_addr_t base, size_t size);

/* Adds the standard test banks (DMA, DMA32 and NORMAL zones all present)
 * and gives them to page_add_ram.  Idempotent. */
void fake_mmu_setup(void);

/* Pages of `dir` changed (unmapped, replaced, rights changed) and not yet
 * covered by mmu_flush: must be 0 after every mm operation returns. */
size_t fake_mmu_pending(mmu_dir_t *dir);

/* Translations present in `dir`. */
size_t fake_mmu_count(mmu_dir_t *dir);

/* User directories created and not destroyed. */
long fake_mmu_live_dirs(void);

/* Number of mmu_flush calls so far. */
unsigned long fake_mmu_flushes(void);

/* Simulates the hardware: an access (MMU_READ, MMU_WRITE or MMU_EXEC) to
 * `va`; true if the translation allows it (and sets accessed/dirty),
 * false if the CPU would fault. */
bool fake_mmu_access(mmu_dir_t *dir, uintptr_t va, int access);

/* Host pointer to the byte at `va` of `dir` (present), else NULL. */
unsigned char *fake_mmu_ptr(mmu_dir_t *dir, uintptr_t va);

/* Number of mmu_prepare calls that had a page table to make so far. */
unsigned long fake_mmu_prepares(void);

/* Promotions (mmu_promote) done so far. */
unsigned long fake_mmu_promotes(void);

/* Last-level tables (2 MiB spans with one) of `dir` now. */
size_t fake_mmu_tables(mmu_dir_t *dir);

/* The `n`th next mmu_map or mmu_prepare that needs a page table fails
 * with -ENOMEM (0 disables); a prepared page's mmu_map never fails. */
void fake_mmu_fail_nth(unsigned long n);

/* Host allocator hooks given to mm_set_allocator, with fault injection:
 * the `n`th next allocation fails (0 disables). */
void *fake_alloc(size_t size);
void fake_free(void *ptr);
void fake_alloc_fail_nth(unsigned long n);
long fake_alloc_live(void); /* allocations not yet freed */

#endif /* FAKE_MMU_H */

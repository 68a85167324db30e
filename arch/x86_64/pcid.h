/*
 * arch/x86_64/pcid.h - process-context identifiers (CR4.PCIDE), so that
 * switching address spaces keeps each one's TLB entries.  A user
 * directory takes the PCID its PML4's frame hashes to (1..4095; 0 is the
 * kernel directory's); a PCID remembers its owner, and loading a
 * directory flushes its PCID (CR3 without the no-flush bit) when the
 * PCID held another directory's entries or its own went stale (a
 * mapping changed while it was not loaded: mmu_flush marks it; or a
 * kernel-half one changed).  mmu.c calls these; they do nothing where
 * CPUID has no PCID or `pcid=on` was not given (the default: this path
 * has not run on a CPU with PCIDs yet).
 */
#ifndef ARCH_X86_64_PCID_H
#define ARCH_X86_64_PCID_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/mmu.h"

/* Turns PCIDs on where CPUID.1:ECX.17 says so and `wanted` (`pcid=on`);
 * CR3's PCID must be 0 (after paging_init).  Once, at boot. */
void pcid_init(bool wanted);

/* True once PCIDs are on. */
bool pcid_on(void);

/* The CR3 value that loads the user directory at `pml4`: its PCID, with
 * the no-flush bit unless its PCID's entries may be wrong. */
uint64_t pcid_cr3(phys_addr_t pml4);

/* Loads of user directories so far: those that kept their PCID's
 * entries, those that flushed them. */
void pcid_counts(uint64_t *kept, uint64_t *flushed);

/* The directory at `pml4`, not loaded, had a translation changed: its
 * next load flushes its PCID. */
void pcid_stale(phys_addr_t pml4);

/* A kernel-half translation changed (and was flushed in the loaded PCID):
 * every other PCID flushes at its next load (its paging-structure caches
 * may hold the old kernel tables). */
void pcid_kernel_changed(void);

/* The directory at `pml4` is created or destroyed: its PCID's entries
 * belong to nobody (a new directory in the same frame must not see them). */
void pcid_forget(phys_addr_t pml4);

#endif

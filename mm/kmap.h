/*
 * mm/kmap.h - kernel virtual memory: kspace, the kernel's own mspace_t over
 * the port's kmap window in the upper half.  Every kmap mapping is
 * populated when it is made (VMA_RESOLVE), so the kernel never takes a
 * fault to allocate its own memory; the one kernel fault that stays is the
 * touch of a stack guard page, which mspace_resolve reports.
 *
 * Locking: kspace's mspace lock, taken inside each call.
 */
#ifndef MM_KMAP_H
#define MM_KMAP_H

#include <stddef.h>
#include <stdint.h>

#include "arch/mmu.h"
#include "mm/memory.h"

struct inode;

/* Creates kspace over [lower, upper) in the kernel directory and installs
 * the kmap hook of kalloc for requests above 4 MiB.  Boot time, once.
 * 0, or -EINVAL (bad bounds) / -ENOMEM. */
int kmap_init(uintptr_t lower, uintptr_t upper);

/* The kernel's mspace (NULL before kmap_init). */
mspace_t *kmap_space(void);

/* Maps `length` bytes (rounded up to pages) with `rights` (VMA_READ,
 * VMA_WRITE, VMA_EXEC): zeroed memory when ino is NULL, else the file
 * `ino` from `offset` (private).  Populated now.  NULL when out of memory
 * or window space. */
void *kmap(size_t length, struct inode *ino, uint64_t offset, int rights);

/* Maps the physical range [pa, pa+length) (page aligned) uncached, for
 * MMIO.  NULL on bad alignment or no window space. */
void *kmap_phys(phys_addr_t pa, size_t length, int rights);

/* Unmaps [address, address+length) of kspace.  0, -EINVAL, or -ENOMEM
 * when the range lies strictly inside one mapping (a split); a whole
 * mapping (kspace never merges two) always unmaps. */
int kunmap(void *address, size_t length);

/* A kernel stack of `size` bytes (rounded up to pages) above an unmapped
 * guard page, in a VMA of its own (a neighbour never takes its guard).
 * Returns its top (the initial stack pointer), or NULL. */
void *kmap_stack(size_t size);

/* Frees a stack made by kmap_stack(size) whose top is `top`.  Allocates
 * nothing, so it succeeds when memory is exhausted. */
void kunmap_stack(void *top, size_t size);

#endif /* MM_KMAP_H */

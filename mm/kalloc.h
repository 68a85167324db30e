/*
 * mm/kalloc.h - the kernel's object allocator.  Small requests (up to
 * 2 KiB) come from per-size-class slabs of frames reached through the
 * direct map, in O(1); larger ones (up to 4 MiB) are whole contiguous
 * frames; above that, an optional hook (the kernel's kmap) serves them.
 * Memory is zeroed.  kfree validates every pointer: a double free, an
 * interior or foreign pointer panics (assert).
 *
 * Locking: one lock per size class, taken with interrupts masked; it is
 * below the mspace and inode locks and above the zone locks.
 */
#ifndef MM_KALLOC_H
#define MM_KALLOC_H

#include <stdbool.h>
#include <stddef.h>

#include "arch/mmu.h"

/* Allocates `size` zeroed bytes (16-byte aligned; page aligned above
 * 2 KiB).  NULL when size is 0 or no memory is left. */
void *kalloc(size_t size);

/* Frees `ptr` from kalloc (NULL is ignored); asserts on a double free or
 * a pointer kalloc did not return. */
void kfree(void *ptr);

/* The physical address of `ptr`, inside a block of at most 4 MiB from
 * kalloc: such a block lies in the direct map and is physically
 * contiguous, so a device may be given [paddr, paddr + its size) for DMA. */
phys_addr_t kalloc_paddr(const void *ptr);

/* Serves requests above 4 MiB (kernel: kmap/kunmap): map(size) returns
 * zeroed memory or NULL; unmap(ptr, size) gives it back.  kalloc records
 * each such block (pointer, size) to recognise it in kfree. */
void kalloc_set_large_hook(void *(*map)(size_t size),
                           void (*unmap)(void *ptr, size_t size));

/* Releases the empty slab each class keeps for reuse (memory pressure,
 * leak checks). */
void kalloc_trim(void);

/* Statistics of size class `index` (0 .. kalloc_class_count()-1). */
typedef struct kalloc_stat {
    size_t size;   /* object size of the class */
    size_t slabs;  /* slabs held */
    size_t inuse;  /* objects allocated now */
    size_t allocs; /* allocations so far */
    size_t frees;  /* frees so far */
} kalloc_stat_t;

int kalloc_class_count(void);
void kalloc_class_stat(int index, kalloc_stat_t *stat);

/* Prints one line per size class into buf (snprintf contract). */
int kalloc_stats(char *buf, size_t size);

/* Fault injection: the `n`th allocation from now fails (0 disables). */
void kalloc_fail_nth(unsigned long n);

#endif /* MM_KALLOC_H */

/*
 * mm/internal.h - helpers shared by mspace.c, vma.c and fault.c; not an
 * interface for code outside mm/.  Every function expects the mspace lock
 * held (m) unless it says otherwise.
 */
#ifndef MM_INTERNAL_H
#define MM_INTERNAL_H

#include <stdbool.h>

#include "mm/memory.h"

/* A zeroed VMA descriptor, or NULL (ENOMEM).  No lock needed. */
vma_t *vma_new(void);

/* Frees a VMA out of any tree, dropping its inode reference. */
void vma_destroy(vma_t *vma);

/* True when `b` starts where `a` ends and the two can be one VMA: same
 * flags, inode, limit and contiguous backing; neither dead. */
bool vma_mergeable(const vma_t *a, const vma_t *b);

/* Pages a VMA of `flags` and `length` charges at map time. */
size_t vma_commit_pages(int flags, size_t length);

/* MMU flags of a page of `vma` mapped with full rights. */
int vma_mmu_flags(const mspace_t *mspace, const vma_t *vma);

/* MMU flags the present page `pa` of `vma` should have now: full rights,
 * except write on a private frame that is shared (COW) or the zero page. */
int vma_pte_flags(const mspace_t *mspace, const vma_t *vma, phys_addr_t pa);

/* Splits `vma` at `at` (strictly inside): `vma` keeps [base, at), `spare`
 * (from vma_new) becomes [at, end) and is inserted. */
void vma_split(mspace_t *mspace, vma_t *vma, uintptr_t at, vma_t *spare);

/* Moves the base of `vma` up to `base` (inside it), advancing its offset. */
void vma_trim_front(mspace_t *mspace, vma_t *vma, uintptr_t base);

/* Moves the end of `vma` down to `end` (inside it). */
void vma_trim_back(mspace_t *mspace, vma_t *vma, uintptr_t end);

/* Removes `vma` from the tree of `mspace` and destroys it. */
void vma_remove(mspace_t *mspace, vma_t *vma);

/* Unmaps the present pages of [start, end) inside `vma`, dropping their
 * frames and stack commit; returns how many were present (caller flushes). */
size_t vma_release_pages(mspace_t *mspace, vma_t *vma, uintptr_t start,
                         uintptr_t end);

/* Adds (add) or removes the bytes of `flags` to v_size, p_size, s_size. */
void vma_account(mspace_t *mspace, int flags, size_t bytes, bool add);

/* Maps the page at `va` of `vma` now (rights already checked): zero page or
 * fresh frame, file page, physical page, or a COW copy when `write`.
 * 0, or -ENOMEM with nothing changed. */
int vma_fault_in(mspace_t *mspace, vma_t *vma, uintptr_t va, bool write);

/* Pages of a VMA of `flags` and `length` that RLIMIT_DATA counts: private
 * writable memory that is not a stack (limit.c). */
size_t vma_data_pages(int flags, size_t length);

/* 0, or -ENOMEM when mapping `length` bytes of `flags` would pass the
 * address-space or data limit of `mspace` (limit.c). */
int mspace_limit_map(const mspace_t *mspace, int flags, size_t length);

/* 0, or -ENOMEM when giving `rights` to the live VMAs covering [address,
 * end) would pass the data limit of `mspace` (limit.c). */
int mspace_limit_protect(const mspace_t *mspace, uintptr_t address,
                         uintptr_t end, int rights);

/* False when the page `va` of `vma`, a stack, is absent and deeper than
 * the stack limit below the stack's end: it may not be faulted in. */
bool mspace_limit_stack(const mspace_t *mspace, const vma_t *vma, uintptr_t va);

/* The shared zero frame (allocated on first use), or 0 if none can be. */
phys_addr_t mm_zero_page(void);

/* True when `pa` is the shared zero frame (never allocates). */
bool mm_is_zero_page(phys_addr_t pa);

#endif /* MM_INTERNAL_H */

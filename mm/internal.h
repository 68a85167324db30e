/*
 * mm/internal.h - helpers shared by mspace.c, vma.c and fault.c; not an
 * interface for code outside mm/.  Every function expects the mspace lock
 * held (m) unless it says otherwise.
 */
#ifndef MM_INTERNAL_H
#define MM_INTERNAL_H

#include <stdbool.h>

#include "mm/memory.h"

/* Every flag a mapping request may carry (map_flags refuses others). */
#define VMA_KNOWN                                                              \
    (VMA_RIGHTS | VMA_SHARING | VMA_MAXRIGHTS | VMA_TYPE | VMA_REQUEST |       \
     VMA_UNCACHED | VMA_NOMERGE)

/* The first VMA (dead or not) of `ms` in address order, or NULL. */
static inline vma_t *vma_first(const mspace_t *ms)
{
    return (vma_t *)bbtree_first(&ms->tree); /* node is the first member */
}

/* The VMA after `vma` in address order, or NULL. */
static inline vma_t *vma_next(const vma_t *vma)
{
    return (vma_t *)bbtree_next(&vma->node);
}

/* Range arguments (an address and a length in bytes, as every mspace
 * call takes them) are checked by predicates, true when valid; the
 * caller returns its errno.  mm_length_ok: `*length` is not zero and
 * rounds up to whole pages without wrapping (it is rounded). */
static inline bool mm_length_ok(size_t *length)
{
    if (*length == 0 || *length > (size_t)-PAGE_SIZE)
        return false;
    *length = (*length + PAGE_MASK) & ~PAGE_MASK;
    return true;
}

/* True when `address` is page aligned and [address, address + *length)
 * is a valid length (rounded up to pages, as mm_length_ok) that does not
 * wrap. */
static inline bool mm_range_ok(uintptr_t address, size_t *length)
{
    return !(address & PAGE_MASK) && mm_length_ok(length) &&
           address + *length >= address;
}

/* True when [address, address + length) lies in the window of `ms`
 * (the same test as the port's user_range_ok for a user space). */
static inline bool mspace_window_ok(const mspace_t *ms, uintptr_t address,
                                    size_t length)
{
    return address >= ms->lower_bound && address <= ms->upper_bound &&
           length <= ms->upper_bound - address;
}

/* A zeroed VMA descriptor, or NULL (ENOMEM).  No lock needed. */
vma_t *vma_new(void);

/* Frees a VMA out of any tree, dropping its inode reference. */
void vma_destroy(vma_t *vma);

/* True when `b` starts where `a` ends and the two can be one VMA: same
 * flags, inode, limit and contiguous backing; neither dead nor
 * VMA_NOMERGE. */
bool vma_mergeable(const vma_t *a, const vma_t *b);

/* Pages the part [start, end) of `vma` charges with `flags` (those of
 * `vma` or the ones it is about to get): all of a VMA_CHARGED one, else
 * its partial file page if it lies there (mm/commit.c). */
size_t vma_commit_pages(const vma_t *vma, int flags, uintptr_t start,
                        uintptr_t end);

/* True for shared anonymous memory (charged per frame, mm/commit.c). */
static inline bool vma_shared_anon(int flags)
{
    return (flags & VMA_SHARED) && !(flags & (VMA_FILE | VMA_PHYS));
}

/* Sets up the page-table reserve of a new user space, charging its
 * top-level table: 0 or -ENOMEM.  No lock needed. */
int mm_tables_init(mspace_t *ms);

/* Gives back the page-table reserve of `ms` (its tables are freed). */
void mm_tables_release(mspace_t *ms);

/* Charges `pages` plus one page per page-table span of [start, end) not
 * yet charged in `ms` (the kernel space: `pages` only).  All or nothing:
 * 0 or -ENOMEM. */
int mm_commit_range(mspace_t *ms, uintptr_t start, uintptr_t end, size_t pages);

/* True when every page-table span of [start, end) is charged in `ms`. */
bool mm_tables_cover(mspace_t *ms, uintptr_t start, uintptr_t end);

/* Page-table pages the reserve map of `ms` accounts for (mspace_check). */
size_t mm_tables_counted(const mspace_t *ms);

/* The accesses a VMA of `flags` allows: its rights, plus read when it has
 * write or exec (as Linux on x86, which cannot express write or exec
 * without read: a PROT_WRITE page is readable, whatever touched it first).
 * The VMA keeps the rights it was given (maps shows "-w-p"). */
int vma_access_rights(int flags);

/* MMU flags of a page of `vma` mapped with full rights (access rights). */
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

/* Takes [s, e) out of `vma` (its pages already gone): removes, trims or
 * splits it, `*spare` consumed (set to NULL) by a middle cut.  Accounting
 * and commit are the caller's. */
void vma_cut(mspace_t *mspace, vma_t *vma, uintptr_t s, uintptr_t e,
             vma_t **spare);

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

/* 0, or -ENOMEM when `pages` more data pages would pass the data limit of
 * `mspace` (limit.c). */
int mspace_limit_data(const mspace_t *mspace, size_t pages);

/* 0, or -ENOMEM when giving `rights` to the live VMAs covering [address,
 * end) would pass the data limit of `mspace` (limit.c). */
int mspace_limit_protect(const mspace_t *mspace, uintptr_t address,
                         uintptr_t end, int rights);

/* False when the page `va` of `vma`, a stack, is absent and deeper than
 * the stack limit below the stack's end: it may not be faulted in. */
bool mspace_limit_stack(const mspace_t *mspace, const vma_t *vma, uintptr_t va);

/* mspace.c's steps, shared with remap.c: the first VMA (dead or not)
 * ending above `address`; where a new mapping goes (as mspace_map: 0 or
 * -EINVAL/-EEXIST/-ENOMEM, *prev the VMA before it or NULL); the merge of
 * the VMAs around [first, end) (returns the VMA holding first's base); the
 * unmap of [s, e) inside `v` (pages, commit, VMA; *spare taken by a middle
 * cut), true when a present page was dropped (caller flushes). */
vma_t *mspace_first_after(const mspace_t *ms, uintptr_t address);
int mspace_place(mspace_t *ms, uintptr_t address, size_t length, int flags,
                 uintptr_t *base, vma_t **prev);
vma_t *mspace_merge(mspace_t *ms, vma_t *first, uintptr_t end);
bool mspace_unmap_part(mspace_t *ms, vma_t *v, uintptr_t s, uintptr_t e,
                       vma_t **spare);
/* True when `v` may have pages in the page tables, so that its table
 * spans must be charged: it has rights, is shared anonymous, or keeps
 * present pages after losing its rights (mspace_clone, mspace_check). */
bool mspace_has_tables(mspace_t *ms, const vma_t *v);
/* Fills the page cache `vma` (a file mapping) can fault in, as mspace_map
 * does, so that its faults charge nothing.  0 or -ENOMEM. */
int mspace_prepare_cache(const vma_t *vma);

/* Superpages (huge.c).  vma_huge_ok: the policy and `vma` allow them
 * (anonymous, writable, committed ahead, not a kernel space).
 * vma_fault_huge: maps the superpage holding `va` at a first touch when
 * allowed and its aligned 2 MiB lie inside `vma` with nothing mapped;
 * false (nothing changed) means: fall back to a page.  vma_huge_write: a
 * write to the read-only superpage (after fork) holding `va` (frame `pa`):
 * 0 when the space owned every frame and it became writable, 1 when it was
 * demoted (the caller copies the page), or -ENOMEM.  mm_demote_range:
 * demotes the superpages of [start, end), all of them or (`all` false)
 * those that cross start or end; 0 or -ENOMEM (those demoted stay so).
 * mm_huge_account: one superpage more (+1) or less (-1) mapped in `ms`. */
bool vma_huge_ok(const mspace_t *ms, const vma_t *vma);
/* vma_huge_eligible: `vma` may hold superpages whatever the policy
 * (MADV_COLLAPSE; vma_huge_ok adds the policy).  mm_promote_range:
 * promotes in place, where the policy allows, each span meeting [start,
 * end) whose 512 pages are one aligned block in order, all present and
 * this space's alone (mprotect, madvise, a COW write made them so). */
bool vma_huge_eligible(const mspace_t *ms, const vma_t *vma);
void mm_promote_range(mspace_t *ms, uintptr_t start, uintptr_t end);
bool vma_fault_huge(mspace_t *ms, vma_t *vma, uintptr_t va);
int vma_huge_write(mspace_t *ms, vma_t *vma, uintptr_t va, phys_addr_t pa);
int mm_demote_range(mspace_t *ms, uintptr_t start, uintptr_t end, bool all);
void mm_huge_account(mspace_t *ms, long delta);
/* Shared file superpages (huge.c).  vma_fault_file_huge: maps the aligned
 * 2 MiB holding `va` of the shared file VMA `vma` by one large entry when
 * the span lies inside it, maps an aligned file range, has no table and
 * the cache holds (or now makes, as its policy says) that range as one
 * block; false (nothing changed): fall back to a page.
 * mm_huge_account_vma: as mm_huge_account for a superpage of `vma`
 * (anonymous or file).  mm_huge_widen: widens [*start, *end) to the whole
 * superpages its ends cut (a range unmapped whole, never split: no
 * allocation). */
bool vma_fault_file_huge(mspace_t *ms, vma_t *vma, uintptr_t va);
void mm_huge_account_vma(mspace_t *ms, const vma_t *vma, long delta);
void mm_huge_widen(mspace_t *ms, uintptr_t *start, uintptr_t *end);

/* The shared zero frame (allocated on first use), or 0 if none can be. */
phys_addr_t mm_zero_page(void);

/* True when `pa` is the shared zero frame (never allocates). */
bool mm_is_zero_page(phys_addr_t pa);

#endif /* MM_INTERNAL_H */

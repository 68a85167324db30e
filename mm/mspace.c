/*
 * mm/mspace.c - address spaces: map, protect, unmap, clone, close, sweep,
 * scavenge (display: mspace_display.c; invariants: mspace_check.c).  Every operation validates first (arguments, holes,
 * rights, commit charge) and allocates what the change step needs (split
 * VMAs) before changing anything, so a failure leaves the space as it was.
 *
 * Lock order (take top to bottom, never upward):
 *   1. mspace lock (m)        mspace_* and the fault path
 *   2. inode lock (i)         page cache lookups under (m)
 *   3. allocator lock         mm_alloc (kalloc) under (m) or (i)
 *   4. zone locks (z)         page_new / page_unref, under any of the above
 * The commit charge is atomic (a) and needs no lock.
 */
#include <assert.h>
#include <errno.h>

#include "mm/inode.h"
#include "mm/internal.h"
#include "mm/page.h"

static vma_t *vma_of(bbnode_t *node)
{
    return (vma_t *)node; /* node is the first member of vma_t */
}

/* The first VMA (dead or not) ending above `address`, or NULL.  The last
 * VMA found (the hint) answers without a tree walk when it contains it. */
static vma_t *first_after(const mspace_t *ms, uintptr_t address)
{
    vma_t *h = ms->hint;
    if (h && vma_base(h) <= address && address < vma_end(h))
        return h;
    return vma_of(bbtree_lower(&ms->tree, address));
}

static mspace_t *mspace_new(mmu_dir_t *dir, uintptr_t lower, uintptr_t upper,
                            bool kernel)
{
    mspace_t *ms = mm_alloc(sizeof(*ms));
    if (!ms)
        return NULL;
    ms->users = 1;
    ms->directory = dir;
    ms->lower_bound = lower;
    ms->upper_bound = upper;
    ms->kernel = kernel;
    ms->as_limit = ms->data_limit = ms->stack_limit = SIZE_MAX; /* none */
    return ms;
}

mspace_t *mspace_create(void)
{
    mmu_dir_t *dir = mmu_dir_create();
    if (!dir)
        return NULL;
    mspace_t *ms = mspace_new(dir, MSPACE_USER_LOWER, MSPACE_USER_UPPER, false);
    if (ms && mm_tables_init(ms) < 0) {
        mm_free(ms);
        ms = NULL;
    }
    if (!ms)
        mmu_dir_destroy(dir);
    return ms;
}

mspace_t *mspace_create_kernel(uintptr_t lower, uintptr_t upper)
{
    if ((lower | upper) & PAGE_MASK || lower >= upper ||
        upper > (uintptr_t)-4096)
        return NULL;
    return mspace_new(mmu_kernel_dir(), lower, upper, true);
}

/* Checks the flags of a new mapping and completes the defaults (private,
 * all maximum rights, type from ino).  Returns the flags or -errno. */
static int map_flags(size_t length, struct inode *ino, uint64_t offset,
                     uint64_t limit, int flags)
{
    flags &= ~VMA_CHARGED; /* mm's own state (flags copied from a VMA) */
    if (flags & ~VMA_KNOWN || (flags & VMA_SHARING) == VMA_SHARING)
        return -EINVAL;
    int type = flags & VMA_TYPE;
    if (!type)
        type = ino ? VMA_FILE : VMA_ANON;
    if ((type & (type - 1)) || (type == VMA_FILE) != (ino != NULL))
        return -EINVAL;
    if ((type != VMA_FILE && limit) ||
        ((flags & VMA_UNCACHED) && type != VMA_PHYS))
        return -EINVAL;
    if (type & (VMA_FILE | VMA_PHYS)) {
        if ((offset & PAGE_MASK) || offset + length < offset)
            return -EINVAL;
    } else if (offset) {
        return -EINVAL;
    }
    if (type == VMA_PHYS) {
        if (flags & VMA_COW)
            return -EINVAL;
        flags |= VMA_SHARED;
    }
    if (type == VMA_STACK && ((flags & VMA_SHARED) || length < 2 * PAGE_SIZE))
        return -EINVAL;
    if (type == VMA_STACK)
        flags |= VMA_NOMERGE; /* merged, the upper stack would lose its guard */
    if (!(flags & VMA_SHARING))
        flags |= VMA_COW;
    if (!(flags & VMA_MAXRIGHTS))
        flags |= VMA_MAXRIGHTS;
    if (type == VMA_FILE && (flags & VMA_SHARED))
        flags &= ~((~ino->rights & VMA_RIGHTS) << VMA_MAX_SHIFT);
    if ((flags & VMA_RIGHTS) & ~((flags & VMA_MAXRIGHTS) >> VMA_MAX_SHIFT))
        return -EACCES;
    if ((flags & VMA_COW) && (flags & VMA_WRITE) && type != VMA_STACK)
        flags |= VMA_CHARGED;
    return (flags & ~VMA_TYPE) | type;
}

/* True when a page of [start, end) is in the page tables of `ms`. */
static bool has_pages(mspace_t *ms, uintptr_t start, uintptr_t end)
{
    return ms->phys_pg_count &&
           mmu_next_mapped(ms->directory, start, end) < end;
}

/* The flags the part [start, end) of `v` gets from mprotect to `rights`:
 * a private VMA made writable becomes VMA_CHARGED; made read-only or
 * PROT_NONE it stays so while it holds pages (they may be private frames),
 * and is given back only with none (after a discard). */
static int protected_flags(mspace_t *ms, const vma_t *v, uintptr_t start,
                           uintptr_t end, int rights)
{
    int flags = (v->flags & ~VMA_RIGHTS) | rights;
    if (!(flags & VMA_COW) || (flags & VMA_STACK))
        return flags;
    if (rights & VMA_WRITE)
        flags |= VMA_CHARGED;
    else if ((flags & VMA_CHARGED) && !has_pages(ms, start, end))
        flags &= ~VMA_CHARGED;
    return flags;
}

/* Merges the VMAs from the one before `first` up to the one starting at
 * `end` wherever they became compatible.  Returns the VMA that now holds
 * the base of `first`. */
static vma_t *merge_range(mspace_t *ms, vma_t *first, uintptr_t end)
{
    uintptr_t base = vma_base(first);
    vma_t *v = vma_of(bbtree_prev(&first->node));
    if (!v)
        v = first;
    while (v && vma_base(v) <= end) {
        vma_t *n = vma_next(v);
        if (n && vma_base(n) <= end && vma_mergeable(v, n)) {
            size_t grow = n->length;
            if (ms->hint == n)
                ms->hint = v;
            vma_remove(ms, n);
            v->length += grow;
            v->node.size = v->length;
            bbtree_update(&ms->tree, &v->node);
            continue;
        }
        if (vma_base(v) <= base && base < vma_end(v))
            first = v;
        v = n;
    }
    return first;
}

static vma_t *prev_vma(const vma_t *vma)
{
    return vma_of(bbtree_prev(&vma->node));
}

/* The hole at or right after `hint` if `length` fits there at a multiple
 * of `align`: the lowest fit at or above hint, found without searching
 * the tree.  Sets *prev to the VMA before it (NULL: unknown). */
static bool hole_at_hint(mspace_t *ms, uintptr_t hint, size_t length,
                         size_t align, uintptr_t *base, vma_t **prev)
{
    vma_t *v = first_after(ms, hint);
    uintptr_t start = hint, mask = (uintptr_t)align - 1;
    *prev = NULL;
    if (v && vma_base(v) <= hint) {
        start = vma_end(v);
        *prev = v;
        v = vma_next(v);
    } else if (v) {
        *prev = prev_vma(v);
    }
    uintptr_t end = v ? vma_base(v) : ms->upper_bound;
    if (start > UINTPTR_MAX - mask)
        return false;
    start = (start + mask) & ~mask;
    if (start > end || end - start < length)
        return false;
    *base = start;
    return true;
}

/* A hole of `length` at a multiple of `align` at or after `hint`, else the
 * lowest one: true with *base (and *prev when known) set. */
static bool find_hole(mspace_t *ms, uintptr_t hint, size_t length,
                      size_t align, uintptr_t *base, vma_t **prev)
{
    uintptr_t lo = ms->lower_bound, hi = ms->upper_bound;
    if (hole_at_hint(ms, hint, length, align, base, prev))
        return true;
    *prev = NULL;
    if (bbtree_find_gap(&ms->tree, lo, hi, hint, length, align, base))
        return true;
    return hint > lo &&
           bbtree_find_gap(&ms->tree, lo, hi, lo, length, align, base);
}

/* True when a mapping of `length` bytes of `flags` (`ino` at `offset`)
 * without an address is better placed at a superpage boundary, so that
 * all of it can be superpages (mm/huge.c): large anonymous memory, and a
 * large shared mapping of a file without data at an aligned offset, each
 * while its policy gives superpages at all. */
static bool prefers_huge(const mspace_t *ms, size_t length,
                         const struct inode *ino, uint64_t offset, int flags)
{
    if (ms->kernel || length < MMU_LARGE_SIZE)
        return false;
    if (flags & (VMA_ANON | VMA_HEAP))
        return mm_huge_policy() != MM_HUGE_NEVER;
    return (flags & VMA_FILE) && (flags & VMA_SHARED) && ino && !ino->data &&
           !(offset & (MMU_LARGE_SIZE - 1)) &&
           mm_shmem_huge_policy() != MM_SHMEM_HUGE_NEVER;
}

/* Where a new mapping of `length` goes, at a multiple of `align` (a power
 * of two, at least a page), at a superpage boundary first when `huge`
 * and such a hole exists; *prev: the VMA before it, NULL if unknown.
 * 0 or -EINVAL/-EEXIST/-ENOMEM. */
static int map_place(mspace_t *ms, uintptr_t address, size_t length,
                     size_t align, int flags, bool huge, uintptr_t *base,
                     vma_t **prev)
{
    uintptr_t lo = ms->lower_bound, hi = ms->upper_bound;
    *prev = NULL;
    if (flags & VMA_FIXED) { /* aligned: checked by mspace_map_aligned */
        if (address < lo || address > hi - length)
            return -EINVAL;
        vma_t *v = first_after(ms, address);
        if (v && vma_base(v) < address + length)
            return -EEXIST;
        *prev = v ? prev_vma(v) : NULL;
        *base = address;
        return 0;
    }
    uintptr_t hint = address >= lo && address < hi ? address : lo;
    if (align < MMU_LARGE_SIZE && huge &&
        find_hole(ms, hint, length, MMU_LARGE_SIZE, base, prev))
        return 0;
    return find_hole(ms, hint, length, align, base, prev) ? 0 : -ENOMEM;
}

/* Unmaps the just-inserted `vma` again (a failed populate). */
static void map_undo(mspace_t *ms, vma_t *vma, size_t charge)
{
    if (vma_release_pages(ms, vma, vma_base(vma), vma_end(vma)))
        mmu_flush(ms->directory, vma_base(vma), vma->length);
    vma_account(ms, vma->flags, vma->length, false);
    mm_uncommit(charge);
    ms->committed -= charge;
    vma_remove(ms, vma);
}

/* Fills the page cache a file VMA's faults can ask for beyond what the
 * file has charged (mm/commit.c): the whole range of a shared writable
 * mapping; a private or never-writable one up to its limit and the end of
 * the file's data (past them it reads zeros).  0 or -ENOMEM. */
static int map_prepare_cache(const vma_t *vma)
{
    uint64_t from = vma->offset, to = vma->offset + vma->length;
    bool shared = vma->flags & VMA_SHARED;
    if (!shared) {
        uint64_t lim = (vma->file_end + PAGE_MASK) & ~(uint64_t)PAGE_MASK;
        if (vma->file_end > UINT64_MAX - PAGE_MASK)
            lim = UINT64_MAX;
        if (lim < to)
            to = lim;
    }
    /* past the data: zeros, not cache (fault.c), unless shared writable */
    if (vma->ino->data && (!shared || !(vma->flags & VMA_MAXWRITE))) {
        uint64_t end = (vma->ino->size + PAGE_MASK) & ~(uint64_t)PAGE_MASK;
        to = end < to ? end : to;
    }
    return from < to ? inode_prepare(vma->ino, from, to) : 0;
}

/* True when a mapping of `flags` (request flags included) can have pages in
 * the page tables, so needs its page-table spans charged: it has rights,
 * or is populated now.  A PROT_NONE reservation charges none until
 * mprotect gives it rights. */
static bool maps_pages(int flags)
{
    return (flags & (VMA_RIGHTS | VMA_RESOLVE)) || vma_shared_anon(flags);
}

/* Populates every page of `vma` (VMA_RESOLVE, shared anonymous memory),
 * except the guard page of a stack. */
static int map_populate(mspace_t *ms, vma_t *vma)
{
    uintptr_t first =
        vma_base(vma) + ((vma->flags & VMA_STACK) ? PAGE_SIZE : 0);
    for (uintptr_t va = first; va < vma_end(vma); va += PAGE_SIZE) {
        int rc = vma_fault_in(ms, vma, va, vma->flags & VMA_WRITE);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* Places, charges, inserts (and populates) `vma`; consumes it on failure. */
static int map_locked(mspace_t *ms, vma_t *vma, uintptr_t address,
                      size_t length, size_t align, struct inode *ino,
                      uint64_t offset, uint64_t limit, int flags,
                      uintptr_t *base)
{
    vma_t *prev;
    int rc = map_place(ms, address, length, align, flags,
                       prefers_huge(ms, length, ino, offset, flags), base,
                       &prev);
    size_t charge = 0;
    if (rc == 0)
        rc = mspace_limit_map(ms, flags, length);
    if (rc == 0) {
        vma->node.key = *base;
        vma->node.size = vma->length = length;
        vma->ino = ino;
        vma->offset = offset;
        vma->file_end =
            (flags & VMA_FILE) ? (limit ? offset + limit : UINT64_MAX) : 0;
        vma->flags = flags & ~VMA_REQUEST;
        charge = vma_commit_pages(vma, vma->flags, *base, *base + length);
        if (ino)
            rc = map_prepare_cache(vma);
    }
    if (rc == 0 && maps_pages(flags))
        rc = mm_commit_range(ms, *base, *base + length, charge);
    else if (rc == 0)
        rc = mm_commit(charge);
    if (rc < 0) {
        mm_free(vma);
        return rc;
    }
    ms->committed += charge;
    if (ino)
        inode_open(ino);
    bbtree_insert_after(&ms->tree, prev ? &prev->node : NULL, &vma->node);
    vma_account(ms, vma->flags, length, true);
    if ((flags & VMA_RESOLVE) || vma_shared_anon(flags)) {
        if (map_populate(ms, vma) < 0) {
            map_undo(ms, vma, charge);
            return -ENOMEM;
        }
    }
    ms->hint = merge_range(ms, vma, *base + length);
    return 0;
}

void *mspace_map_aligned(mspace_t *mspace, uintptr_t address, size_t length,
                         size_t align, struct inode *ino, uint64_t offset,
                         uint64_t limit, int flags)
{
    size_t window = mspace->upper_bound - mspace->lower_bound;
    if (length == 0 || (align & (align - 1)))
        return MSPACE_ERR(EINVAL);
    if (length > window)
        return MSPACE_ERR(ENOMEM);
    if (align < PAGE_SIZE)
        align = PAGE_SIZE;
    length = (length + PAGE_MASK) & ~PAGE_MASK;
    if (address & (align - 1)) {
        if (flags & VMA_FIXED)
            return MSPACE_ERR(EINVAL);
        address &= ~(uintptr_t)PAGE_MASK; /* a hint: map_place rounds up */
    }
    if (limit && offset + limit < offset)
        return MSPACE_ERR(EINVAL);
    int f = map_flags(length, ino, offset, limit, flags);
    if (f < 0)
        return MSPACE_ERR(-f);
    if (mspace->kernel)
        f |= VMA_NOMERGE; /* each kmap stays one VMA: freeing it never splits */
    vma_t *vma = vma_new();
    if (!vma)
        return MSPACE_ERR(ENOMEM);
    uintptr_t base = 0;
    splock_lock(&mspace->lock);
    int rc = map_locked(mspace, vma, address, length, align, ino, offset,
                        limit, f, &base);
    splock_unlock(&mspace->lock);
    if (rc < 0)
        return MSPACE_ERR(-rc);
    return (void *)base;
}

void *mspace_map(mspace_t *mspace, uintptr_t address, size_t length,
                 struct inode *ino, uint64_t offset, uint64_t limit, int flags)
{
    return mspace_map_aligned(mspace, address, length, PAGE_SIZE, ino, offset,
                              limit, flags);
}

/* Unmaps [s, e), inside `v`; `spare` is consumed by a middle cut.
 * Returns true when a present page was dropped. */
static bool unmap_part(mspace_t *ms, vma_t *v, uintptr_t s, uintptr_t e,
                       vma_t **spare)
{
    size_t charge = vma_commit_pages(v, v->flags, s, e);
    bool present = vma_release_pages(ms, v, s, e) > 0;
    vma_account(ms, v->flags, e - s, false);
    mm_uncommit(charge);
    ms->committed -= charge;
    vma_cut(ms, v, s, e, spare);
    return present;
}

/* Frees the page tables of the 2 MiB spans inside [start, end), which an
 * unmap emptied, so that they may take superpages again (as Linux frees
 * the tables of an unmapped range); the reserve keeps their charge. */
static void free_tables(mspace_t *ms, uintptr_t start, uintptr_t end)
{
    uintptr_t s = (start + MMU_LARGE_SIZE - 1) & ~(uintptr_t)(MMU_LARGE_SIZE - 1);
    for (; !ms->kernel && s >= start && end - s >= MMU_LARGE_SIZE && s < end;
         s += MMU_LARGE_SIZE)
        mmu_free_table(ms->directory, s);
}

int mspace_unmap(mspace_t *mspace, uintptr_t address, size_t length)
{
    if (!mm_range_ok(address, &length) ||
        !mspace_window_ok(mspace, address, length))
        return -EINVAL;
    uintptr_t end = address + length;
    splock_lock(&mspace->lock);
    vma_t *v = first_after(mspace, address), *spare = NULL;
    if ((v && vma_base(v) < address && vma_end(v) > end &&
         !(spare = vma_new())) ||
        mm_demote_range(mspace, address, end, false) < 0) {
        splock_unlock(&mspace->lock);
        mm_free(spare);
        return -ENOMEM;
    }
    bool flush = false;
    while (v && vma_base(v) < end) {
        vma_t *n = vma_next(v);
        uintptr_t s = vma_base(v) > address ? vma_base(v) : address;
        uintptr_t e = vma_end(v) < end ? vma_end(v) : end;
        flush |= unmap_part(mspace, v, s, e, &spare);
        v = n;
    }
    if (flush)
        mmu_flush(mspace->directory, address, length);
    free_tables(mspace, address, end);
    splock_unlock(&mspace->lock);
    assert(!spare);
    return 0;
}

/* Gives `vma` the rights `rights` and updates its present pages; returns
 * true when a page table entry changed (the caller flushes). */
static bool set_rights(mspace_t *ms, vma_t *vma, int rights)
{
    bool changed = false;
    ms->data_pages -= vma_data_pages(vma->flags, vma->length);
    vma->flags = protected_flags(ms, vma, vma_base(vma), vma_end(vma), rights);
    ms->data_pages += vma_data_pages(vma->flags, vma->length);
    if (!ms->phys_pg_count)
        return false;
    uintptr_t va = vma_base(vma), end = vma_end(vma);
    for (; (va = mmu_next_mapped(ms->directory, va, end)) < end;
         va += PAGE_SIZE) {
        phys_addr_t pa;
        int now = mmu_query(ms->directory, va, &pa);
        int want = vma_pte_flags(ms, vma, pa);
        if ((now & ~(MMU_PRESENT | MMU_ACCESSED | MMU_DIRTY)) != want) {
            mmu_protect(ms->directory, va, want);
            changed = true;
        }
    }
    return changed;
}

/* Validates a protect: [address, end) fully covered by live VMAs whose
 * maximum rights allow `rights`.  Stores the commit delta and the splits
 * needed.  0, -ENOMEM (hole) or -EACCES. */
static int protect_check(mspace_t *ms, uintptr_t address, uintptr_t end,
                         int rights, long *delta, int *splits)
{
    uintptr_t cursor = address;
    *delta = 0;
    *splits = 0;
    for (vma_t *v = first_after(ms, address); cursor < end; v = vma_next(v)) {
        if (!v || vma_base(v) > cursor || (v->flags & VMA_DEAD))
            return -ENOMEM;
        if (rights & ~((v->flags & VMA_MAXRIGHTS) >> VMA_MAX_SHIFT))
            return -EACCES;
        uintptr_t s = vma_base(v) > address ? vma_base(v) : address;
        uintptr_t e = vma_end(v) < end ? vma_end(v) : end;
        int now = (v->flags & VMA_RIGHTS) == rights
                      ? v->flags /* unchanged (not even split) */
                      : protected_flags(ms, v, s, e, rights);
        *delta += (long)vma_commit_pages(v, now, s, e) -
                  (long)vma_commit_pages(v, v->flags, s, e);
        if ((v->flags & VMA_RIGHTS) != rights)
            *splits += (vma_base(v) < address) + (vma_end(v) > end);
        cursor = vma_end(v);
    }
    return 0;
}

/* Demotes the superpages of the VMAs in [address, end) whose rights
 * change (their pages get new rights one by one).  0 or -ENOMEM. */
static int protect_demote(mspace_t *ms, uintptr_t address, uintptr_t end,
                          int rights)
{
    for (vma_t *v = first_after(ms, address); ms->huge_count && v &&
                                              vma_base(v) < end;
         v = vma_next(v)) {
        uintptr_t s = vma_base(v) > address ? vma_base(v) : address;
        uintptr_t e = vma_end(v) < end ? vma_end(v) : end;
        int rc = (v->flags & VMA_RIGHTS) == rights
                     ? 0
                     : mm_demote_range(ms, s, e, true);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int mspace_protect(mspace_t *mspace, uintptr_t address, size_t length,
                   int rights)
{
    if (!mm_range_ok(address, &length) || (rights & ~VMA_RIGHTS))
        return -EINVAL;
    if (!mspace_window_ok(mspace, address, length))
        return -ENOMEM;
    uintptr_t end = address + length;
    int rc;
    vma_t *spare[2] = {NULL, NULL};
    long delta;
    int splits;
    splock_lock(&mspace->lock);
    rc = protect_check(mspace, address, end, rights, &delta, &splits);
    if (rc == 0)
        rc = mspace_limit_protect(mspace, address, end, rights);
    for (int i = 0; rc == 0 && i < splits; i++)
        if (!(spare[i] = vma_new()))
            rc = -ENOMEM;
    if (rc == 0)
        rc = protect_demote(mspace, address, end, rights);
    size_t charge = delta > 0 ? (size_t)delta : 0;
    if (rc == 0 && rights) /* rights: pages may come, with their tables */
        rc = mm_commit_range(mspace, address, end, charge);
    else if (rc == 0)
        rc = mm_commit(charge);
    if (rc < 0) {
        mm_free(spare[0]);
        mm_free(spare[1]);
        splock_unlock(&mspace->lock);
        return rc;
    }
    bool flush = false;
    int used = 0;
    for (vma_t *v = first_after(mspace, address); v && vma_base(v) < end;) {
        vma_t *n = vma_next(v);
        if ((v->flags & VMA_RIGHTS) != rights) {
            if (vma_base(v) < address) {
                vma_split(mspace, v, address, spare[used]);
                v = spare[used++];
            }
            if (vma_end(v) > end)
                vma_split(mspace, v, end, spare[used++]);
            flush |= set_rights(mspace, v, rights);
        }
        v = n;
    }
    assert(used == splits);
    if (delta < 0)
        mm_uncommit((size_t)-delta);
    mspace->committed += delta;
    if (flush)
        mmu_flush(mspace->directory, address, length);
    merge_range(mspace, first_after(mspace, address), end);
    mm_promote_range(mspace, address, end); /* rights uniform again */
    splock_unlock(&mspace->lock);
    return 0;
}

/* True when [address, end) is covered by live VMAs. */
static bool range_covered(mspace_t *ms, uintptr_t address, uintptr_t end)
{
    uintptr_t cursor = address;
    for (vma_t *v = first_after(ms, address); cursor < end; v = vma_next(v)) {
        if (!v || vma_base(v) > cursor || (v->flags & VMA_DEAD))
            return false;
        cursor = vma_end(v);
    }
    return true;
}

/* The walk of madvise-like calls (discard, punch), lock held: `drop`
 * acts on the part [s, e) of each live VMA in [address, end) and says
 * whether it unmapped a page; one flush follows.  0, or -ENOMEM when the
 * range has a hole or a dead VMA (Linux: the mapped parts are acted on
 * all the same). */
static int advise_range(mspace_t *ms, uintptr_t address, uintptr_t end,
                        bool (*drop)(mspace_t *ms, vma_t *v, uintptr_t s,
                                     uintptr_t e))
{
    bool covered = range_covered(ms, address, end), flush = false;
    for (vma_t *v = first_after(ms, address); v && vma_base(v) < end;
         v = vma_next(v)) {
        if (v->flags & VMA_DEAD)
            continue; /* a hole until scavenged */
        uintptr_t s = vma_base(v) > address ? vma_base(v) : address;
        uintptr_t e = vma_end(v) < end ? vma_end(v) : end;
        flush |= drop(ms, v, s, e);
    }
    if (flush)
        mmu_flush(ms->directory, address, end - address);
    return covered ? 0 : -ENOMEM;
}

/* Drops the pages of [s, e) in `v` (discard); shared anonymous pages are
 * the only copy and stay.  True when a page was unmapped. */
static bool discard_vma(mspace_t *ms, vma_t *v, uintptr_t s, uintptr_t e)
{
    if (vma_shared_anon(v->flags))
        return false;
    return vma_release_pages(ms, v, s, e) > 0;
}

int mspace_discard(mspace_t *mspace, uintptr_t address, size_t length)
{
    if (!mm_range_ok(address, &length))
        return -EINVAL;
    splock_lock(&mspace->lock);
    int rc = mm_demote_range(mspace, address, address + length, false);
    if (rc == 0)
        rc = advise_range(mspace, address, address + length, discard_vma);
    splock_unlock(&mspace->lock);
    return rc;
}

/* Why `v` cannot have its backing punched, as Linux's MADV_REMOVE: no
 * file behind it -EINVAL; private, never writable, or a file with content
 * of its own (its bytes would come back) -EACCES; 0 if it can. */
static int punch_refused(const vma_t *v)
{
    int type = v->flags & VMA_TYPE;
    if (type == VMA_PHYS || type == VMA_STACK ||
        (!(v->flags & VMA_SHARED) && type != VMA_FILE))
        return -EINVAL;
    if (!(v->flags & VMA_SHARED) || !(v->flags & VMA_MAXWRITE) ||
        (type == VMA_FILE && v->ino->data))
        return -EACCES;
    return 0;
}

/* Punches [s, e) of the shared VMA `v`: a file's cached pages go (this
 * space's mappings first); shared anonymous frames are the only copy and
 * may be mapped by other spaces, so they are zeroed in place.  Returns
 * true when a page was unmapped (caller flushes). */
static bool punch_vma(mspace_t *ms, vma_t *v, uintptr_t s, uintptr_t e)
{
    if (v->flags & VMA_FILE) {
        uintptr_t us = s, ue = e; /* whole superpages go: no allocation */
        mm_huge_widen(ms, &us, &ue);
        bool unmapped = vma_release_pages(ms, v, us, ue) > 0;
        inode_punch(v->ino, v->offset + (s - vma_base(v)), e - s);
        return unmapped;
    }
    for (uintptr_t va = s; (va = mmu_next_mapped(ms->directory, va, e)) < e;
         va += PAGE_SIZE) {
        phys_addr_t pa;
        mmu_query(ms->directory, va, &pa);
        page_zero(pa);
    }
    return false;
}

int mspace_punch(mspace_t *mspace, uintptr_t address, size_t length)
{
    if (!mm_range_ok(address, &length))
        return -EINVAL;
    uintptr_t end = address + length;
    int rc;
    splock_lock(&mspace->lock);
    for (vma_t *v = first_after(mspace, address); v && vma_base(v) < end;
         v = vma_next(v))
        if (!(v->flags & VMA_DEAD) && (rc = punch_refused(v)) < 0) {
            splock_unlock(&mspace->lock);
            return rc;
        }
    rc = advise_range(mspace, address, end, punch_vma);
    splock_unlock(&mspace->lock);
    return rc;
}

void mspace_unmap_inode(mspace_t *mspace, const struct inode *ino,
                        uint64_t from)
{
    mspace_unmap_inode_range(mspace, ino, from, UINT64_MAX);
}

void mspace_unmap_inode_range(mspace_t *mspace, const struct inode *ino,
                              uint64_t from, uint64_t to)
{
    assert(!(from & PAGE_MASK) && (!(to & PAGE_MASK) || to == UINT64_MAX));
    uintptr_t lo = UINTPTR_MAX, hi = 0;
    splock_lock(&mspace->lock);
    for (vma_t *v = vma_first(mspace); v; v = vma_next(v)) {
        if (v->ino != ino || v->offset + v->length <= from || v->offset >= to)
            continue;
        uintptr_t s = vma_base(v), e = vma_end(v);
        if (from > v->offset)
            s += (uintptr_t)(from - v->offset);
        if (to - v->offset < v->length)
            e = vma_base(v) + (uintptr_t)(to - v->offset);
        mm_huge_widen(mspace, &s, &e); /* inside `v`, as its superpages */
        if (vma_release_pages(mspace, v, s, e)) {
            lo = s < lo ? s : lo;
            hi = e > hi ? e : hi;
        }
    }
    if (hi)
        mmu_flush(mspace->directory, lo, hi - lo);
    splock_unlock(&mspace->lock);
}

void mspace_unmap_pinned(mspace_t *mspace, const struct inode *ino)
{
    uintptr_t lo = UINTPTR_MAX, hi = 0;
    splock_lock(&mspace->lock);
    for (vma_t *v = vma_first(mspace); v; v = vma_next(v)) {
        if (v->ino != ino || (v->flags & VMA_DEAD))
            continue;
        mmu_dir_t *dir = mspace->directory;
        for (uintptr_t va = vma_base(v);
             (va = mmu_next_mapped(dir, va, vma_end(v))) < vma_end(v);
             va += PAGE_SIZE) {
            phys_addr_t pa = 0;
            mmu_query(dir, va, &pa);
            if (!page_is_pinned(pa))
                continue; /* a cached page or a private copy: it stays */
            int flags;
            mmu_unmap(dir, va, &flags);
            assert(!(flags & MMU_LARGE)); /* file pages are never huge */
            mspace->phys_pg_count--;
            lo = va < lo ? va : lo;
            hi = va + PAGE_SIZE > hi ? va + PAGE_SIZE : hi;
        }
    }
    if (hi)
        mmu_flush(mspace->directory, lo, hi - lo);
    splock_unlock(&mspace->lock);
}

vma_t *mspace_search_vma(mspace_t *mspace, uintptr_t address)
{
    assert(splock_held(&mspace->lock));
    vma_t *v = mspace->hint;
    if (!v || address < vma_base(v) || address >= vma_end(v))
        v = vma_of(bbtree_search(&mspace->tree, address));
    if (!v || (v->flags & VMA_DEAD))
        return NULL;
    mspace->hint = v;
    return v;
}

void mspace_sweep(mspace_t *mspace)
{
    splock_lock(&mspace->lock);
    for (vma_t *v = vma_first(mspace); v; v = vma_next(v))
        v->flags |= VMA_DEAD;
    mspace->hint = NULL;
    splock_unlock(&mspace->lock);
}

/* Unmaps and frees `v` whole; returns true when a page was present. */
static bool release_vma(mspace_t *ms, vma_t *v)
{
    return unmap_part(ms, v, vma_base(v), vma_end(v), NULL);
}

int mspace_scavenge(mspace_t *mspace)
{
    int reaped = 0;
    uintptr_t lo = UINTPTR_MAX, hi = 0;
    splock_lock(&mspace->lock);
    for (vma_t *v = vma_first(mspace), *n; v; v = n) {
        n = vma_next(v);
        if (!(v->flags & VMA_DEAD))
            continue;
        uintptr_t base = vma_base(v), end = vma_end(v);
        if (release_vma(mspace, v)) {
            lo = base < lo ? base : lo;
            hi = end > hi ? end : hi;
        }
        reaped++;
    }
    if (hi)
        mmu_flush(mspace->directory, lo, hi - lo);
    splock_unlock(&mspace->lock);
    return reaped;
}

/* Shares the parent's superpage at `va` (frame `pa`, entry `now`) with
 * `child`: one reference per frame, read-only on both sides when private.
 * 0 or -ENOMEM (nothing taken). */
static int clone_huge(mspace_t *parent, uintptr_t va, phys_addr_t pa, int now,
                      mspace_t *child, vma_t *cv, bool *downgraded)
{
    page_ref_range(pa, MMU_LARGE_PAGES);
    int flags = vma_pte_flags(child, cv, pa);
    if (mmu_map_large(child->directory, va, pa, flags) < 0) {
        page_unref_range(pa, MMU_LARGE_PAGES);
        return -ENOMEM;
    }
    child->phys_pg_count += MMU_LARGE_PAGES;
    mm_huge_account_vma(child, cv, 1);
    if ((now & MMU_WRITE) && !(flags & MMU_WRITE)) {
        mmu_protect(parent->directory, va, flags);
        *downgraded = true;
    }
    return 0;
}

/* Shares the present pages of parent VMA `pv` with `child` (copy `cv`):
 * private frames lose write access on both sides.  Returns 0 or -ENOMEM
 * (pages mapped so far stay accounted in the child); *downgraded is set
 * when a parent entry changed. */
static int clone_pages(mspace_t *parent, vma_t *pv, mspace_t *child, vma_t *cv,
                       bool *downgraded)
{
    uintptr_t va = vma_base(pv), end = vma_end(pv);
    for (; parent->phys_pg_count &&
           (va = mmu_next_mapped(parent->directory, va, end)) < end;
         va += PAGE_SIZE) {
        phys_addr_t pa;
        int now = mmu_query(parent->directory, va, &pa);
        if (now & MMU_LARGE) {
            if (clone_huge(parent, va, pa, now, child, cv, downgraded) < 0)
                return -ENOMEM;
            va += MMU_LARGE_SIZE - PAGE_SIZE;
            continue;
        }
        bool stack = pv->flags & VMA_STACK;
        if (stack && mm_commit(1) < 0)
            return -ENOMEM;
        if (!(pv->flags & VMA_PHYS))
            page_ref(pa);
        int flags = vma_pte_flags(child, cv, pa);
        if (mmu_map(child->directory, va, pa, flags) < 0) {
            if (!(pv->flags & VMA_PHYS))
                page_unref(pa);
            if (stack)
                mm_uncommit(1);
            return -ENOMEM;
        }
        child->phys_pg_count++;
        child->committed += stack;
        if ((now & MMU_WRITE) && !(flags & MMU_WRITE)) {
            mmu_protect(parent->directory, va, flags);
            *downgraded = true;
        }
    }
    return 0;
}

bool mspace_has_tables(mspace_t *ms, const vma_t *v)
{
    return maps_pages(v->flags) || has_pages(ms, vma_base(v), vma_end(v));
}

/* Copies the live VMAs of `parent` into the empty `child`. */
static int clone_locked(mspace_t *parent, mspace_t *child, bool *downgraded)
{
    vma_t *last = NULL; /* appended in order: no walk from the root */
    for (vma_t *v = vma_first(parent); v; v = vma_next(v)) {
        if (v->flags & VMA_DEAD)
            continue;
        vma_t *c = vma_new();
        size_t charge = vma_commit_pages(v, v->flags, vma_base(v), vma_end(v));
        int rc = !c ? -ENOMEM
                 : mspace_has_tables(parent, v)
                     ? mm_commit_range(child, vma_base(v), vma_end(v), charge)
                     : mm_commit(charge);
        if (rc < 0) {
            mm_free(c);
            return -ENOMEM;
        }
        *c = *v;
        if (c->ino)
            inode_open(c->ino);
        bbtree_insert_after(&child->tree, last ? &last->node : NULL, &c->node);
        last = c;
        vma_account(child, c->flags, c->length, true);
        child->committed += charge;
        if (clone_pages(parent, v, child, c, downgraded) < 0)
            return -ENOMEM;
    }
    return 0;
}

mspace_t *mspace_clone(mspace_t *mspace)
{
    assert(!mspace->kernel);
    mspace_t *child = mspace_create();
    if (!child)
        return NULL;
    bool downgraded = false;
    splock_lock(&mspace->lock);
    child->mmap_base = mspace->mmap_base; /* a copy keeps its layout */
    int rc = clone_locked(mspace, child, &downgraded);
    if (downgraded)
        mmu_flush(mspace->directory, mspace->lower_bound,
                  mspace->upper_bound - mspace->lower_bound);
    splock_unlock(&mspace->lock);
    if (rc < 0) {
        mspace_close(child);
        return NULL;
    }
    return child;
}

void mspace_open(mspace_t *mspace)
{
    long now = __atomic_add_fetch(&mspace->users, 1, __ATOMIC_RELAXED);
    assert(now > 1);
    (void)now;
}

void mspace_close(mspace_t *mspace)
{
    long left = __atomic_sub_fetch(&mspace->users, 1, __ATOMIC_ACQ_REL);
    assert(left >= 0);
    if (left > 0)
        return;
    bool flush = false;
    splock_lock(&mspace->lock);
    while (mspace->tree.root)
        flush |= release_vma(mspace, vma_of(mspace->tree.root));
    if (flush)
        mmu_flush(mspace->directory, mspace->lower_bound,
                  mspace->upper_bound - mspace->lower_bound);
    assert(!mspace->v_size && !mspace->phys_pg_count && !mspace->committed &&
           !mspace->huge_count);
    splock_unlock(&mspace->lock);
    if (!mspace->kernel) {
        mmu_dir_destroy(mspace->directory);
        mm_tables_release(mspace);
    }
    mm_free(mspace);
}

vma_t *mspace_first_after(const mspace_t *ms, uintptr_t address)
{
    return first_after(ms, address);
}

int mspace_place(mspace_t *ms, uintptr_t address, size_t length, int flags,
                 uintptr_t *base, vma_t **prev)
{
    return map_place(ms, address, length, PAGE_SIZE, flags,
                     prefers_huge(ms, length, NULL, 0, flags), base, prev);
}

vma_t *mspace_merge(mspace_t *ms, vma_t *first, uintptr_t end)
{
    return merge_range(ms, first, end);
}

bool mspace_unmap_part(mspace_t *ms, vma_t *v, uintptr_t s, uintptr_t e,
                       vma_t **spare)
{
    return unmap_part(ms, v, s, e, spare);
}

int mspace_prepare_cache(const vma_t *vma)
{
    return map_prepare_cache(vma);
}

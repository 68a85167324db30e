/*
 * mm/fault.c - demand paging: the machine-independent page-fault entry.
 * The port's #PF handler calls mspace_resolve(); a non-OK answer kills the
 * task (user) or panics (kernel), with mm_fault_name() in the report.
 * Frames are zeroed and copied through the direct map (page_zero/copy).
 */
#include <errno.h>
#include <string.h>

#include "mm/inode.h"
#include "mm/internal.h"
#include "mm/page.h"

static phys_addr_t zero_pa; /* (a) the shared zero frame, set once */

phys_addr_t mm_zero_page(void)
{
    phys_addr_t pa = __atomic_load_n(&zero_pa, __ATOMIC_ACQUIRE);
    if (pa)
        return pa;
    pa = page_new();
    if (!pa)
        return 0;
    page_zero(pa);
    phys_addr_t expected = 0;
    if (!__atomic_compare_exchange_n(&zero_pa, &expected, pa, false,
                                     __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        page_release(pa); /* another CPU won the race */
        return expected;
    }
    return pa;
}

bool mm_is_zero_page(phys_addr_t pa)
{
    return pa == __atomic_load_n(&zero_pa, __ATOMIC_ACQUIRE);
}

/* Maps frame `pa` (one reference given to the mapping) at `va`; drops the
 * reference on failure.  Counts the page. */
static int map_new(mspace_t *ms, vma_t *vma, uintptr_t va, phys_addr_t pa)
{
    int rc = mmu_map(ms->directory, va, pa, vma_pte_flags(ms, vma, pa));
    if (rc < 0) {
        if (!(vma->flags & VMA_PHYS))
            page_unref(pa);
        return rc;
    }
    ms->phys_pg_count++;
    return 0;
}

/* A private frame filled with zeros, or 0. */
static phys_addr_t zero_frame(void)
{
    phys_addr_t pa = page_new_user();
    if (pa)
        page_zero(pa);
    return pa;
}

/* A private copy of the file page at `fo` with the bytes past `file_end`
 * zeroed, or 0. */
static phys_addr_t file_copy(vma_t *vma, uint64_t fo)
{
    phys_addr_t cached = inode_page(vma->ino, fo);
    if (!cached)
        return 0;
    phys_addr_t pa = page_new_user();
    if (pa) {
        page_copy(pa, cached);
        if (vma->file_end - fo < PAGE_SIZE)
            memset((char *)mmu_kaddr(pa) + (vma->file_end - fo), 0,
                   PAGE_SIZE - (size_t)(vma->file_end - fo));
    }
    page_unref(cached);
    return pa;
}

/* The shared zero page with a reference for a mapping, or 0. */
static phys_addr_t mm_zero_page_ref(void)
{
    phys_addr_t zero = mm_zero_page();
    if (zero)
        page_ref(zero);
    return zero;
}

/* The frame a first touch of `va` maps (a reference for the mapping), or 0.
 * A private page past the data of a file is anonymous memory: it reads as
 * zero and never grows the cache (which is charged only up to the data);
 * so does a shared view that can never be written (an image file's cache
 * lives as long as the file, longer than the task that mapped it). */
static phys_addr_t first_frame(vma_t *vma, uintptr_t va, bool write)
{
    if (vma->flags & VMA_PHYS)
        return (phys_addr_t)(vma->offset + (va - vma_base(vma)));
    if (vma->flags & VMA_FILE) {
        uint64_t fo = vma->offset + (va - vma_base(vma));
        bool past = inode_past_data(vma->ino, fo);
        if ((vma->flags & VMA_SHARED) && past && !(vma->flags & VMA_MAXWRITE))
            return mm_zero_page_ref(); /* the cache outlives the task */
        if (vma->flags & VMA_SHARED)
            return inode_page(vma->ino, fo);
        if (fo + PAGE_SIZE <= vma->file_end && !write && !past)
            return inode_page(vma->ino, fo);
        if (fo < vma->file_end && !past)
            return file_copy(vma, fo);
    }
    if (write || (vma->flags & (VMA_SHARED | VMA_STACK)))
        return zero_frame();
    return mm_zero_page_ref();
}

/* A write to the present private page `pa` at `va`: reuse it when this
 * space is its last owner, else copy it. */
static int fault_cow(mspace_t *ms, vma_t *vma, uintptr_t va, phys_addr_t pa)
{
    int flags = vma_mmu_flags(ms, vma);
    if (!mm_is_zero_page(pa) && page_refcount(pa) == 1) {
        mmu_protect(ms->directory, va, flags);
        mmu_flush(ms->directory, va, PAGE_SIZE);
        /* maybe the last page of a demoted block a fork shared */
        mm_promote_range(ms, va, va + PAGE_SIZE);
        return 0;
    }
    phys_addr_t copy = page_new_user();
    if (!copy)
        return -ENOMEM;
    if (mm_is_zero_page(pa))
        page_zero(copy);
    else
        page_copy(copy, pa);
    int rc = mmu_map(ms->directory, va, copy, flags);
    if (rc < 0) {
        page_release(copy);
        return rc;
    }
    mmu_flush(ms->directory, va, PAGE_SIZE);
    page_unref(pa);
    return 0;
}

int vma_fault_in(mspace_t *ms, vma_t *vma, uintptr_t va, bool write)
{
    phys_addr_t pa;
    int present = mmu_query(ms->directory, va, &pa);
    if (present & MMU_PRESENT) {
        if (!write || (present & MMU_WRITE) || !(vma->flags & VMA_COW))
            return 0;
        if (present & MMU_LARGE) {
            int rc = vma_huge_write(ms, vma, va, pa);
            if (rc <= 0)
                return rc;
        }
        return fault_cow(ms, vma, va, pa);
    }
    if (vma_fault_huge(ms, vma, va) ||
        ((vma->flags & VMA_FILE) && vma_fault_file_huge(ms, vma, va)))
        return 0;
    /* a stack page, and a shared anonymous frame, is charged as it comes */
    bool stack = vma->flags & VMA_STACK, shm = vma_shared_anon(vma->flags);
    if ((stack || shm) && mm_commit(1) < 0)
        return -ENOMEM;
    pa = first_frame(vma, va, write);
    int rc = pa ? map_new(ms, vma, va, pa) : -ENOMEM;
    if (stack || shm) {
        if (rc < 0)
            mm_uncommit(1);
        else if (stack)
            ms->committed++;
        else
            mm_shmem_add(1);
    }
    return rc;
}

/* Pages a read fault of a file mapping maps at once, at most: an aligned
 * window around the fault (64 KiB), inside the VMA. */
#define FAULT_AROUND_PAGES 16

/* Maps the pages around `va` (just resolved by a read of the file VMA
 * `vma`) that are absent here and already in the page cache, so that the
 * next reads of a file take no fault.  A private mapping gets only whole
 * file pages (below file_end), read-only since the cache shares the frame.
 * Never fills the cache, never allocates a frame; stops at the first
 * mapping failure (the fault itself is resolved). */
static void fault_around(mspace_t *ms, vma_t *vma, uintptr_t va)
{
    const size_t window = FAULT_AROUND_PAGES * PAGE_SIZE;
    uintptr_t lo = va & ~(uintptr_t)(window - 1), hi = lo + window;
    if (lo < vma_base(vma))
        lo = vma_base(vma);
    if (hi > vma_end(vma) || hi < lo)
        hi = vma_end(vma);
    size_t count = (hi - lo) / PAGE_SIZE;
    phys_addr_t pa[FAULT_AROUND_PAGES];
    uint64_t fo = vma->offset + (lo - vma_base(vma));
    if (!inode_pages_cached(vma->ino, fo, count, pa))
        return;
    bool failed = false;
    for (size_t i = 0; i < count; i++, fo += PAGE_SIZE) {
        uintptr_t a = lo + i * PAGE_SIZE;
        bool partial = fo >= vma->file_end || vma->file_end - fo < PAGE_SIZE;
        if (!pa[i])
            continue;
        if (failed || a == va || (partial && !(vma->flags & VMA_SHARED)) ||
            (mmu_query(ms->directory, a, NULL) & MMU_PRESENT))
            page_unref(pa[i]);
        else
            failed = map_new(ms, vma, a, pa[i]) < 0; /* dropped pa[i] */
    }
}

/* Why `reason` at `address` may not touch `vma` (MM_FAULT_OK if it may). */
static mm_fault_t check_access(const vma_t *vma, uintptr_t address, int reason)
{
    if (!vma)
        return MM_FAULT_NO_VMA;
    if ((vma->flags & VMA_STACK) && address - vma_base(vma) < PAGE_SIZE)
        return MM_FAULT_STACK_GUARD;
    if ((reason & FAULT_WRITE) && !(vma->flags & VMA_WRITE))
        return MM_FAULT_WRITE_RO;
    if ((reason & FAULT_EXEC) && !(vma->flags & VMA_EXEC))
        return MM_FAULT_EXEC_NX;
    if ((reason & FAULT_READ) && !(vma_access_rights(vma->flags) & VMA_READ))
        return MM_FAULT_READ_NONE;
    return MM_FAULT_OK;
}

mm_fault_t mspace_resolve(mspace_t *mspace, uintptr_t address, int reason)
{
    if ((reason & FAULT_USER) && ((intptr_t)address < 0 || mspace->kernel))
        return MM_FAULT_KERNEL_ADDR;
    splock_lock(&mspace->lock);
    vma_t *vma = mspace_search_vma(mspace, address);
    mm_fault_t fault = check_access(vma, address, reason);
    uintptr_t va = address & ~(uintptr_t)PAGE_MASK;
    if (fault == MM_FAULT_OK && !mspace_limit_stack(mspace, vma, va))
        fault = MM_FAULT_STACK_OVERFLOW; /* RLIMIT_STACK */
    if (fault == MM_FAULT_OK &&
        vma_fault_in(mspace, vma, va, reason & FAULT_WRITE) < 0)
        fault =
            (vma->flags & VMA_STACK) ? MM_FAULT_STACK_OVERFLOW : MM_FAULT_NOMEM;
    if (fault == MM_FAULT_OK && (vma->flags & VMA_FILE) &&
        !(reason & FAULT_WRITE))
        fault_around(mspace, vma, va);
    mspace->faults += fault == MM_FAULT_OK;
    splock_unlock(&mspace->lock);
    return fault;
}

const char *mm_fault_name(mm_fault_t fault)
{
    static const char *const names[] = {
        [MM_FAULT_OK] = "resolved",
        [MM_FAULT_NO_VMA] = "no vma",
        [MM_FAULT_WRITE_RO] = "write to read-only",
        [MM_FAULT_EXEC_NX] = "exec of non-exec",
        [MM_FAULT_READ_NONE] = "read of no-access",
        [MM_FAULT_KERNEL_ADDR] = "kernel address",
        [MM_FAULT_STACK_GUARD] = "stack guard",
        [MM_FAULT_STACK_OVERFLOW] = "stack overflow",
        [MM_FAULT_NOMEM] = "out of memory",
    };
    return (unsigned)fault < sizeof(names) / sizeof(names[0]) ? names[fault]
                                                              : "?";
}

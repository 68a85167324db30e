/*
 * mm/huge.c - superpages for user memory: 2 MiB of anonymous memory mapped
 * by one translation (arch/mmu.h mmu_map_large), the policy that picks
 * them, demotion back to 4 KiB pages, and promotion to 2 MiB again.
 *
 * The choice: three ways in, no scanner.
 *   1. First touch: a superpage is allocated at the first touch of its
 *      aligned 2 MiB (read or write) when that range lies inside one
 *      anonymous, writable, committed VMA the policy allows and has never
 *      had a page table (mmu_large_free: as Linux's empty-PMD rule, so an
 *      allocator that discards and touches again does not zero 2 MiB per
 *      page it reuses).  The memory of such a VMA is committed already, so
 *      taking the block up front breaks no promise, and it saves the 511
 *      faults a later promotion would first take; the price is zeroing 2
 *      MiB at the first touch and memory for pages never touched
 *      (MADV_NOHUGEPAGE and the `never` policy are the way out).
 *   2. In-place promotion (FreeBSD's reservations, Navarro et al., OSDI
 *      2002): the frames of a superpage are 512 ordinary ones that happen
 *      to be one aligned buddy block, each with its own reference count,
 *      so demotion (mmu_split) is only a new table under the same frames,
 *      and a span whose table again maps exactly that block, in order,
 *      all present and each frame this space's alone (not shared with a
 *      fork), is one large entry again by mmu_promote: no copy, no
 *      allocation, the table freed.  Checked where such a span can arise:
 *      mprotect that made its rights uniform again (after the VMA merge),
 *      madvise(MADV_HUGEPAGE), and a COW write that found its frame
 *      exclusive (the fork's other side is gone).  The check is 512
 *      lookups at most and stops at the first page that is not the block.
 *   3. MADV_COLLAPSE (Linux 6.1), explicit and synchronous: a span mapped
 *      by 4 KiB pages that are not one block is copied into a new block
 *      (absent pages zero, already charged in a committed VMA), whatever
 *      the policy, as Linux; in place when they are one block.
 * No background scanner (Linux's khugepaged): it would copy memory nobody
 * asked about on a timer, on a kernel with one CPU and no idle work to
 * hide it behind; first touch covers fresh memory, in-place promotion the
 * demotions that undo themselves, and a program that knows better asks.
 * Accounting counts 512 pages either way (phys_pg_count, commit, shmem);
 * only huge_count (AnonHugePages) moves, and a copy frees what it copied.
 *
 * Invariant: a superpage lies inside one live VMA that vma_huge_eligible
 * allows; every operation that could cut one (munmap, mprotect, mremap,
 * madvise, a VMA split) demotes what it touches first, in its allocation
 * phase, since demotion needs a table page and may fail (-ENOMEM, nothing
 * lost: a demoted superpage maps exactly what it did).  fork shares a
 * private superpage read-only on both sides; the first write demotes it
 * in the writer (then the usual page COW), unless the writer owns every
 * frame.
 *
 * Shared file superpages (shmem THP): a MAP_SHARED fault of a file VMA
 * whose aligned 2 MiB span lies inside it, maps a file range aligned to 2
 * MiB and has never had a table maps the range with one large entry when
 * the page cache holds it as one whole block (mm/inode.c: made there by
 * the shmem policy, at the first page cached), 512 references taken as
 * for anonymous memory.  Each space that maps the range so has its own
 * entry; fork shares it (no COW: the frames are the file's).  Demotion is
 * the anonymous one (mmu_split: the same frames under a table); a
 * truncation or punch removes whole entries instead (mm_huge_widen: it
 * may not allocate), the next touch mapping 4 KiB pages of what is left.
 * MAP_PRIVATE file mappings stay 4 KiB: their COW would copy anyway.
 * No promotion back: a demoted file span stays 4 KiB until unmapped.
 * ms->huge_count counts both kinds; the global figures are apart
 * (AnonHugePages, ShmemPmdMapped).
 */
#include <assert.h>
#include <errno.h>

#include "mm/inode.h"
#include "mm/internal.h"
#include "mm/page.h"

#define HUGE_MASK ((uintptr_t)MMU_LARGE_SIZE - 1)

static enum mm_huge_policy policy = MM_HUGE_NEVER;
static size_t huge_mapped; /* (a) anonymous superpages mapped */
static size_t file_huge_mapped; /* (a) shared file superpages mapped */

void mm_set_huge_policy(enum mm_huge_policy p)
{
    policy = p;
}

enum mm_huge_policy mm_huge_policy(void)
{
    return policy;
}

size_t mm_huge_mapped(void)
{
    return __atomic_load_n(&huge_mapped, __ATOMIC_RELAXED);
}

size_t mm_shmem_pmd_mapped(void)
{
    return __atomic_load_n(&file_huge_mapped, __ATOMIC_RELAXED);
}

void mm_huge_account(mspace_t *ms, long delta)
{
    ms->huge_count += (size_t)delta;
    __atomic_add_fetch(&huge_mapped, (size_t)delta, __ATOMIC_RELAXED);
}

void mm_huge_account_vma(mspace_t *ms, const vma_t *vma, long delta)
{
    if (!(vma->flags & VMA_FILE)) {
        mm_huge_account(ms, delta);
        return;
    }
    ms->huge_count += (size_t)delta;
    __atomic_add_fetch(&file_huge_mapped, (size_t)delta, __ATOMIC_RELAXED);
}

bool vma_fault_file_huge(mspace_t *ms, vma_t *vma, uintptr_t va)
{
    uintptr_t base = va & ~HUGE_MASK, end = base + MMU_LARGE_SIZE;
    int f = vma->flags;
    if (ms->kernel || (f & (VMA_FILE | VMA_SHARED)) != (VMA_FILE | VMA_SHARED) ||
        (f & (VMA_NOHUGE | VMA_DEAD | VMA_UNCACHED)) || vma->ino->data ||
        base < vma_base(vma) || end > vma_end(vma))
        return false;
    uint64_t fo = vma->offset + (base - vma_base(vma));
    if ((fo & HUGE_MASK) || !mmu_large_free(ms->directory, base))
        return false;
    phys_addr_t pa = inode_block(vma->ino, fo, f & VMA_HUGE);
    if (!pa)
        return false;
    if (mmu_map_large(ms->directory, base, pa, vma_mmu_flags(ms, vma)) < 0) {
        page_unref_range(pa, MMU_LARGE_PAGES);
        return false;
    }
    ms->phys_pg_count += MMU_LARGE_PAGES;
    mm_huge_account_vma(ms, vma, 1);
    return true;
}

bool vma_huge_eligible(const mspace_t *ms, const vma_t *vma)
{
    int f = vma->flags;
    if (ms->kernel || !(f & (VMA_ANON | VMA_HEAP)) || !(f & VMA_WRITE) ||
        (f & (VMA_NOHUGE | VMA_DEAD)))
        return false;
    return (f & VMA_CHARGED) || vma_shared_anon(f); /* committed ahead */
}

bool vma_huge_ok(const mspace_t *ms, const vma_t *vma)
{
    return vma_huge_eligible(ms, vma) &&
           (policy == MM_HUGE_ALWAYS ||
            (policy == MM_HUGE_MADVISE && (vma->flags & VMA_HUGE)));
}

bool vma_fault_huge(mspace_t *ms, vma_t *vma, uintptr_t va)
{
    uintptr_t base = va & ~HUGE_MASK, end = base + MMU_LARGE_SIZE;
    if (!vma_huge_ok(ms, vma) || base < vma_base(vma) || end > vma_end(vma) ||
        !mmu_large_free(ms->directory, base))
        return false; /* a range that had pages stays small, as on Linux */
    bool shm = vma_shared_anon(vma->flags); /* charged as populated */
    if (shm && mm_commit(MMU_LARGE_PAGES) < 0)
        return false;
    phys_addr_t pa = page_new_huge();
    if (pa && (pa & HUGE_MASK)) { /* a buddy block is aligned: never */
        for (size_t i = 0; i < MMU_LARGE_PAGES; i++)
            page_release(pa + i * PAGE_SIZE);
        pa = 0;
    }
    if (pa) {
        for (size_t i = 0; i < MMU_LARGE_PAGES; i++)
            page_zero(pa + i * PAGE_SIZE);
        if (mmu_map_large(ms->directory, base, pa, vma_mmu_flags(ms, vma)) <
            0) {
            for (size_t i = 0; i < MMU_LARGE_PAGES; i++)
                page_release(pa + i * PAGE_SIZE);
            pa = 0;
        }
    }
    if (!pa) {
        if (shm)
            mm_uncommit(MMU_LARGE_PAGES);
        return false;
    }
    ms->phys_pg_count += MMU_LARGE_PAGES;
    mm_huge_account(ms, 1);
    if (shm)
        mm_shmem_add(MMU_LARGE_PAGES);
    return true;
}

int vma_huge_write(mspace_t *ms, vma_t *vma, uintptr_t va, phys_addr_t pa)
{
    uintptr_t base = va & ~HUGE_MASK;
    phys_addr_t first = pa - (va - base);
    bool alone = true;
    for (size_t i = 0; alone && i < MMU_LARGE_PAGES; i++)
        alone = page_refcount(first + i * PAGE_SIZE) == 1;
    if (alone) { /* the other side of a fork is gone: write in place */
        mmu_protect(ms->directory, base, vma_mmu_flags(ms, vma));
        mmu_flush(ms->directory, base, PAGE_SIZE);
        return 0;
    }
    int rc = mmu_split(ms->directory, base);
    if (rc < 0)
        return rc;
    mm_huge_account(ms, -1);
    return 1;
}

/* Demotes the superpage at `base` (known to be one: it lies inside one
 * VMA, dead or not). */
static int demote(mspace_t *ms, uintptr_t base)
{
    int rc = mmu_split(ms->directory, base);
    if (rc == 0) {
        vma_t *v = mspace_first_after(ms, base);
        assert(v && vma_base(v) <= base);
        mm_huge_account_vma(ms, v, -1);
    }
    return rc;
}

/* True when a superpage covers `va` in `ms`. */
static bool huge_at(mspace_t *ms, uintptr_t va)
{
    return (mmu_query(ms->directory, va, NULL) & (MMU_PRESENT | MMU_LARGE)) ==
           (MMU_PRESENT | MMU_LARGE);
}

int mm_demote_range(mspace_t *ms, uintptr_t start, uintptr_t end, bool all)
{
    if (!ms->huge_count || start >= end)
        return 0;
    if (!all) {
        int rc = 0;
        if ((start & HUGE_MASK) && huge_at(ms, start))
            rc = demote(ms, start & ~HUGE_MASK);
        if (rc == 0 && (end & HUGE_MASK) && huge_at(ms, end - 1))
            rc = demote(ms, (end - 1) & ~HUGE_MASK);
        return rc;
    }
    uintptr_t va = start & ~HUGE_MASK;
    while (ms->huge_count && (va = mmu_next_mapped(ms->directory, va, end)) < end) {
        if (huge_at(ms, va)) {
            int rc = demote(ms, va & ~HUGE_MASK);
            if (rc < 0)
                return rc;
            va = (va & ~HUGE_MASK) + MMU_LARGE_SIZE;
        } else {
            va += PAGE_SIZE;
        }
        if (va == 0)
            break;
    }
    return 0;
}

void mm_huge_widen(mspace_t *ms, uintptr_t *start, uintptr_t *end)
{
    if (!ms->huge_count || *start >= *end)
        return;
    if ((*start & HUGE_MASK) && huge_at(ms, *start))
        *start &= ~HUGE_MASK;
    if ((*end & HUGE_MASK) && huge_at(ms, *end - 1))
        *end = ((*end - 1) & ~HUGE_MASK) + MMU_LARGE_SIZE;
}

size_t mspace_huge_pages(mspace_t *ms, uintptr_t start, uintptr_t end)
{
    size_t n = 0;
    splock_lock(&ms->lock);
    for (uintptr_t va = start; ms->huge_count &&
                               (va = mmu_next_mapped(ms->directory, va, end)) < end;) {
        if (huge_at(ms, va)) {
            n += !(va & HUGE_MASK);
            va = (va & ~HUGE_MASK) + MMU_LARGE_SIZE;
        } else {
            va += PAGE_SIZE;
        }
        if (va == 0)
            break;
    }
    splock_unlock(&ms->lock);
    return n;
}

/* The advice flags `v` gets from madvise: unchanged if not anonymous. */
static int advised_flags(const vma_t *v, bool huge)
{
    bool shared_file = (v->flags & (VMA_FILE | VMA_SHARED)) ==
                       (VMA_FILE | VMA_SHARED); /* the shmem policy asks */
    if (!(v->flags & (VMA_ANON | VMA_HEAP)) && !shared_file)
        return v->flags;
    return (v->flags & ~VMA_HUGEADVICE) | (huge ? VMA_HUGE : VMA_NOHUGE);
}

int mspace_advise_huge(mspace_t *ms, uintptr_t address, size_t length,
                       bool huge)
{
    if (!mm_range_ok(address, &length) ||
        !mspace_window_ok(ms, address, length))
        return -EINVAL;
    uintptr_t end = address + length, cursor = address;
    int splits = 0;
    splock_lock(&ms->lock);
    for (vma_t *v = mspace_first_after(ms, address); cursor < end;
         v = vma_next(v)) {
        if (!v || vma_base(v) > cursor || (v->flags & VMA_DEAD)) {
            splock_unlock(&ms->lock);
            return -ENOMEM; /* a hole */
        }
        if (advised_flags(v, huge) != v->flags)
            splits += (vma_base(v) < address) + (vma_end(v) > end);
        cursor = vma_end(v);
    }
    vma_t *spare[2] = {NULL, NULL};
    int rc = 0;
    for (int i = 0; i < splits && rc == 0; i++)
        rc = (spare[i] = vma_new()) ? 0 : -ENOMEM;
    if (rc == 0)
        rc = mm_demote_range(ms, address, end, false);
    if (rc < 0) {
        splock_unlock(&ms->lock);
        mm_free(spare[0]);
        mm_free(spare[1]);
        return rc;
    }
    int used = 0;
    for (vma_t *v = mspace_first_after(ms, address); v && vma_base(v) < end;) {
        vma_t *n = vma_next(v);
        int want = advised_flags(v, huge);
        if (want != v->flags) {
            if (vma_base(v) < address) {
                vma_split(ms, v, address, spare[used]);
                v = spare[used++];
            }
            if (vma_end(v) > end)
                vma_split(ms, v, end, spare[used++]);
            v->flags = want;
        }
        v = n;
    }
    ms->hint = NULL;
    mspace_merge(ms, mspace_first_after(ms, address), end);
    if (huge)
        mm_promote_range(ms, address, end);
    splock_unlock(&ms->lock);
    return 0;
}

/* What the 4 KiB translations of one 2 MiB span hold (scan_span). */
typedef struct {
    phys_addr_t first; /* frame of the span's first page, if present */
    size_t present;    /* pages present */
    bool in_place;     /* all present: one aligned block in order */
    bool exclusive;    /* every frame present is this space's alone (the
                          zero page never is) */
} span_t;

/* Scans the span at `base` (no superpage); stops once neither in-place
 * promotion nor (when `all` is false) anything else can be learnt. */
static void scan_span(mspace_t *ms, uintptr_t base, bool all, span_t *sp)
{
    *sp = (span_t){0, 0, true, true};
    for (size_t i = 0; i < MMU_LARGE_PAGES; i++) {
        phys_addr_t pa;
        if (!(mmu_query(ms->directory, base + i * PAGE_SIZE, &pa) &
              MMU_PRESENT)) {
            sp->in_place = false;
        } else {
            if (i == 0)
                sp->first = pa;
            bool alone = !mm_is_zero_page(pa) && page_refcount(pa) == 1;
            sp->exclusive &= alone;
            sp->in_place &= alone && !(sp->first & HUGE_MASK) &&
                            pa == sp->first + i * PAGE_SIZE;
            sp->present++;
        }
        if (!sp->in_place && !all)
            return;
    }
}

/* Replaces the table of the span at `base` of `vma` by one superpage of
 * `pa` (the span's own frames, or a copy of them). */
static void promote(mspace_t *ms, vma_t *vma, uintptr_t base, phys_addr_t pa)
{
    int rc = mmu_promote(ms->directory, base, pa, vma_mmu_flags(ms, vma));
    assert(rc == 0); /* a span with pages has a table */
    (void)rc;
    mm_huge_account(ms, 1);
}

/* Promotes in place the spans of `vma` meeting [start, end) whose pages
 * are exactly one block, all present and this space's alone; their
 * rights become the VMA's (an exclusive read-only page is only a COW not
 * yet taken, which the next write would make writable). */
static void promote_vma(mspace_t *ms, vma_t *vma, uintptr_t start,
                        uintptr_t end)
{
    uintptr_t s = start > vma_base(vma) ? start : vma_base(vma);
    uintptr_t e = end < vma_end(vma) ? end : vma_end(vma);
    uintptr_t lo = (vma_base(vma) + HUGE_MASK) & ~HUGE_MASK;
    for (uintptr_t base = s & ~HUGE_MASK; base < e && base >= (s & ~HUGE_MASK);
         base += MMU_LARGE_SIZE) {
        span_t sp;
        if (base < lo || vma_end(vma) - base < MMU_LARGE_SIZE ||
            huge_at(ms, base))
            continue;
        scan_span(ms, base, false, &sp);
        if (sp.in_place)
            promote(ms, vma, base, sp.first);
    }
}

void mm_promote_range(mspace_t *ms, uintptr_t start, uintptr_t end)
{
    if (ms->kernel || policy == MM_HUGE_NEVER || start >= end ||
        ms->phys_pg_count < MMU_LARGE_PAGES)
        return;
    for (vma_t *v = mspace_first_after(ms, start); v && vma_base(v) < end;
         v = vma_next(v))
        if (vma_huge_ok(ms, v))
            promote_vma(ms, v, start, end);
}

/* MADV_COLLAPSE of the span at `base` of `vma`: 0 when it is a superpage
 * now; -EINVAL when it cannot be one (no page present, as Linux asks for
 * one; shared memory mapped elsewhere too); -ENOMEM when no block or no
 * memory is left (nothing changed). */
static int collapse_span(mspace_t *ms, vma_t *vma, uintptr_t base)
{
    if (huge_at(ms, base))
        return 0;
    span_t sp;
    scan_span(ms, base, true, &sp);
    if (!sp.present)
        return -EINVAL;
    if (sp.in_place) { /* nothing to copy */
        promote(ms, vma, base, sp.first);
        return 0;
    }
    /* shared anonymous frames are the memory itself: a copy only where no
     * other space maps them, and all present (each is charged) */
    if (vma_shared_anon(vma->flags) &&
        (!sp.exclusive || sp.present != MMU_LARGE_PAGES))
        return -EINVAL;
    phys_addr_t *old = mm_alloc(MMU_LARGE_PAGES * sizeof(*old));
    phys_addr_t pa = old ? page_new_huge() : 0;
    if (pa && (pa & HUGE_MASK)) { /* a buddy block is aligned: never */
        for (size_t i = 0; i < MMU_LARGE_PAGES; i++)
            page_release(pa + i * PAGE_SIZE);
        pa = 0;
    }
    if (!pa) {
        mm_free(old);
        return -ENOMEM;
    }
    /* one CPU: nothing writes the span while the lock is held (an SMP
     * port would write-protect it and flush before the copy) */
    for (size_t i = 0; i < MMU_LARGE_PAGES; i++) {
        if (!(mmu_query(ms->directory, base + i * PAGE_SIZE, &old[i]) &
              MMU_PRESENT))
            old[i] = 0;
        if (!old[i] || mm_is_zero_page(old[i]))
            page_zero(pa + i * PAGE_SIZE);
        else
            page_copy(pa + i * PAGE_SIZE, old[i]);
    }
    promote(ms, vma, base, pa);
    for (size_t i = 0; i < MMU_LARGE_PAGES; i++)
        if (old[i])
            page_unref(old[i]); /* a COW frame may live on in a fork */
    mm_free(old);
    ms->phys_pg_count += MMU_LARGE_PAGES - sp.present;
    return 0;
}

/* True when `vma` holds an aligned 2 MiB span (Linux's test of a VMA). */
static bool holds_span(const vma_t *vma)
{
    uintptr_t lo = (vma_base(vma) + HUGE_MASK) & ~HUGE_MASK;
    return lo >= vma_base(vma) && lo < vma_end(vma) &&
           vma_end(vma) - lo >= MMU_LARGE_SIZE;
}

int mspace_collapse(mspace_t *ms, uintptr_t address, size_t length)
{
    if (!mm_range_ok(address, &length) ||
        !mspace_window_ok(ms, address, length))
        return -EINVAL;
    uintptr_t end = address + length, cursor = address;
    int rc = 0;
    bool hole = false;
    splock_lock(&ms->lock);
    for (vma_t *v = mspace_first_after(ms, address);
         rc == 0 && v && vma_base(v) < end; v = vma_next(v)) {
        if (v->flags & VMA_DEAD)
            continue; /* a hole until scavenged */
        hole |= vma_base(v) > cursor;
        cursor = vma_end(v);
        if (!vma_huge_eligible(ms, v) || !holds_span(v)) {
            rc = -EINVAL; /* as Linux: this VMA cannot have superpages */
            break;
        }
        uintptr_t s = vma_base(v) > address ? vma_base(v) : address;
        uintptr_t e = vma_end(v) < end ? vma_end(v) : end;
        s = (s + HUGE_MASK) & ~HUGE_MASK;
        e &= ~HUGE_MASK;
        /* each span on its own (best effort, as Linux): a span that
         * cannot be one is the VMA's answer, no memory stops at once */
        for (uintptr_t b = s; b < e && rc != -ENOMEM; b += MMU_LARGE_SIZE) {
            int r = collapse_span(ms, v, b);
            rc = r < 0 ? r : rc;
        }
    }
    hole |= cursor < end;
    splock_unlock(&ms->lock);
    return rc ? rc : hole ? -ENOMEM : 0;
}

/*
 * mm/remap.c - mspace_remap (mremap): a mapping shrinks, grows in place, or
 * moves by moving its page-table entries and its VMA.  No frame is copied,
 * so each page keeps its rights (PROT_NONE and write-only included), a
 * MAP_SHARED frame stays shared with the tasks it was shared with, COW
 * references and the zero page stay as they were (refcounts unchanged:
 * one entry leaves, one arrives), and an untouched range moves for the
 * price of its VMA.
 *
 * All or nothing, in three steps: check (arguments, the VMA, the room),
 * take (VMA descriptors, the destination's page tables through
 * mmu_prepare, the limits, the zeroed frames of a shared anonymous tail, a
 * file mapping's new cache, the commit charge and table reserve under the
 * one rule of mm/commit.c), then change, which cannot fail.  Everything
 * runs under the mspace lock.
 */
#include <assert.h>
#include <errno.h>

#include "mm/inode.h"
#include "mm/internal.h"
#include "mm/page.h"

#define REMAP_KNOWN                                                            \
    (MSPACE_REMAP_MAYMOVE | MSPACE_REMAP_FIXED | MSPACE_REMAP_DONTUNMAP)
#define PTE_KEPT                                                               \
    (MMU_READ | MMU_WRITE | MMU_EXEC | MMU_USER | MMU_UNCACHED | MMU_GLOBAL)

/* One remap: what the check found and what the take step holds. */
typedef struct remap {
    mspace_t *ms;
    vma_t *v;         /* the live VMA holding the old range */
    uintptr_t old;    /* old range [old, old + old_len) */
    uintptr_t dst;    /* where it goes: old when it grows in place */
    size_t old_len, new_len;
    int flags;        /* MSPACE_REMAP_* */
    int vflags;       /* flags of the VMA that holds the result */
    bool in_place;    /* grows in place (no move) */
    long delta;       /* commit pages: charged when > 0, returned when < 0 */
    size_t head;      /* bytes of the old range that stay or move: old_len,
                         or new_len when a move shrinks (its tail goes) */
    size_t moved;     /* present pages that move */
    vma_t *nv;        /* the VMA of the destination (moves) */
    vma_t *spare[2];  /* split of a VMA around the destination (FIXED),
                         split of the old VMA around the old range */
    phys_addr_t tail; /* frames of a shared anonymous tail, linked through
                         their first word */
    size_t tail_pages; /* how many, and whether they were charged */
    bool tail_charged;
} remap_t;

/* Shrinking in place: `old` must be mapped (-EFAULT); unmaps the tail
 * (the part inside the window; holes are fine, as munmap), returns `old`. */
static void *remap_shrink(mspace_t *ms, uintptr_t old, size_t old_len,
                          size_t new_len)
{
    splock_lock(&ms->lock);
    bool mapped = mspace_search_vma(ms, old) != NULL;
    splock_unlock(&ms->lock);
    if (!mapped)
        return MSPACE_ERR(EFAULT);
    uintptr_t s = old + new_len, e = old + old_len;
    if (s < ms->lower_bound)
        s = ms->lower_bound;
    if (e > ms->upper_bound)
        e = ms->upper_bound;
    int rc = s < e ? mspace_unmap(ms, s, e - s) : 0;
    return rc < 0 ? MSPACE_ERR(-rc) : (void *)old;
}

/* True when `grow` bytes after `v` are free and inside the window. */
static bool room_after(const mspace_t *ms, const vma_t *v, size_t grow)
{
    const vma_t *n = vma_next(v);
    uintptr_t end = vma_end(v);
    return grow <= ms->upper_bound - end && (!n || vma_base(n) - end >= grow);
}

/* Finds the VMA and where the result goes.  0, -EFAULT, -EINVAL, -ENOMEM. */
static int remap_check(remap_t *r, uintptr_t new_addr)
{
    mspace_t *ms = r->ms;
    vma_t *v = r->v = mspace_search_vma(ms, r->old);
    if (!v || r->head > vma_end(v) - r->old)
        return -EFAULT; /* not mapped, or not by one VMA */
    int f = r->vflags = v->flags;
    if ((f & VMA_PHYS) && r->new_len > r->old_len)
        return -EFAULT; /* as Linux for PFN maps: never reach further */
    if ((r->flags & MSPACE_REMAP_DONTUNMAP) &&
        (vma_shared_anon(f) || (f & VMA_PHYS)))
        return -EINVAL; /* the old range could not be refilled */
    if (!(r->flags & (MSPACE_REMAP_FIXED | MSPACE_REMAP_DONTUNMAP)) &&
        r->old + r->old_len == vma_end(v) &&
        room_after(ms, v, r->new_len - r->old_len)) {
        r->in_place = true;
        r->dst = r->old;
        return 0;
    }
    if (!(r->flags & MSPACE_REMAP_MAYMOVE))
        return -ENOMEM;
    if (r->flags & MSPACE_REMAP_FIXED) {
        r->dst = new_addr;
    } else {
        vma_t *prev;
        int rc = mspace_place(ms, new_addr, r->new_len, 0, &r->dst, &prev);
        if (rc < 0)
            return rc;
    }
    if ((f & VMA_STACK) && r->old != vma_base(v)) /* its guard stays behind */
        r->vflags = (f & ~(VMA_STACK | (ms->kernel ? 0 : VMA_NOMERGE))) |
                    VMA_ANON | VMA_CHARGED; /* plain anonymous memory */
    return 0;
}

/* Prepares the page table of destination page `va`.  A superpage there,
 * one a fixed destination covers whole (remap_demote leaves it: the move
 * replaces it), is demoted first: no table can be made under it.  0 or
 * -ENOMEM. */
static int prepare_dst(mspace_t *ms, uintptr_t va)
{
    if (mm_demote_range(ms, va, va + PAGE_SIZE, false) < 0)
        return -ENOMEM;
    return mmu_prepare(ms->directory, va);
}

/* Prepares the destination's page tables of every present page that moves
 * and counts them.  0 or -ENOMEM. */
static int take_tables(remap_t *r)
{
    mmu_dir_t *dir = r->ms->directory;
    uintptr_t end = r->old + r->head;
    for (uintptr_t va = r->old; (va = mmu_next_mapped(dir, va, end)) < end;
         va += PAGE_SIZE) {
        if (prepare_dst(r->ms, r->dst + (va - r->old)) < 0)
            return -ENOMEM;
        r->moved++;
    }
    return 0;
}

/* Takes a prepared, zeroed frame for each page of the new tail of a shared
 * anonymous range (populated at once, as mspace_map does, so that a forked
 * task shares them).  0 or -ENOMEM. */
static int take_tail(remap_t *r)
{
    if (!vma_shared_anon(r->vflags) || r->new_len <= r->old_len)
        return 0;
    uintptr_t end = r->dst + r->new_len;
    for (uintptr_t va = r->dst + r->old_len; va < end; va += PAGE_SIZE) {
        phys_addr_t pa = prepare_dst(r->ms, va) < 0 ? 0 : page_new();
        if (!pa)
            return -ENOMEM;
        page_zero(pa);
        *(phys_addr_t *)mmu_kaddr(pa) = r->tail;
        r->tail = pa;
        r->tail_pages++;
    }
    /* each shared anonymous frame is charged (mm/commit.c) */
    if (mm_commit(r->tail_pages) < 0)
        return -ENOMEM;
    r->tail_charged = true;
    return 0;
}

/* Fills the page cache of the new tail of a file mapping, as mspace_map
 * does for a mapping (mm/commit.c: its faults then charge nothing); what
 * it filled stays with the inode if a later step fails.  0 or -ENOMEM. */
static int take_cache(remap_t *r)
{
    const vma_t *v = r->v;
    if (!(v->flags & VMA_FILE) || r->new_len <= r->old_len)
        return 0;
    vma_t t = *v;
    t.flags = r->vflags;
    t.offset = v->offset + (r->old - vma_base(v)) + r->old_len;
    t.node.key = r->dst + r->old_len;
    t.node.size = t.length = r->new_len - r->old_len;
    return mspace_prepare_cache(&t);
}

/* The pages `v`'s attributes would charge over [base, base + len) at file
 * `offset` with `flags` (mm/commit.c's rule, vma_commit_pages). */
static size_t pages_charged(const vma_t *v, int flags, uintptr_t base,
                            size_t len, uint64_t offset)
{
    vma_t t = *v;
    t.node.key = base;
    t.node.size = t.length = len;
    t.offset = offset;
    return vma_commit_pages(&t, flags, base, base + len);
}

/* The commit delta: the result's charge minus the old range's; stack pages
 * that move into plain anonymous memory lose their per-page charge. */
static long commit_delta(const remap_t *r)
{
    const vma_t *v = r->v;
    if (r->in_place)
        return (long)pages_charged(v, v->flags, vma_base(v),
                                   v->length + (r->new_len - r->old_len),
                                   v->offset) -
               (long)vma_commit_pages(v, v->flags, vma_base(v), vma_end(v));
    uint64_t offset = (v->flags & (VMA_FILE | VMA_PHYS))
                          ? v->offset + (r->old - vma_base(v))
                          : v->offset;
    long added = (long)pages_charged(v, r->vflags, r->dst, r->new_len, offset);
    long removed = (r->flags & MSPACE_REMAP_DONTUNMAP)
                       ? 0
                       : (long)vma_commit_pages(v, v->flags, r->old,
                                                r->old + r->head);
    if ((v->flags & VMA_STACK) && !(r->vflags & VMA_STACK))
        removed += (long)r->moved;
    return added - removed;
}

/* Gives back what remap_take took (a failure before any change). */
static void remap_give_back(remap_t *r)
{
    mm_free(r->nv);
    mm_free(r->spare[0]);
    mm_free(r->spare[1]);
    while (r->tail) {
        phys_addr_t pa = r->tail;
        r->tail = *(phys_addr_t *)mmu_kaddr(pa);
        page_release(pa);
    }
    if (r->tail_charged)
        mm_uncommit(r->tail_pages);
    if (r->delta > 0)
        mm_uncommit((size_t)r->delta);
}

/* Takes every resource the change step needs.  0 or -ENOMEM (the caller
 * gives back what was taken). */
static int remap_take(remap_t *r)
{
    mspace_t *ms = r->ms;
    const vma_t *v = r->v;
    if (!r->in_place) {
        const vma_t *w = mspace_first_after(ms, r->dst);
        bool dst_inside = (r->flags & MSPACE_REMAP_FIXED) && w &&
                          vma_base(w) < r->dst &&
                          vma_end(w) > r->dst + r->new_len;
        bool old_inside = !(r->flags & MSPACE_REMAP_DONTUNMAP) &&
                          (vma_base(v) < r->old ||
                           vma_end(v) > r->old + r->old_len);
        if (!(r->nv = vma_new()) || (dst_inside && !(r->spare[0] = vma_new())) ||
            (old_inside && !(r->spare[1] = vma_new())) || take_tables(r) < 0)
            return -ENOMEM;
    }
    /* RLIMIT_AS for the bytes added, RLIMIT_DATA for the data pages added
     * (a stack piece that becomes plain anonymous memory counts whole) */
    bool keep = r->flags & MSPACE_REMAP_DONTUNMAP;
    size_t grows = r->new_len - (keep ? 0 : r->head);
    size_t data = vma_data_pages(r->vflags, r->new_len) -
                  (keep ? 0 : vma_data_pages(v->flags, r->head));
    if ((grows && mspace_limit_map(ms, 0, grows) < 0) ||
        mspace_limit_data(ms, data) < 0)
        return -ENOMEM;
    if (take_tail(r) < 0 || take_cache(r) < 0)
        return -ENOMEM;
    long delta = commit_delta(r);
    if (delta > 0 && mm_commit((size_t)delta) < 0)
        return -ENOMEM;
    r->delta = delta;
    /* the new range's page-table spans, under the one commit rule */
    uintptr_t s = r->in_place ? r->old + r->old_len : r->dst;
    uintptr_t e = r->in_place ? r->old + r->new_len : r->dst + r->new_len;
    /* as mspace_check's has_tables: pages may come, or the VMA holds some */
    bool pages = (r->vflags & (VMA_RIGHTS | VMA_RESOLVE)) ||
                 vma_shared_anon(r->vflags) || r->moved ||
                 (r->in_place && mmu_next_mapped(ms->directory, vma_base(v),
                                                 vma_end(v)) < vma_end(v));
    if (s < e && pages && mm_commit_range(ms, s, e, 0) < 0)
        return -ENOMEM;
    return 0;
}

/* Maps the frames of the shared anonymous tail from `va` into `vma`. */
static void map_tail(remap_t *r, vma_t *vma, uintptr_t va)
{
    mspace_t *ms = r->ms;
    for (; r->tail; va += PAGE_SIZE) {
        phys_addr_t pa = r->tail;
        r->tail = *(phys_addr_t *)mmu_kaddr(pa);
        *(phys_addr_t *)mmu_kaddr(pa) = 0;
        mm_shmem_add(1);
        int rc = mmu_map(ms->directory, va, pa, vma_pte_flags(ms, vma, pa));
        assert(rc == 0); /* prepared */
        (void)rc;
        ms->phys_pg_count++;
    }
}

/* Books the commit delta charged (or due back) by remap_take. */
static void settle_commit(remap_t *r)
{
    if (r->delta < 0)
        mm_uncommit((size_t)-r->delta);
    r->ms->committed += r->delta;
}

static void *grow_in_place(remap_t *r)
{
    mspace_t *ms = r->ms;
    vma_t *v = r->v;
    size_t grow = r->new_len - r->old_len;
    v->length += grow;
    v->node.size = v->length;
    bbtree_update(&ms->tree, &v->node);
    vma_account(ms, v->flags, grow, true);
    settle_commit(r);
    map_tail(r, v, r->old + r->old_len);
    ms->hint = mspace_merge(ms, v, vma_end(v));
    return (void *)r->old;
}

/* Unmaps whatever lies in [a, a + len) (MSPACE_REMAP_FIXED's destination,
 * the tail of a move that shrinks); true when a present page was dropped. */
static bool unmap_range(mspace_t *ms, uintptr_t a, size_t len, vma_t **spare)
{
    bool present = false;
    uintptr_t end = a + len;
    for (vma_t *w = mspace_first_after(ms, a); w && vma_base(w) < end;) {
        vma_t *n = vma_next(w);
        uintptr_t s = vma_base(w) > a ? vma_base(w) : a;
        uintptr_t e = vma_end(w) < end ? vma_end(w) : end;
        present |= mspace_unmap_part(ms, w, s, e, spare);
        w = n;
    }
    return present;
}

/* Takes [s, e) out of `v` whose pages have left: the VMA only (accounting,
 * trim or split); the commit is booked by settle_commit. */
static void cut_vma(mspace_t *ms, vma_t *v, uintptr_t s, uintptr_t e,
                    vma_t **spare)
{
    vma_account(ms, v->flags, e - s, false);
    vma_cut(ms, v, s, e, spare);
}

/* Inserts the destination VMA: the old one's attributes at r->dst. */
static vma_t *insert_dst(remap_t *r, const vma_t *v)
{
    vma_t *nv = r->nv;
    r->nv = NULL;
    *nv = *v;
    nv->node.key = r->dst;
    nv->node.size = nv->length = r->new_len;
    if (v->flags & (VMA_FILE | VMA_PHYS))
        nv->offset = v->offset + (r->old - vma_base(v));
    nv->flags = r->vflags;
    if (nv->ino)
        inode_open(nv->ino);
    bbtree_insert(&r->ms->tree, &nv->node);
    vma_account(r->ms, nv->flags, nv->length, true);
    return nv;
}

/* Moves the present pages of the old range (prepared) to the destination;
 * true when one moved. */
static bool move_entries(remap_t *r, size_t len)
{
    mmu_dir_t *dir = r->ms->directory;
    uintptr_t end = r->old + len;
    size_t moved = 0;
    for (uintptr_t va = r->old; (va = mmu_next_mapped(dir, va, end)) < end;
         va += PAGE_SIZE) {
        int flags;
        phys_addr_t pa = mmu_unmap(dir, va, &flags);
        int rc = mmu_map(dir, r->dst + (va - r->old), pa, flags & PTE_KEPT);
        assert(pa != (phys_addr_t)-1 && rc == 0); /* prepared */
        (void)rc;
        moved++;
    }
    assert(moved == r->moved);
    return moved > 0;
}

static void *move(remap_t *r)
{
    mspace_t *ms = r->ms;
    bool flush_dst = false, flush_old;
    if (r->flags & MSPACE_REMAP_FIXED)
        flush_dst = unmap_range(ms, r->dst, r->new_len, &r->spare[0]);
    /* the destination's unmap may have split the old VMA: look again */
    vma_t *v = mspace_first_after(ms, r->old);
    assert(v && vma_base(v) <= r->old && vma_end(v) >= r->old + r->head);
    vma_t *nv = insert_dst(r, v);
    flush_old = move_entries(r, r->head);
    if (r->old_len > r->head) /* v keeps its base: it stays valid */
        flush_old |= unmap_range(ms, r->old + r->head, r->old_len - r->head,
                                 &r->spare[1]);
    if (!(r->flags & MSPACE_REMAP_DONTUNMAP))
        cut_vma(ms, v, r->old, r->old + r->head, &r->spare[1]);
    settle_commit(r);
    map_tail(r, nv, r->dst + r->old_len);
    ms->hint = mspace_merge(ms, nv, r->dst + r->new_len);
    if (flush_old)
        mmu_flush(ms->directory, r->old, r->old_len);
    if (flush_dst)
        mmu_flush(ms->directory, r->dst, r->new_len);
    mm_free(r->spare[0]);
    mm_free(r->spare[1]);
    return (void *)r->dst;
}

/* A move takes page entries one by one: the superpages of the old range
 * are demoted, and those a fixed destination cuts.  0 or -ENOMEM. */
static int remap_demote(remap_t *r)
{
    if (r->in_place)
        return 0;
    int rc = mm_demote_range(r->ms, r->old, r->old + r->old_len, true);
    if (rc == 0 && (r->flags & MSPACE_REMAP_FIXED))
        rc = mm_demote_range(r->ms, r->dst, r->dst + r->new_len, false);
    return rc;
}

void *mspace_remap(mspace_t *mspace, uintptr_t old, size_t old_len,
                   size_t new_len, int flags, uintptr_t new_addr)
{
    bool maymove = flags & MSPACE_REMAP_MAYMOVE;
    bool fixed = flags & MSPACE_REMAP_FIXED;
    bool dontunmap = flags & MSPACE_REMAP_DONTUNMAP;
    if ((flags & ~REMAP_KNOWN) || (fixed && !maymove) ||
        (dontunmap && (!maymove || old_len != new_len)))
        return MSPACE_ERR(EINVAL);
    if (!mm_range_ok(old, &old_len) || !mm_length_ok(&new_len))
        return MSPACE_ERR(EINVAL);
    if (fixed && ((new_addr & PAGE_MASK) ||
                  !mspace_window_ok(mspace, new_addr, new_len) ||
                  (new_addr < old + old_len && old < new_addr + new_len)))
        return MSPACE_ERR(EINVAL);
    if (!fixed && !dontunmap && new_len <= old_len)
        return remap_shrink(mspace, old, old_len, new_len);
    remap_t r = {.ms = mspace, .old = old, .old_len = old_len,
                 .new_len = new_len, .flags = flags,
                 .head = new_len < old_len ? new_len : old_len};
    splock_lock(&mspace->lock);
    int rc = remap_check(&r, new_addr);
    if (rc == 0)
        rc = remap_demote(&r);
    if (rc == 0 && (rc = remap_take(&r)) < 0)
        remap_give_back(&r);
    void *at = rc < 0 ? MSPACE_ERR(-rc) : r.in_place ? grow_in_place(&r) : move(&r);
    splock_unlock(&mspace->lock);
    return at;
}

/*
 * mm/vma.c - one VMA at a time: descriptors, splitting, trimming,
 * merging, page release and accounting.  Callers hold the mspace lock.
 */
#include <assert.h>

#include "mm/inode.h"
#include "mm/internal.h"
#include "mm/page.h"

vma_t *vma_new(void)
{
    return mm_alloc(sizeof(vma_t));
}

void vma_destroy(vma_t *vma)
{
    if (vma->ino)
        inode_close(vma->ino);
    mm_free(vma);
}

static bool backed(int flags)
{
    return flags & (VMA_FILE | VMA_PHYS);
}

bool vma_mergeable(const vma_t *a, const vma_t *b)
{
    if (vma_end(a) != vma_base(b) || a->flags != b->flags ||
        (a->flags & (VMA_DEAD | VMA_NOMERGE)))
        return false;
    if (a->ino != b->ino || a->file_end != b->file_end)
        return false;
    return !backed(a->flags) || a->offset + a->length == b->offset;
}

size_t vma_commit_pages(const vma_t *vma, int flags, uintptr_t start,
                        uintptr_t end)
{
    if (flags & VMA_CHARGED)
        return (end - start) / PAGE_SIZE;
    if (!(flags & VMA_COW) || !(flags & VMA_FILE) || !(vma->file_end & PAGE_MASK))
        return 0;
    /* a private file page holding `file_end` is copied to zero its tail */
    uint64_t partial = vma->file_end & ~(uint64_t)PAGE_MASK;
    if (partial < vma->offset || partial - vma->offset >= vma->length)
        return 0;
    uintptr_t va = vma_base(vma) + (uintptr_t)(partial - vma->offset);
    return va >= start && va < end;
}

int vma_access_rights(int flags)
{
    int rights = flags & VMA_RIGHTS;
    return rights ? rights | VMA_READ : 0;
}

int vma_mmu_flags(const mspace_t *mspace, const vma_t *vma)
{
    int flags = vma_access_rights(vma->flags);
    flags |= mspace->kernel ? MMU_GLOBAL : MMU_USER;
    if (vma->flags & VMA_UNCACHED)
        flags |= MMU_UNCACHED;
    return flags;
}

int vma_pte_flags(const mspace_t *mspace, const vma_t *vma, phys_addr_t pa)
{
    int flags = vma_mmu_flags(mspace, vma);
    if ((vma->flags & VMA_COW) &&
        (mm_is_zero_page(pa) || page_refcount(pa) > 1))
        flags &= ~MMU_WRITE;
    return flags;
}

static void set_length(mspace_t *mspace, vma_t *vma, size_t length)
{
    assert(length > 0 && !(length & PAGE_MASK));
    vma->length = length;
    vma->node.size = length;
    bbtree_update(&mspace->tree, &vma->node);
}

void vma_split(mspace_t *mspace, vma_t *vma, uintptr_t at, vma_t *spare)
{
    uintptr_t end = vma_end(vma);
    assert(at > vma_base(vma) && at < end && !(at & PAGE_MASK));
    *spare = *vma;
    spare->node.key = at;
    spare->node.size = spare->length = end - at;
    if (backed(vma->flags))
        spare->offset += at - vma_base(vma);
    if (spare->ino)
        inode_open(spare->ino);
    set_length(mspace, vma, at - vma_base(vma));
    bbtree_insert_after(&mspace->tree, &vma->node, &spare->node);
}

void vma_trim_front(mspace_t *mspace, vma_t *vma, uintptr_t base)
{
    size_t cut = base - vma_base(vma);
    assert(base > vma_base(vma) && base < vma_end(vma));
    if (backed(vma->flags))
        vma->offset += cut;
    vma->node.key = base;
    set_length(mspace, vma, vma->length - cut);
}

void vma_trim_back(mspace_t *mspace, vma_t *vma, uintptr_t end)
{
    assert(end > vma_base(vma) && end < vma_end(vma));
    set_length(mspace, vma, end - vma_base(vma));
}

void vma_remove(mspace_t *mspace, vma_t *vma)
{
    if (mspace->hint == vma)
        mspace->hint = NULL;
    bbtree_remove(&mspace->tree, &vma->node);
    vma_destroy(vma);
}

void vma_cut(mspace_t *mspace, vma_t *vma, uintptr_t s, uintptr_t e,
             vma_t **spare)
{
    if (s == vma_base(vma) && e == vma_end(vma)) {
        vma_remove(mspace, vma);
    } else if (s == vma_base(vma)) {
        vma_trim_front(mspace, vma, e);
    } else if (e == vma_end(vma)) {
        vma_trim_back(mspace, vma, s);
    } else {
        vma_split(mspace, vma, e, *spare);
        *spare = NULL;
        vma_trim_back(mspace, vma, s);
    }
}

size_t vma_release_pages(mspace_t *mspace, vma_t *vma, uintptr_t start,
                         uintptr_t end)
{
    size_t released = 0;
    mmu_dir_t *dir = mspace->directory;
    for (uintptr_t va = start; mspace->phys_pg_count &&
                               (va = mmu_next_mapped(dir, va, end)) < end;
         va += PAGE_SIZE) {
        int flags;
        phys_addr_t pa = mmu_unmap(dir, va, &flags);
        assert(pa != (phys_addr_t)-1);
        size_t pages = 1;
        if (flags & MMU_LARGE) { /* whole inside: the caller demoted edges */
            assert(va + MMU_LARGE_SIZE <= end);
            pages = MMU_LARGE_PAGES;
            mm_huge_account_vma(mspace, vma, -1);
        }
        released += pages;
        mspace->phys_pg_count -= pages;
        va += (pages - 1) * PAGE_SIZE;
        if (vma->flags & VMA_PHYS)
            continue;
        size_t gone = page_unref_range(pa, pages);
        if (gone && vma_shared_anon(vma->flags)) {
            mm_uncommit(gone); /* their last mapping: the frames are gone */
            mm_shmem_add(-(long)gone);
        }
        if (vma->flags & VMA_STACK) { /* never a superpage */
            mm_uncommit(1);
            mspace->committed--;
        }
    }
    return released;
}

void vma_account(mspace_t *mspace, int flags, size_t bytes, bool add)
{
    size_t *kind = flags & VMA_SHARED ? &mspace->s_size : &mspace->p_size;
    size_t data = vma_data_pages(flags, bytes);
    if (add) {
        mspace->v_size += bytes;
        *kind += bytes;
        mspace->data_pages += data;
    } else {
        assert(mspace->v_size >= bytes && *kind >= bytes &&
               mspace->data_pages >= data);
        mspace->v_size -= bytes;
        *kind -= bytes;
        mspace->data_pages -= data;
    }
}

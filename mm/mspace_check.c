/*
 * mm/mspace_check.c - the invariant checker of an address space
 * (mspace_check): the tree, every VMA's flags and bounds, and the
 * accounting (sizes, present pages, commit, page-table reserve, data
 * pages, superpages: each inside one VMA that may have them) recounted
 * against the page tables.  Asserts; changes nothing.
 */
#include <assert.h>

#include "mm/internal.h"
#include "mm/page.h"

/* Checks one present page of `v`: rights follow the VMA, write only on a
 * frame this space owns alone. */
static void check_page(const mspace_t *ms, const vma_t *v, int now,
                       phys_addr_t pa)
{
    int rights = now & (MMU_READ | MMU_WRITE | MMU_EXEC);
    int want = vma_access_rights(v->flags);
    assert((now & MMU_USER) == (ms->kernel ? 0 : MMU_USER));
    assert((rights & ~MMU_WRITE) == (want & ~VMA_WRITE));
    if (v->flags & VMA_SHARED) {
        /* the zero page only past a file's data, in a never-writable view */
        assert(rights == want &&
               (!mm_is_zero_page(pa) || !(v->flags & VMA_MAXWRITE)));
    } else if (rights & MMU_WRITE) {
        assert(page_refcount(pa) == 1 && !mm_is_zero_page(pa));
    }
    if (!(v->flags & VMA_PHYS))
        assert(page_refcount(pa) >= 1);
}

void mspace_check(mspace_t *mspace)
{
    size_t v_size = 0, p_size = 0, s_size = 0, present = 0, committed = 0;
    size_t data = 0, huge = 0;
    const vma_t *prev = NULL;
    splock_lock(&mspace->lock);
    bbtree_check(&mspace->tree);
    for (vma_t *v = vma_first(mspace); v;
         prev = v, v = vma_next(v)) {
        int type = v->flags & VMA_TYPE;
        assert(vma_base(v) >= mspace->lower_bound &&
               vma_end(v) <= mspace->upper_bound);
        assert(!(vma_base(v) & PAGE_MASK) && !(v->length & PAGE_MASK) &&
               v->length == v->node.size);
        assert(type && !(type & (type - 1)) &&
               !(v->flags & ~(VMA_KNOWN | VMA_DEAD | VMA_CHARGED | VMA_HUGEADVICE) &
                 ~VMA_REQUEST));
        assert(!(v->flags & VMA_CHARGED) ||
               ((v->flags & VMA_COW) && !(v->flags & VMA_STACK)));
        assert(!(v->flags & VMA_COW) || !(v->flags & VMA_WRITE) ||
               (v->flags & (VMA_CHARGED | VMA_STACK)));
        assert(!mspace_has_tables(mspace, v) ||
               mm_tables_cover(mspace, vma_base(v), vma_end(v)));
        assert((v->flags & VMA_SHARING) &&
               (v->flags & VMA_SHARING) != VMA_SHARING);
        assert(!((v->flags & VMA_RIGHTS) &
                 ~((v->flags & VMA_MAXRIGHTS) >> VMA_MAX_SHIFT)));
        assert(!prev || !vma_mergeable(prev, v));
        assert(!(type == VMA_STACK || mspace->kernel) ||
               (v->flags & VMA_NOMERGE));
        v_size += v->length;
        *(v->flags & VMA_SHARED ? &s_size : &p_size) += v->length;
        committed += vma_commit_pages(v, v->flags, vma_base(v), vma_end(v));
        data += vma_data_pages(v->flags, v->length);
        for (uintptr_t va = vma_base(v);
             (va = mmu_next_mapped(mspace->directory, va, vma_end(v))) <
             vma_end(v);
             va += PAGE_SIZE) {
            phys_addr_t pa;
            int now = mmu_query(mspace->directory, va, &pa);
            assert(now & MMU_PRESENT);
            if ((now & MMU_LARGE) && !((va - vma_base(v)) & PAGE_MASK) &&
                !(va & (MMU_LARGE_SIZE - 1))) { /* a superpage's base */
                bool file = type == VMA_FILE && (v->flags & VMA_SHARED) &&
                            !((v->offset + (va - vma_base(v))) &
                              (MMU_LARGE_SIZE - 1));
                assert(vma_end(v) - va >= MMU_LARGE_SIZE && !mspace->kernel &&
                       (file || type == VMA_ANON || type == VMA_HEAP) &&
                       (file || (v->flags & VMA_CHARGED) ||
                        vma_shared_anon(v->flags)) &&
                       !(pa & (MMU_LARGE_SIZE - 1)));
                huge++;
            }
            assert(!(now & MMU_LARGE) || va - vma_base(v) >= (va & (MMU_LARGE_SIZE - 1)));
            check_page(mspace, v, now, pa);
            present++;
            committed += (v->flags & VMA_STACK) != 0;
        }
    }
    assert(v_size == mspace->v_size && p_size == mspace->p_size &&
           s_size == mspace->s_size);
    assert(present == mspace->phys_pg_count && committed == mspace->committed);
    assert(mspace->tables_charged == mm_tables_counted(mspace));
    assert(data == mspace->data_pages && huge == mspace->huge_count);
    splock_unlock(&mspace->lock);
}


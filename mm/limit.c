/*
 * mm/limit.c - the limits of one address space, set by the port from its
 * resource limits (RLIMIT_AS, RLIMIT_DATA, RLIMIT_STACK): mm gets numbers
 * only and knows no task.  Counted as Linux counts them: the address space
 * is every byte VMAs cover (PROT_NONE reservations and whole stack
 * reservations included); data is private writable memory that is not a
 * stack (data_pages); a stack grows at most stack_limit bytes below its
 * end.  Lowering a limit under what is in use takes nothing away: only
 * what would grow past it is refused.
 */
#include <errno.h>
#include <stdint.h>

#include "mm/internal.h"

void mspace_set_limits(mspace_t *mspace, size_t as, size_t data, size_t stack)
{
    splock_lock(&mspace->lock);
    mspace->as_limit = as;
    mspace->data_limit = data;
    mspace->stack_limit = stack;
    splock_unlock(&mspace->lock);
}

size_t vma_data_pages(int flags, size_t length)
{
    bool data = (flags & (VMA_WRITE | VMA_SHARED | VMA_STACK)) == VMA_WRITE;
    return data ? length / PAGE_SIZE : 0;
}

/* True when `pages` more data pages (> 0) stay within the data limit. */
static bool data_fits(const mspace_t *ms, size_t pages)
{
    size_t limit = ms->data_limit / PAGE_SIZE;
    return pages <= limit && ms->data_pages <= limit - pages;
}

int mspace_limit_map(const mspace_t *ms, int flags, size_t length)
{
    if (length > ms->as_limit || ms->v_size > ms->as_limit - length)
        return -ENOMEM;
    size_t data = vma_data_pages(flags, length);
    return !data || data_fits(ms, data) ? 0 : -ENOMEM;
}

int mspace_limit_data(const mspace_t *ms, size_t pages)
{
    return !pages || data_fits(ms, pages) ? 0 : -ENOMEM;
}

int mspace_limit_protect(const mspace_t *ms, uintptr_t address, uintptr_t end,
                         int rights)
{
    if (ms->data_limit == SIZE_MAX)
        return 0; /* no walk unless a data limit is set */
    size_t more = 0;
    for (bbnode_t *n = bbtree_lower(&ms->tree, address); n;
         n = bbtree_next(n)) {
        const vma_t *v = (const vma_t *)n; /* node is the first member */
        if (vma_base(v) >= end)
            break;
        uintptr_t s = vma_base(v) > address ? vma_base(v) : address;
        uintptr_t e = vma_end(v) < end ? vma_end(v) : end;
        if (!vma_data_pages(v->flags, e - s))
            more += vma_data_pages((v->flags & ~VMA_RIGHTS) | rights, e - s);
    }
    return !more || data_fits(ms, more) ? 0 : -ENOMEM;
}

bool mspace_limit_stack(const mspace_t *ms, const vma_t *vma, uintptr_t va)
{
    if (!(vma->flags & VMA_STACK) || vma_end(vma) - va <= ms->stack_limit)
        return true;
    return mmu_query(ms->directory, va, NULL) & MMU_PRESENT;
}

/* pagecache.c - file data through the page cache (see pagecache.h). */
#include <errno.h>
#include <string.h>

#include "mm/page.h"
#include "unikernel/pagecache.h"
#include "unikernel/sched.h"
#include "unikernel/task.h"
#include "unikernel/usercopy.h"

long pagecache_copy(inode_t *ino, void *buf, size_t n, uint64_t pos,
                    bool write)
{
    size_t done = 0;
    while (done < n) {
        uint64_t at = pos + done, page = at & ~(uint64_t)PAGE_MASK;
        size_t off = (size_t)(at - page), k = PAGE_SIZE - off;
        if (k > n - done)
            k = n - done;
        size_t used = ino->quota ? ino->quota->used : 0;
        /* a write's end counts as the size for within_size (as Linux) */
        phys_addr_t pa = inode_page_hint(ino, page, write ? pos + n : 0, false);
        if (!pa) {
            /* the quota refused if it is full, else the commit limit */
            bool full = ino->quota && used >= ino->quota->limit;
            return done ? (long)done : full ? -ENOSPC : -ENOMEM;
        }
        char *kaddr = (char *)mmu_kaddr(pa) + off;
        int rc = write ? copy_from_user(kaddr, (const char *)buf + done, k)
                       : copy_to_user((char *)buf + done, kaddr, k);
        page_unref(pa);
        if (rc < 0)
            return done ? (long)done : -EFAULT;
        done += k;
    }
    return (long)done;
}

void pagecache_truncate(inode_t *ino, uint64_t size)
{
    uint64_t from = (size + PAGE_MASK) & ~(uint64_t)PAGE_MASK;
    for (int i = 0; i < sched_slots(); i++) {
        task_t *t = sched_slot(i);
        if (t && t->mspace) /* a shared space is visited again: harmless */
            mspace_unmap_inode(t->mspace, ino, from);
    }
    inode_truncate(ino, size);
}

/* Zeroes [a, b) (within one page) of the cache of `ino` if cached. */
static void zero_cached(inode_t *ino, uint64_t a, uint64_t b)
{
    if (a >= b)
        return;
    uint64_t p = a & ~(uint64_t)PAGE_MASK;
    phys_addr_t pa;
    if (inode_pages_cached(ino, p, 1, &pa) == 0)
        return;
    memset((char *)mmu_kaddr(pa) + (a - p), 0, (size_t)(b - a));
    page_unref(pa);
}

void pagecache_punch(inode_t *ino, uint64_t off, uint64_t end)
{
    uint64_t first = (off + PAGE_MASK) & ~(uint64_t)PAGE_MASK;
    uint64_t last = end & ~(uint64_t)PAGE_MASK;
    if (first > last) { /* within one page */
        zero_cached(ino, off, end);
        return;
    }
    zero_cached(ino, off, first);
    zero_cached(ino, last, end);
    if (last <= first)
        return;
    /* every task's mappings of the whole pages first (a superpage meeting
     * them whole), so that the punched frames are free, not zeroed */
    for (int i = 0; i < sched_slots(); i++) {
        task_t *t = sched_slot(i);
        if (t && t->mspace) /* a shared space is visited again: harmless */
            mspace_unmap_inode_range(t->mspace, ino, first, last);
    }
    inode_punch(ino, first, last - first);
}

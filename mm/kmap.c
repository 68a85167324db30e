/*
 * mm/kmap.c - kspace: kmap/kunmap, MMIO mappings, kernel stacks with a
 * guard page, and the large-allocation hook of kalloc.
 */
#include <assert.h>
#include <errno.h>

#include "mm/kalloc.h"
#include "mm/kmap.h"

static mspace_t *kspace; /* (c) after kmap_init */

static void *or_null(void *result)
{
    return mspace_error(result) ? NULL : result;
}

void *kmap(size_t length, struct inode *ino, uint64_t offset, int rights)
{
    int type = ino ? VMA_FILE : VMA_ANON;
    return or_null(mspace_map(kspace, 0, length, ino, offset, 0,
                              (rights & VMA_RIGHTS) | type | VMA_RESOLVE));
}

void *kmap_phys(phys_addr_t pa, size_t length, int rights)
{
    return or_null(mspace_map(kspace, 0, length, NULL, pa, 0,
                              (rights & VMA_RIGHTS) | VMA_PHYS | VMA_UNCACHED |
                                  VMA_RESOLVE));
}

int kunmap(void *address, size_t length)
{
    return mspace_unmap(kspace, (uintptr_t)address, length);
}

void *kmap_stack(size_t size)
{
    size = (size + PAGE_MASK) & ~PAGE_MASK;
    void *base =
        or_null(mspace_map(kspace, 0, size + PAGE_SIZE, NULL, 0, 0,
                           VMA_READ | VMA_WRITE | VMA_STACK | VMA_RESOLVE));
    return base ? (char *)base + PAGE_SIZE + size : NULL;
}

/* Unmaps a whole kspace VMA made by kmap or kmap_stack.  kspace never
 * merges (VMA_NOMERGE), so the range is exactly one VMA and mspace_unmap
 * needs no split, hence no allocation: it cannot fail with ENOMEM, however
 * short of memory a task has left the kernel.  -EINVAL would be a kernel
 * bug (a pointer or size that kmap never returned). */
static void unmap_whole(void *base, size_t length)
{
    int rc = kunmap(base, length);
    assert(rc == 0);
    (void)rc;
}

void kunmap_stack(void *top, size_t size)
{
    size = (size + PAGE_MASK) & ~PAGE_MASK;
    unmap_whole((char *)top - size - PAGE_SIZE, size + PAGE_SIZE);
}

/* kalloc's hook for blocks above 4 MiB. */
static void *large_map(size_t size)
{
    return kmap(size, NULL, 0, VMA_READ | VMA_WRITE);
}

static void large_unmap(void *ptr, size_t size)
{
    unmap_whole(ptr, size);
}

int kmap_init(uintptr_t lower, uintptr_t upper)
{
    if (kspace)
        return -EINVAL;
    kspace = mspace_create_kernel(lower, upper);
    if (!kspace)
        return lower < upper ? -ENOMEM : -EINVAL;
    kalloc_set_large_hook(large_map, large_unmap);
    return 0;
}

mspace_t *kmap_space(void)
{
    return kspace;
}

/*
 * mm/glue.c - the allocator mm/ uses for its own descriptors, installed by
 * the port (kernel: kalloc; host tests: malloc with fault injection), so
 * that mm/ does not depend on a particular heap.
 */
#include <assert.h>
#include <stddef.h>
#include <string.h>

#include "mm/memory.h"

static void *(*alloc_hook)(size_t size);
static void (*free_hook)(void *ptr);

void mm_set_allocator(void *(*alloc)(size_t size), void (*free)(void *ptr))
{
    assert(alloc && free);
    alloc_hook = alloc;
    free_hook = free;
}

void *mm_alloc(size_t size)
{
    assert(alloc_hook);
    void *p = alloc_hook(size);
    if (p)
        memset(p, 0, size);
    return p;
}

void mm_free(void *ptr)
{
    if (ptr)
        free_hook(ptr);
}

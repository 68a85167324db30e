/*
 * libc-shim/chunkmap.c - the map from 4 MiB chunks of the address space to
 * their owner (segment or huge block), so that free() can tell its own
 * pointers from anything else without touching the pointed-to memory.
 * Two levels: a static root of leaf pointers, leaves mapped on demand and
 * never freed (64 KiB each cover 32 GiB of address space).
 */
#include <errno.h>

#include "alloc.h"
#include "mspace.h"

#define LEAF_BYTES ((1ul << LEAF_BITS) * sizeof(uintptr_t))

uintptr_t *chunkmap_root[1ul << (CHUNK_BITS - LEAF_BITS)];

/* Returns the leaf for chunk index k, mapping it if needed; NULL when out
 * of memory.  Two threads racing keep one leaf and unmap the other. */
static uintptr_t *leaf_get(uintptr_t k)
{
    uintptr_t **slot = &chunkmap_root[k >> LEAF_BITS];
    uintptr_t *leaf = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
    if (leaf)
        return leaf;
    leaf = mspace_map(0, LEAF_BYTES, RW, MSPACE_HEAP, 0);
    if (mspace_failed(leaf))
        return NULL;
    uintptr_t *expected = NULL;
    if (!__atomic_compare_exchange_n(slot, &expected, leaf, false,
                                     __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        mspace_unmap(leaf, LEAF_BYTES);
        leaf = expected;
    }
    return leaf;
}

int chunkmap_set(const void *base, uintptr_t tag)
{
    uintptr_t k = (uintptr_t)base >> SEG_SHIFT;
    if (k >> CHUNK_BITS)
        return -ENOMEM;
    uintptr_t *leaf = leaf_get(k);
    if (!leaf)
        return -ENOMEM;
    __atomic_store_n(&leaf[k & LEAF_MASK], tag, __ATOMIC_RELEASE);
    return 0;
}

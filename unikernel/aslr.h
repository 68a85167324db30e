/*
 * unikernel/aslr.h - the user layout of each new image (ASLR): the stack
 * top and the mmap base, page-aligned inside the user window, drawn at
 * every exec from random_fill (RDRAND, else a TSC-seeded generator) or,
 * with `seed=N` on the command line, from a generator seeded with N (a
 * repeatable run).  `noaslr`: the fixed layout (stack top at 3 GiB, mmap
 * from the lowest hole).
 *
 *   stack top  MSPACE_USER_UPPER - r * 4096, r < 2^16: the top 256 MiB
 *   mmap base  ASLR_MMAP_LOWEST  + r * 4096, r < 2^16: [64 MiB, 320 MiB)
 */
#ifndef UNIKERNEL_ASLR_H
#define UNIKERNEL_ASLR_H

#include <stdbool.h>
#include <stdint.h>

#define ASLR_BITS 16                          /* per base, in pages */
#define ASLR_MMAP_LOWEST ((uintptr_t)64 << 20) /* above a typical image */

struct aslr_layout {
    uintptr_t stack_top; /* end of the stack VMA */
    uintptr_t mmap_base; /* where non-fixed mappings start; 0: lowest hole */
};

/* True unless `noaslr` was given. */
bool aslr_enabled(void);

/* Draws the layout of a new image into *l (the fixed one under noaslr). */
void aslr_layout(struct aslr_layout *l);

#endif

/*
 * libc-shim/mspace.h - user binding of the kernel's mspace_* calls on the
 * calling task's own address space.
 *
 * The system call numbers, flags and their contract: abi/mspace.h.
 *
 * Where the kernel answers -ENOSYS (Linux), each call falls back to the
 * mmap/munmap/mprotect equivalent, so one static binary runs on both.
 */
#ifndef SHIM_MSPACE_H
#define SHIM_MSPACE_H

#include <stddef.h>

#include "abi/mspace.h"

/* Maps `len` bytes with rights `prot` near `hint` (at it with
 * MSPACE_FIXED), aligned to `align`; returns the address or a negated
 * errno cast to a pointer (test with mspace_failed).  Nothing is mapped on
 * failure. */
void *mspace_map(void *hint, size_t len, int prot, int flags, size_t align);

/* Unmaps [addr, addr+len); returns 0 or -errno. */
int mspace_unmap(void *addr, size_t len);

/* Sets the rights of [addr, addr+len) to `prot`; returns 0 or -errno. */
int mspace_protect(void *addr, size_t len, int prot);

/* Frees the pages of [addr, addr+len) and keeps it reserved PROT_NONE;
 * returns 0 or -errno. */
int mspace_release(void *addr, size_t len);

/* True when a mspace_map result is an error code. */
static inline int mspace_failed(const void *ret)
{
    return (unsigned long)ret > -4096ul;
}

/* Counts of successful calls since start (for tests: proves that malloc
 * reaches the kernel's mspace_map). */
struct mspace_stats {
    unsigned long maps, unmaps, protects, releases;
    int native; /* 1: the kernel serves mspace_*; 0: mmap fallback */
};

/* Fills `st` with the counters. */
void mspace_stats(struct mspace_stats *st);

#endif

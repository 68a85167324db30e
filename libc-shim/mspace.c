/*
 * libc-shim/mspace.c - the mspace_* system calls, with the Linux fallback
 * (mmap family) used when the kernel answers -ENOSYS.
 */
#include "mspace.h"

#include <errno.h>
#include <stdint.h>
#include <sys/mman.h>

#include "glue.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

#define PAGE 4096ul

enum { MODE_PROBE, MODE_NATIVE, MODE_LINUX };

static int mode = MODE_PROBE;      /* (a) which kernel serves us */
static struct mspace_stats counts; /* (a) */

static void count(unsigned long *counter)
{
    __atomic_fetch_add(counter, 1, __ATOMIC_RELAXED);
}

/* Tries the native call; returns 1 and stores its result in *ret when the
 * kernel implements it, 0 when we run on Linux. */
static int native_call(long nr, long a, long b, long c, long d, long e,
                       long *ret)
{
    int m = __atomic_load_n(&mode, __ATOMIC_RELAXED);
    if (m == MODE_LINUX)
        return 0;
    *ret = glue_syscall6(nr, a, b, c, d, e, 0);
    if (*ret == -ENOSYS) {
        __atomic_store_n(&mode, MODE_LINUX, __ATOMIC_RELAXED);
        return 0;
    }
    if (m == MODE_PROBE)
        __atomic_store_n(&mode, MODE_NATIVE, __ATOMIC_RELAXED);
    return 1;
}

static long linux_mmap(uintptr_t addr, size_t len, int prot, int flags)
{
    return glue_syscall6(GLUE_SYS_MMAP, addr, len, prot, flags, -1, 0);
}

static long linux_munmap(uintptr_t addr, size_t len)
{
    return glue_syscall6(GLUE_SYS_MUNMAP, addr, len, 0, 0, 0, 0);
}

/* mmap with the mspace flags; over-maps and trims to honour `align`. */
static long linux_map(uintptr_t hint, size_t len, int prot, int flags,
                      size_t align)
{
    int mf = MAP_PRIVATE | MAP_ANONYMOUS;
    if (prot == PROT_NONE)
        mf |= MAP_NORESERVE;
    if (flags & MSPACE_POPULATE)
        mf |= MAP_POPULATE;
    if (flags & MSPACE_STACK)
        mf |= MAP_STACK;
    if (flags & MSPACE_FIXED) {
        long r = linux_mmap(hint, len, prot, mf | MAP_FIXED_NOREPLACE);
        if (r >= 0 && (uintptr_t)r != hint) { /* kernel before 4.17 */
            linux_munmap(r, len);
            return -EEXIST;
        }
        return r;
    }
    long r = linux_mmap(hint, len, prot, mf);
    if (r < 0 || align <= PAGE || ((uintptr_t)r & (align - 1)) == 0)
        return r;
    linux_munmap(r, len);
    size_t span = len + align - PAGE;
    if (span < len)
        return -ENOMEM;
    r = linux_mmap(0, span, prot, mf);
    if (r < 0)
        return r;
    uintptr_t start = ((uintptr_t)r + align - 1) & ~(uintptr_t)(align - 1);
    if (start > (uintptr_t)r)
        linux_munmap(r, start - r);
    if ((uintptr_t)r + span > start + len)
        linux_munmap(start + len, r + span - (start + len));
    return start;
}

static int bad_range(uintptr_t addr, size_t len)
{
    return len == 0 || (len & (PAGE - 1)) || (addr & (PAGE - 1));
}

void *mspace_map(void *hint, size_t len, int prot, int flags, size_t align)
{
    long r;
    uintptr_t h = (uintptr_t)hint;
    if (bad_range(flags & MSPACE_FIXED ? h : 0, len) || (align & (align - 1)) ||
        ((flags & MSPACE_FIXED) && align > PAGE && (h & (align - 1))))
        return (void *)(long)-EINVAL;
    if (!native_call(MSPACE_SYS_MAP, h, len, prot, flags, align, &r))
        r = linux_map(h & ~(PAGE - 1), len, prot, flags, align);
    if (!mspace_failed((void *)r))
        count(&counts.maps);
    return (void *)r;
}

int mspace_unmap(void *addr, size_t len)
{
    long r;
    if (bad_range((uintptr_t)addr, len))
        return -EINVAL;
    if (!native_call(MSPACE_SYS_UNMAP, (long)addr, len, 0, 0, 0, &r))
        r = linux_munmap((uintptr_t)addr, len);
    if (r == 0)
        count(&counts.unmaps);
    return (int)r;
}

int mspace_protect(void *addr, size_t len, int prot)
{
    long r;
    if (bad_range((uintptr_t)addr, len))
        return -EINVAL;
    if (!native_call(MSPACE_SYS_PROTECT, (long)addr, len, prot, 0, 0, &r))
        r = glue_syscall6(GLUE_SYS_MPROTECT, (long)addr, len, prot, 0, 0, 0);
    if (r == 0)
        count(&counts.protects);
    return (int)r;
}

int mspace_release(void *addr, size_t len)
{
    long r;
    if (bad_range((uintptr_t)addr, len))
        return -EINVAL;
    if (!native_call(MSPACE_SYS_RELEASE, (long)addr, len, 0, 0, 0, &r)) {
        /* Replacing the range with a fresh reservation drops its pages
         * and its commitment in one call. */
        r = linux_mmap((uintptr_t)addr, len, PROT_NONE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED);
        if (r >= 0)
            r = 0;
    }
    if (r == 0)
        count(&counts.releases);
    return (int)r;
}

void mspace_stats(struct mspace_stats *st)
{
    st->maps = __atomic_load_n(&counts.maps, __ATOMIC_RELAXED);
    st->unmaps = __atomic_load_n(&counts.unmaps, __ATOMIC_RELAXED);
    st->protects = __atomic_load_n(&counts.protects, __ATOMIC_RELAXED);
    st->releases = __atomic_load_n(&counts.releases, __ATOMIC_RELAXED);
    st->native = __atomic_load_n(&mode, __ATOMIC_RELAXED) == MODE_NATIVE;
}

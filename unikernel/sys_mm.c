/*
 * sys_mm.c - the mmap family and the mspace_* calls of libc-shim/mspace.h,
 * translated onto the caller's mspace_t.  Linux flags map exactly:
 *   MAP_PRIVATE -> VMA_COW, MAP_SHARED -> VMA_SHARED, MAP_ANONYMOUS ->
 *   VMA_ANON (else VMA_FILE of the descriptor's inode), MAP_POPULATE ->
 *   VMA_RESOLVE, MAP_FIXED -> unmap then VMA_FIXED (replaces),
 *   MAP_FIXED_NOREPLACE -> VMA_FIXED (-EEXIST when taken), MAP_STACK ->
 *   a hint only (as in Linux), PROT_* -> VMA_READ/WRITE/EXEC (equal values;
 *   PROT_NONE commits nothing).  brk moves the heap VMA (VMA_HEAP).
 */
#include <errno.h>

#include "abi/mspace.h"
#include "mm/inode.h"
#include "unikernel/fd.h"
#include "unikernel/syscall.h"
#include "unikernel/thread.h"
#include "unikernel/usercopy.h"

#define PROT_ALL 0x7
#define MAP_SHARED 0x01
#define MAP_PRIVATE 0x02
#define MAP_SHARED_VALIDATE 0x03
#define MAP_TYPE 0x0f
#define MAP_FIXED 0x10
#define MAP_ANONYMOUS 0x20
#define MAP_POPULATE 0x8000
#define MAP_FIXED_NOREPLACE 0x100000
#define MREMAP_MAYMOVE 1 /* = MSPACE_REMAP_MAYMOVE, FIXED, DONTUNMAP */
#define MREMAP_FIXED 2
#define MREMAP_DONTUNMAP 4
#define MADV_DONTNEED 4
#define MADV_FREE 8
#define MADV_REMOVE 9
#define MADV_HUGEPAGE 14
#define MADV_NOHUGEPAGE 15
#define MADV_COLLAPSE 25 /* Linux 6.1 */
#define LINUX_TASK_SIZE ((1ul << 47) - PAGE_SIZE) /* Linux's user space end */


static mspace_t *space(void)
{
    return task_current()->mspace;
}

/* Where a mapping starts looking for a hole: the caller's hint, else the
 * address space's randomised base (ASLR: exec set it; 0, the lowest hole,
 * under noaslr). */
static uintptr_t map_hint(mspace_t *ms, uintptr_t hint)
{
    return hint ? hint : ms->mmap_base;
}

static long map_result(void *at)
{
    int err = mspace_error(at);
    return err ? err : (long)(uintptr_t)at;
}

/* Range checks here follow usercopy.h: a predicate (user_range_ok,
 * pages_ok) is true when the range is valid; fixed_range_error maps the
 * checks to the errno mmap reports.  0 when [addr, addr+len) may be a
 * fixed user range, else the Linux error: EINVAL unaligned, EPERM below
 * the window, ENOMEM above it. */
static long fixed_range_error(uintptr_t addr, size_t len)
{
    if (addr & PAGE_MASK)
        return -EINVAL;
    if (addr < MSPACE_USER_LOWER)
        return -EPERM;
    if (!user_range_ok(addr, len))
        return -ENOMEM;
    return 0;
}

long sys_mmap(const long *a)
{
    uintptr_t addr = (uintptr_t)a[0];
    size_t len = (size_t)a[1];
    int prot = (int)a[2], flags = (int)a[3], type = flags & MAP_TYPE;
    uint64_t off = (uint64_t)a[5];
    if (len == 0 || (off & PAGE_MASK) || (prot & ~PROT_ALL) ||
        (type != MAP_SHARED && type != MAP_PRIVATE &&
         type != MAP_SHARED_VALIDATE))
        return -EINVAL;
    if (len > MSPACE_USER_UPPER - MSPACE_USER_LOWER)
        return -ENOMEM;
    len = (len + PAGE_MASK) & ~PAGE_MASK;
    int vflags = prot | (type == MAP_PRIVATE ? VMA_COW : VMA_SHARED);
    inode_t *ino = NULL;
    if (!(flags & MAP_ANONYMOUS)) {
        struct file *f = fd_get(task_current(), (int)a[4]);
        if (!f)
            return -EBADF;
        if (!f->ino)
            return -ENODEV;
        ino = f->ino;
        /* checked before MAP_FIXED unmaps anything (mspace_map would say
         * it too, too late) */
        if (type != MAP_PRIVATE && (prot & ~ino->rights))
            return -EACCES;
        /* a tmpfs file: mapped only when open to read, shared writable
         * only when open to write too */
        int mode = f->flags >= 0 ? f->flags & O_ACCMODE : O_RDWR;
        if (mode == O_WRONLY ||
            (type != MAP_PRIVATE && (prot & VMA_WRITE) && mode != O_RDWR))
            return -EACCES;
        /* nor may mprotect make it writable later (Linux: no VM_MAYWRITE);
         * so a never-writable view does not grow the cache (fault.c) */
        if (type != MAP_PRIVATE && mode != O_RDWR)
            vflags |= VMA_MAXREAD | VMA_MAXEXEC;
    } else {
        off = 0;
    }
    if (flags & MAP_POPULATE)
        vflags |= VMA_RESOLVE;
    if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
        long rc = fixed_range_error(addr, len);
        if (rc < 0)
            return rc;
        if (!(flags & MAP_FIXED_NOREPLACE) &&
            (rc = mspace_unmap(space(), addr, len)) < 0)
            return rc;
        vflags |= VMA_FIXED;
    }
    return map_result(
        mspace_map(space(), map_hint(space(), addr), len, ino, off, 0, vflags));
}

long sys_munmap(const long *a)
{
    uintptr_t addr = (uintptr_t)a[0];
    size_t len = (size_t)a[1];
    if (len == 0 || (addr & PAGE_MASK))
        return -EINVAL;
    if (addr >= MSPACE_USER_UPPER)
        return len <= (size_t)-PAGE_SIZE ? 0 : -EINVAL; /* nothing mapped */
    if (len > LINUX_TASK_SIZE - addr)
        return -EINVAL; /* as Linux: not "everything up to the window's end" */
    if (addr < MSPACE_USER_LOWER) { /* nothing is mapped below the window */
        if (len <= MSPACE_USER_LOWER - addr)
            return 0;
        len -= MSPACE_USER_LOWER - addr;
        addr = MSPACE_USER_LOWER;
    }
    if (len > MSPACE_USER_UPPER - addr)
        len = MSPACE_USER_UPPER - addr;
    return mspace_unmap(space(), addr, len);
}

long sys_mprotect(const long *a)
{
    uintptr_t addr = (uintptr_t)a[0];
    size_t len = (size_t)a[1];
    int prot = (int)a[2];
    if ((addr & PAGE_MASK) || (prot & ~PROT_ALL))
        return -EINVAL;
    if (len == 0)
        return 0;
    if (fixed_range_error(addr, (len + PAGE_MASK) & ~PAGE_MASK) < 0)
        return -ENOMEM;
    return mspace_protect(space(), addr, len, prot);
}

long sys_madvise(const long *a)
{
    uintptr_t addr = (uintptr_t)a[0];
    size_t len = ((size_t)a[1] + PAGE_MASK) & ~PAGE_MASK;
    long advice = a[2];
    if ((addr & PAGE_MASK) || (size_t)a[1] > (size_t)-PAGE_SIZE)
        return -EINVAL;
    if (advice < 0 ||
        (advice > MADV_DONTNEED && advice != MADV_FREE &&
         advice != MADV_REMOVE && advice != 10 && advice != 11 &&
         advice != MADV_HUGEPAGE && advice != MADV_NOHUGEPAGE &&
         advice != MADV_COLLAPSE))
        return -EINVAL;
    if (len == 0)
        return 0;
    if (addr + len < addr)
        return -EINVAL;
    if (len > LINUX_TASK_SIZE || addr > LINUX_TASK_SIZE - len)
        return -ENOMEM; /* past any user space: Linux would drop everything
                           mapped above addr, the stack too; refused whole */
    /* Nothing is mapped outside the window: as Linux does with a hole, the
     * advice applies to the mapped part, then the call says ENOMEM. */
    uintptr_t lo = addr > MSPACE_USER_LOWER ? addr : MSPACE_USER_LOWER;
    uintptr_t hi = addr + len < MSPACE_USER_UPPER ? addr + len
                                                  : MSPACE_USER_UPPER;
    if (lo >= hi)
        return -ENOMEM;
    long rc = advice == MADV_DONTNEED ? mspace_discard(space(), lo, hi - lo)
              : advice == MADV_REMOVE ? mspace_punch(space(), lo, hi - lo)
              : advice == MADV_HUGEPAGE || advice == MADV_NOHUGEPAGE
                  ? mspace_advise_huge(space(), lo, hi - lo,
                                       advice == MADV_HUGEPAGE)
              : advice == MADV_COLLAPSE ? mspace_collapse(space(), lo, hi - lo)
                                        : 0;
    return rc == 0 && (lo != addr || hi != addr + len) ? -ENOMEM : rc;
}

/* mremap: Linux's flags are mspace_remap's (same values); the kernel's
 * part is the Linux address space beyond the window: a length, an old
 * range or a MREMAP_FIXED destination past Linux's user end is EINVAL, a
 * destination between the window's end and it (valid on Linux) ENOMEM. */
long sys_mremap(const long *a)
{
    uintptr_t old = (uintptr_t)a[0], new_addr = (uintptr_t)a[4];
    size_t old_len = (size_t)a[1], new_len = (size_t)a[2];
    long flags = a[3];
    mspace_t *ms = space();
    if (flags & ~(long)(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP))
        return -EINVAL;
    if (old_len > LINUX_TASK_SIZE || new_len > LINUX_TASK_SIZE ||
        old > LINUX_TASK_SIZE - old_len)
        return -EINVAL; /* as Linux: past its user space (or wraps) */
    if ((flags & MREMAP_FIXED) && !(new_addr & PAGE_MASK) &&
        new_len <= (size_t)-PAGE_SIZE) {
        size_t len = (new_len + PAGE_MASK) & ~PAGE_MASK;
        if (len > LINUX_TASK_SIZE || new_addr > LINUX_TASK_SIZE - len)
            return -EINVAL;
        if (new_addr >= MSPACE_USER_UPPER ||
            len > MSPACE_USER_UPPER - new_addr)
            return -ENOMEM;
    }
    if (!(flags & MREMAP_FIXED))
        new_addr = map_hint(ms, 0); /* as Linux: a move ignores new_addr */
    return map_result(
        mspace_remap(ms, old, old_len, new_len, (int)flags, new_addr));
}

/* The program break: the heap [brk_start, brk) is one VMA_HEAP mapping of
 * whole pages (private writable memory: RLIMIT_DATA counts it) that grows
 * and shrinks in place; a shrunk page is unmapped, so it comes back
 * zeroed.  A break that cannot move (below the start, a mapping in the
 * way, a limit, no memory) stays: the result is the break either way, and
 * brk(0) reads it. */
long sys_brk(const long *a)
{
    task_t *t = task_current()->group->leader; /* the process's break */
    uintptr_t want = (uintptr_t)a[0];
    if (want < t->brk_start || want > MSPACE_USER_UPPER)
        return (long)t->brk;
    uintptr_t end = (t->brk + PAGE_MASK) & ~(uintptr_t)PAGE_MASK;
    uintptr_t new_end = (want + PAGE_MASK) & ~(uintptr_t)PAGE_MASK;
    long rc = 0;
    if (new_end > end)
        rc = mspace_error(
            mspace_map(space(), end, new_end - end, NULL, 0, 0,
                       VMA_READ | VMA_WRITE | VMA_COW | VMA_HEAP | VMA_FIXED));
    else if (new_end < end)
        rc = mspace_unmap(space(), new_end, end - new_end);
    if (rc == 0)
        t->brk = want;
    return (long)t->brk;
}

/* ---- libc-shim/mspace.h: 1000-1003 ------------------------------------ */

/* True when `addr` and `len` are whole pages and len is not zero. */
static bool pages_ok(uintptr_t addr, size_t len)
{
    return len != 0 && !(len & PAGE_MASK) && !(addr & PAGE_MASK);
}

long sys_mspace_map(const long *a)
{
    uintptr_t hint = (uintptr_t)a[0];
    size_t len = (size_t)a[1], align = (size_t)a[4];
    int prot = (int)a[2], flags = (int)a[3];
    if (!pages_ok(flags & MSPACE_FIXED ? hint : 0, len) ||
        (prot & ~PROT_ALL) || (flags & ~MSPACE_FLAGS) ||
        (align & (align - 1)) ||
        ((flags & MSPACE_HEAP) && (flags & MSPACE_STACK)))
        return -EINVAL;
    int vflags = prot | VMA_COW |
                 (flags & MSPACE_HEAP    ? VMA_HEAP
                  : flags & MSPACE_STACK ? VMA_STACK
                                         : VMA_ANON) |
                 (flags & MSPACE_POPULATE ? VMA_RESOLVE : 0);
    mspace_t *ms = space();
    if (flags & MSPACE_FIXED)
        vflags |= VMA_FIXED; /* misaligned for `align`: EINVAL */
    else
        hint = map_hint(ms, hint);
    /* one search finds an aligned hole: nothing to undo, no window in
     * which another thread of the space could take it */
    return map_result(
        mspace_map_aligned(ms, hint, len, align, NULL, 0, 0, vflags));
}

long sys_mspace_unmap(const long *a)
{
    if (!pages_ok((uintptr_t)a[0], (size_t)a[1]))
        return -EINVAL;
    return mspace_unmap(space(), (uintptr_t)a[0], (size_t)a[1]);
}

long sys_mspace_protect(const long *a)
{
    if (!pages_ok((uintptr_t)a[0], (size_t)a[1]) || (a[2] & ~PROT_ALL))
        return -EINVAL;
    return mspace_protect(space(), (uintptr_t)a[0], (size_t)a[1], (int)a[2]);
}

long sys_mspace_release(const long *a)
{
    uintptr_t addr = (uintptr_t)a[0];
    size_t len = (size_t)a[1];
    if (!pages_ok(addr, len))
        return -EINVAL;
    if (fixed_range_error(addr, len) < 0)
        return -EINVAL;
    /* pages first: a private VMA gives its commit back only without them */
    long rc = mspace_discard(space(), addr, len);
    return rc < 0 ? rc : mspace_protect(space(), addr, len, 0);
}

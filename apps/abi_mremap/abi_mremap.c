/*
 * abi_mremap: mremap and memfd truncation of issue 14 with their Linux
 * results, through raw system calls: regions of every kind move with their
 * pages (PROT_NONE, write-only, shared with a forked task, copy-on-write,
 * an untouched 1 GiB reservation, a stack), MREMAP_FIXED and
 * MREMAP_DONTUNMAP, Linux's errors and wrap-around lengths; ftruncate of a
 * memfd drops the bytes past the new size.  Addresses under test are
 * carved out of a reservation, so "free" and "blocked" ranges really are.
 * One "ok - name" line per check; exit status 0 only if all passed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK_FLUSH /* lines out before a fork */
#include "apps/include/check.h"
#include "libc-shim/mspace.h"

#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif

#define PAGE 4096UL
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#define RW (PROT_READ | PROT_WRITE)
#define GIB (1UL << 30)

/* Raw calls: the result, or -errno. */
static long sys6(long nr, long a, long b, long c, long d, long e, long f)
{
    long r;

    errno = 0;
    r = syscall(nr, a, b, c, d, e, f);
    return r == -1 ? -errno : r;
}

static long map(uintptr_t addr, size_t len, int prot, int flags)
{
    return sys6(SYS_mmap, addr, len, prot, flags, -1, 0);
}

static long unmap(uintptr_t addr, size_t len)
{
    return sys6(SYS_munmap, addr, len, 0, 0, 0, 0);
}

static long protect(uintptr_t addr, size_t len, int prot)
{
    return sys6(SYS_mprotect, addr, len, prot, 0, 0, 0);
}

static long remap(uintptr_t old, size_t old_len, size_t new_len, long flags,
                  uintptr_t new_addr)
{
    return sys6(SYS_mremap, old, old_len, new_len, flags, new_addr, 0);
}

/* True when nothing is mapped at the page `p` (mprotect of a hole fails). */
static int unmapped(uintptr_t p)
{
    return protect(p, PAGE, PROT_READ) == -ENOMEM;
}

/* True if [p, p + n) holds only byte c. */
static int all_bytes(uintptr_t p, size_t n, int c)
{
    for (size_t i = 0; i < n; i++)
        if (((unsigned char *)p)[i] != c)
            return 0;
    return 1;
}

/* A reservation of `pages` PROT_NONE pages, carved with MAP_FIXED below:
 * what lies around a piece blocks its growth in place. */
static uintptr_t reserve(size_t pages)
{
    long r = map(0, pages * PAGE, PROT_NONE, ANON | MAP_NORESERVE);
    return r > 0 ? (uintptr_t)r : 0;
}

/* A private read-write piece at `at` filled with `c`. */
static uintptr_t piece(uintptr_t at, size_t pages, int c)
{
    long p = map(at, pages * PAGE, RW, ANON | MAP_FIXED);
    if (p <= 0)
        return 0;
    memset((void *)p, c, pages * PAGE);
    return (uintptr_t)p;
}

static void test_rights_move(uintptr_t res)
{
    uintptr_t a = piece(res, 4, 0x11), w = piece(res + 8 * PAGE, 4, 0x22);
    long b, c;

    protect(a, 4 * PAGE, PROT_NONE);
    b = remap(a, 4 * PAGE, 8 * PAGE, MREMAP_MAYMOVE, 0);
    check(b > 0 && (uintptr_t)b != a && unmapped(a),
          "mremap moves a PROT_NONE region that cannot grow in place");
    check(b > 0 && protect(b, 8 * PAGE, PROT_READ) == 0 &&
              all_bytes(b, 4 * PAGE, 0x11) && all_bytes(b + 4 * PAGE, 4 * PAGE, 0),
          "the moved PROT_NONE region keeps its bytes, the growth is zero");
    protect(w, 4 * PAGE, PROT_WRITE);
    c = remap(w, 4 * PAGE, 8 * PAGE, MREMAP_MAYMOVE, 0);
    check(c > 0 && (uintptr_t)c != w && unmapped(w),
          "mremap moves a write-only region");
    if (c > 0)
        ((volatile char *)c)[5 * PAGE] = 0x23; /* still writable */
    check(c > 0 && protect(c, 8 * PAGE, PROT_READ) == 0 &&
              all_bytes(c, 4 * PAGE, 0x22) && ((char *)c)[5 * PAGE] == 0x23,
          "the moved write-only region keeps its bytes and stays writable");
    if (b > 0)
        unmap(b, 8 * PAGE);
    if (c > 0)
        unmap(c, 8 * PAGE);
}

static void test_in_place(uintptr_t res)
{
    uintptr_t a = piece(res + 16 * PAGE, 4, 0x31);
    long r;

    unmap(a + 4 * PAGE, 4 * PAGE);
    r = remap(a, 4 * PAGE, 8 * PAGE, 0, 0);
    check(r == (long)a && all_bytes(a, 4 * PAGE, 0x31) &&
              all_bytes(a + 4 * PAGE, 4 * PAGE, 0),
          "mremap grows in place when the next pages are free");
    check(remap(a, 8 * PAGE, 12 * PAGE, 0, 0) == -ENOMEM,
          "mremap without MREMAP_MAYMOVE that cannot grow is ENOMEM");
    r = remap(a, 8 * PAGE, 2 * PAGE, 0, 0);
    check(r == (long)a && all_bytes(a, 2 * PAGE, 0x31) &&
              unmapped(a + 2 * PAGE) && unmapped(a + 7 * PAGE),
          "mremap shrinks in place and unmaps the tail");
    check(remap(a, 2 * PAGE, 2 * PAGE, 0, 0) == (long)a,
          "mremap to the same length returns the address");
    unmap(a, 2 * PAGE);
}

static void test_fixed_dontunmap(uintptr_t res)
{
    uintptr_t a = piece(res + 32 * PAGE, 4, 0x41);
    uintptr_t d = piece(res + 40 * PAGE, 8, 0x42);
    long r;

    r = remap(a, 4 * PAGE, 6 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, d);
    check(r == (long)d && all_bytes(d, 4 * PAGE, 0x41) &&
              all_bytes(d + 4 * PAGE, 2 * PAGE, 0) && unmapped(a),
          "MREMAP_FIXED moves onto a mapping and replaces it");
    check(all_bytes(d + 6 * PAGE, 2 * PAGE, 0x42),
          "MREMAP_FIXED leaves what lies past the new length");
    r = remap(d, 6 * PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, a);
    check(r == (long)a && all_bytes(a, 2 * PAGE, 0x41) && unmapped(d) &&
              unmapped(d + 5 * PAGE),
          "MREMAP_FIXED with a smaller length moves the head, drops the tail");
    r = remap(a, 2 * PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0);
    check(r > 0 && (uintptr_t)r != a && all_bytes(r, 2 * PAGE, 0x41) &&
              !unmapped(a) && all_bytes(a, 2 * PAGE, 0),
          "MREMAP_DONTUNMAP moves the pages and leaves the old range empty");
    check(remap(a, 2 * PAGE, 4 * PAGE, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0) ==
              -EINVAL,
          "MREMAP_DONTUNMAP with another length is EINVAL");
    if (r > 0)
        unmap(r, 2 * PAGE);
    unmap(a, 2 * PAGE);
    unmap(d, 8 * PAGE);
}

static void test_errors(uintptr_t res)
{
    uintptr_t a = piece(res + 56 * PAGE, 4, 0x51);
    uintptr_t b = piece(res + 60 * PAGE, 2, 0x52);

    protect(b, 2 * PAGE, PROT_READ); /* another VMA right after a */
    check(remap(a, 4 * PAGE, 8 * PAGE, 8, 0) == -EINVAL,
          "mremap with an unknown flag is EINVAL");
    check(remap(a, 4 * PAGE, 8 * PAGE, MREMAP_FIXED, res) == -EINVAL,
          "MREMAP_FIXED without MREMAP_MAYMOVE is EINVAL");
    check(remap(a + 1, 4 * PAGE, 8 * PAGE, MREMAP_MAYMOVE, 0) == -EINVAL,
          "mremap of an unaligned address is EINVAL");
    check(remap(a, 4 * PAGE, 0, MREMAP_MAYMOVE, 0) == -EINVAL,
          "mremap to length 0 is EINVAL");
    check(remap(a, 4 * PAGE, 4 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED,
                a + 2 * PAGE) == -EINVAL,
          "MREMAP_FIXED onto an overlapping range is EINVAL");
    check(remap(a, 4 * PAGE, 4 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED,
                res + 100 * PAGE + 1) == -EINVAL,
          "MREMAP_FIXED to an unaligned address is EINVAL");
    check(remap(a, 6 * PAGE, 8 * PAGE, MREMAP_MAYMOVE, 0) == -EFAULT,
          "mremap of a range over two mappings is EFAULT");
    unmap(res + 66 * PAGE, 2 * PAGE);
    check(remap(res + 66 * PAGE, PAGE, 2 * PAGE, MREMAP_MAYMOVE, 0) == -EFAULT,
          "mremap of an unmapped address is EFAULT");
    check(remap(res + 66 * PAGE, 2 * PAGE, PAGE, 0, 0) == -EFAULT,
          "mremap shrinking at an unmapped address is EFAULT");
    check(remap(a, -PAGE, 8 * PAGE, MREMAP_MAYMOVE, 0) == -EINVAL,
          "mremap with old + old_len wrapping is EINVAL");
    check(remap(a, 4 * PAGE, -PAGE, MREMAP_MAYMOVE, 0) == -EINVAL,
          "mremap with a new_len past the user address space is EINVAL");
    check(remap(a, 4 * PAGE, -1UL, MREMAP_MAYMOVE, 0) == -EINVAL,
          "mremap with new_len rounding to 0 is EINVAL");
    check(remap(a, 1UL << 47, PAGE, 0, 0) == -EINVAL,
          "mremap shrinking an old range past the user address space is EINVAL");
    check(remap(a, -1UL, 4 * PAGE, MREMAP_MAYMOVE, 0) == -EINVAL,
          "mremap with old_len rounding to 0 is EINVAL");
    check(remap(a, 4 * PAGE, 4 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED,
                -4 * PAGE) == -EINVAL,
          "MREMAP_FIXED with new_addr + new_len wrapping is EINVAL");
    check(all_bytes(a, 4 * PAGE, 0x51), "failed mremaps left the region as it was");
    unmap(a, 4 * PAGE);
    unmap(b, 2 * PAGE);
}

static void test_shared_fork(uintptr_t res)
{
    long s = map(res + 72 * PAGE, 2 * PAGE, RW,
                 MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED);
    int go[2], st = -1;
    long m = -1;

    if (s <= 0 || pipe(go) < 0) {
        check(0, "shared region and pipe");
        return;
    }
    memset((void *)s, 'a', 2 * PAGE);
    pid_t pid = fork();
    if (pid == 0) {
        char c;
        int ok;

        close(go[1]);
        ok = read(go[0], &c, 1) == 1 && ((char *)s)[0] == 'P' &&
             ((char *)s)[PAGE] == 'a';
        ((char *)s)[PAGE] = 'C';
        _exit(ok ? 0 : 1);
    }
    close(go[0]);
    /* no growth: Linux's shared anonymous object keeps its size (SIGBUS
     * past it) */
    m = remap(s, 2 * PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED,
              res + 76 * PAGE);
    if (m > 0)
        ((char *)m)[0] = 'P';
    write(go[1], "g", 1);
    close(go[1]);
    waitpid(pid, &st, 0);
    check(m == (long)(res + 76 * PAGE) && unmapped(s),
          "mremap moves a MAP_SHARED anonymous region");
    check(WIFEXITED(st) && WEXITSTATUS(st) == 0,
          "a forked child sees the parent's write to the moved shared region");
    check(m > 0 && ((char *)m)[PAGE] == 'C',
          "the parent sees the child's write in the moved shared region");
    if (m > 0)
        unmap(m, 2 * PAGE);
}

static void test_cow_fork(uintptr_t res)
{
    uintptr_t a = piece(res + 80 * PAGE, 2, 'o');
    int go[2], st = -1;
    long m = -1;

    if (!a || pipe(go) < 0)
        return;
    pid_t pid = fork();
    if (pid == 0) {
        char c;
        int ok;

        close(go[1]);
        ok = read(go[0], &c, 1) == 1 && all_bytes(a, 2 * PAGE, 'o');
        _exit(ok ? 0 : 1);
    }
    close(go[0]);
    m = remap(a, 2 * PAGE, 4 * PAGE, MREMAP_MAYMOVE, 0);
    if (m > 0)
        memset((void *)m, 'n', 2 * PAGE);
    write(go[1], "g", 1);
    close(go[1]);
    waitpid(pid, &st, 0);
    check(m > 0 && all_bytes(m, 2 * PAGE, 'n') && WIFEXITED(st) &&
              WEXITSTATUS(st) == 0,
          "a moved private region stays copy-on-write with a forked child");
    if (m > 0)
        unmap(m, 4 * PAGE);
}

static void test_big_reservation(void)
{
    long r = map(0, GIB, PROT_READ, ANON | MAP_NORESERVE), m = -1;
    long blocker = -1;

    if (r > 0) {
        (void)*(volatile char *)(r + GIB - PAGE); /* one page touched */
        blocker = map(r + GIB, PAGE, PROT_READ, ANON | MAP_FIXED_NOREPLACE);
        m = remap(r, GIB, GIB + PAGE, MREMAP_MAYMOVE, 0);
    }
    check(r > 0 && blocker == r + (long)GIB && m > 0 && m != r,
          "mremap moves an untouched 1 GiB reservation");
    check(m > 0 && protect(m + GIB - PAGE, 2 * PAGE, RW) == 0 &&
              all_bytes(m + GIB - PAGE, 2 * PAGE, 0),
          "the moved reservation reads zero and can be made writable");
    if (m > 0)
        unmap(m, GIB + PAGE);
    if (blocker > 0)
        unmap(blocker, PAGE);
}

static void test_stack(uintptr_t res)
{
    char *s;
    long m, h;

    unmap(res + 96 * PAGE, 16 * PAGE); /* MSPACE_FIXED never replaces */
    s = mspace_map((void *)(res + 96 * PAGE), 16 * PAGE, RW,
                   MSPACE_FIXED | MSPACE_STACK, 0);

    if (mspace_failed(s)) {
        check(0, "a stack region");
        return;
    }
    memset(s + PAGE, 0x61, 15 * PAGE); /* the lowest page: the guard here */
    m = remap((uintptr_t)s, 16 * PAGE, 24 * PAGE, MREMAP_MAYMOVE, 0);
    check(m > 0 && all_bytes(m + PAGE, 15 * PAGE, 0x61) &&
              all_bytes(m + 16 * PAGE, 8 * PAGE, 0),
          "mremap moves a stack with its contents");
    h = m > 0 ? remap(m + 8 * PAGE, 8 * PAGE, 8 * PAGE,
                      MREMAP_MAYMOVE | MREMAP_FIXED, res + 120 * PAGE)
              : -1;
    check(h == (long)(res + 120 * PAGE) && all_bytes(h, 8 * PAGE, 0x61),
          "the upper half of a stack moves alone, every page readable");
    if (m > 0)
        unmap(m, 24 * PAGE);
    unmap(res + 120 * PAGE, 8 * PAGE);
}

static void test_memfd_truncate(void)
{
    int fd = (int)sys6(SYS_memfd_create, (long)"trunc", 0, 0, 0, 0, 0);
    char buf[16];
    long shm;

    if (fd < 0) {
        check(0, "memfd_create");
        return;
    }
    write(fd, "secret", 6);
    shm = sys6(SYS_mmap, 0, PAGE, RW, MAP_SHARED, fd, 0);
    check(shm > 0 && memcmp((void *)shm, "secret", 6) == 0,
          "a shared mapping of a memfd shows its bytes");
    ftruncate(fd, 0);
    ftruncate(fd, PAGE);
    memset(buf, 'x', sizeof(buf));
    check(pread(fd, buf, 6, 0) == 6 && all_bytes((uintptr_t)buf, 6, 0),
          "memfd: write, truncate to 0, grow: pread reads zeros");
    check(shm > 0 && all_bytes(shm, PAGE, 0),
          "memfd: the shared mapping reads zeros after truncate and regrow");
    lseek(fd, 0, SEEK_SET);
    write(fd, "ABCDEFGH", 8);
    ftruncate(fd, 3);
    ftruncate(fd, PAGE);
    memset(buf, 'x', sizeof(buf));
    check(pread(fd, buf, 8, 0) == 8 && memcmp(buf, "ABC\0\0\0\0\0", 8) == 0,
          "memfd: truncate to 3 and grow: the partial page is zero past 3");
    {
        long m = shm > 0 ? remap(shm, PAGE, 2 * PAGE, MREMAP_MAYMOVE, 0) : -1;
        lseek(fd, 0, SEEK_SET);
        write(fd, "Z", 1);
        check(m > 0 && ((char *)m)[0] == 'Z' && ((char *)m)[1] == 'B',
              "a moved shared memfd mapping still shares the file's page");
        shm = m > 0 ? m : shm;
    }
    unmap(shm, 2 * PAGE);
    close(fd);
}

int main(void)
{
    uintptr_t res = reserve(128);

    if (!res) {
        check(0, "reservation");
        return 1;
    }
    test_rights_move(res);
    test_in_place(res);
    test_fixed_dontunmap(res);
    test_errors(res);
    test_shared_fork(res);
    test_cow_fork(res);
    test_big_reservation();
    test_stack(res);
    test_memfd_truncate();
    return failures != 0;
}

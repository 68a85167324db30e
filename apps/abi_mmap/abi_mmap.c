/*
 * abi_mmap: every mmap flag combination of issue 6 with its Linux result,
 * through raw system calls (the C library's wrappers round addresses and
 * reject some arguments before the kernel sees them).  Addresses under test
 * are carved out of a private reservation, so "free" ranges really are.
 * One "ok - name" line per check; exit status 0 only if all passed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "apps/include/check.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

#define PAGE 4096UL
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#define RW (PROT_READ | PROT_WRITE)
#define KERNEL_PTR 0xffffffff81000000UL

/* Raw calls: the address (or 0) on success, -errno on failure. */
static long sys6(long nr, long a, long b, long c, long d, long e, long f)
{
    long r;

    errno = 0;
    r = syscall(nr, a, b, c, d, e, f);
    return r == -1 ? -errno : r;
}

static long map(uintptr_t addr, size_t len, int prot, int flags, long off)
{
    return sys6(SYS_mmap, addr, len, prot, flags, -1, off);
}

static long unmap(uintptr_t addr, size_t len)
{
    return sys6(SYS_munmap, addr, len, 0, 0, 0, 0);
}

static long protect(uintptr_t addr, size_t len, int prot)
{
    return sys6(SYS_mprotect, addr, len, prot, 0, 0, 0);
}

/* True if [p, p + n) holds only byte c. */
static int all_bytes(uintptr_t p, size_t n, int c)
{
    for (size_t i = 0; i < n; i++)
        if (((unsigned char *)p)[i] != c)
            return 0;
    return 1;
}

/* Fills every page of [p, p + n) to prove it is writable. */
static void fill(uintptr_t p, size_t n, int c)
{
    memset((void *)p, c, n);
}

static void test_basic_flags(void)
{
    long p = map(0, 16 * PAGE, RW, ANON, 0);
    long s = map(0, 4 * PAGE, RW, MAP_SHARED | MAP_ANONYMOUS, 0);
    long pop = map(0, 8 * PAGE, RW, ANON | MAP_POPULATE, 0);
    long popr = map(0, 2 * PAGE, PROT_READ, ANON | MAP_POPULATE, 0);
    long stk = map(0, 8 * PAGE, RW, ANON | MAP_STACK, 0);

    check(p > 0 && p % PAGE == 0 && all_bytes(p, 16 * PAGE, 0),
          "mmap MAP_PRIVATE|MAP_ANONYMOUS gives zeroed pages");
    if (p > 0)
        fill(p, 16 * PAGE, 0x5a);
    check(p > 0 && all_bytes(p, 16 * PAGE, 0x5a),
          "mmap private anonymous is writable");
    check(s > 0 && all_bytes(s, 4 * PAGE, 0), "mmap MAP_SHARED|MAP_ANONYMOUS");
    if (s > 0)
        fill(s, 4 * PAGE, 1);
    check(pop > 0 && all_bytes(pop, 8 * PAGE, 0), "mmap MAP_POPULATE");
    if (pop > 0)
        fill(pop, 8 * PAGE, 2);
    check(popr > 0 && all_bytes(popr, 2 * PAGE, 0),
          "mmap MAP_POPULATE read-only");
    check(stk > 0 && (fill(stk, 8 * PAGE, 3), all_bytes(stk, 8 * PAGE, 3)),
          "mmap MAP_STACK");
    check(unmap(p, 16 * PAGE) == 0 && unmap(s, 4 * PAGE) == 0 &&
              unmap(pop, 8 * PAGE) == 0 && unmap(popr, 2 * PAGE) == 0 &&
              unmap(stk, 8 * PAGE) == 0,
          "munmap of each mapping");
}

/* A reservation of 16 pages r; pages [0,4) mapped with 'A', rest free. */
static void test_fixed(void)
{
    long r = map(0, 16 * PAGE, PROT_NONE, ANON, 0), a, f;

    if (r < 0 || unmap(r, 16 * PAGE) != 0 ||
        map(r, 4 * PAGE, RW, ANON | MAP_FIXED, 0) != r) {
        check(0, "mmap MAP_FIXED on a free range");
        return;
    }
    a = r;
    fill(a, 4 * PAGE, 'A');
    f = map(a + PAGE, PAGE, RW, ANON | MAP_FIXED, 0);
    check(f == a + (long)PAGE && all_bytes(a + PAGE, PAGE, 0) &&
              all_bytes(a, PAGE, 'A') && all_bytes(a + 2 * PAGE, 2 * PAGE, 'A'),
          "mmap MAP_FIXED replaces exactly the pages it covers");
    check(map(a + 2 * PAGE, PAGE, RW, ANON | MAP_FIXED_NOREPLACE, 0) == -EEXIST,
          "mmap MAP_FIXED_NOREPLACE over a mapping is EEXIST");
    check(map(a + 3 * PAGE, 2 * PAGE, RW, ANON | MAP_FIXED_NOREPLACE, 0) ==
                  -EEXIST &&
              all_bytes(a + 3 * PAGE, PAGE, 'A'),
          "mmap MAP_FIXED_NOREPLACE partly over a mapping is EEXIST");
    check(map(a + 5 * PAGE, PAGE, RW, ANON | MAP_FIXED_NOREPLACE, 0) ==
              a + 5 * (long)PAGE,
          "mmap MAP_FIXED_NOREPLACE on a free range");
    check(map(a + 7 * PAGE, PAGE, RW, ANON, 0) == a + 7 * (long)PAGE,
          "mmap hint on a free range is honoured");
    check(map(a + 2 * PAGE + 1, PAGE, RW, ANON | MAP_FIXED, 0) == -EINVAL,
          "mmap MAP_FIXED unaligned address is EINVAL");
    /* Holes at 4, 6, 8..15: unmapping over them is fine. */
    check(unmap(a, 16 * PAGE) == 0, "munmap over holes succeeds");
    check(unmap(a, 16 * PAGE) == 0, "munmap of an unmapped range succeeds");
}

static void test_protect(void)
{
    long a = map(0, 3 * PAGE, RW, ANON, 0);

    check(a > 0 && protect(a, 3 * PAGE, PROT_READ) == 0 &&
              protect(a + PAGE, PAGE, RW) == 0,
          "mprotect of mapped pages");
    check(protect(a + 1, PAGE, PROT_READ) == -EINVAL,
          "mprotect unaligned address is EINVAL");
    check(protect(a, 0, PROT_READ) == 0, "mprotect of zero length is 0");
    unmap(a + PAGE, PAGE);
    check(protect(a, 3 * PAGE, RW) == -ENOMEM,
          "mprotect over a hole is ENOMEM");
    check(protect(a + PAGE, PAGE, RW) == -ENOMEM,
          "mprotect of an unmapped range is ENOMEM");
    unmap(a, 3 * PAGE);
}

static void test_prot_none_reservation(void)
{
    size_t len = 256UL << 20;
    long r = map(0, len, PROT_NONE, ANON, 0);
    uintptr_t mid = r + len / 2;

    check(r > 0, "mmap PROT_NONE reservation of 256 MiB");
    check(r > 0 && protect(mid, 4 * PAGE, RW) == 0 &&
              (fill(mid, 4 * PAGE, 9), all_bytes(mid, 4 * PAGE, 9)),
          "mprotect part of a reservation writable");
    check(r > 0 && unmap(r, len) == 0, "munmap of the reservation");
}

static void test_bad_arguments(void)
{
    long a = map(0, 2 * PAGE, RW, ANON, 0);

    check(map(0, 0, RW, ANON, 0) == -EINVAL, "mmap zero length is EINVAL");
    check(unmap(a, 0) == -EINVAL, "munmap zero length is EINVAL");
    check(unmap(a + 1, PAGE) == -EINVAL, "munmap unaligned address is EINVAL");
    check(map(0, PAGE, RW, ANON, 1) == -EINVAL,
          "mmap unaligned offset is EINVAL");
    check(map(0, PAGE, RW, MAP_ANONYMOUS, 0) == -EINVAL,
          "mmap neither private nor shared is EINVAL");
    check(map(0, 1UL << 62, RW, ANON, 0) == -ENOMEM,
          "mmap huge length is ENOMEM");
    check(map(0, SIZE_MAX, RW, ANON, 0) == -ENOMEM,
          "mmap length that overflows when rounded is ENOMEM");
    check(map(KERNEL_PTR, PAGE, RW, ANON | MAP_FIXED, 0) == -ENOMEM,
          "mmap MAP_FIXED at a kernel address is ENOMEM");
    check(sys6(SYS_mmap, 0, PAGE, PROT_READ, MAP_PRIVATE, 12345, 0) == -EBADF,
          "mmap of a bad fd is EBADF");
    unmap(a, 2 * PAGE);
}

static void test_madvise_mremap(void)
{
    long a = map(0, 4 * PAGE, RW, ANON, 0), b;

    fill(a, 4 * PAGE, 7);
    check(sys6(SYS_madvise, a, 4 * PAGE, MADV_DONTNEED, 0, 0, 0) == 0 &&
              all_bytes(a, 4 * PAGE, 0),
          "madvise MADV_DONTNEED zeroes private anonymous pages");
    fill(a, 4 * PAGE, 8);
    b = sys6(SYS_mremap, a, 4 * PAGE, 64 * PAGE, MREMAP_MAYMOVE, 0, 0);
    check(b > 0 && all_bytes(b, 4 * PAGE, 8) &&
              all_bytes(b + 4 * PAGE, 60 * PAGE, 0),
          "mremap grows and keeps the contents");
    unmap(b > 0 ? b : a, b > 0 ? 64 * PAGE : 4 * PAGE);
}

int main(void)
{
    test_basic_flags();
    test_fixed();
    test_protect();
    test_prot_none_reservation();
    test_bad_arguments();
    test_madvise_mremap();
    return failures != 0;
}

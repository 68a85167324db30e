/*
 * abi_mspace: the kernel's own memory calls (libc-shim/mspace.h, system
 * calls 1000-1003) through the shim's binding: map (with alignment,
 * FIXED, populate, heap), protect, release and unmap, and their errors.
 * On Linux the binding falls back to mmap, which must give the same
 * results: the boot suite compares both runs.  One "ok - name" line per
 * check; exit status 0 only if all passed.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "apps/include/check.h"
#include "libc-shim/mspace.h"

#define PAGE 4096ul

static int all_bytes(const char *p, size_t n, int c)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)p[i] != c)
            return 0;
    return 1;
}

static void test_map(void)
{
    char *p = mspace_map(NULL, 16 * PAGE, PROT_READ | PROT_WRITE, 0, 0);
    check(!mspace_failed(p) && (uintptr_t)p % PAGE == 0 &&
              all_bytes(p, 16 * PAGE, 0),
          "mspace map gives zeroed pages");
    if (!mspace_failed(p))
        memset(p, 7, 16 * PAGE);
    check(!mspace_failed(p) && all_bytes(p, 16 * PAGE, 7),
          "mspace map is writable");
    char *h = mspace_map(NULL, 8 * PAGE, PROT_READ | PROT_WRITE,
                         MSPACE_HEAP | MSPACE_POPULATE, 0);
    check(!mspace_failed(h) && all_bytes(h, 8 * PAGE, 0),
          "mspace map heap populated");
    char *a = mspace_map(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, 0, 2ul << 20);
    check(!mspace_failed(a) && (uintptr_t)a % (2ul << 20) == 0,
          "mspace map aligned to 2 MiB");
    check(mspace_unmap(p, 16 * PAGE) == 0 && mspace_unmap(h, 8 * PAGE) == 0 &&
              mspace_unmap(a, 4 * PAGE) == 0,
          "mspace unmap");
}

static void test_fixed(void)
{
    char *r = mspace_map(NULL, 8 * PAGE, PROT_NONE, 0, 0);
    if (mspace_failed(r) || mspace_unmap(r + 4 * PAGE, 4 * PAGE) != 0) {
        check(0, "mspace fixed: set-up");
        return;
    }
    check(mspace_map(r, PAGE, PROT_READ, MSPACE_FIXED, 0) ==
              (void *)(intptr_t)-EEXIST,
          "mspace map FIXED over a mapping is EEXIST");
    check(mspace_map(r + 4 * PAGE, 2 * PAGE, PROT_READ | PROT_WRITE,
                     MSPACE_FIXED, 0) == r + 4 * PAGE,
          "mspace map FIXED on a free range");
    check(mspace_unmap(r, 8 * PAGE) == 0, "mspace unmap over a hole");
}

static void test_protect_release(void)
{
    char *p = mspace_map(NULL, 4 * PAGE, PROT_NONE, 0, 0);
    check(!mspace_failed(p) &&
              mspace_protect(p, 4 * PAGE, PROT_READ | PROT_WRITE) == 0,
          "mspace protect a reservation writable");
    if (mspace_failed(p))
        return;
    memset(p, 9, 4 * PAGE);
    check(mspace_protect(p, PAGE, PROT_READ) == 0 && p[0] == 9,
          "mspace protect read-only keeps the contents");
    check(mspace_release(p, 4 * PAGE) == 0, "mspace release");
    check(mspace_protect(p, 4 * PAGE, PROT_READ | PROT_WRITE) == 0 &&
              all_bytes(p, 4 * PAGE, 0),
          "mspace released pages come back zeroed");
    check(mspace_unmap(p, 4 * PAGE) == 0, "mspace unmap after release");
}

static void test_errors(void)
{
    char *p = mspace_map(NULL, PAGE, PROT_READ, 0, 0);
    check(mspace_map(NULL, 0, PROT_READ, 0, 0) == (void *)(intptr_t)-EINVAL,
          "mspace map zero length is EINVAL");
    check(mspace_map(NULL, 100, PROT_READ, 0, 0) == (void *)(intptr_t)-EINVAL,
          "mspace map partial page is EINVAL");
    check(mspace_map(NULL, PAGE, PROT_READ, 0, 3 * PAGE) ==
              (void *)(intptr_t)-EINVAL,
          "mspace map alignment not a power of two is EINVAL");
    check(mspace_unmap(p + 1, PAGE) == -EINVAL,
          "mspace unmap unaligned is EINVAL");
    check(mspace_protect(p, 0, PROT_READ) == -EINVAL,
          "mspace protect zero length is EINVAL");
    mspace_unmap(p, PAGE);
}

int main(void)
{
    struct mspace_stats st;
    test_map();
    test_fixed();
    test_protect_release();
    test_errors();
    mspace_stats(&st);
    printf("# %s: %lu maps, %lu unmaps, %lu protects, %lu releases\n",
           st.native ? "kernel mspace calls" : "mmap fallback", st.maps,
           st.unmaps, st.protects, st.releases);
    return failures != 0;
}

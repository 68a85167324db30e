/* tests/unit/mm_testlib.h - helpers shared by the mspace/fault tests:
 * layout tables, leak counters, a simulated CPU access, the
 * fault-injection loop. */
#ifndef MM_TESTLIB_H
#define MM_TESTLIB_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <errno.h>

#include "mm/inode.h"
#include "mm/internal.h"
#include "mm/page.h"
#include "tests/unit/fake_mmu.h"

#define U MSPACE_USER_LOWER
#define PG PAGE_SIZE
#define RW (VMA_READ | VMA_WRITE)

typedef struct layout {
    uintptr_t base;
    size_t length;
    int flags; /* compared on VMA_RIGHTS | VMA_SHARING | VMA_TYPE | VMA_DEAD */
} layout_t;

#define LAYOUT_MASK (VMA_RIGHTS | VMA_SHARING | VMA_TYPE | VMA_DEAD)

/* Compares the whole VMA list of `ms` with `want[n]`, then every invariant. */
static inline void check_layout_(mspace_t *ms, const layout_t *want, size_t n,
                                 const char *file, int line)
{
    size_t i = 0;
    for (bbnode_t *x = bbtree_first(&ms->tree); x; x = bbtree_next(x), i++) {
        vma_t *v = (vma_t *)x;
        if (i >= n || vma_base(v) != want[i].base ||
            v->length != want[i].length ||
            (v->flags & LAYOUT_MASK) != want[i].flags) {
            fprintf(stderr, "%s:%d: vma %zu is %#lx+%#zx flags %#x\n", file,
                    line, i, (unsigned long)vma_base(v), v->length,
                    v->flags & LAYOUT_MASK);
            fail();
        }
    }
    if (i != n) {
        fprintf(stderr, "%s:%d: %zu vmas, want %zu\n", file, line, i, n);
        fail();
    }
    mspace_check(ms);
    assert_int_equal(fake_mmu_count(ms->directory), ms->phys_pg_count);
    assert_int_equal(fake_mmu_pending(ms->directory), 0);
}
#define check_layout(ms, ...)                                                  \
    do {                                                                       \
        const layout_t want_[] = {__VA_ARGS__};                                \
        check_layout_(ms, want_, sizeof(want_) / sizeof(want_[0]), __FILE__,   \
                      __LINE__);                                               \
    } while (0)
#define check_empty(ms) check_layout_(ms, NULL, 0, __FILE__, __LINE__)

/* Leak counters taken before a test and compared after. */
static size_t frames_before;
static long allocs_before;
static size_t commit_before;

static inline int leak_setup(void **state)
{
    (void)state;
    fake_mmu_setup();
    mm_zero_page();
    mm_commit_set_limit(1024);
    frames_before = page_free_count();
    allocs_before = fake_alloc_live();
    commit_before = mm_committed();
    return 0;
}

static inline int leak_teardown(void **state)
{
    (void)state;
    fake_alloc_fail_nth(0);
    page_fail_nth(0);
    fake_mmu_fail_nth(0);
    assert_int_equal(page_free_count(), frames_before);
    assert_int_equal(fake_alloc_live(), allocs_before);
    assert_int_equal(mm_committed(), commit_before);
    assert_int_equal(fake_mmu_live_dirs(), 0);
    return 0;
}

/* A CPU access: the hardware check, the fault handler on a miss, retry.
 * Returns the fault verdict (MM_FAULT_OK when the access went through). */
static inline mm_fault_t cpu_touch(mspace_t *ms, uintptr_t va, int access)
{
    if (fake_mmu_access(ms->directory, va, access))
        return MM_FAULT_OK;
    mm_fault_t f = mspace_resolve(ms, va, access | FAULT_USER);
    if (f == MM_FAULT_OK)
        assert_true(fake_mmu_access(ms->directory, va, access));
    return f;
}

static inline void *map_ok(mspace_t *ms, uintptr_t a, size_t len, int flags)
{
    void *r = mspace_map(ms, a, len, NULL, 0, 0, flags);
    assert_int_equal(mspace_error(r), 0);
    return r;
}

/* Runs `scenario` on a fresh space with the n-th allocation of one kind
 * failing (inject(n); the scenario may swap *msp for a clone), for n = 1,
 * 2, ... until a run completes; after each run the space is closed and
 * no frame, descriptor or commit may be left over.  Returns the number of
 * runs an injected failure stopped. */
static inline unsigned long fault_loop(void (*inject)(unsigned long),
                                       bool (*scenario)(mspace_t **msp))
{
    unsigned long n;
    for (n = 1;; n++) {
        mspace_t *ms = mspace_create();
        assert_non_null(ms);
        fake_mmu_fail_nth(0);
        page_fail_nth(0);
        fake_alloc_fail_nth(0);
        inject(n);
        bool done = scenario(&ms);
        inject(0);
        mspace_close(ms);
        assert_int_equal(page_free_count(), frames_before);
        assert_int_equal(fake_alloc_live(), allocs_before);
        assert_int_equal(mm_committed(), commit_before);
        if (done)
            return n - 1;
    }
}

#define TEST(fn) cmocka_unit_test_setup_teardown(fn, leak_setup, leak_teardown)

#endif /* MM_TESTLIB_H */

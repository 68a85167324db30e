/* tests/unit/test_mm_huge.c - superpages (mm/huge.c) over the fake MMU:
 * first touch, the policy and madvise, placement, demotion by munmap,
 * mprotect, madvise(DONTNEED), mremap and a fork's COW, shared anonymous
 * superpages, and every injected failure; frames, commit and the
 * invariants (mspace_check) exact after each step. */
#include "tests/unit/mm_testlib.h"

#define HP MMU_LARGE_SIZE
#define HU (U + HP) /* a superpage boundary inside the window */

static int huge_setup(void **state)
{
    leak_setup(state);
    mm_commit_set_limit(8192);
    commit_before = mm_committed();
    mm_set_huge_policy(MM_HUGE_ALWAYS);
    return 0;
}

static int huge_teardown(void **state)
{
    mm_set_huge_policy(MM_HUGE_NEVER);
    return leak_teardown(state);
}

#define HTEST(fn) cmocka_unit_test_setup_teardown(fn, huge_setup, huge_teardown)

/* Fills [va, va + len) of `ms` (present) with a pattern of the address. */
static void fill(mspace_t *ms, uintptr_t va, size_t len)
{
    for (uintptr_t a = va; a < va + len; a += PG)
        *(uintptr_t *)fake_mmu_ptr(ms->directory, a) = a ^ 0x5a5a;
}

/* True when every page of [va, va + len) holds fill's pattern. */
static bool filled(mspace_t *ms, uintptr_t va, size_t len, uintptr_t was)
{
    for (uintptr_t a = va; a < va + len; a += PG) {
        unsigned char *p = fake_mmu_ptr(ms->directory, a);
        if (!p || *(uintptr_t *)p != ((a - va + was) ^ 0x5a5a))
            return false;
    }
    return true;
}

static bool is_huge(mspace_t *ms, uintptr_t va)
{
    return mmu_query(ms->directory, va, NULL) & MMU_LARGE;
}

static void test_first_touch(void **state)
{
    (void)state;
    mspace_t *ms = mspace_create();
    map_ok(ms, HU, 2 * HP, RW | VMA_FIXED);
    size_t frames = page_free_count();
    assert_int_equal(cpu_touch(ms, HU + 5 * PG, MMU_WRITE), MM_FAULT_OK);
    assert_true(is_huge(ms, HU) && is_huge(ms, HU + HP - PG));
    assert_int_equal(ms->phys_pg_count, MMU_LARGE_PAGES);
    assert_int_equal(ms->huge_count, 1);
    assert_int_equal(mm_huge_mapped(), 1);
    assert_int_equal(page_free_count(), frames - MMU_LARGE_PAGES);
    phys_addr_t pa;
    mmu_query(ms->directory, HU + 7 * PG, &pa);
    assert_int_equal(pa & (HP - 1), 7 * PG); /* one aligned block */
    unsigned char *p = fake_mmu_ptr(ms->directory, HU);
    for (size_t i = 0; i < HP; i += 997)
        assert_int_equal(p[i], 0);
    /* a read of a committed writable VMA takes its superpage too */
    assert_int_equal(cpu_touch(ms, HU + HP + 3, MMU_READ), MM_FAULT_OK);
    assert_true(is_huge(ms, HU + HP));
    assert_int_equal(mspace_huge_pages(ms, U, MSPACE_USER_UPPER), 2);
    assert_int_equal(mspace_huge_pages(ms, HU + HP, HU + 2 * HP), 1);
    fill(ms, HU, 2 * HP);
    assert_true(filled(ms, HU, 2 * HP, HU));
    check_layout(ms, {HU, 2 * HP, RW | VMA_COW | VMA_ANON});
    mspace_close(ms);
    assert_int_equal(mm_huge_mapped(), 0);
}

static void test_not_eligible(void **state)
{
    (void)state;
    mspace_t *ms = mspace_create();
    /* not holding an aligned 2 MiB, read-only, a stack, shared file-less
     * but too short: all 4 KiB pages */
    map_ok(ms, HU + PG, HP, RW | VMA_FIXED);
    map_ok(ms, HU + 2 * HP, HP, VMA_READ | VMA_FIXED);
    map_ok(ms, HU + 4 * HP, HP, RW | VMA_STACK | VMA_FIXED);
    assert_int_equal(cpu_touch(ms, HU + HP, MMU_WRITE), MM_FAULT_OK);
    assert_int_equal(cpu_touch(ms, HU + 2 * HP, MMU_READ), MM_FAULT_OK);
    assert_int_equal(cpu_touch(ms, HU + 5 * HP - PG, MMU_WRITE), MM_FAULT_OK);
    assert_int_equal(ms->huge_count, 0);
    /* a page already present keeps the range small */
    map_ok(ms, HU + 6 * HP, HP, RW | VMA_FIXED);
    mm_set_huge_policy(MM_HUGE_NEVER);
    assert_int_equal(cpu_touch(ms, HU + 6 * HP, MMU_WRITE), MM_FAULT_OK);
    mm_set_huge_policy(MM_HUGE_ALWAYS);
    assert_int_equal(cpu_touch(ms, HU + 6 * HP + PG, MMU_WRITE), MM_FAULT_OK);
    assert_int_equal(ms->huge_count, 0);
    assert_int_equal(ms->phys_pg_count, 5);
    mspace_check(ms);
    mspace_close(ms);
}

static void test_policy_and_advice(void **state)
{
    (void)state;
    mspace_t *ms = mspace_create();
    map_ok(ms, HU, 3 * HP, RW | VMA_FIXED);
    mm_set_huge_policy(MM_HUGE_MADVISE);
    assert_int_equal(cpu_touch(ms, HU, MMU_WRITE), MM_FAULT_OK);
    assert_false(is_huge(ms, HU));
    assert_int_equal(mspace_advise_huge(ms, HU + HP, HP, true), 0);
    check_layout(ms, {HU, HP, RW | VMA_COW | VMA_ANON},
                 {HU + HP, HP, RW | VMA_COW | VMA_ANON},
                 {HU + 2 * HP, HP, RW | VMA_COW | VMA_ANON});
    assert_int_equal(cpu_touch(ms, HU + HP, MMU_WRITE), MM_FAULT_OK);
    assert_true(is_huge(ms, HU + HP));
    assert_int_equal(cpu_touch(ms, HU + 2 * HP, MMU_WRITE), MM_FAULT_OK);
    assert_false(is_huge(ms, HU + 2 * HP));
    /* NOHUGEPAGE under "always"; advice back to the default merges */
    mm_set_huge_policy(MM_HUGE_ALWAYS);
    map_ok(ms, HU + 4 * HP, HP, RW | VMA_FIXED);
    assert_int_equal(mspace_advise_huge(ms, HU + 4 * HP, HP, false), 0);
    assert_int_equal(cpu_touch(ms, HU + 4 * HP, MMU_WRITE), MM_FAULT_OK);
    assert_false(is_huge(ms, HU + 4 * HP));
    /* a hole or a bad range: nothing changes */
    assert_int_equal(mspace_advise_huge(ms, HU + 3 * HP, 2 * HP, true),
                     -ENOMEM);
    assert_int_equal(mspace_advise_huge(ms, HU + 1, HP, true), -EINVAL);
    /* the advice over a superpage's edge demotes it, then splits */
    assert_int_equal(mspace_advise_huge(ms, HU + HP + PG, PG, false), 0);
    assert_int_equal(ms->huge_count, 0);
    mspace_check(ms);
    mspace_close(ms);
}

static void test_placement(void **state)
{
    (void)state;
    mspace_t *ms = mspace_create();
    map_ok(ms, U, PG, RW | VMA_FIXED);
    void *small = map_ok(ms, 0, 3 * PG, RW);
    void *big = map_ok(ms, 0, HP + 3 * PG, RW);
    assert_int_equal((uintptr_t)big & (HP - 1), 0);
    assert_int_equal((uintptr_t)small, U + PG); /* small ones stay packed */
    mm_set_huge_policy(MM_HUGE_NEVER);
    void *packed = map_ok(ms, 0, HP, RW);
    assert_int_equal((uintptr_t)packed, (uintptr_t)big + HP + 3 * PG);
    mspace_check(ms);
    mspace_close(ms);
}

/* A space with one superpage at HU (VMA [HU, HU + 2 HP)), filled. */
static mspace_t *one_huge(void)
{
    mspace_t *ms = mspace_create();
    map_ok(ms, HU, 2 * HP, RW | VMA_FIXED);
    assert_int_equal(cpu_touch(ms, HU, MMU_WRITE), MM_FAULT_OK);
    assert_true(is_huge(ms, HU));
    fill(ms, HU, HP);
    return ms;
}

static void test_demote_unmap(void **state)
{
    (void)state;
    mspace_t *ms = one_huge();
    size_t frames = page_free_count();
    assert_int_equal(mspace_unmap(ms, HU + 9 * PG, PG), 0);
    assert_int_equal(ms->huge_count, 0);
    assert_int_equal(ms->phys_pg_count, MMU_LARGE_PAGES - 1);
    assert_int_equal(page_free_count(), frames + 1); /* fake tables: no frame */
    assert_true(filled(ms, HU, 9 * PG, HU));
    assert_true(filled(ms, HU + 10 * PG, HP - 10 * PG, HU + 10 * PG));
    check_layout(ms, {HU, 9 * PG, RW | VMA_COW | VMA_ANON},
                 {HU + 10 * PG, 2 * HP - 10 * PG, RW | VMA_COW | VMA_ANON});
    mspace_close(ms);
    /* unmapping a whole superpage frees its block, without a table */
    ms = one_huge();
    frames = page_free_count();
    assert_int_equal(mspace_unmap(ms, HU, HP), 0);
    assert_int_equal(page_free_count(), frames + MMU_LARGE_PAGES);
    assert_int_equal(ms->phys_pg_count, 0);
    check_layout(ms, {HU + HP, HP, RW | VMA_COW | VMA_ANON});
    mspace_close(ms);
}

static void test_demote_protect(void **state)
{
    (void)state;
    mspace_t *ms = one_huge();
    assert_int_equal(mspace_protect(ms, HU, HP, RW), 0); /* same rights */
    assert_true(is_huge(ms, HU));
    assert_int_equal(mspace_protect(ms, HU + HP - PG, 2 * PG, VMA_READ), 0);
    assert_false(is_huge(ms, HU));
    assert_false(mmu_query(ms->directory, HU + HP - PG, NULL) & MMU_WRITE);
    assert_true(mmu_query(ms->directory, HU + HP - 2 * PG, NULL) & MMU_WRITE);
    assert_true(filled(ms, HU, HP, HU));
    check_layout(ms, {HU, HP - PG, RW | VMA_COW | VMA_ANON},
                 {HU + HP - PG, 2 * PG, VMA_READ | VMA_COW | VMA_ANON},
                 {HU + HP + PG, HP - PG, RW | VMA_COW | VMA_ANON});
    mspace_close(ms);
}

static void test_demote_discard(void **state)
{
    (void)state;
    mspace_t *ms = one_huge();
    size_t frames = page_free_count();
    assert_int_equal(mspace_discard(ms, HU + 4 * PG, 2 * PG), 0);
    assert_int_equal(ms->huge_count, 0);
    assert_int_equal(page_free_count(), frames + 2);
    assert_int_equal(cpu_touch(ms, HU + 4 * PG, MMU_READ), MM_FAULT_OK);
    assert_int_equal(*fake_mmu_ptr(ms->directory, HU + 4 * PG), 0);
    assert_true(filled(ms, HU + 6 * PG, HP - 6 * PG, HU + 6 * PG));
    check_layout(ms, {HU, 2 * HP, RW | VMA_COW | VMA_ANON});
    /* a discard of the whole superpage drops the block at once */
    assert_int_equal(cpu_touch(ms, HU + HP, MMU_WRITE), MM_FAULT_OK);
    frames = page_free_count();
    assert_int_equal(mspace_discard(ms, HU + HP, HP), 0);
    assert_int_equal(page_free_count(), frames + MMU_LARGE_PAGES);
    mspace_check(ms);
    mspace_close(ms);
}

static void test_demote_remap(void **state)
{
    (void)state;
    mspace_t *ms = one_huge();
    void *to = mspace_remap(ms, HU, 2 * HP, 3 * HP, MSPACE_REMAP_MAYMOVE |
                                                    MSPACE_REMAP_FIXED,
                            HU + 4 * HP);
    assert_ptr_equal(to, (void *)(HU + 4 * HP));
    assert_int_equal(ms->huge_count, 0);
    assert_true(filled(ms, HU + 4 * HP, HP, HU));
    check_layout(ms, {HU + 4 * HP, 3 * HP, RW | VMA_COW | VMA_ANON});
    /* growing in place keeps it */
    assert_int_equal(cpu_touch(ms, HU + 6 * HP, MMU_WRITE), MM_FAULT_OK);
    assert_true(is_huge(ms, HU + 6 * HP));
    to = mspace_remap(ms, HU + 4 * HP, 3 * HP, 4 * HP, 0, 0);
    assert_ptr_equal(to, (void *)(HU + 4 * HP));
    assert_true(is_huge(ms, HU + 6 * HP));
    /* shrinking through it demotes */
    to = mspace_remap(ms, HU + 4 * HP, 4 * HP, 2 * HP + PG, 0, 0);
    assert_false(is_huge(ms, HU + 6 * HP));
    assert_int_equal(ms->phys_pg_count, MMU_LARGE_PAGES + 1);
    mspace_check(ms);
    mspace_close(ms);
}

static void test_fork_cow(void **state)
{
    (void)state;
    mspace_t *parent = one_huge();
    size_t frames = page_free_count();
    mspace_t *child = mspace_clone(parent);
    assert_non_null(child);
    assert_true(is_huge(child, HU) && is_huge(parent, HU));
    assert_false(mmu_query(parent->directory, HU, NULL) & MMU_WRITE);
    assert_int_equal(mm_huge_mapped(), 2);
    assert_true(filled(child, HU, HP, HU));
    /* the child writes: demoted there (a table), one page copied */
    size_t after_clone = page_free_count();
    assert_int_equal(cpu_touch(child, HU + 3 * PG, MMU_WRITE), MM_FAULT_OK);
    *(uintptr_t *)fake_mmu_ptr(child->directory, HU + 3 * PG) = 7;
    assert_false(is_huge(child, HU));
    assert_true(is_huge(parent, HU));
    assert_int_equal(page_free_count(), after_clone - 1);
    assert_true(filled(parent, HU, HP, HU));
    assert_true(filled(child, HU + 4 * PG, HP - 4 * PG, HU + 4 * PG));
    mspace_check(parent);
    mspace_check(child);
    /* the parent alone again: its write keeps the superpage */
    mspace_close(child);
    assert_int_equal(cpu_touch(parent, HU + 3 * PG, MMU_WRITE), MM_FAULT_OK);
    assert_true(is_huge(parent, HU));
    assert_true(mmu_query(parent->directory, HU + 100 * PG, NULL) & MMU_WRITE);
    assert_int_equal(page_free_count(), frames);
    check_layout(parent, {HU, 2 * HP, RW | VMA_COW | VMA_ANON});
    /* a fork whose child is still there: the parent's write demotes */
    child = mspace_clone(parent);
    assert_int_equal(cpu_touch(parent, HU, MMU_WRITE), MM_FAULT_OK);
    assert_false(is_huge(parent, HU));
    assert_true(filled(child, HU + PG, HP - PG, HU + PG));
    mspace_close(child);
    mspace_check(parent);
    mspace_close(parent);
}

static void test_shared_anon(void **state)
{
    (void)state;
    mspace_t *ms = mspace_create();
    size_t shmem = mm_shmem();
    /* shared anonymous memory is populated at map: as one superpage */
    map_ok(ms, HU, HP, RW | VMA_SHARED | VMA_FIXED);
    assert_true(is_huge(ms, HU));
    assert_int_equal(mm_shmem(), shmem + MMU_LARGE_PAGES);
    fill(ms, HU, HP);
    mspace_t *child = mspace_clone(ms);
    assert_true(mmu_query(child->directory, HU, NULL) & MMU_WRITE);
    *(uintptr_t *)fake_mmu_ptr(child->directory, HU + PG) = 42;
    assert_int_equal(*(uintptr_t *)fake_mmu_ptr(ms->directory, HU + PG), 42);
    mspace_close(child);
    assert_int_equal(mm_shmem(), shmem + MMU_LARGE_PAGES);
    assert_int_equal(mspace_unmap(ms, HU + PG, PG), 0); /* demoted */
    assert_int_equal(mm_shmem(), shmem + MMU_LARGE_PAGES - 1);
    mspace_check(ms);
    mspace_close(ms);
    assert_int_equal(mm_shmem(), shmem);
}

/* Every step above, under injected failures. */
static bool huge_scenario(mspace_t **msp)
{
    mspace_t *ms = *msp;
    if (mspace_error(mspace_map(ms, HU, 3 * HP, NULL, 0, 0, RW | VMA_FIXED)))
        return false;
    if (cpu_touch(ms, HU, MMU_WRITE) != MM_FAULT_OK ||
        cpu_touch(ms, HU + HP, MMU_WRITE) != MM_FAULT_OK ||
        cpu_touch(ms, HU + 2 * HP, MMU_WRITE) != MM_FAULT_OK)
        return false;
    mspace_check(ms);
    if (ms->huge_count != 3)
        return false; /* an injected failure made one 4 KiB (checked) */
    mspace_t *child = mspace_clone(ms);
    if (!child)
        return false;
    mm_fault_t f = cpu_touch(child, HU + PG, MMU_WRITE);
    mspace_check(child);
    mspace_close(child);
    if (f != MM_FAULT_OK)
        return false;
    if (mspace_unmap(ms, HU + 5 * PG, PG) < 0 ||
        mspace_protect(ms, HU + HP + PG, PG, VMA_READ) < 0 ||
        mspace_discard(ms, HU + 2 * HP + PG, PG) < 0)
        return false;
    mspace_check(ms);
    return true;
}

static void inject_page(unsigned long n)
{
    page_fail_nth(n);
}
static void inject_mmu(unsigned long n)
{
    fake_mmu_fail_nth(n);
}
static void inject_alloc(unsigned long n)
{
    fake_alloc_fail_nth(n);
}

static void test_fault_injection(void **state)
{
    (void)state;
    assert_true(fault_loop(inject_page, huge_scenario) > 3);
    assert_true(fault_loop(inject_mmu, huge_scenario) > 3);
    assert_true(fault_loop(inject_alloc, huge_scenario) > 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        HTEST(test_first_touch),    HTEST(test_not_eligible),
        HTEST(test_policy_and_advice), HTEST(test_placement),
        HTEST(test_demote_unmap),   HTEST(test_demote_protect),
        HTEST(test_demote_discard), HTEST(test_demote_remap),
        HTEST(test_fork_cow),       HTEST(test_shared_anon),
        HTEST(test_fault_injection),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* tests/unit/test_mm_huge.c - superpages (mm/huge.c) over the fake MMU:
 * first touch, the policy and madvise, placement, demotion by munmap,
 * mprotect, madvise(DONTNEED), mremap and a fork's COW, shared anonymous
 * superpages, in-place promotion (mmu_promote; after mprotect, madvise
 * and a COW write once a fork is gone), MADV_COLLAPSE, and every injected
 * failure; frames, commit and the invariants (mspace_check) exact after
 * each step; the random model (tests/unit/huge_model.c) over all of it. */
#include "tests/unit/huge_model.h"
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
    /* a demoted span keeps its table while mapped (stays small); once
     * munmap empties it, the table goes and a superpage may come back */
    map_ok(ms, HU, HP, RW | VMA_FIXED);
    assert_int_equal(cpu_touch(ms, HU, MMU_WRITE), MM_FAULT_OK);
    assert_int_equal(mspace_unmap(ms, HU + PG, PG), 0);
    assert_int_equal(mspace_discard(ms, HU + 2 * PG, HP - 2 * PG), 0);
    assert_int_equal(cpu_touch(ms, HU + 2 * PG, MMU_WRITE), MM_FAULT_OK);
    assert_false(is_huge(ms, HU));
    assert_int_equal(mspace_unmap(ms, HU, HP), 0);
    map_ok(ms, HU, HP, RW | VMA_FIXED);
    assert_int_equal(cpu_touch(ms, HU, MMU_WRITE), MM_FAULT_OK);
    assert_true(is_huge(ms, HU));
    mspace_check(ms);
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

/* mremap(MAYMOVE | FIXED) onto a range covering a superpage whole: the
 * move replaces it, so nothing demoted it first, but the entries that land
 * in its span need a page table prepared under it (x86: a panic, "lies in
 * a large page"); found by fuzz_mm_huge.  A shared anonymous tail's
 * populated pages the same. */
static void test_remap_over_huge(void **state)
{
    (void)state;
    mspace_t *ms = one_huge();
    map_ok(ms, HU + 4 * HP, PG, RW | VMA_FIXED);
    assert_int_equal(cpu_touch(ms, HU + 4 * HP, MMU_WRITE), MM_FAULT_OK);
    *(uint32_t *)fake_mmu_ptr(ms->directory, HU + 4 * HP) = 77;
    void *to = mspace_remap(ms, HU + 4 * HP, PG, HP,
                            MSPACE_REMAP_MAYMOVE | MSPACE_REMAP_FIXED, HU);
    assert_ptr_equal(to, (void *)HU);
    assert_false(is_huge(ms, HU));
    assert_int_equal(*(uint32_t *)fake_mmu_ptr(ms->directory, HU), 77);
    assert_null(fake_mmu_ptr(ms->directory, HU + PG)); /* the new tail */
    assert_int_equal(ms->phys_pg_count, 1);
    check_layout(ms, {HU, 2 * HP, RW | VMA_COW | VMA_ANON});
    mspace_close(ms);

    ms = one_huge();
    map_ok(ms, HU + 4 * HP, PG, RW | VMA_SHARED | VMA_FIXED);
    *(uint32_t *)fake_mmu_ptr(ms->directory, HU + 4 * HP) = 78;
    to = mspace_remap(ms, HU + 4 * HP, PG, PG + HP,
                      MSPACE_REMAP_MAYMOVE | MSPACE_REMAP_FIXED, HU - PG);
    assert_ptr_equal(to, (void *)(HU - PG));
    assert_int_equal(*(uint32_t *)fake_mmu_ptr(ms->directory, HU - PG), 78);
    assert_false(is_huge(ms, HU));
    for (uintptr_t a = HU; a < HU + HP; a += PG) /* populated, zero */
        assert_int_equal(*(uint32_t *)fake_mmu_ptr(ms->directory, a), 0);
    check_layout(ms, {HU - PG, PG + HP, RW | VMA_SHARED | VMA_ANON},
                 {HU + HP, HP, RW | VMA_COW | VMA_ANON});
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


/* The arch/mmu.h verb itself, on the fake MMU: its flush rule (the span's
 * pending changes covered, one flush counted), the accessed/dirty state
 * kept, the table gone, -ENOENT without a table. */
static void test_mmu_promote(void **state)
{
    (void)state;
    mmu_dir_t *dir = mmu_dir_create();
    const int user = MMU_READ | MMU_WRITE | MMU_USER;
    phys_addr_t pa = page_new_huge();
    assert_true(pa && !(pa & (HP - 1)));
    assert_int_equal(mmu_promote(dir, HU, pa, user), -ENOENT);
    for (size_t i = 0; i < MMU_LARGE_PAGES; i++)
        assert_int_equal(mmu_map(dir, HU + i * PG, pa + i * PG, user), 0);
    assert_true(fake_mmu_access(dir, HU + 7 * PG, MMU_WRITE));
    assert_int_equal(mmu_protect(dir, HU + 9 * PG, MMU_READ | MMU_USER), 0);
    assert_int_equal(fake_mmu_pending(dir), 1);
    unsigned long flushes = fake_mmu_flushes();
    assert_int_equal(mmu_promote(dir, HU, pa, user), 0);
    assert_int_equal(fake_mmu_pending(dir), 0);
    assert_int_equal(fake_mmu_flushes(), flushes + 1);
    assert_int_equal(fake_mmu_tables(dir), 0);
    assert_int_equal(fake_mmu_count(dir), MMU_LARGE_PAGES);
    phys_addr_t at;
    assert_int_equal(mmu_query(dir, HU + 9 * PG, &at),
                     user | MMU_PRESENT | MMU_LARGE | MMU_ACCESSED | MMU_DIRTY);
    assert_int_equal(at, pa + 9 * PG);
    assert_int_equal(mmu_promote(dir, HU, pa, user), -ENOENT); /* large */
    int flags;
    assert_int_equal(mmu_unmap(dir, HU, &flags), pa);
    assert_true(flags & MMU_LARGE);
    mmu_flush(dir, HU, HP);
    assert_true(mmu_large_free(dir, HU));
    assert_int_equal(page_unref_range(pa, MMU_LARGE_PAGES), MMU_LARGE_PAGES);
    mmu_dir_destroy(dir);
}

/* Writes every page of [va, va + len) of `ms` 4 KiB at a time (under the
 * `never` policy: no superpage), last page first (so that the frames are
 * not one block in order), then fills them with fill's pattern. */
static void touch_small(mspace_t *ms, uintptr_t va, size_t len)
{
    enum mm_huge_policy was = mm_huge_policy();
    mm_set_huge_policy(MM_HUGE_NEVER);
    for (uintptr_t a = va + len; a > va; a -= PG)
        assert_int_equal(cpu_touch(ms, a - PG, MMU_WRITE), MM_FAULT_OK);
    mm_set_huge_policy(was);
    fill(ms, va, len);
}

static void test_promote_protect(void **state)
{
    (void)state;
    mspace_t *ms = one_huge();
    size_t frames = page_free_count(), tables = fake_mmu_tables(ms->directory);
    unsigned long promotes = fake_mmu_promotes();
    assert_int_equal(mspace_protect(ms, HU + 10 * PG, PG, VMA_READ), 0);
    assert_false(is_huge(ms, HU));
    assert_int_equal(fake_mmu_tables(ms->directory), tables + 1);
    assert_int_equal(mspace_huge_pages(ms, HU, HU + HP), 0);
    /* the rights back: one VMA again, the same block, one translation */
    assert_int_equal(mspace_protect(ms, HU + 10 * PG, PG, RW), 0);
    assert_true(is_huge(ms, HU));
    assert_int_equal(fake_mmu_promotes(), promotes + 1);
    assert_int_equal(fake_mmu_tables(ms->directory), tables); /* freed */
    assert_int_equal(fake_mmu_pending(ms->directory), 0);
    assert_true(mmu_query(ms->directory, HU + 10 * PG, NULL) & MMU_WRITE);
    assert_int_equal(ms->huge_count, 1);
    assert_int_equal(mm_huge_mapped(), 1);
    assert_int_equal(mspace_huge_pages(ms, HU, HU + HP), 1);
    assert_int_equal(ms->phys_pg_count, MMU_LARGE_PAGES);
    assert_int_equal(page_free_count(), frames);
    assert_true(filled(ms, HU, HP, HU));
    check_layout(ms, {HU, 2 * HP, RW | VMA_COW | VMA_ANON});
    /* a write through it: no fault needed, still one superpage */
    assert_true(fake_mmu_access(ms->directory, HU + 11 * PG, MMU_WRITE));
    /* a split VMA, or rights not restored, stays small */
    assert_int_equal(mspace_protect(ms, HU, HP, VMA_READ), 0);
    assert_false(is_huge(ms, HU)); /* rights changed: demoted, read-only */
    assert_int_equal(mspace_protect(ms, HU + PG, HP - PG, RW), 0);
    assert_false(is_huge(ms, HU));
    assert_int_equal(mspace_protect(ms, HU, PG, RW), 0);
    assert_true(is_huge(ms, HU));
    /* the policy `never` promotes nothing */
    assert_int_equal(mspace_protect(ms, HU + PG, PG, VMA_READ), 0);
    mm_set_huge_policy(MM_HUGE_NEVER);
    assert_int_equal(mspace_protect(ms, HU + PG, PG, RW), 0);
    assert_false(is_huge(ms, HU));
    /* madvise(MADV_HUGEPAGE) under `madvise` promotes what it covers */
    mm_set_huge_policy(MM_HUGE_MADVISE);
    assert_int_equal(mspace_advise_huge(ms, HU, 2 * HP, true), 0);
    assert_true(is_huge(ms, HU));
    assert_true(filled(ms, HU, HP, HU));
    assert_int_equal(page_free_count(), frames);
    mspace_check(ms);
    mspace_close(ms);
}

static void test_promote_after_fork(void **state)
{
    (void)state;
    mspace_t *ms = one_huge();
    size_t frames = page_free_count();
    assert_int_equal(mspace_protect(ms, HU + 10 * PG, PG, VMA_READ), 0);
    mspace_t *child = mspace_clone(ms);
    assert_non_null(child);
    /* rights uniform again, but every frame is shared: no promotion,
     * neither in the parent nor in the child */
    assert_int_equal(mspace_protect(ms, HU + 10 * PG, PG, RW), 0);
    assert_int_equal(mspace_protect(child, HU + 10 * PG, PG, RW), 0);
    assert_int_equal(mspace_advise_huge(ms, HU, HP, true), 0);
    assert_false(is_huge(ms, HU) || is_huge(child, HU));
    /* the parent's writes while the child lives: copies, never promoted */
    assert_int_equal(cpu_touch(ms, HU + 2 * PG, MMU_WRITE), MM_FAULT_OK);
    assert_false(is_huge(ms, HU));
    assert_true(filled(child, HU, HP, HU));
    mspace_check(ms);
    mspace_check(child);
    mspace_close(child);
    /* alone again: its next write promotes the block, whose pages (but
     * the copied one) are exclusive once more: not the copied page */
    assert_int_equal(cpu_touch(ms, HU + 3 * PG, MMU_WRITE), MM_FAULT_OK);
    assert_false(is_huge(ms, HU));
    mspace_close(ms);
    /* the same with no copy on the parent's side: promoted at once */
    ms = one_huge();
    assert_int_equal(mspace_protect(ms, HU + 10 * PG, PG, VMA_READ), 0);
    assert_int_equal(mspace_protect(ms, HU + 10 * PG, PG, RW), 0);
    assert_true(is_huge(ms, HU));
    assert_int_equal(mspace_protect(ms, HU + 10 * PG, PG, VMA_READ), 0);
    child = mspace_clone(ms);
    assert_int_equal(mspace_protect(ms, HU + 10 * PG, PG, RW), 0);
    assert_int_equal(cpu_touch(child, HU + 3 * PG, MMU_WRITE), MM_FAULT_OK);
    *(uintptr_t *)fake_mmu_ptr(child->directory, HU + 3 * PG) = 9;
    assert_false(is_huge(ms, HU));
    mspace_close(child);
    assert_false(is_huge(ms, HU)); /* read-only COW pages, not yet written */
    assert_int_equal(cpu_touch(ms, HU + 3 * PG, MMU_WRITE), MM_FAULT_OK);
    assert_true(is_huge(ms, HU));
    assert_true(mmu_query(ms->directory, HU + 100 * PG, NULL) & MMU_WRITE);
    assert_true(filled(ms, HU, HP, HU));
    assert_int_equal(page_free_count(), frames);
    assert_int_equal(ms->huge_count, 1);
    assert_int_equal(fake_mmu_pending(ms->directory), 0);
    mspace_check(ms);
    mspace_close(ms);
}

static void test_collapse(void **state)
{
    (void)state;
    mspace_t *ms = mspace_create();
    map_ok(ms, HU, 3 * HP, RW | VMA_FIXED);
    mm_set_huge_policy(MM_HUGE_NEVER); /* collapse ignores the policy */
    touch_small(ms, HU, HP);
    assert_false(is_huge(ms, HU));
    size_t frames = page_free_count(), tables = fake_mmu_tables(ms->directory);
    size_t commit = mm_committed();
    assert_int_equal(mspace_collapse(ms, HU, HP), 0);
    assert_true(is_huge(ms, HU));
    assert_true(filled(ms, HU, HP, HU));
    assert_int_equal(page_free_count(), frames);
    assert_int_equal(fake_mmu_tables(ms->directory), tables - 1);
    assert_int_equal(ms->huge_count, 1);
    assert_int_equal(mspace_huge_pages(ms, U, MSPACE_USER_UPPER), 1);
    assert_int_equal(ms->phys_pg_count, MMU_LARGE_PAGES);
    assert_int_equal(mm_committed(), commit);
    assert_true(mmu_query(ms->directory, HU, NULL) & MMU_WRITE);
    /* holes: three pages present, the rest reads zero */
    touch_small(ms, HU + HP + 7 * PG, PG);
    touch_small(ms, HU + 2 * HP - 2 * PG, 2 * PG);
    frames = page_free_count();
    assert_int_equal(mspace_collapse(ms, HU + HP, HP), 0);
    assert_true(is_huge(ms, HU + HP));
    assert_int_equal(page_free_count(), frames - (MMU_LARGE_PAGES - 3));
    assert_int_equal(ms->phys_pg_count, 2 * MMU_LARGE_PAGES);
    assert_true(filled(ms, HU + HP + 7 * PG, PG, HU + HP + 7 * PG));
    assert_true(filled(ms, HU + 2 * HP - 2 * PG, 2 * PG, HU + 2 * HP - 2 * PG));
    assert_int_equal(*(uintptr_t *)fake_mmu_ptr(ms->directory, HU + HP), 0);
    assert_int_equal(
        *(uintptr_t *)fake_mmu_ptr(ms->directory, HU + HP + 99 * PG), 0);
    assert_int_equal(mm_committed(), commit);
    /* already superpages: nothing to do; a range holding no whole span:
     * nothing; a span with no page at all: EINVAL, as Linux */
    assert_int_equal(mspace_collapse(ms, HU, 2 * HP), 0);
    assert_int_equal(mspace_collapse(ms, HU + 2 * HP + PG, HP - 2 * PG), 0);
    assert_int_equal(mspace_collapse(ms, HU + 2 * HP, HP), -EINVAL);
    assert_false(is_huge(ms, HU + 2 * HP));
    assert_int_equal(mspace_collapse(ms, HU + 1, HP), -EINVAL);
    /* a hole: the mapped part done, then ENOMEM */
    touch_small(ms, HU + 2 * HP, PG);
    assert_int_equal(mspace_collapse(ms, HU + 2 * HP, 2 * HP), -ENOMEM);
    assert_true(is_huge(ms, HU + 2 * HP));
    /* a VMA that cannot hold superpages: EINVAL, nothing changed */
    map_ok(ms, HU + 4 * HP, HP, RW | VMA_FIXED);
    touch_small(ms, HU + 4 * HP, HP);
    assert_int_equal(mspace_advise_huge(ms, HU + 4 * HP, HP, false), 0);
    assert_int_equal(mspace_collapse(ms, HU + 4 * HP, HP), -EINVAL);
    assert_int_equal(mspace_protect(ms, HU + 4 * HP, HP, VMA_READ), 0);
    assert_int_equal(mspace_advise_huge(ms, HU + 4 * HP, HP, true), 0);
    assert_int_equal(mspace_collapse(ms, HU + 4 * HP, HP), -EINVAL);
    map_ok(ms, HU + 6 * HP + PG, HP, RW | VMA_FIXED); /* no aligned span */
    touch_small(ms, HU + 6 * HP + PG, HP);
    assert_int_equal(mspace_collapse(ms, HU + 6 * HP, 2 * HP), -EINVAL);
    assert_int_equal(ms->huge_count, 3);
    mspace_check(ms);
    mspace_close(ms);
    assert_int_equal(mm_huge_mapped(), 0);
    /* a demoted block with one page replaced: collapsed by copy; then,
     * its frames one block in order, demoted and collapsed in place */
    mm_set_huge_policy(MM_HUGE_ALWAYS);
    ms = one_huge();
    phys_addr_t was, now;
    mmu_query(ms->directory, HU, &was);
    assert_int_equal(mspace_protect(ms, HU + HP, PG, VMA_READ), 0);
    assert_int_equal(mspace_discard(ms, HU + 3 * PG, PG), 0);
    /* the freed frame goes elsewhere: page 3 comes back from another one */
    assert_int_equal(cpu_touch(ms, HU + HP + 5 * PG, MMU_WRITE), MM_FAULT_OK);
    assert_int_equal(cpu_touch(ms, HU + 3 * PG, MMU_WRITE), MM_FAULT_OK);
    frames = page_free_count();
    assert_int_equal(mspace_collapse(ms, HU, HP), 0); /* copied: a new block */
    assert_true(is_huge(ms, HU));
    assert_int_equal(page_free_count(), frames); /* 512 taken, 512 freed */
    mmu_query(ms->directory, HU, &now);
    assert_true(now != was);
    assert_int_equal(mspace_protect(ms, HU + 9 * PG, PG, VMA_READ), 0);
    mm_set_huge_policy(MM_HUGE_NEVER);
    assert_int_equal(mspace_protect(ms, HU + 9 * PG, PG, RW), 0);
    assert_false(is_huge(ms, HU)); /* `never`: no promotion by mprotect */
    assert_int_equal(mspace_collapse(ms, HU, HP), 0);
    mmu_query(ms->directory, HU, &was);
    assert_true(is_huge(ms, HU) && was == now); /* in place */
    assert_int_equal(page_free_count(), frames);
    mspace_check(ms);
    mspace_close(ms);
}

static void test_collapse_fork(void **state)
{
    (void)state;
    mspace_t *ms = mspace_create();
    map_ok(ms, HU, HP, RW | VMA_FIXED);
    touch_small(ms, HU, HP);
    size_t frames = page_free_count();
    mspace_t *child = mspace_clone(ms);
    /* the parent's copy is its own; the child keeps the old frames */
    assert_int_equal(mspace_collapse(ms, HU, HP), 0);
    assert_true(is_huge(ms, HU) && !is_huge(child, HU));
    assert_int_equal(page_free_count(), frames - MMU_LARGE_PAGES);
    *(uintptr_t *)fake_mmu_ptr(ms->directory, HU + PG) = 1;
    assert_true(filled(child, HU, HP, HU));
    assert_true(filled(ms, HU + 2 * PG, HP - 2 * PG, HU + 2 * PG));
    /* the child's collapse: its frames are its own now (copied or not) */
    unsigned long promotes = fake_mmu_promotes();
    assert_int_equal(mspace_collapse(child, HU, HP), 0);
    assert_true(is_huge(child, HU));
    assert_int_equal(fake_mmu_promotes(), promotes + 1);
    assert_int_equal(page_free_count(), frames - MMU_LARGE_PAGES);
    mspace_check(ms);
    mspace_check(child);
    mspace_close(child);
    assert_int_equal(page_free_count(), frames);
    mspace_close(ms);
    /* shared anonymous memory mapped by a fork too: EINVAL, no copy */
    mm_set_huge_policy(MM_HUGE_NEVER);
    ms = mspace_create();
    map_ok(ms, HU, HP, RW | VMA_SHARED | VMA_FIXED);
    fill(ms, HU, HP);
    child = mspace_clone(ms);
    size_t shmem = mm_shmem();
    assert_int_equal(mspace_collapse(ms, HU, HP), -EINVAL);
    mspace_close(child);
    assert_int_equal(mspace_collapse(ms, HU, HP), 0); /* alone: copied */
    assert_true(is_huge(ms, HU) && filled(ms, HU, HP, HU));
    assert_int_equal(mm_shmem(), shmem);
    mspace_check(ms);
    mspace_close(ms);
}

static void test_collapse_failures(void **state)
{
    (void)state;
    mspace_t *ms = mspace_create();
    map_ok(ms, HU, 2 * HP, RW | VMA_FIXED);
    touch_small(ms, HU, HP);
    touch_small(ms, HU + HP + 5 * PG, 3 * PG);
    size_t frames = page_free_count(), count = ms->phys_pg_count;
    long allocs = fake_alloc_live();
    page_fail_nth(1); /* no 2 MiB block */
    assert_int_equal(mspace_collapse(ms, HU, 2 * HP), -ENOMEM);
    page_fail_nth(0);
    fake_alloc_fail_nth(1); /* no room for the list of old frames */
    assert_int_equal(mspace_collapse(ms, HU, 2 * HP), -ENOMEM);
    fake_alloc_fail_nth(0);
    assert_int_equal(page_free_count(), frames);
    assert_int_equal(fake_alloc_live(), allocs);
    assert_int_equal(ms->phys_pg_count, count);
    assert_int_equal(ms->huge_count, 0);
    assert_true(filled(ms, HU, HP, HU));
    assert_true(filled(ms, HU + HP + 5 * PG, 3 * PG, HU + HP + 5 * PG));
    assert_null(fake_mmu_ptr(ms->directory, HU + HP));
    mspace_check(ms);
    /* the second span fails: the first stays done */
    page_fail_nth(2);
    assert_int_equal(mspace_collapse(ms, HU, 2 * HP), -ENOMEM);
    page_fail_nth(0);
    assert_true(is_huge(ms, HU) && !is_huge(ms, HU + HP));
    assert_true(filled(ms, HU, HP, HU));
    assert_int_equal(mspace_collapse(ms, HU, 2 * HP), 0);
    assert_true(filled(ms, HU + HP + 5 * PG, 3 * PG, HU + HP + 5 * PG));
    mspace_check(ms);
    mspace_close(ms);
}

/* Collapse and promotion under every injected failure (fault_loop). */
static bool collapse_scenario(mspace_t **msp)
{
    mspace_t *ms = *msp;
    enum mm_huge_policy was = mm_huge_policy();
    mm_set_huge_policy(MM_HUGE_NEVER);
    bool ok = !mspace_error(mspace_map(ms, HU, 2 * HP, NULL, 0, 0,
                                       RW | VMA_FIXED));
    for (uintptr_t a = HU; ok && a < HU + HP + 4 * PG; a += PG)
        ok = cpu_touch(ms, a, MMU_WRITE) == MM_FAULT_OK;
    mm_set_huge_policy(was);
    if (!ok)
        return false;
    mspace_t *child = mspace_clone(ms);
    if (!child)
        return false;
    int rc = mspace_collapse(ms, HU, 2 * HP);
    mspace_check(ms);
    mspace_check(child);
    mspace_close(child);
    if (rc < 0)
        return false;
    assert_true(is_huge(ms, HU) && is_huge(ms, HU + HP));
    if (mspace_protect(ms, HU + PG, PG, VMA_READ) < 0 ||
        mspace_protect(ms, HU + PG, PG, RW) < 0)
        return false;
    mspace_check(ms);
    assert_true(is_huge(ms, HU)); /* promoted again: nothing to allocate */
    return true;
}

static void test_collapse_injection(void **state)
{
    (void)state;
    assert_true(fault_loop(inject_page, collapse_scenario) > 3);
    assert_true(fault_loop(inject_mmu, collapse_scenario) > 3);
    assert_true(fault_loop(inject_alloc, collapse_scenario) > 3);
}

/* The random model (tests/unit/huge_model.c) from a seed (MM_HUGE_SEED)
 * for MM_HUGE_STEPS steps (20,000): every path must be taken often. */
static uint64_t xorshift(void *ctx)
{
    uint64_t *s = ctx;
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void test_random_model(void **state)
{
    (void)state;
    uint64_t seed = 0x2545F4914F6CDD1Dull;
    unsigned long promotes = fake_mmu_promotes();
    const char *env = getenv("MM_HUGE_STEPS"), *s = getenv("MM_HUGE_SEED");
    unsigned long steps = env ? strtoul(env, NULL, 0) : 20000;
    if (s && strtoull(s, NULL, 0))
        seed = strtoull(s, NULL, 0);
    huge_model_init(xorshift, &seed, false);
    for (unsigned long i = 0; i < steps; i++)
        huge_model_step();
    huge_model_finish();
    promotes = fake_mmu_promotes() - promotes;
    unsigned long absorbed = huge_model_absorbed;
    const unsigned long *collapsed = huge_model_collapsed;
    printf("# huge model: %lu steps, %lu injected failures absorbed, "
           "%lu with a superpage, %lu losing one, %lu promotions; "
           "collapse: %lu done, %lu EINVAL, %lu ENOMEM\n", steps, absorbed,
           huge_model_huge_seen, huge_model_splits, promotes, collapsed[0],
           collapsed[1], collapsed[2]);
    assert_true(absorbed > steps / 100 && huge_model_huge_seen > steps / 8 &&
                huge_model_splits > steps / 50 && promotes > steps / 200);
    assert_true(collapsed[0] > steps / 100 && collapsed[1] && collapsed[2]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        HTEST(test_first_touch),    HTEST(test_not_eligible),
        HTEST(test_policy_and_advice), HTEST(test_placement),
        HTEST(test_demote_unmap),   HTEST(test_demote_protect),
        HTEST(test_demote_discard), HTEST(test_demote_remap),
        HTEST(test_remap_over_huge),
        HTEST(test_fork_cow),       HTEST(test_shared_anon),
        HTEST(test_fault_injection), HTEST(test_mmu_promote),
        HTEST(test_promote_protect),
        HTEST(test_promote_after_fork), HTEST(test_collapse),
        HTEST(test_collapse_fork),  HTEST(test_collapse_failures),
        HTEST(test_collapse_injection), HTEST(test_random_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* tests/unit/test_fault.c - demand paging through mspace_resolve: zero
 * fill, file pages and limit, COW with 1-3 sharers, last-owner reuse,
 * physical mappings, populate, stacks, and every failure reason. */
#include "tests/unit/mm_testlib.h"

static phys_addr_t pa_of(mspace_t *ms, uintptr_t va)
{
    phys_addr_t pa = 0;
    assert_true(mmu_query(ms->directory, va, &pa) & MMU_PRESENT);
    return pa;
}

static void test_zero_fill(void **state)
{
    (void)state;
    mspace_t *ms = mspace_create();
    map_ok(ms, U, 4 * PG, RW | VMA_FIXED);
    size_t frames = page_free_count();
    assert_int_equal(cpu_touch(ms, U, MMU_READ), MM_FAULT_OK);
    assert_int_equal(cpu_touch(ms, U + PG, MMU_READ), MM_FAULT_OK);
    assert_int_equal(pa_of(ms, U),
                     mm_zero_page()); /* reads share the zero page */
    assert_int_equal(pa_of(ms, U + PG), mm_zero_page());
    assert_false(mmu_query(ms->directory, U, NULL) & MMU_WRITE);
    assert_int_equal(page_free_count(), frames);
    assert_int_equal(cpu_touch(ms, U, MMU_WRITE), MM_FAULT_OK); /* replaced */
    assert_true(pa_of(ms, U) != mm_zero_page());
    assert_int_equal(page_free_count(), frames - 1);
    assert_int_equal(fake_mmu_ptr(ms->directory, U + 100)[0], 0);
    assert_int_equal(cpu_touch(ms, U + 2 * PG, MMU_WRITE),
                     MM_FAULT_OK); /* direct */
    unsigned char *p = fake_mmu_ptr(ms->directory, U + 2 * PG);
    for (size_t i = 0; i < PG; i++)
        assert_int_equal(p[i], 0);
    assert_int_equal(ms->phys_pg_count, 3);
    check_layout(ms, {U, 4 * PG, RW | VMA_COW | VMA_ANON});
    mspace_close(ms);
}

static unsigned char file_data[3 * 4096 + 300];

static void test_file_pages_and_limit(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(file_data); i++)
        file_data[i] = (unsigned char)(i % 251 + 1);
    inode_t *f =
        inode_create("/img", file_data, sizeof(file_data), VMA_READ | VMA_EXEC);
    mspace_t *ms = mspace_create();
    /* Private mapping of the file from offset PG, real bytes up to PG+1000. */
    void *r = mspace_map(ms, U, 4 * PG, f, PG, PG + 1000, RW | VMA_FIXED);
    assert_ptr_equal(r, (void *)U);
    assert_int_equal(cpu_touch(ms, U, MMU_READ), MM_FAULT_OK); /* file page 1 */
    assert_int_equal(fake_mmu_ptr(ms->directory, U)[5], file_data[PG + 5]);
    phys_addr_t cached = pa_of(ms, U);
    assert_int_equal(page_refcount(cached), 2); /* the cache + this mapping */
    assert_int_equal(inode_cached(f), 1);
    assert_int_equal(cpu_touch(ms, U + PG, MMU_READ),
                     MM_FAULT_OK); /* straddles limit */
    unsigned char *p = fake_mmu_ptr(ms->directory, U + PG);
    assert_int_equal(p[999], file_data[2 * PG + 999]);
    assert_int_equal(p[1000], 0);
    assert_int_equal(p[PG - 1], 0);
    assert_int_equal(cpu_touch(ms, U + 2 * PG, MMU_READ),
                     MM_FAULT_OK); /* past limit */
    assert_int_equal(pa_of(ms, U + 2 * PG), mm_zero_page());
    assert_int_equal(cpu_touch(ms, U, MMU_WRITE),
                     MM_FAULT_OK); /* private copy */
    assert_true(pa_of(ms, U) != cached);
    assert_int_equal(page_refcount(cached), 1);
    fake_mmu_ptr(ms->directory, U)[0] = 0xEE;
    assert_int_equal(((unsigned char *)mmu_kaddr(cached))[0], file_data[PG]);
    /* A shared mapping maps the cached frames themselves; no limit. */
    r = mspace_map(ms, U + 8 * PG, 4 * PG, f, 0, 0,
                   VMA_READ | VMA_SHARED | VMA_FIXED);
    assert_ptr_equal(r, (void *)(U + 8 * PG));
    assert_int_equal(cpu_touch(ms, U + 9 * PG, MMU_READ), MM_FAULT_OK);
    assert_int_equal(pa_of(ms, U + 9 * PG), cached);
    assert_int_equal(cpu_touch(ms, U + 11 * PG, MMU_READ), MM_FAULT_OK);
    assert_int_equal(fake_mmu_ptr(ms->directory, U + 11 * PG)[299],
                     file_data[3 * PG + 299]);
    assert_int_equal(fake_mmu_ptr(ms->directory, U + 11 * PG)[300],
                     0); /* end of file */
    assert_int_equal(cpu_touch(ms, U + 9 * PG, MMU_WRITE), MM_FAULT_WRITE_RO);
    assert_int_equal(mspace_protect(ms, U + 8 * PG, PG, RW), -EACCES);
    check_layout(ms, {U, 4 * PG, RW | VMA_COW | VMA_FILE},
                 {U + 8 * PG, 4 * PG, VMA_READ | VMA_SHARED | VMA_FILE});
    mspace_close(ms);
    assert_int_equal(page_refcount(cached), 1); /* only the cache is left */
    inode_close(f);
}

/* 1, 2 and 3 sharers of one private page: each write copies until the
 * last owner, which simply gets write access back. */
static void test_cow_sharers(void **state)
{
    (void)state;
    for (int sharers = 1; sharers <= 3; sharers++) {
        mspace_t *sp[3];
        sp[0] = mspace_create();
        map_ok(sp[0], U, 2 * PG, RW | VMA_FIXED);
        assert_int_equal(cpu_touch(sp[0], U, MMU_WRITE), MM_FAULT_OK);
        fake_mmu_ptr(sp[0]->directory, U)[0] = 42;
        phys_addr_t orig = pa_of(sp[0], U);
        for (int i = 1; i < sharers; i++) {
            sp[i] = mspace_clone(sp[0]);
            assert_non_null(sp[i]);
        }
        assert_int_equal(page_refcount(orig), (uint32_t)sharers);
        for (int i = 0; i < sharers; i++) {
            mspace_check(sp[i]);
            bool alone = sharers == 1;
            assert_int_equal(
                !!(mmu_query(sp[i]->directory, U, NULL) & MMU_WRITE), alone);
        }
        size_t frames = page_free_count();
        for (int i = 0; i < sharers; i++) {
            assert_int_equal(cpu_touch(sp[i], U, MMU_WRITE), MM_FAULT_OK);
            unsigned char *p = fake_mmu_ptr(sp[i]->directory, U);
            assert_int_equal(p[0], 42);
            p[0] = (unsigned char)(100 + i);
        }
        /* sharers-1 copies; the last writer reused the original frame. */
        assert_int_equal(page_free_count(), frames - (size_t)(sharers - 1));
        assert_int_equal(page_refcount(orig), 1);
        int owners = 0;
        for (int i = 0; i < sharers; i++) {
            assert_int_equal(fake_mmu_ptr(sp[i]->directory, U)[0], 100 + i);
            owners += pa_of(sp[i], U) == orig;
            assert_int_equal(page_refcount(pa_of(sp[i], U)), 1);
            mspace_check(sp[i]);
        }
        assert_int_equal(owners, 1);
        for (int i = 0; i < sharers; i++)
            mspace_close(sp[i]);
    }
}

static void test_last_owner_reuse_after_close(void **state)
{
    (void)state;
    mspace_t *parent = mspace_create();
    map_ok(parent, U, PG, RW | VMA_FIXED);
    assert_int_equal(cpu_touch(parent, U, MMU_WRITE), MM_FAULT_OK);
    phys_addr_t pa = pa_of(parent, U);
    parent->mmap_base = U + 64 * PG; /* the port's ASLR base: a copy keeps it */
    mspace_t *child = mspace_clone(parent);
    assert_int_equal(child->mmap_base, U + 64 * PG);
    assert_int_equal(page_refcount(pa), 2);
    mspace_close(child);
    assert_int_equal(page_refcount(pa), 1);
    size_t frames = page_free_count();
    assert_false(
        fake_mmu_access(parent->directory, U, MMU_WRITE)); /* still read-only */
    assert_int_equal(cpu_touch(parent, U, MMU_WRITE), MM_FAULT_OK);
    assert_int_equal(pa_of(parent, U), pa); /* no copy */
    assert_int_equal(page_free_count(), frames);
    mspace_close(parent);
}

static void test_shared_anon_and_phys(void **state)
{
    (void)state;
    mspace_t *a = mspace_create();
    map_ok(a, U, 2 * PG,
           RW | VMA_SHARED | VMA_FIXED); /* populated at map time */
    assert_int_equal(a->phys_pg_count, 2);
    mspace_t *b = mspace_clone(a);
    assert_int_equal(cpu_touch(a, U + PG, MMU_WRITE), MM_FAULT_OK);
    fake_mmu_ptr(a->directory, U + PG)[7] = 77;
    assert_int_equal(cpu_touch(b, U + PG, MMU_READ), MM_FAULT_OK);
    assert_int_equal(fake_mmu_ptr(b->directory, U + PG)[7], 77);
    /* Physical: maps offset + delta, allocates nothing, frees nothing. */
    phys_addr_t dev = page_new_range(4, ZONE_DMA32);
    size_t frames = page_free_count();
    void *r = mspace_map(a, U + 8 * PG, 4 * PG, NULL, dev, 0,
                         RW | VMA_PHYS | VMA_UNCACHED | VMA_FIXED);
    assert_ptr_equal(r, (void *)(U + 8 * PG));
    assert_int_equal(cpu_touch(a, U + 10 * PG, MMU_WRITE), MM_FAULT_OK);
    assert_int_equal(pa_of(a, U + 10 * PG), dev + 2 * PG);
    assert_true(mmu_query(a->directory, U + 10 * PG, NULL) & MMU_UNCACHED);
    assert_int_equal(page_refcount(dev + 2 * PG), 1);
    assert_int_equal(page_free_count(), frames);
    check_layout(a, {U, 2 * PG, RW | VMA_SHARED | VMA_ANON},
                 {U + 8 * PG, 4 * PG, RW | VMA_SHARED | VMA_PHYS});
    mspace_close(a);
    mspace_close(b);
    for (int i = 0; i < 4; i++)
        page_release(dev + (phys_addr_t)i * PG);
}

static void test_resolve_flag(void **state)
{
    (void)state;
    mspace_t *ms = mspace_create();
    map_ok(ms, U, 3 * PG, RW | VMA_RESOLVE | VMA_FIXED);
    assert_int_equal(ms->phys_pg_count, 3);
    for (int i = 0; i < 3; i++)
        assert_true(fake_mmu_access(ms->directory, U + i * PG,
                                    MMU_WRITE)); /* never faults */
    map_ok(ms, U + 4 * PG, 2 * PG, VMA_READ | VMA_RESOLVE | VMA_FIXED);
    assert_int_equal(pa_of(ms, U + 5 * PG), mm_zero_page());
    /* A populate that runs out of frames undoes the whole map. */
    size_t frames = page_free_count();
    page_fail_nth(2);
    assert_int_equal(mspace_error(mspace_map(ms, U + 8 * PG, 3 * PG, NULL, 0, 0,
                                             RW | VMA_RESOLVE | VMA_FIXED)),
                     -ENOMEM);
    page_fail_nth(0);
    assert_int_equal(page_free_count(), frames);
    check_layout(ms, {U, 3 * PG, RW | VMA_COW | VMA_ANON},
                 {U + 4 * PG, 2 * PG, VMA_READ | VMA_COW | VMA_ANON});
    mspace_close(ms);
}

static void test_stack(void **state)
{
    (void)state;
    mspace_t *ms = mspace_create();
    void *r = mspace_map(ms, 0, 8 * PG, NULL, 0, 0, RW | VMA_STACK);
    uintptr_t s = (uintptr_t)r;
    assert_int_equal(mspace_error(r), 0);
    assert_int_equal(ms->committed, 0);
    assert_int_equal(cpu_touch(ms, s + 7 * PG, MMU_WRITE), MM_FAULT_OK);
    assert_int_equal(cpu_touch(ms, s + 6 * PG, MMU_READ), MM_FAULT_OK);
    assert_true(pa_of(ms, s + 6 * PG) !=
                mm_zero_page()); /* stacks get real frames */
    assert_int_equal(ms->committed, 2);
    assert_int_equal(cpu_touch(ms, s, MMU_READ), MM_FAULT_STACK_GUARD);
    assert_int_equal(cpu_touch(ms, s + PG - 1, MMU_WRITE),
                     MM_FAULT_STACK_GUARD);
    /* Growth stops at the commit limit: a clean report, not a crash. */
    mm_commit_set_limit(mm_committed());
    assert_int_equal(cpu_touch(ms, s + 5 * PG, MMU_WRITE),
                     MM_FAULT_STACK_OVERFLOW);
    assert_string_equal(mm_fault_name(MM_FAULT_STACK_OVERFLOW),
                        "stack overflow");
    mm_commit_set_limit(1024);
    assert_int_equal(cpu_touch(ms, s + 5 * PG, MMU_WRITE), MM_FAULT_OK);
    mspace_check(ms);
    mspace_close(ms);
}

static void test_failure_reasons(void **state)
{
    (void)state;
    mspace_t *ms = mspace_create();
    map_ok(ms, U, PG, VMA_READ | VMA_FIXED);
    map_ok(ms, U + PG, PG, RW | VMA_FIXED);
    map_ok(ms, U + 2 * PG, PG, VMA_FIXED);
    map_ok(ms, U + 3 * PG, PG, VMA_READ | VMA_EXEC | VMA_FIXED);
    static const struct {
        uintptr_t va;
        int access;
        mm_fault_t want;
    } cases[] = {
        {U + 8 * PG, MMU_READ, MM_FAULT_NO_VMA},
        {0, MMU_READ, MM_FAULT_NO_VMA},
        {0xC0000000, MMU_READ, MM_FAULT_NO_VMA},
        {U, MMU_WRITE, MM_FAULT_WRITE_RO},
        {U + PG, MMU_EXEC, MM_FAULT_EXEC_NX},
        {U + 2 * PG, MMU_READ, MM_FAULT_READ_NONE},
        {U + 2 * PG, MMU_WRITE, MM_FAULT_WRITE_RO},
        {(uintptr_t)0xFFFF800000001000ull, MMU_READ, MM_FAULT_KERNEL_ADDR},
        {U + 3 * PG, MMU_EXEC, MM_FAULT_OK},
        {U + PG + 123, MMU_WRITE, MM_FAULT_OK},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        assert_int_equal(cpu_touch(ms, cases[i].va, cases[i].access),
                         cases[i].want);
    assert_string_equal(mm_fault_name(MM_FAULT_STACK_GUARD), "stack guard");
    assert_string_equal(mm_fault_name(MM_FAULT_NO_VMA), "no vma");
    assert_string_equal(mm_fault_name((mm_fault_t)99), "?");
    /* Out of frames on a COW copy: NOMEM, nothing changed. */
    assert_int_equal(cpu_touch(ms, U + PG, MMU_WRITE), MM_FAULT_OK);
    mspace_t *child = mspace_clone(ms);
    page_fail_nth(1);
    assert_int_equal(cpu_touch(child, U + PG, MMU_WRITE), MM_FAULT_NOMEM);
    page_fail_nth(0);
    mspace_check(child);
    mspace_close(child);
    mspace_close(ms);
}

/* Write and exec imply read, as on x86 Linux, whichever access comes first;
 * the VMA keeps the rights it was given. */
static void test_implied_read(void **state)
{
    (void)state;
    mspace_t *ms = mspace_create();
    map_ok(ms, U, PG, VMA_WRITE | VMA_FIXED);
    map_ok(ms, U + PG, PG, VMA_WRITE | VMA_FIXED);
    map_ok(ms, U + 2 * PG, PG, VMA_EXEC | VMA_FIXED);
    map_ok(ms, U + 3 * PG, PG, VMA_WRITE | VMA_SHARED | VMA_FIXED);
    assert_int_equal(cpu_touch(ms, U, MMU_READ), MM_FAULT_OK); /* zero page */
    assert_int_equal(pa_of(ms, U), mm_zero_page());
    assert_int_equal(fake_mmu_ptr(ms->directory, U)[0], 0);
    assert_int_equal(cpu_touch(ms, U, MMU_WRITE), MM_FAULT_OK); /* then COW */
    fake_mmu_ptr(ms->directory, U)[0] = 'w';
    assert_int_equal(cpu_touch(ms, U + PG, MMU_WRITE), MM_FAULT_OK);
    assert_int_equal(cpu_touch(ms, U + PG, MMU_READ), MM_FAULT_OK);
    assert_int_equal(cpu_touch(ms, U, MMU_READ), MM_FAULT_OK);
    assert_int_equal(fake_mmu_ptr(ms->directory, U)[0], 'w');
    assert_int_equal(cpu_touch(ms, U + 2 * PG, MMU_READ), MM_FAULT_OK);
    assert_int_equal(cpu_touch(ms, U + 2 * PG, MMU_WRITE), MM_FAULT_WRITE_RO);
    assert_int_equal(cpu_touch(ms, U + 3 * PG, MMU_READ), MM_FAULT_OK);
    assert_int_equal(cpu_touch(ms, U, MMU_EXEC), MM_FAULT_EXEC_NX);
    mspace_check(ms);
    check_layout(ms, {U, 2 * PG, VMA_WRITE | VMA_COW | VMA_ANON},
                 {U + 2 * PG, PG, VMA_EXEC | VMA_COW | VMA_ANON},
                 {U + 3 * PG, PG, VMA_WRITE | VMA_SHARED | VMA_ANON});
    assert_int_equal(mspace_protect(ms, U, 2 * PG, VMA_READ), 0);
    assert_int_equal(cpu_touch(ms, U, MMU_WRITE), MM_FAULT_WRITE_RO);
    assert_int_equal(mspace_protect(ms, U, 2 * PG, 0), 0);
    assert_int_equal(cpu_touch(ms, U, MMU_READ), MM_FAULT_READ_NONE);
    mspace_check(ms);
    mspace_close(ms);
}

/* MADV_REMOVE: a memfd-like file loses its pages (zeroed where another
 * space still maps them), shared anonymous pages are zeroed in place,
 * mappings with no file or no write right are refused. */
static void test_punch(void **state)
{
    (void)state;
    static const char data[] = "ro";
    inode_t *m = inode_create("/memfd", NULL, 0, RW | VMA_EXEC);
    inode_t *ro = inode_create("/ro", data, sizeof(data), VMA_READ);
    mspace_t *a = mspace_create(), *b = mspace_create();
    assert_ptr_equal(mspace_map(a, U, 3 * PG, m, 0, 0,
                                RW | VMA_SHARED | VMA_FIXED), (void *)U);
    assert_ptr_equal(mspace_map(b, U, PG, m, PG, 0, RW | VMA_SHARED | VMA_FIXED),
                     (void *)U);
    map_ok(a, U + 4 * PG, 2 * PG, RW | VMA_SHARED | VMA_FIXED);
    map_ok(a, U + 6 * PG, PG, RW | VMA_FIXED);
    assert_ptr_equal(mspace_map(a, U + 7 * PG, PG, m, 0, 0, RW | VMA_FIXED),
                     (void *)(U + 7 * PG));
    assert_ptr_equal(mspace_map(a, U + 8 * PG, PG, ro, 0, 0,
                                VMA_READ | VMA_SHARED | VMA_FIXED),
                     (void *)(U + 8 * PG));
    for (int i = 0; i < 6; i++) {
        if (i == 3)
            continue;
        assert_int_equal(cpu_touch(a, U + i * PG, MMU_WRITE), MM_FAULT_OK);
        fake_mmu_ptr(a->directory, U + i * PG)[0] = (unsigned char)('A' + i);
    }
    assert_int_equal(cpu_touch(b, U, MMU_READ), MM_FAULT_OK);
    assert_int_equal(fake_mmu_ptr(b->directory, U)[0], 'B');
    assert_int_equal(inode_cached(m), 3);
    size_t frames = page_free_count();
    assert_int_equal(mspace_punch(a, U + 6 * PG, PG), -EINVAL); /* no file */
    assert_int_equal(mspace_punch(a, U + 7 * PG, PG), -EACCES); /* private */
    assert_int_equal(mspace_punch(a, U + 8 * PG, PG), -EACCES); /* read-only */
    inode_t *rw = inode_create("/rw", data, sizeof(data), RW);
    assert_ptr_equal(mspace_map(b, U + PG, PG, rw, 0, 0,
                                RW | VMA_SHARED | VMA_FIXED),
                     (void *)(U + PG));
    assert_int_equal(mspace_punch(b, U + PG, PG), -EACCES); /* has content */
    assert_int_equal(mspace_unmap(b, U + PG, PG), 0);
    inode_close(rw);
    assert_int_equal(mspace_punch(a, U, 7 * PG), -EINVAL); /* all or nothing */
    assert_int_equal(mspace_punch(a, U + 1, PG), -EINVAL);
    assert_int_equal(page_free_count(), frames);
    assert_int_equal(mspace_punch(a, U, 2 * PG), 0);
    assert_int_equal(inode_cached(m), 2); /* page 1 stays: b maps it */
    assert_int_equal(page_free_count(), frames + 1);
    assert_int_equal(fake_mmu_ptr(b->directory, U)[0], 0);
    assert_false(mmu_query(a->directory, U, NULL) ||
                 mmu_query(a->directory, U + PG, NULL));
    assert_int_equal(cpu_touch(a, U, MMU_READ), MM_FAULT_OK);
    assert_int_equal(fake_mmu_ptr(a->directory, U)[0], 0);
    assert_int_equal(fake_mmu_ptr(a->directory, U + 2 * PG)[0], 'C');
    /* a hole: the mapped parts are punched, then ENOMEM */
    assert_int_equal(mspace_punch(a, U + 2 * PG, 4 * PG), -ENOMEM);
    assert_int_equal(fake_mmu_ptr(a->directory, U + 4 * PG)[0], 0);
    assert_int_equal(fake_mmu_ptr(a->directory, U + 5 * PG)[0], 0);
    assert_true(mmu_query(a->directory, U + 4 * PG, NULL) &
                MMU_PRESENT); /* shared anonymous: zeroed in place */
    assert_int_equal(cpu_touch(a, U + 2 * PG, MMU_READ), MM_FAULT_OK);
    assert_int_equal(fake_mmu_ptr(a->directory, U + 2 * PG)[0], 0);
    mspace_check(a);
    mspace_check(b);
    mspace_close(b);
    mspace_close(a);
    inode_close(ro);
    inode_close(m);
}

static void test_discard(void **state)
{
    (void)state;
    static const char data[] = "file bytes";
    inode_t *f = inode_create("/d", data, sizeof(data), VMA_READ);
    mspace_t *ms = mspace_create();
    map_ok(ms, U, 2 * PG, RW | VMA_FIXED);
    map_ok(ms, U + 2 * PG, PG, RW | VMA_SHARED | VMA_FIXED);
    assert_ptr_equal(mspace_map(ms, U + 3 * PG, PG, f, 0, 0, RW | VMA_FIXED),
                     (void *)(U + 3 * PG));
    for (int i = 0; i < 4; i++) {
        assert_int_equal(cpu_touch(ms, U + i * PG, MMU_WRITE), MM_FAULT_OK);
        fake_mmu_ptr(ms->directory, U + i * PG)[0] = 'X';
    }
    size_t frames = page_free_count();
    assert_int_equal(mspace_discard(ms, U + 4 * PG, PG), -ENOMEM); /* hole */
    assert_int_equal(mspace_discard(ms, U + 3 * PG, 2 * PG), -ENOMEM);
    assert_int_equal(ms->phys_pg_count, 3); /* the mapped part dropped */
    assert_int_equal(page_free_count(), frames + 1);
    assert_int_equal(cpu_touch(ms, U + 3 * PG, MMU_WRITE), MM_FAULT_OK);
    fake_mmu_ptr(ms->directory, U + 3 * PG)[0] = 'X';
    frames = page_free_count();
    assert_int_equal(mspace_discard(ms, U + 1, PG), -EINVAL);
    assert_int_equal(mspace_discard(ms, U, 0), -EINVAL);
    assert_int_equal(ms->phys_pg_count, 4);
    assert_int_equal(mspace_discard(ms, U, 4 * PG), 0);
    assert_int_equal(ms->phys_pg_count,
                     1); /* the shared anonymous page stays */
    assert_int_equal(page_free_count(), frames + 3);
    assert_int_equal(cpu_touch(ms, U + PG, MMU_READ), MM_FAULT_OK);
    assert_int_equal(fake_mmu_ptr(ms->directory, U + PG)[0], 0);
    assert_int_equal(fake_mmu_ptr(ms->directory, U + 2 * PG)[0], 'X');
    assert_int_equal(cpu_touch(ms, U + 3 * PG, MMU_READ), MM_FAULT_OK);
    assert_int_equal(fake_mmu_ptr(ms->directory, U + 3 * PG)[0], 'f');
    check_layout(ms, {U, 2 * PG, RW | VMA_COW | VMA_ANON},
                 {U + 2 * PG, PG, RW | VMA_SHARED | VMA_ANON},
                 {U + 3 * PG, PG, RW | VMA_COW | VMA_FILE});
    mspace_close(ms);
    inode_close(f);
}

static unsigned char big_file[40 * 4096];

static bool present(mspace_t *ms, uintptr_t va)
{
    return mmu_query(ms->directory, va, NULL) & MMU_PRESENT;
}

/* A read fault of a file mapping also maps the neighbours the page cache
 * holds: same VMA, the aligned 16-page window, whole file pages below the
 * limit for a private mapping (read-only), never a fill of the cache. */
static void test_fault_around(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(big_file); i++)
        big_file[i] = (unsigned char)(i / PG + 1);
    inode_t *f = inode_create("/big", big_file, sizeof(big_file), VMA_READ);
    mspace_t *ms = mspace_create();
    /* Fill the cache with file pages 0-5 and 14-17 through a first map. */
    void *r = mspace_map(ms, U, 40 * PG, f, 0, 0, VMA_READ | VMA_FIXED);
    assert_ptr_equal(r, (void *)U);
    assert_int_equal(cpu_touch(ms, U, MMU_READ), MM_FAULT_OK);
    assert_int_equal(ms->phys_pg_count, 1); /* nothing else cached yet */
    for (int i = 1; i < 18; i++)
        if (i < 6 || i >= 14)
            assert_int_equal(cpu_touch(ms, U + i * PG, MMU_READ), MM_FAULT_OK);
    assert_int_equal(inode_cached(f), 10);
    assert_int_equal(ms->phys_pg_count, 10);
    mspace_check(ms);
    /* Private, real bytes up to 4 pages + 10: page 4 straddles the limit. */
    uintptr_t b = U + 64 * PG;
    r = mspace_map(ms, b, 40 * PG, f, 0, 4 * PG + 10, VMA_READ | VMA_FIXED);
    assert_ptr_equal(r, (void *)b);
    size_t frames = page_free_count();
    assert_int_equal(cpu_touch(ms, b + PG, MMU_READ), MM_FAULT_OK);
    assert_int_equal(ms->phys_pg_count, 10 + 4); /* pages 0-3 */
    assert_int_equal(page_free_count(), frames);
    assert_int_equal(inode_cached(f), 10);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pa_of(ms, b + i * PG), pa_of(ms, U + i * PG));
        assert_false(mmu_query(ms->directory, b + i * PG, NULL) & MMU_WRITE);
        assert_int_equal(fake_mmu_ptr(ms->directory, b + i * PG)[7], i + 1);
    }
    assert_false(present(ms, b + 4 * PG)); /* straddles: a copy on touch */
    assert_false(present(ms, b + 5 * PG)); /* past the limit: zeros */
    assert_int_equal(cpu_touch(ms, b + 4 * PG, MMU_READ), MM_FAULT_OK);
    assert_int_equal(fake_mmu_ptr(ms->directory, b + 4 * PG)[10], 0);
    mspace_check(ms);
    /* Shared: the window is aligned on the address (16 pages), inside the
     * VMA; c + 5 ends a window, c + 6 starts the next. */
    uintptr_t c = U + 138 * PG;
    assert_int_equal(((c + 6 * PG) >> PAGE_SHIFT) % 16, 0);
    r = mspace_map(ms, c, 12 * PG, f, 0, 0, VMA_READ | VMA_SHARED | VMA_FIXED);
    assert_ptr_equal(r, (void *)c);
    size_t before = ms->phys_pg_count;
    assert_int_equal(cpu_touch(ms, c + 7 * PG, MMU_READ), MM_FAULT_OK);
    assert_int_equal(ms->phys_pg_count, before + 1); /* 6-11 not cached */
    assert_false(present(ms, c + 5 * PG));
    assert_int_equal(cpu_touch(ms, c + 5 * PG, MMU_READ), MM_FAULT_OK);
    assert_int_equal(ms->phys_pg_count, before + 1 + 6); /* 0-5 */
    assert_false(present(ms, c + 6 * PG));
    for (int i = 0; i < 6; i++)
        assert_int_equal(pa_of(ms, c + i * PG), pa_of(ms, U + i * PG));
    mspace_check(ms);
    /* A private read-write mapping: a write fault maps only its page. */
    uintptr_t d = U + 192 * PG;
    r = mspace_map(ms, d, 8 * PG, f, 0, 0, RW | VMA_FIXED);
    assert_ptr_equal(r, (void *)d);
    before = ms->phys_pg_count;
    assert_int_equal(cpu_touch(ms, d + 2 * PG, MMU_WRITE), MM_FAULT_OK);
    assert_int_equal(ms->phys_pg_count, before + 1);
    assert_int_equal(cpu_touch(ms, d + 3 * PG, MMU_READ), MM_FAULT_OK);
    /* 3, and 0, 1, 4, 5, 7 cached (2 is present already: a copy) */
    assert_int_equal(ms->phys_pg_count, before + 1 + 6);
    assert_int_equal(cpu_touch(ms, d, MMU_WRITE), MM_FAULT_OK); /* COW */
    assert_true(pa_of(ms, d) != pa_of(ms, U));
    assert_int_equal(fake_mmu_ptr(ms->directory, U)[0], 1);
    mspace_check(ms);
    mspace_close(ms);
    assert_int_equal(inode_cached(f), 11);
    inode_close(f);
}

/* A file over pinned frames (a boot module's, outside the RAM given to
 * page_add_ram): its whole pages are handed out in place to shared and
 * private read mappings, the partial last page is a cache copy (zero past
 * the end), a private write copies, a clone and unmaps count nothing;
 * mspace_unmap_pinned then inode_own_data make it the cache's, and the
 * pinned frames are never freed (a freed frame would assert: no
 * descriptor). */
static void test_pinned_in_place(void **state)
{
    (void)state;
    const phys_addr_t base = 0x40000000, pin = base + PG; /* no RAM there */
    static bool added;
    if (!added) {
        fake_mmu_add_bank(base, 2 << 20);
        assert_int_equal(page_add_pinned(pin, 3 * PG), 0);
        added = true;
    }
    assert_int_equal(page_add_pinned(pin + PG, PG), -EEXIST);
    assert_int_equal(page_add_pinned(0x00800000, PG), -EEXIST); /* RAM */
    assert_int_equal(page_add_pinned(base + 5 * PG + 1, PG), -EINVAL);
    assert_int_equal(page_add_ram(base, 2 << 20), -EEXIST);
    assert_true(page_is_pinned(pin + 2 * PG) && !page_is_pinned(base));
    unsigned char *data = mmu_kaddr(pin);
    const size_t size = 2 * PG + 100;
    for (size_t i = 0; i < 3 * PG; i++) /* past the end: the archive's */
        data[i] = i < size ? (unsigned char)(i % 251 + 1) : 0xee;
    size_t committed = mm_committed();
    inode_t *f = inode_create_pinned("/mod", data, pin, size, VMA_READ);
    assert_non_null(f);
    assert_int_equal(mm_committed(), committed + 1); /* the partial page */
    assert_int_equal(inode_page(f, PG), pin + PG);
    assert_int_equal(page_refcount(pin + PG), PAGE_PINNED_REFS);
    assert_int_equal(page_unref(pin + PG), PAGE_PINNED_REFS);

    mspace_t *ms = mspace_create();
    assert_ptr_equal(mspace_map(ms, U, 3 * PG, f, 0, 0,
                                VMA_READ | VMA_SHARED | VMA_FIXED), (void *)U);
    uintptr_t p = U + 8 * PG;
    assert_ptr_equal(mspace_map(ms, p, 3 * PG, f, 0, 0, RW | VMA_FIXED),
                     (void *)p);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(cpu_touch(ms, U + i * PG, MMU_READ), MM_FAULT_OK);
        assert_int_equal(cpu_touch(ms, p + i * PG, MMU_READ), MM_FAULT_OK);
    }
    assert_int_equal(pa_of(ms, U), pin);
    assert_int_equal(pa_of(ms, U + PG), pin + PG);
    assert_int_equal(pa_of(ms, p), pin);
    assert_true(pa_of(ms, U + 2 * PG) != pin + 2 * PG); /* a cache copy */
    assert_int_equal(fake_mmu_ptr(ms->directory, U + 2 * PG)[99],
                     data[2 * PG + 99]);
    assert_int_equal(fake_mmu_ptr(ms->directory, U + 2 * PG)[100], 0);
    assert_false(mmu_query(ms->directory, p, NULL) & MMU_WRITE);
    assert_int_equal(cpu_touch(ms, p, MMU_WRITE), MM_FAULT_OK); /* a copy */
    assert_true(pa_of(ms, p) != pin);
    fake_mmu_ptr(ms->directory, p)[0] = 'P';
    assert_int_equal(data[0], 1);
    mspace_check(ms);
    mspace_t *c = mspace_clone(ms);
    assert_non_null(c);
    assert_int_equal(pa_of(c, U + PG), pin + PG);
    mspace_check(c);
    mspace_close(c);

    size_t present = ms->phys_pg_count;
    mspace_unmap_pinned(ms, f); /* shared pages 0, 1 and private page 1 */
    assert_int_equal(ms->phys_pg_count, present - 3);
    assert_int_equal(inode_own_data(f), 0);
    assert_int_equal(f->frames, 0);
    assert_int_equal(cpu_touch(ms, U + PG, MMU_READ), MM_FAULT_OK);
    assert_true(pa_of(ms, U + PG) != pin + PG);
    assert_int_equal(fake_mmu_ptr(ms->directory, U + PG)[5], data[PG + 5]);
    assert_int_equal(fake_mmu_ptr(ms->directory, p)[0], 'P'); /* stays */
    mspace_check(ms);
    mspace_close(ms);
    inode_close(f);
    assert_int_equal(data[0], 1); /* never freed, never junk-filled */
    assert_int_equal(mm_committed(), committed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEST(test_zero_fill),
        TEST(test_file_pages_and_limit),
        TEST(test_cow_sharers),
        TEST(test_last_owner_reuse_after_close),
        TEST(test_shared_anon_and_phys),
        TEST(test_resolve_flag),
        TEST(test_stack),
        TEST(test_failure_reasons),
        TEST(test_implied_read),
        TEST(test_punch),
        TEST(test_discard),
        TEST(test_fault_around),
        TEST(test_pinned_in_place),
    };
    return cmocka_run_group_tests_name("fault", tests, NULL, NULL);
}

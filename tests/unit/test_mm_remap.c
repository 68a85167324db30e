/* tests/unit/test_mm_remap.c - mspace_remap (mremap) and truncation
 * (inode_truncate, mspace_unmap_inode): every errno, layouts as tables,
 * frames that move and are never copied, commit, flushes, and fault
 * injection (each failure a clean -ENOMEM with the old state intact). */
#include "tests/unit/mm_testlib.h"

#define ANON_RW (RW | VMA_COW | VMA_ANON)
#define ANON_R (VMA_READ | VMA_COW | VMA_ANON)
#define ANON_0 (VMA_COW | VMA_ANON)
#define SHARED_RW (RW | VMA_SHARED | VMA_ANON)
#define STACK_RW (RW | VMA_COW | VMA_STACK)
#define MAYMOVE MSPACE_REMAP_MAYMOVE
#define FIXED MSPACE_REMAP_FIXED
#define DONTUNMAP MSPACE_REMAP_DONTUNMAP

static uintptr_t remap_ok(mspace_t *ms, uintptr_t old, size_t old_len,
                          size_t new_len, int flags, uintptr_t new_addr)
{
    void *r = mspace_remap(ms, old, old_len, new_len, flags, new_addr);
    assert_int_equal(mspace_error(r), 0);
    return (uintptr_t)r;
}

/* Writes byte `c` at the start of each page of [a, a + n pages). */
static void stamp(mspace_t *ms, uintptr_t a, size_t n, int c)
{
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(cpu_touch(ms, a + i * PG, MMU_WRITE), MM_FAULT_OK);
        *fake_mmu_ptr(ms->directory, a + i * PG) = (unsigned char)(c + i);
    }
}

/* The frame mapped at `va`, or 0. */
static phys_addr_t frame(mspace_t *ms, uintptr_t va)
{
    phys_addr_t pa = 0;
    return mmu_query(ms->directory, va, &pa) & MMU_PRESENT ? pa : 0;
}

static void test_remap_errors(void **state)
{
    (void)state;
    mspace_t *ms = mspace_create();
    map_ok(ms, U, 4 * PG, RW | VMA_FIXED);
    map_ok(ms, U + 4 * PG, 2 * PG, VMA_READ | VMA_FIXED);
    map_ok(ms, U + 8 * PG, 2 * PG, RW | VMA_SHARED | VMA_FIXED);
    stamp(ms, U, 4, 'a');
    static const struct {
        uintptr_t old;
        size_t old_len, new_len;
        int flags;
        uintptr_t new_addr;
        int err;
    } cases[] = {
        {U, 4 * PG, 8 * PG, 0x8, 0, EINVAL},                /* unknown flag */
        {U, 4 * PG, 8 * PG, FIXED, U + 20 * PG, EINVAL},    /* no MAYMOVE */
        {U, 4 * PG, 8 * PG, MAYMOVE | DONTUNMAP, 0, EINVAL}, /* lengths */
        {U, 4 * PG, 4 * PG, DONTUNMAP, 0, EINVAL},          /* no MAYMOVE */
        {U + 1, 4 * PG, 8 * PG, MAYMOVE, 0, EINVAL},        /* misaligned */
        {U, 4 * PG, 0, MAYMOVE, 0, EINVAL},                 /* zero length */
        {U, 0, 4 * PG, MAYMOVE, 0, EINVAL},                 /* duplicate */
        {U, (size_t)-1, 8 * PG, MAYMOVE, 0, EINVAL},        /* rounds to 0 */
        {U, 4 * PG, (size_t)-1, MAYMOVE, 0, EINVAL},        /* rounds to 0 */
        {U, (size_t)-PG, 8 * PG, MAYMOVE, 0, EINVAL},       /* old wraps */
        {U, 4 * PG, 4 * PG, MAYMOVE | FIXED, U + 2 * PG, EINVAL}, /* overlap */
        {U, 4 * PG, 4 * PG, MAYMOVE | FIXED, U - 4 * PG, EINVAL}, /* overlap */
        {U, 4 * PG, 4 * PG, MAYMOVE | FIXED, U + 20 * PG + 1, EINVAL},
        {U, 4 * PG, 4 * PG, MAYMOVE | FIXED, 0x1000, EINVAL}, /* below */
        {U, 4 * PG, 4 * PG, MAYMOVE | FIXED, 0xBFFFE000, EINVAL}, /* past */
        {U, 4 * PG, 4 * PG, MAYMOVE | FIXED, (uintptr_t)-2 * PG, EINVAL},
        {U + 8 * PG, 2 * PG, 2 * PG, MAYMOVE | DONTUNMAP, 0, EINVAL},
        {U, 6 * PG, 8 * PG, MAYMOVE, 0, EFAULT},       /* two VMAs */
        {U + 6 * PG, PG, 2 * PG, MAYMOVE, 0, EFAULT},  /* a hole */
        {U + 6 * PG, 2 * PG, PG, 0, 0, EFAULT},        /* shrink at a hole */
        {0x1000, PG, PG, 0, 0, EFAULT},                /* below the window */
        {U, 4 * PG, 8 * PG, 0, 0, ENOMEM},             /* blocked, no move */
        {U, 4 * PG, 0xC0000000, MAYMOVE, 0, ENOMEM},   /* no such hole */
        {U, 4 * PG, 2000 * PG, MAYMOVE, 0, ENOMEM},    /* commit limit */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        void *r = mspace_remap(ms, cases[i].old, cases[i].old_len,
                               cases[i].new_len, cases[i].flags,
                               cases[i].new_addr);
        if (mspace_error(r) != -cases[i].err)
            fprintf(stderr, "case %zu: got %d\n", i, mspace_error(r));
        assert_int_equal(mspace_error(r), -cases[i].err);
        check_layout(ms, {U, 4 * PG, ANON_RW}, {U + 4 * PG, 2 * PG, ANON_R},
                     {U + 8 * PG, 2 * PG, SHARED_RW});
        assert_int_equal(*fake_mmu_ptr(ms->directory, U + 3 * PG), 'a' + 3);
    }
    mspace_check(ms);
    mspace_close(ms);
}

static void test_remap_in_place(void **state)
{
    (void)state;
    mspace_t *ms = mspace_create();
    map_ok(ms, U, 4 * PG, RW | VMA_FIXED);
    map_ok(ms, U + 10 * PG, 2 * PG, RW | VMA_FIXED);
    stamp(ms, U, 4, 'a');
    size_t committed = mm_committed();
    assert_int_equal(remap_ok(ms, U, 4 * PG, 6 * PG, 0, 0), U);
    assert_int_equal(mm_committed(), committed + 2); /* the growth */
    check_layout(ms, {U, 6 * PG, ANON_RW}, {U + 10 * PG, 2 * PG, ANON_RW});
    /* growing up to the next VMA merges with it */
    assert_int_equal(remap_ok(ms, U, 6 * PG, 10 * PG, 0, 0), U);
    check_layout(ms, {U, 12 * PG, ANON_RW});
    assert_int_equal(*fake_mmu_ptr(ms->directory, U + 3 * PG), 'a' + 3);
    /* shrink: the tail goes, holes and all */
    assert_int_equal(remap_ok(ms, U, 16 * PG, 2 * PG, 0, 0), U);
    check_layout(ms, {U, 2 * PG, ANON_RW});
    assert_int_equal(mm_committed(), committed - 4);
    assert_int_equal(ms->phys_pg_count, 2);
    assert_int_equal(remap_ok(ms, U, 2 * PG, 2 * PG, 0, 0), U);
    /* the range ends before the VMA's end: no growth in place */
    assert_int_equal(mspace_error(mspace_remap(ms, U, PG, 2 * PG, 0, 0)),
                     -ENOMEM);
    mspace_check(ms);
    mspace_close(ms);
}

static void test_remap_moves_frames(void **state)
{
    (void)state;
    mspace_t *ms = mspace_create();
    map_ok(ms, U, 4 * PG, RW | VMA_FIXED);
    map_ok(ms, U + 4 * PG, PG, VMA_READ | VMA_FIXED); /* blocks growth */
    stamp(ms, U, 3, 'a'); /* the fourth page stays untouched */
    phys_addr_t pa[3];
    for (int i = 0; i < 3; i++)
        pa[i] = frame(ms, U + i * PG);
    assert_int_equal(mspace_protect(ms, U, 4 * PG, 0), 0); /* PROT_NONE */
    size_t free_before = page_free_count(), committed = mm_committed();
    unsigned long flushes = fake_mmu_flushes();
    uintptr_t m = remap_ok(ms, U, 4 * PG, 8 * PG, MAYMOVE, U + 32 * PG);
    assert_int_equal(m, U + 32 * PG);
    check_layout(ms, {U + 4 * PG, PG, ANON_R}, {m, 8 * PG, ANON_0});
    for (int i = 0; i < 3; i++) {
        int now = mmu_query(ms->directory, m + i * PG, NULL);
        assert_int_equal(frame(ms, m + i * PG), pa[i]); /* moved, not copied */
        assert_int_equal(now & (MMU_READ | MMU_WRITE | MMU_EXEC), 0);
        assert_int_equal(page_refcount(pa[i]), 1);
    }
    assert_int_equal(frame(ms, m + 3 * PG), 0);
    assert_int_equal(page_free_count(), free_before);
    /* the commit rule: a VMA that was writable stays VMA_CHARGED through
     * PROT_NONE, so its 4 new pages are charged (was: no change) */
    assert_int_equal(mm_committed(), committed + 4);
    assert_int_equal(fake_mmu_flushes(), flushes + 1);
    assert_int_equal(mspace_protect(ms, m, 8 * PG, VMA_WRITE), 0);
    assert_int_equal(*fake_mmu_ptr(ms->directory, m + 2 * PG), 'a' + 2);
    assert_int_equal(cpu_touch(ms, m + 2 * PG, MMU_WRITE), MM_FAULT_OK);
    mspace_check(ms);
    mspace_close(ms);
}

/* A PROT_NONE VMA that holds pages grows in place into a new table span:
 * the span's table is reserved (its pages may be made accessible again). */
static void test_remap_none_grows_span(void **state)
{
    (void)state;
    mspace_t *ms = mspace_create();
    const uintptr_t span = (uintptr_t)1 << MMU_TABLE_SHIFT(0);
    uintptr_t a = ((U + span) & ~(span - 1)) - 2 * PG; /* ends at a span */
    map_ok(ms, a, 2 * PG, RW | VMA_FIXED);
    stamp(ms, a, 2, 'a');
    assert_int_equal(mspace_protect(ms, a, 2 * PG, 0), 0);
    size_t committed = mm_committed(), tables = ms->tables_charged;
    assert_int_equal(remap_ok(ms, a, 2 * PG, 4 * PG, 0, 0), a);
    assert_int_equal(ms->tables_charged, tables + 1);
    assert_int_equal(mm_committed(), committed + 2 + 1); /* pages, table */
    mspace_check(ms);
    mspace_close(ms);
}

static void test_remap_fixed_dontunmap(void **state)
{
    (void)state;
    mspace_t *ms = mspace_create();
    map_ok(ms, U, 16 * PG, RW | VMA_FIXED);
    stamp(ms, U, 16, 'a');
    /* a middle part moves onto another part of the same VMA */
    uintptr_t m = remap_ok(ms, U + 2 * PG, 2 * PG, 3 * PG, MAYMOVE | FIXED,
                           U + 8 * PG);
    assert_int_equal(m, U + 8 * PG);
    check_layout(ms, {U, 2 * PG, ANON_RW}, {U + 4 * PG, 12 * PG, ANON_RW});
    assert_int_equal(*fake_mmu_ptr(ms->directory, U + 8 * PG), 'a' + 2);
    assert_int_equal(*fake_mmu_ptr(ms->directory, U + 9 * PG), 'a' + 3);
    assert_null(fake_mmu_ptr(ms->directory, U + 10 * PG)); /* new, zero */
    assert_int_equal(*fake_mmu_ptr(ms->directory, U + 11 * PG), 'a' + 11);
    assert_int_equal(ms->phys_pg_count, 13);
    /* a move that shrinks: the head moves, the tail is unmapped */
    m = remap_ok(ms, U + 12 * PG, 4 * PG, PG, MAYMOVE | FIXED, U + 2 * PG);
    check_layout(ms, {U, 3 * PG, ANON_RW}, {U + 4 * PG, 8 * PG, ANON_RW});
    assert_int_equal(*fake_mmu_ptr(ms->directory, U + 2 * PG), 'a' + 12);
    assert_int_equal(ms->phys_pg_count, 10);
    /* DONTUNMAP: the old range stays, empty, still charged */
    size_t committed = mm_committed();
    m = remap_ok(ms, U, 2 * PG, 2 * PG, MAYMOVE | DONTUNMAP, U + 64 * PG);
    assert_int_equal(m, U + 64 * PG);
    check_layout(ms, {U, 3 * PG, ANON_RW}, {U + 4 * PG, 8 * PG, ANON_RW},
                 {m, 2 * PG, ANON_RW});
    assert_null(fake_mmu_ptr(ms->directory, U));
    assert_int_equal(*fake_mmu_ptr(ms->directory, m + PG), 'a' + 1);
    assert_int_equal(mm_committed(), committed + 2);
    mspace_check(ms);
    mspace_close(ms);
}

static void test_remap_shared_and_cow(void **state)
{
    (void)state;
    mspace_t *ms = mspace_create();
    map_ok(ms, U, 2 * PG, RW | VMA_SHARED | VMA_FIXED);
    map_ok(ms, U + 2 * PG, 2 * PG, RW | VMA_FIXED);
    map_ok(ms, U + 4 * PG, PG, VMA_READ | VMA_FIXED);
    stamp(ms, U, 4, 'a');
    mspace_t *child = mspace_clone(ms);
    assert_non_null(child);
    /* shared anonymous: moved and grown, the old frames stay shared */
    uintptr_t s = remap_ok(ms, U, 2 * PG, 4 * PG, MAYMOVE, U + 32 * PG);
    assert_int_equal(frame(ms, s), frame(child, U));
    *fake_mmu_ptr(ms->directory, s) = 'P';
    assert_int_equal(*fake_mmu_ptr(child->directory, U), 'P');
    assert_non_null(fake_mmu_ptr(ms->directory, s + 3 * PG)); /* populated */
    /* private, copy-on-write with the child: stays read-only, shared */
    uintptr_t p = remap_ok(ms, U + 2 * PG, 2 * PG, 3 * PG, MAYMOVE, U + 64 * PG);
    assert_int_equal(frame(ms, p), frame(child, U + 2 * PG));
    assert_int_equal(page_refcount(frame(ms, p)), 2);
    assert_int_equal(cpu_touch(ms, p, MMU_WRITE), MM_FAULT_OK); /* copies */
    assert_int_not_equal(frame(ms, p), frame(child, U + 2 * PG));
    assert_int_equal(*fake_mmu_ptr(child->directory, U + 2 * PG), 'a' + 2);
    check_layout(ms, {U + 4 * PG, PG, ANON_R}, {s, 4 * PG, SHARED_RW},
                 {p, 3 * PG, ANON_RW});
    check_layout(child, {U, 2 * PG, SHARED_RW}, {U + 2 * PG, 2 * PG, ANON_RW},
                 {U + 4 * PG, PG, ANON_R});
    mspace_close(child);
    mspace_check(ms);
    mspace_close(ms);
}

static void test_remap_stack(void **state)
{
    (void)state;
    mspace_t *ms = mspace_create();
    map_ok(ms, U, 8 * PG, RW | VMA_STACK | VMA_FIXED);
    map_ok(ms, U + 8 * PG, PG, VMA_READ | VMA_FIXED);
    stamp(ms, U + PG, 7, 'a');
    assert_int_equal(ms->committed, 7);
    size_t committed = mm_committed();
    /* the whole stack moves with its guard: still a stack */
    uintptr_t m = remap_ok(ms, U, 8 * PG, 10 * PG, MAYMOVE, U + 32 * PG);
    check_layout(ms, {U + 8 * PG, PG, ANON_R}, {m, 10 * PG, STACK_RW});
    assert_int_equal(cpu_touch(ms, m, MMU_READ), MM_FAULT_STACK_GUARD);
    assert_int_equal(*fake_mmu_ptr(ms->directory, m + PG), 'a');
    assert_int_equal(mm_committed(), committed);
    /* its upper half alone leaves the guard: plain anonymous memory, whose
     * pages are charged by length now */
    uintptr_t h = remap_ok(ms, m + 6 * PG, 4 * PG, 4 * PG, MAYMOVE | FIXED,
                           U + 64 * PG);
    check_layout(ms, {U + 8 * PG, PG, ANON_R}, {m, 6 * PG, STACK_RW},
                 {h, 4 * PG, ANON_RW});
    assert_int_equal(cpu_touch(ms, h, MMU_READ), MM_FAULT_OK);
    assert_int_equal(*fake_mmu_ptr(ms->directory, h), 'a' + 5);
    assert_int_equal(mm_committed(), committed - 2 + 4);
    mspace_check(ms);
    mspace_close(ms);
}

/* A stack piece that leaves its guard becomes data (RLIMIT_DATA) whole,
 * though the address space does not grow. */
static void test_remap_stack_data_limit(void **state)
{
    (void)state;
    mspace_t *ms = mspace_create();
    map_ok(ms, U, 8 * PG, RW | VMA_STACK | VMA_FIXED);
    stamp(ms, U + PG, 7, 'a');
    assert_int_equal(ms->data_pages, 0);
    mspace_set_limits(ms, SIZE_MAX, 3 * PG, SIZE_MAX);
    assert_int_equal(mspace_error(mspace_remap(ms, U + 4 * PG, 4 * PG, 4 * PG,
                                               MAYMOVE | FIXED, U + 64 * PG)),
                     -ENOMEM);
    check_layout(ms, {U, 8 * PG, STACK_RW});
    mspace_set_limits(ms, SIZE_MAX, 4 * PG, SIZE_MAX);
    assert_int_equal(remap_ok(ms, U + 4 * PG, 4 * PG, 4 * PG, MAYMOVE | FIXED,
                              U + 64 * PG),
                     U + 64 * PG);
    assert_int_equal(ms->data_pages, 4);
    mspace_check(ms);
    mspace_close(ms);
}

static void test_remap_big_reservation(void **state)
{
    (void)state;
    mspace_t *ms = mspace_create();
    const size_t gib = (size_t)1 << 30;
    uintptr_t r = (uintptr_t)map_ok(ms, U, gib, VMA_READ | VMA_FIXED);
    map_ok(ms, U + gib, PG, RW | VMA_FIXED);
    assert_int_equal(cpu_touch(ms, U + gib - PG, MMU_READ), MM_FAULT_OK);
    size_t free_before = page_free_count(), committed = mm_committed();
    size_t tables = ms->tables_charged;
    unsigned long prepares = fake_mmu_prepares();
    /* the commit rule: the destination's table spans are reserved (513 or
     * more pages), and the old spans stay reserved until close since their
     * tables are freed only then, so this needs more than the test limit */
    mm_commit_set_limit(4096);
    uintptr_t m = remap_ok(ms, r, gib, gib + PG, MAYMOVE, 0);
    assert_int_equal(fake_mmu_prepares(), prepares + 1); /* one page moved */
    assert_int_equal(page_free_count(), free_before);
    /* was: no change; now the table reserve only, no page (read-only) */
    assert_true(ms->tables_charged - tables >= (gib >> MMU_TABLE_SHIFT(0)) + 1);
    assert_int_equal(mm_committed(), committed + ms->tables_charged - tables);
    mspace_check(ms);
    assert_true(mm_is_zero_page(frame(ms, m + gib - PG)));
    check_layout(ms, {U + gib, PG, ANON_RW}, {m, gib + PG, ANON_R});
    mspace_check(ms);
    mspace_close(ms);
}

static void test_truncate(void **state)
{
    (void)state;
    mspace_t *ms = mspace_create();
    inode_t *f = inode_create("/memfd", NULL, 0, RW);
    /* the commit rule: mmap fills a memfd's cache of the mapped range, so
     * the frames are counted from before it (was: after the mmaps) */
    size_t free_before = page_free_count(), committed = mm_committed();
    assert_int_equal(mspace_error(mspace_map(ms, U, 4 * PG, f, 0, 0,
                                             RW | VMA_SHARED | VMA_FIXED)),
                     0);
    assert_int_equal(mspace_error(mspace_map(ms, U + 8 * PG, 4 * PG, f, 0, 0,
                                             RW | VMA_COW | VMA_FIXED)),
                     0);
    assert_int_equal(inode_cached(f), 4);
    assert_int_equal(page_free_count(), free_before - 4);
    /* 4 cache pages, 4 of the private writable VMA (tables: this span's
     * reserve, which stays until close) */
    size_t tables = ms->tables_charged - 1;
    assert_int_equal(mm_committed(), committed + tables + 8);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(cpu_touch(ms, U + i * PG, MMU_WRITE), MM_FAULT_OK);
        memcpy(fake_mmu_ptr(ms->directory, U + i * PG), "secret", 6);
    }
    assert_int_equal(cpu_touch(ms, U + 11 * PG, MMU_WRITE), MM_FAULT_OK);
    assert_int_equal(inode_cached(f), 4);
    unsigned long flushes = fake_mmu_flushes();
    /* to 3 bytes: pages 1-3 go from the cache and both mappings */
    mspace_unmap_inode(ms, f, PG);
    inode_truncate(f, 3);
    assert_int_equal(fake_mmu_flushes(), flushes + 1);
    assert_int_equal(inode_cached(f), 1);
    assert_null(fake_mmu_ptr(ms->directory, U + PG));
    assert_null(fake_mmu_ptr(ms->directory, U + 11 * PG)); /* private copy */
    assert_int_equal(memcmp(fake_mmu_ptr(ms->directory, U), "sec\0\0\0", 6),
                     0);
    assert_int_equal(page_free_count(), free_before - 1);
    assert_int_equal(mm_committed(), committed + tables + 8 - 3); /* dropped */
    mspace_check(ms);
    /* grown again: what comes back is zero */
    assert_int_equal(cpu_touch(ms, U + 2 * PG, MMU_READ), MM_FAULT_OK);
    assert_int_equal(*fake_mmu_ptr(ms->directory, U + 2 * PG), 0);
    mspace_unmap_inode(ms, f, 0);
    inode_truncate(f, 0);
    assert_int_equal(inode_cached(f), 0);
    assert_int_equal(ms->phys_pg_count, 0);
    assert_int_equal(page_free_count(), free_before);
    assert_int_equal(mm_committed(), committed + tables + 4); /* the VMA's */
    mspace_check(ms);
    check_layout(ms, {U, 4 * PG, RW | VMA_SHARED | VMA_FILE},
                 {U + 8 * PG, 4 * PG, RW | VMA_COW | VMA_FILE});
    mspace_check(ms);
    mspace_close(ms);
    inode_close(f);
}

/* A shared memfd mapping that grows: the new part's cache is filled and
 * charged at the call, as at mmap, so its faults charge nothing. */
static void test_remap_memfd_grows(void **state)
{
    (void)state;
    mspace_t *ms = mspace_create();
    inode_t *f = inode_create("/memfd", NULL, 0, RW);
    assert_int_equal(mspace_error(mspace_map(ms, U, 2 * PG, f, 0, 0,
                                             RW | VMA_SHARED | VMA_FIXED)),
                     0);
    map_ok(ms, U + 2 * PG, PG, VMA_READ | VMA_FIXED); /* blocks growth */
    assert_int_equal(inode_cached(f), 2);
    size_t committed = mm_committed();
    uintptr_t m = remap_ok(ms, U, 2 * PG, 4 * PG, MAYMOVE, U + 16 * PG);
    assert_int_equal(inode_cached(f), 4);
    assert_int_equal(mm_committed(), committed + 2);
    assert_int_equal(remap_ok(ms, m, 4 * PG, 6 * PG, 0, 0), m); /* in place */
    assert_int_equal(inode_cached(f), 6);
    assert_int_equal(mm_committed(), committed + 4);
    mm_commit_set_limit(mm_committed()); /* no charge is left to take */
    for (int i = 0; i < 6; i++)
        assert_int_equal(cpu_touch(ms, m + i * PG, MMU_WRITE), MM_FAULT_OK);
    mspace_check(ms);
    mspace_close(ms);
    inode_close(f);
}

/* A snapshot of a space: its VMAs and the first present pages. */
typedef struct snap {
    size_t n, pages;
    layout_t vma[16];
    uintptr_t va[64];
    phys_addr_t pa[64];
    int flags[64];
    size_t committed;
} snap_t;

static void take_snap(mspace_t *ms, snap_t *s)
{
    memset(s, 0, sizeof(*s));
    for (bbnode_t *x = bbtree_first(&ms->tree); x; x = bbtree_next(x)) {
        vma_t *v = (vma_t *)x;
        assert_true(s->n < 16);
        s->vma[s->n++] = (layout_t){vma_base(v), v->length, v->flags};
        for (uintptr_t va = vma_base(v);
             (va = mmu_next_mapped(ms->directory, va, vma_end(v))) <
             vma_end(v);
             va += PG) {
            assert_true(s->pages < 64);
            s->va[s->pages] = va;
            s->flags[s->pages] =
                mmu_query(ms->directory, va, &s->pa[s->pages]) & 0xff;
            s->pages++;
        }
    }
    s->committed = mm_committed();
}

static void same_snap(mspace_t *ms, const snap_t *before)
{
    snap_t now;
    take_snap(ms, &now);
    assert_int_equal(now.n, before->n);
    assert_int_equal(now.pages, before->pages);
    assert_int_equal(now.committed, before->committed);
    for (size_t i = 0; i < now.n; i++) {
        assert_int_equal(now.vma[i].base, before->vma[i].base);
        assert_int_equal(now.vma[i].length, before->vma[i].length);
        assert_int_equal(now.vma[i].flags, before->vma[i].flags);
    }
    for (size_t i = 0; i < now.pages; i++) {
        assert_int_equal(now.va[i], before->va[i]);
        assert_int_equal(now.pa[i], before->pa[i]);
        assert_int_equal(now.flags[i], before->flags[i]);
    }
    mspace_check(ms);
    assert_int_equal(fake_mmu_pending(ms->directory), 0);
}

static unsigned long remap_failures; /* remaps that failed cleanly */

/* The remaps of the injection loop: each succeeds, or fails with -ENOMEM
 * and leaves the space exactly as it was.  Returns true when all passed. */
static bool scenario(mspace_t **msp)
{
    mspace_t *ms = *msp;
    static const struct {
        uintptr_t old;
        size_t old_len, new_len;
        int flags;
        uintptr_t new_addr;
    } steps[] = {
        {U, 4 * PG, 6 * PG, MAYMOVE, U + 40 * PG},          /* private move */
        {U + 8 * PG, 2 * PG, 4 * PG, MAYMOVE, U + 60 * PG}, /* shared grows */
        {U + 12 * PG, 4 * PG, 4 * PG, MAYMOVE | FIXED, U + 80 * PG},
        {U + 4 * PG, 2 * PG, 2 * PG, MAYMOVE | FIXED, U + 41 * PG},
        {U + 60 * PG, 4 * PG, 8 * PG, 0, 0}, /* shared grows in place */
        {U + 20 * PG, 6 * PG, 6 * PG, MAYMOVE | DONTUNMAP, U + 100 * PG},
    };
    static const struct {
        uintptr_t base;
        size_t length;
        int flags;
    } maps[] = {
        {U, 4 * PG, RW},
        {U + 4 * PG, 4 * PG, VMA_READ},
        {U + 8 * PG, 2 * PG, RW | VMA_SHARED},
        {U + 10 * PG, 8 * PG, RW | VMA_STACK},
        {U + 20 * PG, 8 * PG, RW},
        {U + 80 * PG, 8 * PG, RW},
    };
    for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
        if (mspace_error(mspace_map(ms, maps[i].base, maps[i].length, NULL, 0,
                                    0, maps[i].flags | VMA_FIXED)))
            return false;
        uintptr_t va = maps[i].base + (maps[i].flags & VMA_STACK ? PG : 0);
        for (; va < maps[i].base + maps[i].length; va += PG)
            if (cpu_touch(ms, va, maps[i].flags & VMA_WRITE ? MMU_WRITE
                                                            : MMU_READ) !=
                MM_FAULT_OK)
                return false;
    }
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        snap_t before;
        take_snap(ms, &before);
        void *r = mspace_remap(ms, steps[i].old, steps[i].old_len,
                               steps[i].new_len, steps[i].flags,
                               steps[i].new_addr);
        if (mspace_error(r)) {
            assert_int_equal(mspace_error(r), -ENOMEM);
            same_snap(ms, &before);
            remap_failures++;
            return false;
        }
        mspace_check(ms);
        assert_int_equal(fake_mmu_pending(ms->directory), 0);
    }
    return true;
}

/* Every failure of one allocation kind is a clean ENOMEM, in remaps too. */
static void survive(void (*inject)(unsigned long), const char *what)
{
    remap_failures = 0;
    unsigned long failed = fault_loop(inject, scenario);
    printf("# %s: %lu failures, %lu of them in a remap, each a clean "
           "ENOMEM\n", what, failed, remap_failures);
    assert_true(remap_failures > 2);
}

static void test_remap_fault_injection(void **state)
{
    (void)state;
    survive(fake_alloc_fail_nth, "descriptor allocation");
    survive(page_fail_nth, "frame allocation");
    survive(fake_mmu_fail_nth, "page-table allocation");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEST(test_remap_errors),          TEST(test_remap_in_place),
        TEST(test_remap_moves_frames),    TEST(test_remap_none_grows_span),
        TEST(test_remap_fixed_dontunmap),
        TEST(test_remap_shared_and_cow),  TEST(test_remap_stack),
        TEST(test_remap_stack_data_limit),
        TEST(test_remap_big_reservation), TEST(test_truncate),
        TEST(test_remap_memfd_grows),
        TEST(test_remap_fault_injection),
    };
    return cmocka_run_group_tests_name("remap", tests, NULL, NULL);
}

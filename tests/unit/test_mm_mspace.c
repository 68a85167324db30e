/* tests/unit/test_mm_mspace.c - address-space operations: every function,
 * every errno, layouts as tables, accounting, TLB flushes, fault injection. */
#include "tests/unit/mm_testlib.h"

#define ANON_RW (RW | VMA_COW | VMA_ANON)
#define ANON_R (VMA_READ | VMA_COW | VMA_ANON)
#define ANON_0 (VMA_COW | VMA_ANON)

static void test_create_close(void **state)
{
    (void)state;
    mspace_t *ms = mspace_create();
    assert_non_null(ms);
    assert_int_equal(ms->lower_bound, 0x00400000);
    assert_int_equal(ms->upper_bound, 0xC0000000);
    assert_int_equal(fake_mmu_live_dirs(), 1);
    check_empty(ms);
    mspace_open(ms);
    mspace_close(ms);
    assert_int_equal(fake_mmu_live_dirs(), 1);
    mspace_close(ms);
}

static void test_map_errors(void **state)
{
    (void)state;
    mspace_t *ms = mspace_create();
    inode_t *ro = inode_create("/ro", "abc", 3, VMA_READ);
    map_ok(ms, U + 4 * PG, 2 * PG, RW | VMA_FIXED);
    static const struct {
        uintptr_t a;
        size_t len;
        int flags;
        bool file;
        uint64_t off, limit;
        int err;
    } cases[] = {
        {0, 0, RW, false, 0, 0, EINVAL},          /* zero length */
        {0, 0xC0000000, RW, false, 0, 0, ENOMEM}, /* longer than the window */
        {0, (size_t)-1, RW, false, 0, 0, ENOMEM}, /* overflowing length */
        {U + 1, PG, RW | VMA_FIXED, false, 0, 0, EINVAL}, /* misaligned */
        {0x1000, PG, RW | VMA_FIXED, false, 0, 0,
         EINVAL}, /* below the window */
        {0xC0000000, PG, RW | VMA_FIXED, false, 0, 0, EINVAL}, /* above */
        {0xBFFFF000, 2 * PG, RW | VMA_FIXED, false, 0, 0,
         EINVAL}, /* across the end */
        {U + 5 * PG, PG, RW | VMA_FIXED, false, 0, 0, EEXIST}, /* taken */
        {U + 3 * PG, 2 * PG, RW | VMA_FIXED, false, 0, 0,
         EEXIST},                                    /* overlaps */
        {0, PG, RW | 0x100000, false, 0, 0, EINVAL}, /* unknown flag */
        {0, PG, RW | VMA_DEAD, false, 0, 0, EINVAL}, /* state, not a request */
        {0, PG, RW | VMA_SHARED | VMA_COW, false, 0, 0, EINVAL},
        {0, PG, RW | VMA_ANON | VMA_HEAP, false, 0, 0, EINVAL}, /* two types */
        {0, PG, RW | VMA_FILE, false, 0, 0, EINVAL}, /* file without inode */
        {0, PG, RW | VMA_ANON, true, 0, 0, EINVAL},  /* inode on anonymous */
        {0, PG, RW, false, 0, 100, EINVAL},          /* limit on anonymous */
        {0, PG, RW | VMA_UNCACHED, false, 0, 0, EINVAL},
        {0, PG, RW | VMA_PHYS | VMA_COW, false, 0x1000000, 0, EINVAL},
        {0, PG, RW | VMA_PHYS, false, 0x1000010, 0,
         EINVAL},                                 /* misaligned physical */
        {0, PG, VMA_READ, true, 0x10, 0, EINVAL}, /* misaligned offset */
        {0, PG, VMA_READ, true, (uint64_t)-4096, 0, EINVAL}, /* offset wraps */
        {0, PG, VMA_READ, true, PG, (uint64_t)-PG, EINVAL},  /* limit wraps */
        {0, PG, RW | VMA_ANON, false, 4096, 0,
         EINVAL},                                     /* offset on anonymous */
        {0, PG, RW | VMA_STACK, false, 0, 0, EINVAL}, /* no room for a guard */
        {0, 2 * PG, RW | VMA_STACK | VMA_SHARED, false, 0, 0, EINVAL},
        {0, PG, RW | VMA_MAXREAD, false, 0, 0, EACCES}, /* above maximum */
        {0, PG, VMA_READ | VMA_WRITE | VMA_SHARED, true, 0, 0,
         EACCES},                                /* read-only file */
        {0, 2000 * PG, RW, false, 0, 0, ENOMEM}, /* over the commit limit */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        void *r =
            mspace_map(ms, cases[i].a, cases[i].len, cases[i].file ? ro : NULL,
                       cases[i].off, cases[i].limit, cases[i].flags);
        if (mspace_error(r) != -cases[i].err)
            fprintf(stderr, "case %zu: got %d\n", i, mspace_error(r));
        assert_int_equal(mspace_error(r), -cases[i].err);
        check_layout(ms, {U + 4 * PG, 2 * PG, ANON_RW});
    }
    /* No room: a reservation of the whole window but one page. */
    size_t rest = 0xC0000000 - U - 7 * PG;
    void *r = mspace_map(ms, 0, rest, NULL, 0, 0, 0);
    assert_ptr_equal(r, (void *)(U + 6 * PG));
    assert_int_equal(mspace_error(mspace_map(ms, 0, 5 * PG, NULL, 0, 0, 0)),
                     -ENOMEM);
    assert_int_equal(mspace_unmap(ms, (uintptr_t)r, rest), 0);
    inode_close(ro);
    mspace_close(ms);
}

static void test_map_placement(void **state)
{
    (void)state;
    mspace_t *ms = mspace_create();
    assert_ptr_equal(map_ok(ms, 0, PG, VMA_READ), (void *)U);
    assert_ptr_equal(map_ok(ms, U + 10 * PG, PG, VMA_READ | VMA_EXEC),
                     (void *)(U + 10 * PG));
    assert_ptr_equal(map_ok(ms, U + 10 * PG, 2 * PG, VMA_READ | VMA_EXEC),
                     (void *)(U + 11 * PG));
    assert_ptr_equal(map_ok(ms, U + 10 * PG + 5, PG, 0),
                     (void *)(U + 13 * PG)); /* hint rounded */
    assert_ptr_equal(map_ok(ms, 0, 9 * PG, 0), (void *)(U + PG));
    assert_ptr_equal(map_ok(ms, 0xBFFFF000, 2 * PG, 0),
                     (void *)(U + 14 * PG)); /* wraps */
    assert_ptr_equal(map_ok(ms, 0x1000, PG, 0),
                     (void *)(U + 16 * PG)); /* hint below */
    check_layout(
        ms, {U, PG, ANON_R | 0}, {U + PG, 9 * PG, ANON_0},
        {U + 10 * PG, 3 * PG, VMA_READ | VMA_EXEC | VMA_COW | VMA_ANON},
        {U + 13 * PG, 4 * PG, ANON_0});
    mspace_close(ms);
}

static void *map_aligned(mspace_t *ms, uintptr_t a, size_t len, size_t align,
                         int flags)
{
    return mspace_map_aligned(ms, a, len, align, NULL, 0, 0, flags);
}

/* An aligned mapping is one search: the lowest aligned fit at or after
 * the hint, the hint itself when it is aligned and free, any hole that
 * holds an aligned fit however small, and ENOMEM when none does. */
static void test_map_aligned(void **state)
{
    (void)state;
    mspace_t *ms = mspace_create();
    const size_t A = 16 * PG;
    map_ok(ms, 0, PG, VMA_READ);
    assert_ptr_equal(map_aligned(ms, 0, PG, A, 0), (void *)(U + A));
    assert_ptr_equal(map_aligned(ms, U + 4 * A, 4 * PG, A, 0),
                     (void *)(U + 4 * A)); /* an aligned free hint */
    assert_ptr_equal(map_aligned(ms, U + 4 * A + PG, PG, A, 0),
                     (void *)(U + 5 * A)); /* rounded up, past a VMA */
    /* [U+PG, U+A) is a hole of 15 pages: a 4-page fit aligned on 4 pages
     * is at U+4PG (a reservation of length+align would also fit; the
     * 8-page one at U+8PG would not: 8 + 8 - 1 pages > the 15 free) */
    assert_ptr_equal(map_aligned(ms, 0, 4 * PG, 4 * PG, VMA_READ),
                     (void *)(U + 4 * PG));
    assert_ptr_equal(map_aligned(ms, 0, 8 * PG, 8 * PG, VMA_READ),
                     (void *)(U + 8 * PG));
    assert_ptr_equal(map_aligned(ms, 0, PG, 0, RW), (void *)(U + PG));
    assert_ptr_equal(map_aligned(ms, 0, PG, 1, RW), (void *)(U + 2 * PG));
    check_layout(ms, {U, PG, ANON_R}, {U + PG, 2 * PG, ANON_RW},
                 {U + 4 * PG, 12 * PG, ANON_R}, {U + A, PG, ANON_0},
                 {U + 4 * A, 4 * PG, ANON_0}, {U + 5 * A, PG, ANON_0});
    /* wraps to the bottom: the first 64 KiB-aligned hole from U */
    assert_ptr_equal(map_aligned(ms, 0xBFFFF000, 2 * PG, A, 0),
                     (void *)(U + 2 * A));
    /* VMA_FIXED takes the address as it is, aligned or refused */
    assert_ptr_equal(map_aligned(ms, U + 8 * A, PG, A, RW | VMA_FIXED),
                     (void *)(U + 8 * A));
    assert_int_equal(
        mspace_error(map_aligned(ms, U + 9 * A + PG, PG, A, RW | VMA_FIXED)),
        -EINVAL);
    assert_int_equal(mspace_error(map_aligned(ms, 0, PG, 3 * PG, 0)), -EINVAL);
    /* 2 GiB: 0x80000000 is the window's one aligned address above U */
    const size_t G2 = (size_t)0x80000000;
    assert_int_equal(mspace_error(map_aligned(ms, 0, 0x40000000 + PG, G2, 0)),
                     -ENOMEM); /* would pass the window's end */
    assert_int_equal(mspace_error(map_aligned(ms, 0, PG, G2 * 2, 0)),
                     -ENOMEM); /* no 4 GiB-aligned address in the window */
    assert_ptr_equal(map_aligned(ms, 0, PG, G2, 0), (void *)G2);
    assert_int_equal(mspace_error(map_aligned(ms, 0, PG, G2, 0)),
                     -ENOMEM); /* taken: plenty of room, none aligned */
    assert_int_equal(
        mspace_error(map_aligned(ms, 0, PG, (size_t)1 << 63, 0)), -ENOMEM);
    mspace_check(ms);
    mspace_close(ms);
}

static void test_unmap_layouts(void **state)
{
    (void)state;
    mspace_t *ms = mspace_create();
    map_ok(ms, U, 8 * PG, RW | VMA_FIXED);
    map_ok(ms, U + 10 * PG, 4 * PG, VMA_READ | VMA_FIXED);
    assert_int_equal(mspace_unmap(ms, U + 2 * PG, 2 * PG),
                     0); /* middle: split */
    check_layout(ms, {U, 2 * PG, ANON_RW}, {U + 4 * PG, 4 * PG, ANON_RW},
                 {U + 10 * PG, 4 * PG, ANON_R});
    assert_int_equal(mspace_unmap(ms, U + 7 * PG, 4 * PG),
                     0); /* two ends and a hole */
    check_layout(ms, {U, 2 * PG, ANON_RW}, {U + 4 * PG, 3 * PG, ANON_RW},
                 {U + 11 * PG, 3 * PG, ANON_R});
    assert_int_equal(mspace_unmap(ms, U + 20 * PG, 4 * PG),
                     0);                                    /* only a hole */
    assert_int_equal(mspace_unmap(ms, U + PG, 11 * PG), 0); /* spans three */
    check_layout(ms, {U, PG, ANON_RW}, {U + 12 * PG, 2 * PG, ANON_R});
    assert_int_equal(mspace_unmap(ms, U + 1, PG), -EINVAL);
    assert_int_equal(mspace_unmap(ms, U, 0), -EINVAL);
    assert_int_equal(mspace_unmap(ms, 0x1000, PG), -EINVAL);
    assert_int_equal(mspace_unmap(ms, 0xBFFFF000, 2 * PG), -EINVAL);
    assert_int_equal(mspace_unmap(ms, U, (size_t)-PG), -EINVAL);
    assert_int_equal(mspace_unmap(ms, U, 100), 0); /* length rounds up */
    check_layout(ms, {U + 12 * PG, 2 * PG, ANON_R});
    assert_int_equal(ms->v_size, 2 * PG);
    mspace_close(ms);
}

static void test_protect_layouts(void **state)
{
    (void)state;
    mspace_t *ms = mspace_create();
    map_ok(ms, U, 8 * PG, RW | VMA_FIXED);
    map_ok(ms, U + 8 * PG, 2 * PG, RW | VMA_FIXED | VMA_MAXREAD | VMA_MAXWRITE);
    check_layout(ms, {U, 8 * PG, ANON_RW}, {U + 8 * PG, 2 * PG, ANON_RW});
    assert_int_equal(mspace_protect(ms, U + 2 * PG, 3 * PG, VMA_READ), 0);
    check_layout(ms, {U, 2 * PG, ANON_RW}, {U + 2 * PG, 3 * PG, ANON_R},
                 {U + 5 * PG, 3 * PG, ANON_RW}, {U + 8 * PG, 2 * PG, ANON_RW});
    assert_int_equal(ms->committed, 8 - 3 + 2); /* no page there: given back */
    /* Errors change nothing. */
    assert_int_equal(
        mspace_protect(ms, U + 6 * PG, 4 * PG, VMA_READ | VMA_EXEC), -EACCES);
    assert_int_equal(mspace_protect(ms, U + 8 * PG, 4 * PG, VMA_READ),
                     -ENOMEM); /* hole */
    assert_int_equal(mspace_protect(ms, U - PG, 2 * PG, VMA_READ), -ENOMEM);
    assert_int_equal(mspace_protect(ms, U + 1, PG, VMA_READ), -EINVAL);
    assert_int_equal(mspace_protect(ms, U, 0, VMA_READ), -EINVAL);
    assert_int_equal(mspace_protect(ms, U, PG, 8), -EINVAL);
    assert_int_equal(mspace_protect(ms, U, (size_t)-PG, VMA_READ), -EINVAL);
    check_layout(ms, {U, 2 * PG, ANON_RW}, {U + 2 * PG, 3 * PG, ANON_R},
                 {U + 5 * PG, 3 * PG, ANON_RW}, {U + 8 * PG, 2 * PG, ANON_RW});
    /* Back to RW: everything merges again (but not across max rights). */
    assert_int_equal(mspace_protect(ms, U + PG, 5 * PG, RW), 0);
    check_layout(ms, {U, 8 * PG, ANON_RW}, {U + 8 * PG, 2 * PG, ANON_RW});
    assert_int_equal(ms->committed, 10);
    /* Over several VMAs, one call. */
    assert_int_equal(mspace_protect(ms, U + 7 * PG, 2 * PG, 0), 0);
    check_layout(ms, {U, 7 * PG, ANON_RW}, {U + 7 * PG, PG, ANON_0},
                 {U + 8 * PG, PG, ANON_0}, {U + 9 * PG, PG, ANON_RW});
    assert_int_equal(ms->committed, 8);
    /* Read-only from the start: nothing; made writable: committed.  Made
     * read-only again with a page there (a private frame, mm/commit.c),
     * it stays committed until the page is discarded. */
    map_ok(ms, U + 16 * PG, 4 * PG, VMA_READ | VMA_FIXED);
    assert_int_equal(ms->committed, 8);
    assert_int_equal(mspace_protect(ms, U + 16 * PG, PG, RW), 0);
    assert_int_equal(ms->committed, 9);
    assert_int_equal(cpu_touch(ms, U + 16 * PG, MMU_WRITE), MM_FAULT_OK);
    assert_int_equal(mspace_protect(ms, U + 16 * PG, PG, VMA_READ), 0);
    assert_int_equal(ms->committed, 9);
    splock_lock(&ms->lock);
    assert_true(mspace_search_vma(ms, U + 16 * PG)->flags & VMA_CHARGED);
    splock_unlock(&ms->lock);
    assert_int_equal(mspace_discard(ms, U + 16 * PG, PG), 0);
    assert_int_equal(mspace_protect(ms, U + 16 * PG, PG, 0), 0);
    assert_int_equal(ms->committed, 8);
    assert_int_equal(mspace_unmap(ms, U + 16 * PG, 4 * PG), 0);
    assert_int_equal(ms->committed, 8);
    mspace_close(ms);
}

static void test_merge_rules(void **state)
{
    (void)state;
    mspace_t *ms = mspace_create();
    inode_t *f = inode_create("/f", "0123456789", 10, VMA_READ | VMA_EXEC);
    map_ok(ms, U, PG, VMA_READ | VMA_FIXED);
    map_ok(ms, U + PG, PG, VMA_READ | VMA_FIXED); /* merges */
    map_ok(ms, U + 2 * PG, PG,
           VMA_READ | VMA_HEAP | VMA_FIXED); /* other type */
    assert_ptr_equal(
        mspace_map(ms, U + 4 * PG, PG, f, 0, 0, VMA_READ | VMA_FIXED),
        (void *)(U + 4 * PG));
    assert_ptr_equal(
        mspace_map(ms, U + 5 * PG, PG, f, PG, 0, VMA_READ | VMA_FIXED),
        (void *)(U + 5 * PG));
    assert_ptr_equal(
        mspace_map(ms, U + 6 * PG, PG, f, 3 * PG, 0, VMA_READ | VMA_FIXED),
        (void *)(U + 6 * PG));
    check_layout(ms, {U, 2 * PG, ANON_R},
                 {U + 2 * PG, PG, VMA_READ | VMA_COW | VMA_HEAP},
                 {U + 4 * PG, 2 * PG, VMA_READ | VMA_COW | VMA_FILE},
                 {U + 6 * PG, PG, VMA_READ | VMA_COW | VMA_FILE});
    assert_int_equal(f->refs, 3);
    assert_int_equal(mspace_unmap(ms, U + 4 * PG, PG), 0);
    vma_t *v;
    splock_lock(&ms->lock);
    v = mspace_search_vma(ms, U + 5 * PG);
    assert_int_equal(v->offset, PG); /* trimmed front moves the offset */
    assert_null(mspace_search_vma(ms, U + 4 * PG));
    assert_null(mspace_search_vma(ms, 0));
    splock_unlock(&ms->lock);
    mspace_close(ms);
    assert_int_equal(f->refs, 1);
    inode_close(f);
}

#define STACK_RW (RW | VMA_COW | VMA_STACK)

/* Stacks (and VMA_NOMERGE requests, and every kernel mapping) never merge:
 * each stack keeps the guard page at its own base, whatever lies next to
 * it, and unmapping one whole needs no descriptor. */
static void test_nomerge_layouts(void **state)
{
    (void)state;
    mspace_t *ms = mspace_create();
    map_ok(ms, U, 4 * PG, RW | VMA_STACK | VMA_FIXED);
    map_ok(ms, U + 4 * PG, 4 * PG, RW | VMA_STACK | VMA_FIXED);
    map_ok(ms, U + 8 * PG, 2 * PG, RW | VMA_STACK | VMA_FIXED);
    check_layout(ms, {U, 4 * PG, STACK_RW}, {U + 4 * PG, 4 * PG, STACK_RW},
                 {U + 8 * PG, 2 * PG, STACK_RW});
    for (uintptr_t guard = U; guard <= U + 8 * PG; guard += 4 * PG) {
        assert_int_equal(cpu_touch(ms, guard + 8, MMU_WRITE),
                         MM_FAULT_STACK_GUARD);
        assert_int_equal(cpu_touch(ms, guard + PG, MMU_WRITE), MM_FAULT_OK);
    }
    /* rights changed over all three and back: still three stacks */
    assert_int_equal(mspace_protect(ms, U, 10 * PG, VMA_READ), 0);
    assert_int_equal(mspace_protect(ms, U, 10 * PG, RW), 0);
    check_layout(ms, {U, 4 * PG, STACK_RW}, {U + 4 * PG, 4 * PG, STACK_RW},
                 {U + 8 * PG, 2 * PG, STACK_RW});
    assert_int_equal(cpu_touch(ms, U + 4 * PG, MMU_READ), MM_FAULT_STACK_GUARD);
    /* the middle one goes with no descriptor to spare */
    fake_alloc_fail_nth(1);
    assert_int_equal(mspace_unmap(ms, U + 4 * PG, 4 * PG), 0);
    fake_alloc_fail_nth(0);
    check_layout(ms, {U, 4 * PG, STACK_RW}, {U + 8 * PG, 2 * PG, STACK_RW});
    /* a stack grown in place (mremap) is a second stack, its own guard */
    map_ok(ms, U + 4 * PG, 4 * PG, RW | VMA_STACK | VMA_FIXED);
    check_layout(ms, {U, 4 * PG, STACK_RW}, {U + 4 * PG, 4 * PG, STACK_RW},
                 {U + 8 * PG, 2 * PG, STACK_RW});
    assert_int_equal(cpu_touch(ms, U + 8 * PG, MMU_WRITE),
                     MM_FAULT_STACK_GUARD);
    /* a caller's guard-carrying region: VMA_NOMERGE on plain memory */
    map_ok(ms, U + 16 * PG, PG, RW | VMA_NOMERGE | VMA_FIXED);
    map_ok(ms, U + 17 * PG, PG, RW | VMA_NOMERGE | VMA_FIXED);
    map_ok(ms, U + 18 * PG, PG, RW | VMA_FIXED);
    map_ok(ms, U + 19 * PG, PG, RW | VMA_FIXED); /* merges */
    check_layout(ms, {U, 4 * PG, STACK_RW}, {U + 4 * PG, 4 * PG, STACK_RW},
                 {U + 8 * PG, 2 * PG, STACK_RW}, {U + 16 * PG, PG, ANON_RW},
                 {U + 17 * PG, PG, ANON_RW}, {U + 18 * PG, 2 * PG, ANON_RW});
    mspace_close(ms);

    uintptr_t lo = (uintptr_t)0xFFFFC00000000000ull;
    mspace_t *ks = mspace_create_kernel(lo, lo + ((uintptr_t)1 << 30));
    assert_non_null(ks);
    for (int i = 0; i < 3; i++) /* placed one above the other */
        assert_ptr_equal(mspace_map(ks, 0, PG, NULL, 0, 0, RW | VMA_RESOLVE),
                         (void *)(lo + (uintptr_t)i * PG));
    check_layout(ks, {lo, PG, ANON_RW}, {lo + PG, PG, ANON_RW},
                 {lo + 2 * PG, PG, ANON_RW});
    fake_alloc_fail_nth(1);
    assert_int_equal(mspace_unmap(ks, lo + PG, PG), 0);
    fake_alloc_fail_nth(0);
    check_layout(ks, {lo, PG, ANON_RW}, {lo + 2 * PG, PG, ANON_RW});
    assert_int_equal(mspace_unmap(ks, lo, 3 * PG), 0);
    mspace_close(ks);
}

static void test_accounting(void **state)
{
    (void)state;
    mspace_t *ms = mspace_create();
    inode_t *f = inode_create("/f", "x", 1, VMA_READ | VMA_WRITE);
    map_ok(ms, U, 4 * PG, RW | VMA_FIXED);
    map_ok(ms, U + 4 * PG, 2 * PG, VMA_READ | VMA_FIXED);
    assert_int_equal(mspace_error(mspace_map(ms, U + 8 * PG, 3 * PG, f, 0, 0,
                                             RW | VMA_SHARED | VMA_FIXED)),
                     0);
    assert_int_equal(mspace_error(mspace_map(ms, U + 12 * PG, 8 * PG, NULL, 0,
                                             0, RW | VMA_STACK | VMA_FIXED)),
                     0);
    assert_int_equal(ms->v_size, 17 * PG);
    assert_int_equal(ms->s_size, 3 * PG);
    assert_int_equal(ms->p_size, 14 * PG);
    assert_int_equal(ms->committed,
                     4); /* stack pages commit as they are touched */
    assert_int_equal(cpu_touch(ms, U + 19 * PG, MMU_WRITE), MM_FAULT_OK);
    assert_int_equal(cpu_touch(ms, U + 8 * PG, MMU_WRITE), MM_FAULT_OK);
    assert_int_equal(cpu_touch(ms, U, MMU_READ), MM_FAULT_OK);
    assert_int_equal(ms->committed, 5);
    assert_int_equal(ms->phys_pg_count, 3);
    check_layout(ms, {U, 4 * PG, ANON_RW}, {U + 4 * PG, 2 * PG, ANON_R},
                 {U + 8 * PG, 3 * PG, RW | VMA_SHARED | VMA_FILE},
                 {U + 12 * PG, 8 * PG, RW | VMA_COW | VMA_STACK});
    assert_int_equal(mspace_unmap(ms, U + 2 * PG, 16 * PG), 0);
    assert_int_equal(ms->committed, 3);
    assert_int_equal(ms->v_size, 4 * PG);
    mspace_close(ms);
    inode_close(f);
}

static void test_flushes(void **state)
{
    (void)state;
    mspace_t *ms = mspace_create();
    map_ok(ms, U, 4 * PG, RW | VMA_FIXED);
    for (int i = 0; i < 4; i++)
        assert_int_equal(cpu_touch(ms, U + i * PG, MMU_WRITE), MM_FAULT_OK);
    unsigned long before = fake_mmu_flushes();
    assert_int_equal(mspace_protect(ms, U, 4 * PG, VMA_READ), 0);
    assert_int_equal(fake_mmu_flushes(),
                     before + 1); /* one flush per operation */
    assert_false(fake_mmu_access(ms->directory, U, MMU_WRITE));
    assert_int_equal(cpu_touch(ms, U, MMU_WRITE), MM_FAULT_WRITE_RO);
    assert_int_equal(mspace_unmap(ms, U + PG, 2 * PG), 0);
    assert_int_equal(fake_mmu_flushes(), before + 2);
    assert_int_equal(mspace_unmap(ms, U + PG, 2 * PG),
                     0); /* nothing there: no flush */
    assert_int_equal(fake_mmu_flushes(), before + 2);
    check_layout(ms, {U, PG, ANON_R}, {U + 3 * PG, PG, ANON_R});
    mspace_close(ms);
}

static void test_display(void **state)
{
    (void)state;
    mspace_t *ms = mspace_create();
    inode_t *f = inode_create("/app/hello", "data", 4, VMA_READ | VMA_EXEC);
    char buf[512];
    assert_int_equal(mspace_display(ms, buf, sizeof(buf)), 0);
    assert_string_equal(buf, "");
    assert_int_equal(mspace_error(mspace_map(ms, U, PG, f, 0, 0,
                                             VMA_READ | VMA_EXEC | VMA_FIXED)),
                     0);
    map_ok(ms, U + 2 * PG, 2 * PG, RW | VMA_HEAP | VMA_FIXED);
    map_ok(ms, U + 8 * PG, PG, VMA_READ | VMA_SHARED | VMA_FIXED);
    int len = mspace_display(ms, buf, sizeof(buf));
    assert_int_equal(len, (int)strlen(buf));
    assert_int_equal(strstr(buf, "/app/hello") - buf, 73);
    assert_int_equal(strstr(buf, "[heap]") - strchr(buf, '\n') - 1, 73);
    char first[80];
    snprintf(first, sizeof(first), "00400000-00401000 r-xp 00000000 00:00 %lu ",
             (unsigned long)f->number);
    assert_memory_equal(buf, first, strlen(first));
    assert_non_null(strstr(buf, "00402000-00404000 rw-p 00000000 00:00 0 "));
    assert_non_null(strstr(buf, "\n00408000-00409000 r--s 00000000 00:00 0\n"));
    /* A short buffer: truncated, NUL-terminated, full length returned. */
    char small[10];
    assert_int_equal(mspace_display(ms, small, sizeof(small)), len);
    assert_string_equal(small, "00400000-");
    mspace_close(ms);
    inode_close(f);
}

static void test_sweep_scavenge(void **state)
{
    (void)state;
    mspace_t *ms = mspace_create();
    map_ok(ms, U, 2 * PG, RW | VMA_FIXED);
    map_ok(ms, U + 4 * PG, PG, VMA_READ | VMA_FIXED);
    assert_int_equal(cpu_touch(ms, U, MMU_WRITE), MM_FAULT_OK);
    mspace_sweep(ms);
    check_layout(ms, {U, 2 * PG, ANON_RW | VMA_DEAD},
                 {U + 4 * PG, PG, ANON_R | VMA_DEAD});
    assert_int_equal(mspace_resolve(ms, U + PG, FAULT_READ | FAULT_USER),
                     MM_FAULT_NO_VMA);
    assert_int_equal(mspace_protect(ms, U, PG, VMA_READ), -ENOMEM);
    assert_int_equal(mspace_error(mspace_map(ms, U, PG, NULL, 0, 0, VMA_FIXED)),
                     -EEXIST);
    char buf[64];
    assert_int_equal(mspace_display(ms, buf, sizeof(buf)), 0);
    assert_int_equal(mspace_scavenge(ms), 2);
    check_empty(ms);
    assert_int_equal(mspace_scavenge(ms), 0);
    mspace_close(ms);
}

static void test_kernel_space(void **state)
{
    (void)state;
    assert_null(mspace_create_kernel(0x1000, 0x1000));
    assert_null(mspace_create_kernel(0x1001, 0x2000));
    assert_null(mspace_create_kernel(0x1000, (uintptr_t)-1));
    uintptr_t lo = (uintptr_t)0xFFFFC00000000000ull,
              hi = lo + ((uintptr_t)1 << 30);
    mspace_t *ks = mspace_create_kernel(lo, hi);
    assert_non_null(ks);
    void *p = mspace_map(ks, 0, 3 * PG, NULL, 0, 0, RW | VMA_RESOLVE);
    assert_ptr_equal(p, (void *)lo);
    int flags = mmu_query(ks->directory, lo + PG, NULL);
    assert_true((flags & MMU_GLOBAL) && !(flags & MMU_USER) &&
                (flags & MMU_WRITE));
    assert_int_equal(mspace_resolve(ks, lo, FAULT_READ | FAULT_USER),
                     MM_FAULT_KERNEL_ADDR);
    assert_int_equal(mspace_resolve(ks, hi - PG, FAULT_READ), MM_FAULT_NO_VMA);
    assert_int_equal(
        mspace_error(mspace_map(ks, lo - PG, PG, NULL, 0, 0, VMA_FIXED)),
        -EINVAL);
    check_layout(ks, {lo, 3 * PG, ANON_RW});
    assert_int_equal(mspace_unmap(ks, lo, 3 * PG), 0);
    mspace_close(ks);
}

/* One scenario touching every allocation path; each step either succeeds
 * or fails with ENOMEM leaving the space exactly as it was. */
static bool scenario(mspace_t **msp)
{
    mspace_t *ms = *msp;
    char before[1024], after[1024];
    size_t v_size, committed, present;
#define STEP(call)                                                             \
    do {                                                                       \
        mspace_display(ms, before, sizeof(before));                            \
        v_size = ms->v_size;                                                   \
        committed = ms->committed;                                             \
        present = ms->phys_pg_count;                                           \
        int rc_ = (call);                                                      \
        mspace_check(ms);                                                      \
        assert_int_equal(fake_mmu_pending(ms->directory), 0);                  \
        if (rc_ != 0) {                                                        \
            assert_int_equal(rc_, -ENOMEM);                                    \
            mspace_display(ms, after, sizeof(after));                          \
            assert_string_equal(before, after);                                \
            assert_int_equal(ms->v_size, v_size);                              \
            assert_int_equal(ms->committed, committed);                        \
            assert_int_equal(ms->phys_pg_count, present);                      \
            return false;                                                      \
        }                                                                      \
    } while (0)
    STEP(mspace_error(
        mspace_map(ms, U, 6 * PG, NULL, 0, 0, RW | VMA_FIXED | VMA_RESOLVE)));
    STEP(mspace_error(
        mspace_map(ms, U + 6 * PG, 4 * PG, NULL, 0, 0, VMA_READ | VMA_FIXED)));
    STEP(mspace_protect(ms, U + PG, 2 * PG, VMA_READ));
    STEP(mspace_protect(ms, U + 4 * PG, 4 * PG, RW));
    STEP(mspace_unmap(ms, U + 8 * PG, PG));
    STEP(cpu_touch(ms, U + 9 * PG, MMU_READ) == MM_FAULT_OK ? 0 : -ENOMEM);
    mspace_t *child = mspace_clone(ms);
    mspace_check(ms);
    if (!child)
        return false;
    mspace_check(child);
    assert_int_equal(fake_mmu_count(child->directory), child->phys_pg_count);
    mspace_close(ms);
    *msp = ms = child;
    STEP(cpu_touch(ms, U, MMU_WRITE) == MM_FAULT_OK ? 0 : -ENOMEM);
    STEP(mspace_unmap(ms, U + 2 * PG, PG));
    return true;
#undef STEP
}

/* Every failure 1..n of one allocation kind is a clean ENOMEM. */
static void survive(void (*inject)(unsigned long), const char *what)
{
    unsigned long failed = fault_loop(inject, scenario);
    printf("# %s: scenario survived failures 1..%lu\n", what, failed);
    assert_true(failed > 1);
}

static void test_fault_injection(void **state)
{
    (void)state;
    survive(fake_alloc_fail_nth, "descriptor allocation");
    survive(page_fail_nth, "frame allocation");
    survive(fake_mmu_fail_nth, "page-table allocation");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEST(test_create_close),    TEST(test_map_errors),
        TEST(test_map_placement),   TEST(test_map_aligned),
        TEST(test_unmap_layouts),
        TEST(test_protect_layouts), TEST(test_merge_rules),
        TEST(test_nomerge_layouts),
        TEST(test_accounting),      TEST(test_flushes),
        TEST(test_display),         TEST(test_sweep_scavenge),
        TEST(test_kernel_space),    TEST(test_fault_injection),
    };
    return cmocka_run_group_tests_name("mspace", tests, NULL, NULL);
}

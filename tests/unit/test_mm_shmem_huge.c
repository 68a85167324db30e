/* tests/unit/test_mm_shmem_huge.c - superpages of the page cache (shmem
 * THP: mm/inode.c's blocks, mm/huge.c's shared file mappings) over the
 * fake MMU: within_size blocks at the first page cached, large entries in
 * every space mapping an aligned range, what stays 4 KiB (small file,
 * unaligned offset or address, private mapping), demotion by munmap and
 * mprotect, truncation and punch of part of a block (frames exact),
 * fork, the policies, a full quota or commit and injected failures
 * falling back to pages; frames, commit and descriptors exact at the end
 * of each test, the invariants (mspace_check) after each step. */
#include <string.h>

#include "mm/inode.h"
#include "tests/unit/mm_testlib.h"

#define HP MMU_LARGE_SIZE
#define HU (U + HP) /* a superpage boundary inside the window */
#define SH (RW | VMA_SHARED | VMA_FIXED)

static int shm_setup(void **state)
{
    leak_setup(state);
    mm_commit_set_limit(8192);
    commit_before = mm_committed();
    mm_set_shmem_huge_policy(MM_SHMEM_HUGE_WITHIN_SIZE);
    return 0;
}

static int shm_teardown(void **state)
{
    mm_set_shmem_huge_policy(MM_SHMEM_HUGE_NEVER);
    assert_int_equal(mm_shmem_huge_blocks(), 0);
    assert_int_equal(mm_shmem_pmd_mapped(), 0);
    return leak_teardown(state);
}

#define STEST(fn) cmocka_unit_test_setup_teardown(fn, shm_setup, shm_teardown)

static bool is_huge(mspace_t *ms, uintptr_t va)
{
    return (mmu_query(ms->directory, va, NULL) & (MMU_PRESENT | MMU_LARGE)) ==
           (MMU_PRESENT | MMU_LARGE);
}

/* A memfd-like inode (no data) whose owner says it has `size` bytes. */
static inode_t *memfd(uint64_t size)
{
    inode_t *m = inode_create("/memfd", NULL, 0, RW);
    assert_non_null(m);
    inode_set_size(m, size);
    return m;
}

static void *map_file(mspace_t *ms, uintptr_t a, size_t len, inode_t *ino,
                      uint64_t off, int flags)
{
    void *r = mspace_map(ms, a, len, ino, off, 0, flags);
    assert_int_equal(mspace_error(r), 0);
    return r;
}

/* Writes a mark of page i into each page of [va, va + len) of `ms`. */
static void mark(mspace_t *ms, uintptr_t va, size_t len)
{
    for (uintptr_t a = va; a < va + len; a += PG) {
        assert_int_equal(cpu_touch(ms, a, MMU_WRITE), MM_FAULT_OK);
        *(uintptr_t *)fake_mmu_ptr(ms->directory, a) = (a - va) ^ 0x5a5a;
    }
}

/* True when page i of [va, va + len) holds mark's mark (`base`: the
 * address mark was given), reading through the faults. */
static bool marked(mspace_t *ms, uintptr_t va, size_t len, uintptr_t base)
{
    for (uintptr_t a = va; a < va + len; a += PG) {
        if (cpu_touch(ms, a, MMU_READ) != MM_FAULT_OK ||
            *(uintptr_t *)fake_mmu_ptr(ms->directory, a) !=
                ((a - base) ^ 0x5a5a))
            return false;
    }
    return true;
}

/* True when every byte of [va, va + len) reads zero. */
static bool zeroed(mspace_t *ms, uintptr_t va, size_t len)
{
    for (uintptr_t a = va; a < va + len; a += PG) {
        if (cpu_touch(ms, a, MMU_READ) != MM_FAULT_OK)
            return false;
        unsigned char *p = fake_mmu_ptr(ms->directory, a);
        size_t n = va + len - a < PG ? va + len - a : PG;
        for (size_t i = 0; i < n; i++)
            if (p[i])
                return false;
    }
    return true;
}

static bool smaps_has(mspace_t *ms, const char *text)
{
    static char buf[8192];
    mspace_display_smaps(ms, buf, sizeof(buf));
    return strstr(buf, text) != NULL;
}

/* within_size: a 4 MiB file mapped shared at an aligned address in two
 * spaces is two blocks in the cache and two large entries in each. */
static void test_first_touch(void **state)
{
    (void)state;
    size_t frames = page_free_count();
    inode_t *m = memfd(2 * HP);
    mspace_t *a = mspace_create(), *b = mspace_create();
    map_file(a, HU, 2 * HP, m, 0, SH);
    /* mmap fills the cache (its commit): 2 blocks, 1024 frames */
    assert_int_equal(mm_shmem_huge_blocks(), 2);
    assert_int_equal(m->blocks, 2);
    assert_int_equal(inode_cached(m), 2 * MMU_LARGE_PAGES);
    map_file(b, HU + 2 * HP, 2 * HP, m, 0, SH);
    assert_int_equal(cpu_touch(a, HU + 5 * PG, MMU_WRITE), MM_FAULT_OK);
    assert_true(is_huge(a, HU) && is_huge(a, HU + HP - PG));
    assert_false(mmu_query(a->directory, HU + HP, NULL) & MMU_PRESENT);
    assert_int_equal(a->phys_pg_count, MMU_LARGE_PAGES);
    assert_int_equal(a->huge_count, 1);
    assert_int_equal(mm_shmem_pmd_mapped(), 1);
    assert_int_equal(mm_huge_mapped(), 0); /* not anonymous */
    phys_addr_t pa;
    mmu_query(a->directory, HU + 7 * PG, &pa);
    assert_int_equal(pa & (HP - 1), 7 * PG);
    assert_int_equal(page_refcount(pa), 2); /* the cache and a */
    mark(a, HU, 2 * HP);
    assert_true(is_huge(a, HU + HP));
    assert_int_equal(a->faults, 2); /* one per superpage */
    /* b maps the same blocks with its own large entries */
    assert_true(marked(b, HU + 2 * HP, 2 * HP, HU + 2 * HP));
    assert_true(is_huge(b, HU + 2 * HP) && is_huge(b, HU + 3 * HP));
    assert_int_equal(b->faults, 2);
    assert_int_equal(page_refcount(pa), 3);
    assert_int_equal(mm_shmem_pmd_mapped(), 4);
    assert_true(smaps_has(a, "ShmemPmdMapped:     4096 kB"));
    assert_true(smaps_has(a, "AnonHugePages:         0 kB"));
    mspace_check(a);
    mspace_check(b);
    /* frames: the 1024 of the file, nothing per mapping but tables */
    mspace_close(a);
    mspace_close(b);
    assert_int_equal(mm_shmem_pmd_mapped(), 0);
    assert_int_equal(page_free_count(), frames - 2 * MMU_LARGE_PAGES);
    inode_close(m);
    assert_int_equal(page_free_count(), frames);
}

/* What stays 4 KiB: a file smaller than 2 MiB, an unaligned offset or
 * address, a private mapping. */
static void test_stays_small(void **state)
{
    (void)state;
    inode_t *s = memfd(HP - PG);
    mspace_t *ms = mspace_create();
    map_file(ms, HU, HP, s, 0, SH);
    assert_int_equal(mm_shmem_huge_blocks(), 0); /* not within the size */
    assert_int_equal(cpu_touch(ms, HU, MMU_WRITE), MM_FAULT_OK);
    assert_false(is_huge(ms, HU));
    assert_int_equal(mspace_unmap(ms, HU, HP), 0);
    inode_close(s);

    inode_t *m = memfd(2 * HP);
    map_file(ms, HU, HP, m, PG, SH); /* offset PG: blocks, not aligned */
    assert_int_equal(mm_shmem_huge_blocks(), 2); /* its pages meet two */
    assert_int_equal(cpu_touch(ms, HU, MMU_WRITE), MM_FAULT_OK);
    assert_false(is_huge(ms, HU));
    map_file(ms, HU + 2 * HP + PG, 2 * HP, m, 0, SH); /* address PG */
    assert_int_equal(mm_shmem_huge_blocks(), 2);
    assert_int_equal(cpu_touch(ms, HU + 3 * HP, MMU_WRITE), MM_FAULT_OK);
    assert_false(is_huge(ms, HU + 3 * HP));
    map_file(ms, HU + 6 * HP, 2 * HP, m, 0, RW | VMA_FIXED); /* private */
    assert_int_equal(cpu_touch(ms, HU + 6 * HP, MMU_READ), MM_FAULT_OK);
    assert_int_equal(cpu_touch(ms, HU + 7 * HP, MMU_WRITE), MM_FAULT_OK);
    assert_false(is_huge(ms, HU + 6 * HP) || is_huge(ms, HU + 7 * HP));
    assert_int_equal(ms->huge_count, 0);
    mspace_check(ms);
    mspace_close(ms);
    inode_close(m);
}

/* Placement: a shared mapping of a file without data without an address,
 * >= 2 MiB at an aligned offset, lands on a 2 MiB boundary. */
static void test_placement(void **state)
{
    (void)state;
    inode_t *m = memfd(2 * HP);
    mspace_t *ms = mspace_create();
    map_ok(ms, U, PG, RW); /* the bottom is no longer aligned */
    uintptr_t at = (uintptr_t)map_file(ms, 0, 2 * HP, m, 0, RW | VMA_SHARED);
    assert_int_equal(at & (HP - 1), 0);
    assert_int_equal(cpu_touch(ms, at, MMU_READ), MM_FAULT_OK);
    assert_true(is_huge(ms, at));
    mspace_check(ms);
    mspace_close(ms);
    inode_close(m);
}

/* munmap and mprotect of part of a large entry demote it (the data and
 * the frames stay); the other span stays large. */
static void test_demote(void **state)
{
    (void)state;
    inode_t *m = memfd(2 * HP);
    mspace_t *ms = mspace_create();
    map_file(ms, HU, 2 * HP, m, 0, SH);
    mark(ms, HU, 2 * HP);
    size_t frames = page_free_count();
    assert_int_equal(mspace_unmap(ms, HU + 3 * PG, PG), 0);
    assert_false(is_huge(ms, HU));
    assert_true(is_huge(ms, HU + HP));
    assert_int_equal(ms->huge_count, 1);
    assert_int_equal(mm_shmem_pmd_mapped(), 1);
    assert_int_equal(ms->phys_pg_count, 2 * MMU_LARGE_PAGES - 1);
    assert_int_equal(mm_shmem_huge_blocks(), 2); /* the cache is whole */
    assert_true(marked(ms, HU, 3 * PG, HU));
    assert_true(marked(ms, HU + 4 * PG, HP - 4 * PG, HU));
    assert_int_equal(mspace_protect(ms, HU + HP, PG, VMA_READ), 0);
    assert_false(is_huge(ms, HU + HP));
    assert_int_equal(ms->huge_count, 0);
    assert_int_equal(mm_shmem_pmd_mapped(), 0);
    assert_int_equal(cpu_touch(ms, HU + HP, MMU_WRITE), MM_FAULT_WRITE_RO);
    assert_true(marked(ms, HU + HP, HP, HU));
    /* no data frame moved: at most the demotions' tables were taken */
    assert_true(page_free_count() <= frames &&
                page_free_count() + 2 >= frames);
    mspace_check(ms);
    mspace_close(ms);
    inode_close(m);
}

/* MADV_DONTNEED of part of a large entry demotes it (the pages refault
 * from the cache), mremap moving the mapping demotes both and moves the
 * entries; the data and the frames stay. */
static void test_discard_remap(void **state)
{
    (void)state;
    inode_t *m = memfd(2 * HP);
    mspace_t *ms = mspace_create();
    map_file(ms, HU, 2 * HP, m, 0, SH);
    mark(ms, HU, 2 * HP);
    size_t frames = page_free_count();
    assert_int_equal(mspace_discard(ms, HU + 8 * PG, 4 * PG), 0);
    assert_false(is_huge(ms, HU));
    assert_true(is_huge(ms, HU + HP));
    assert_int_equal(ms->phys_pg_count, 2 * MMU_LARGE_PAGES - 4);
    assert_true(marked(ms, HU, 2 * HP, HU)); /* the cache kept them */
    mspace_check(ms);
    uintptr_t to = HU + 8 * HP;
    void *r = mspace_remap(ms, HU, 2 * HP, 2 * HP,
                           MSPACE_REMAP_MAYMOVE | MSPACE_REMAP_FIXED, to);
    assert_ptr_equal(r, (void *)to);
    assert_int_equal(ms->huge_count, 0);
    assert_int_equal(mm_shmem_pmd_mapped(), 0);
    assert_true(marked(ms, to, 2 * HP, to));
    assert_int_equal(mm_shmem_huge_blocks(), 2);
    assert_true(page_free_count() <= frames &&
                page_free_count() + 8 >= frames); /* tables only */
    mspace_check(ms);
    mspace_close(ms);
    inode_close(m);
}

/* ftruncate to the middle of a block (as pagecache_truncate: every space's
 * mappings first): the data past the size reads zero, the rest is kept,
 * exactly the frames past the size are freed, both blocks end; growing
 * again brings a new block for the range wholly inside the size. */
static void test_truncate(void **state)
{
    (void)state;
    inode_t *m = memfd(2 * HP);
    mspace_t *a = mspace_create(), *b = mspace_create();
    map_file(a, HU, 2 * HP, m, 0, SH);
    map_file(b, HU, 2 * HP, m, 0, SH);
    mark(a, HU, 2 * HP);
    assert_true(marked(b, HU, 2 * HP, HU));
    memset(fake_mmu_ptr(a->directory, HU + HP / 2), 0x77, PG);
    size_t frames = page_free_count();
    uint64_t size = HP / 2 + 100;
    inode_set_size(m, size);
    mspace_unmap_inode(a, m, HP / 2 + PG);
    mspace_unmap_inode(b, m, HP / 2 + PG);
    inode_truncate(m, size);
    assert_int_equal(a->huge_count + b->huge_count, 0);
    assert_int_equal(a->phys_pg_count + b->phys_pg_count, 0);
    assert_int_equal(mm_shmem_pmd_mapped(), 0);
    assert_int_equal(mm_shmem_huge_blocks(), 0);
    size_t kept = HP / 2 / PG + 1;
    assert_int_equal(inode_cached(m), kept);
    assert_int_equal(page_free_count(), frames + 2 * MMU_LARGE_PAGES - kept);
    mspace_check(a);
    mspace_check(b);
    assert_true(marked(a, HU, HP / 2, HU));
    assert_false(is_huge(a, HU)); /* the pages left are 4 KiB pages */
    assert_int_equal(cpu_touch(a, HU + HP / 2, MMU_READ), MM_FAULT_OK);
    unsigned char *p = fake_mmu_ptr(a->directory, HU + HP / 2);
    assert_int_equal(p[99], 0x77);
    for (size_t i = 100; i < PG; i++)
        assert_int_equal(p[i], 0);
    assert_true(zeroed(b, HU + HP / 2 + PG, HP / 2 - PG)); /* refilled */
    /* grown back: [2 MiB, 4 MiB) is wholly inside, and not cached */
    inode_set_size(m, 2 * HP);
    assert_true(zeroed(a, HU + HP, HP));
    assert_true(is_huge(a, HU + HP));
    assert_int_equal(mm_shmem_huge_blocks(), 1);
    mspace_check(a);
    mspace_close(a);
    mspace_close(b);
    inode_close(m);
}

/* A hole punched in a block (as pagecache_punch: mappings of the range
 * first, large entries meeting it whole) frees exactly its frames;
 * MADV_REMOVE of part of a large entry too. */
static void test_punch(void **state)
{
    (void)state;
    inode_t *m = memfd(2 * HP);
    mspace_t *a = mspace_create(), *b = mspace_create();
    map_file(a, HU, 2 * HP, m, 0, SH);
    map_file(b, HU, 2 * HP, m, 0, SH);
    mark(a, HU, 2 * HP);
    assert_true(marked(b, HU, 2 * HP, HU));
    size_t frames = page_free_count();
    mspace_unmap_inode_range(a, m, HP / 2, HP / 2 + 2 * PG);
    mspace_unmap_inode_range(b, m, HP / 2, HP / 2 + 2 * PG);
    inode_punch(m, HP / 2, 2 * PG);
    assert_int_equal(page_free_count(), frames + 2);
    assert_int_equal(inode_cached(m), 2 * MMU_LARGE_PAGES - 2);
    assert_int_equal(mm_shmem_huge_blocks(), 1);
    assert_false(mmu_query(a->directory, HU, NULL) & MMU_PRESENT);
    assert_true(is_huge(a, HU + HP) && is_huge(b, HU + HP));
    assert_int_equal(mm_shmem_pmd_mapped(), 2);
    mspace_check(a);
    mspace_check(b);
    assert_true(zeroed(a, HU + HP / 2, 2 * PG));
    assert_true(marked(a, HU, HP / 2, HU));
    assert_true(marked(b, HU + HP / 2 + 2 * PG, HP / 2 - 2 * PG, HU));
    assert_false(is_huge(a, HU) || is_huge(b, HU)); /* no longer a block */
    /* MADV_REMOVE of one page of b's large entry: b's entry goes whole;
     * a still maps the frame, which is zeroed in place */
    frames = page_free_count();
    assert_int_equal(mspace_punch(b, HU + HP + 5 * PG, PG), 0);
    assert_false(mmu_query(b->directory, HU + HP, NULL) & MMU_PRESENT);
    assert_int_equal(b->huge_count, 0);
    assert_true(zeroed(a, HU + HP + 5 * PG, PG));
    assert_int_equal(page_free_count(), frames);
    assert_int_equal(mspace_unmap(a, HU + HP, HP), 0);
    assert_int_equal(mspace_punch(b, HU + HP + 6 * PG, PG), 0);
    assert_int_equal(page_free_count(), frames + 1); /* nobody maps it */
    assert_int_equal(mm_shmem_huge_blocks(), 0);
    assert_true(marked(b, HU + HP + 7 * PG, HP - 7 * PG, HU));
    assert_true(zeroed(b, HU + HP + 5 * PG, 2 * PG));
    mspace_check(a);
    mspace_check(b);
    mspace_close(a);
    mspace_close(b);
    inode_close(m);
}

/* fork: the child shares the large entries (512 references more), sees
 * and makes the same writes. */
static void test_fork(void **state)
{
    (void)state;
    inode_t *m = memfd(HP);
    mspace_t *a = mspace_create();
    map_file(a, HU, HP, m, 0, SH);
    mark(a, HU, HP);
    phys_addr_t pa;
    mmu_query(a->directory, HU, &pa);
    mspace_t *c = mspace_clone(a);
    assert_non_null(c);
    assert_true(is_huge(c, HU));
    assert_int_equal(c->huge_count, 1);
    assert_int_equal(mm_shmem_pmd_mapped(), 2);
    assert_int_equal(page_refcount(pa + 9 * PG), 3);
    assert_true(mmu_query(a->directory, HU, NULL) & MMU_WRITE);
    assert_int_equal(cpu_touch(c, HU + 9 * PG, MMU_WRITE), MM_FAULT_OK);
    *(uintptr_t *)fake_mmu_ptr(c->directory, HU + 9 * PG) = 42;
    assert_int_equal(*(uintptr_t *)fake_mmu_ptr(a->directory, HU + 9 * PG), 42);
    assert_true(is_huge(c, HU) && is_huge(a, HU)); /* shared: no COW */
    mspace_check(c);
    mspace_close(c);
    assert_int_equal(page_refcount(pa + 9 * PG), 2);
    assert_int_equal(mm_shmem_pmd_mapped(), 1);
    mspace_check(a);
    mspace_close(a);
    inode_close(m);
}

/* The policies: never gives no block, always one past the size, advise
 * one only when advised, within_size when advised or within the size
 * (a write's end counts). */
static void test_policy(void **state)
{
    (void)state;
    mm_set_shmem_huge_policy(MM_SHMEM_HUGE_NEVER);
    inode_t *m = memfd(2 * HP);
    mspace_t *ms = mspace_create();
    map_file(ms, HU, 2 * HP, m, 0, SH);
    assert_int_equal(cpu_touch(ms, HU, MMU_WRITE), MM_FAULT_OK);
    assert_int_equal(mm_shmem_huge_blocks(), 0);
    assert_false(is_huge(ms, HU));
    mspace_close(ms);
    inode_close(m);

    mm_set_shmem_huge_policy(MM_SHMEM_HUGE_ALWAYS);
    m = memfd(0); /* past the size */
    phys_addr_t pa = inode_page(m, 3 * PG);
    assert_int_equal(pa & (HP - 1), 3 * PG);
    assert_int_equal(mm_shmem_huge_blocks(), 1);
    page_unref(pa);
    inode_close(m);

    mm_set_shmem_huge_policy(MM_SHMEM_HUGE_ADVISE);
    m = memfd(2 * HP);
    pa = inode_page(m, 0);
    assert_int_equal(mm_shmem_huge_blocks(), 0);
    page_unref(pa);
    assert_int_equal(inode_block(m, HP, false), 0);
    pa = inode_block(m, HP, true);
    assert_int_equal(pa & (HP - 1), 0);
    assert_int_equal(mm_shmem_huge_blocks(), 1);
    assert_int_equal(page_refcount(pa + 100 * PG), 2);
    page_unref_range(pa, MMU_LARGE_PAGES);
    inode_close(m);

    mm_set_shmem_huge_policy(MM_SHMEM_HUGE_WITHIN_SIZE);
    m = memfd(0);
    pa = inode_page_hint(m, 0, HP - 1, false); /* not the whole range */
    assert_int_equal(mm_shmem_huge_blocks(), 0);
    page_unref(pa);
    pa = inode_page_hint(m, HP, 2 * HP, false); /* a write to its end */
    assert_int_equal(mm_shmem_huge_blocks(), 1);
    page_unref(pa);
    pa = inode_page_hint(m, 2 * HP, 0, true); /* advised */
    assert_int_equal(mm_shmem_huge_blocks(), 2);
    page_unref(pa);
    assert_int_equal(inode_cached(m), 1 + 2 * MMU_LARGE_PAGES);
    inode_close(m);
}

/* A quota or commit without room for 512 pages, or a failed allocation,
 * gives a page (never ENOSPC for a superpage); counts exact. */
static void test_fallback(void **state)
{
    (void)state;
    inode_quota_t q = {0, MMU_LARGE_PAGES + 100};
    inode_t *m = memfd(4 * HP);
    m->quota = &q;
    phys_addr_t pa = inode_page(m, 0);
    assert_int_equal(q.used, MMU_LARGE_PAGES);
    page_unref(pa);
    pa = inode_page(m, HP); /* 512 more do not fit: a page */
    assert_non_null((void *)(uintptr_t)pa);
    assert_int_equal(q.used, MMU_LARGE_PAGES + 1);
    assert_int_equal(mm_shmem_huge_blocks(), 1);
    assert_int_equal(inode_cached(m), MMU_LARGE_PAGES + 1);
    page_unref(pa);
    size_t committed = mm_committed();
    mm_commit_set_limit(committed + 10); /* the commit limit alike */
    pa = inode_page(m, 2 * HP);
    assert_true(pa && mm_committed() == committed + 1);
    page_unref(pa);
    mm_commit_set_limit(8192);
    inode_close(m);
    assert_int_equal(q.used, 0);
    assert_int_equal(mm_committed(), commit_before);

    /* each allocation of the block failing in turn: a page or nothing,
     * nothing leaked */
    size_t frames = page_free_count();
    long allocs = fake_alloc_live();
    for (unsigned long n = 1; n <= MMU_LARGE_PAGES + 2; n++) {
        m = memfd(HP);
        fake_alloc_fail_nth(n);
        pa = inode_page(m, 0);
        fake_alloc_fail_nth(0);
        if (pa)
            page_unref(pa);
        if (n <= MMU_LARGE_PAGES)
            assert_int_equal(m->blocks, 0);
        inode_close(m);
        assert_int_equal(page_free_count(), frames);
        assert_int_equal(fake_alloc_live(), allocs);
        assert_int_equal(mm_committed(), commit_before);
    }
    m = memfd(HP);
    page_fail_nth(1); /* no block: a page */
    pa = inode_page(m, 0);
    assert_true(pa && m->blocks == 0 && inode_cached(m) == 1);
    page_unref(pa);
    inode_close(m);
}

/* A large entry cannot be mapped (no table page for the levels above):
 * the fault falls back to a page, nothing leaked. */
static void test_map_failure(void **state)
{
    (void)state;
    inode_t *m = memfd(HP);
    for (unsigned long n = 1;; n++) {
        mspace_t *ms = mspace_create();
        map_file(ms, HU, HP, m, 0, SH);
        fake_mmu_fail_nth(n);
        mm_fault_t f = cpu_touch(ms, HU, MMU_WRITE);
        fake_mmu_fail_nth(0);
        bool huge = is_huge(ms, HU);
        mspace_check(ms);
        mspace_close(ms);
        if (f == MM_FAULT_OK && huge)
            break;
        assert_true(n < 16);
    }
    assert_int_equal(mm_shmem_pmd_mapped(), 0);
    inode_close(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        STEST(test_first_touch), STEST(test_stays_small),
        STEST(test_placement),   STEST(test_demote),
        STEST(test_discard_remap),
        STEST(test_truncate),    STEST(test_punch),
        STEST(test_fork),        STEST(test_policy),
        STEST(test_fallback),    STEST(test_map_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

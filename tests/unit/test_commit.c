/* tests/unit/test_commit.c - the commit rule of mm/commit.c, route by
 * route: what each call charges, the error at the call when the limit is
 * reached, and the committed figure back at its baseline once everything
 * is released (each test's teardown checks it again, with frames and
 * descriptors). */
#include "tests/unit/mm_testlib.h"

#define SPAN ((uintptr_t)1 << MMU_TABLE_SHIFT(0))  /* 2 MiB */
#define SHARED_RW (RW | VMA_SHARED | VMA_ANON)
#define AT (2 * SPAN) /* a span-aligned address in the window (4 MiB) */

/* Pages of the page-table reserve a first mapping in [AT, AT + n spans)
 * charges: n last-level tables, one PD, one PDPT. */
static size_t first_tables(size_t spans)
{
    return spans + 2;
}

static void test_tables_reserve(void **state)
{
    (void)state;
    size_t base = mm_committed();
    mspace_t *ms = mspace_create();
    assert_int_equal(mm_committed(), base + 1); /* the top-level table */
    assert_int_equal(ms->tables_charged, 1);
    /* PROT_NONE: no page can come, no table is charged. */
    map_ok(ms, AT, 3 * SPAN - 8 * PG, VMA_FIXED);
    assert_int_equal(mm_committed(), base + 1);
    /* Read-only: zero-page reads need the tables of the whole range. */
    assert_int_equal(mspace_protect(ms, AT, 3 * SPAN - 8 * PG, VMA_READ), 0);
    assert_int_equal(ms->tables_charged, 1 + first_tables(3));
    assert_int_equal(mm_committed(), base + 1 + first_tables(3));
    /* A second mapping inside the same spans charges nothing more. */
    map_ok(ms, AT + 3 * SPAN - 4 * PG, PG, VMA_READ | VMA_FIXED);
    assert_int_equal(ms->tables_charged, 1 + first_tables(3));
    for (uintptr_t va = AT; va < AT + 3 * SPAN; va += SPAN)
        assert_int_equal(cpu_touch(ms, va, MMU_READ), MM_FAULT_OK);
    /* Unmapped, the tables stay (the port frees them with the space). */
    assert_int_equal(mspace_unmap(ms, AT, 3 * SPAN), 0);
    assert_int_equal(ms->tables_charged, 1 + first_tables(3));
    mspace_check(ms);
    /* Over the limit: the map or protect that would need two more tables
     * is refused, and charges nothing. */
    map_ok(ms, 64 * SPAN, 2 * SPAN, VMA_FIXED);
    size_t now = mm_committed();
    mm_commit_set_limit(now + 1);
    assert_int_equal(
        mspace_error(mspace_map(ms, 128 * SPAN, 2 * SPAN, NULL, 0, 0,
                                VMA_READ | VMA_FIXED)),
        -ENOMEM);
    assert_int_equal(mspace_protect(ms, 64 * SPAN, 2 * SPAN, VMA_READ),
                     -ENOMEM);
    assert_int_equal(mm_committed(), now);
    mm_commit_set_limit(1024);
    assert_int_equal(mspace_unmap(ms, 64 * SPAN, 2 * SPAN), 0);
    /* fork: the child charges its own root and the spans of its VMAs. */
    map_ok(ms, 64 * SPAN, PG, VMA_READ | VMA_FIXED);
    size_t before_clone = mm_committed();
    mspace_t *child = mspace_clone(ms);
    assert_non_null(child);
    assert_int_equal(child->tables_charged, 1 + first_tables(1));
    assert_int_equal(mm_committed(), before_clone + child->tables_charged);
    mspace_check(child);
    mspace_close(child);
    mspace_close(ms);
    assert_int_equal(mm_committed(), base);
}

static void test_shared_anon(void **state)
{
    (void)state;
    size_t base = mm_committed(), shm = mm_shmem();
    mspace_t *ms = mspace_create();
    size_t tables = 1 + first_tables(1);
    map_ok(ms, AT, 8 * PG, SHARED_RW | VMA_FIXED); /* populated now */
    assert_int_equal(mm_committed(), base + tables + 8);
    assert_int_equal(mm_shmem(), shm + 8);
    assert_int_equal(ms->committed, 0); /* per frame, not per space */
    /* PROT_NONE shared memory is populated, so charged, too. */
    map_ok(ms, AT + 8 * PG, 2 * PG, VMA_SHARED | VMA_ANON | VMA_FIXED);
    assert_int_equal(mm_committed(), base + tables + 10);
    /* fork shares the frames: no second charge for them. */
    mspace_t *child = mspace_clone(ms);
    assert_non_null(child);
    assert_int_equal(mm_committed(), base + 2 * tables + 10);
    /* The frames stay charged while one mapping holds them. */
    assert_int_equal(mspace_unmap(ms, AT, 10 * PG), 0);
    assert_int_equal(mm_committed(), base + 2 * tables + 10);
    mspace_close(child);
    assert_int_equal(mm_committed(), base + tables);
    assert_int_equal(mm_shmem(), shm);
    /* Over the limit: refused at mmap, with nothing left charged. */
    mm_commit_set_limit(mm_committed() + 5);
    size_t frames = page_free_count();
    assert_int_equal(mspace_error(mspace_map(ms, AT, 8 * PG, NULL, 0, 0,
                                             SHARED_RW | VMA_FIXED)),
                     -ENOMEM);
    assert_int_equal(mm_committed(), base + tables);
    assert_int_equal(page_free_count(), frames);
    assert_int_equal(mm_shmem(), shm);
    check_empty(ms);
    mm_commit_set_limit(1024);
    mspace_close(ms);
    assert_int_equal(mm_committed(), base);
}

/* A memfd: an inode without data; its cache is charged page by page. */
static void test_memfd_pages(void **state)
{
    (void)state;
    size_t base = mm_committed(), shm = mm_shmem();
    inode_t *fd = inode_create("/memfd", NULL, 0, RW);
    assert_non_null(fd);
    assert_int_equal(mm_committed(), base);
    /* write(): each new page charged as the cache grows. */
    for (int i = 0; i < 4; i++) {
        phys_addr_t pa = inode_page(fd, (uint64_t)i * PG);
        assert_true(pa != 0);
        page_unref(pa);
    }
    phys_addr_t again = inode_page(fd, 0); /* cached: no charge */
    page_unref(again);
    assert_int_equal(mm_committed(), base + 4);
    assert_int_equal(mm_shmem(), shm + 4);
    mm_commit_set_limit(mm_committed());
    assert_int_equal(inode_page(fd, 8 * PG), 0); /* the error at the call */
    assert_int_equal(inode_cached(fd), 4);
    mm_commit_set_limit(1024);
    /* mmap(MAP_SHARED): the cache of the range is filled (charged) now,
     * so that the faults never need a frame nobody charged. */
    mspace_t *ms = mspace_create();
    size_t with_space = mm_committed() + first_tables(1);
    void *at = mspace_map(ms, AT, 8 * PG, fd, 0, 0, RW | VMA_SHARED | VMA_FIXED);
    assert_int_equal(mspace_error(at), 0);
    assert_int_equal(inode_cached(fd), 8);
    assert_int_equal(mm_committed(), with_space + 4);
    size_t committed = mm_committed();
    for (int i = 0; i < 8; i++)
        assert_int_equal(cpu_touch(ms, AT + (uintptr_t)i * PG, MMU_WRITE),
                         MM_FAULT_OK);
    assert_int_equal(mm_committed(), committed);
    /* A private mapping of it too (its reads map the cache). */
    mm_commit_set_limit(mm_committed() + 2);
    assert_int_equal(mspace_error(mspace_map(ms, AT + 16 * PG, 8 * PG, fd,
                                             8 * PG, 0, VMA_READ | VMA_FIXED)),
                     -ENOMEM);
    mm_commit_set_limit(1024);
    mspace_check(ms);
    mspace_close(ms);
    /* The charge goes with the inode. */
    assert_int_equal(mm_committed(), base + inode_cached(fd));
    inode_close(fd);
    assert_int_equal(mm_committed(), base);
    assert_int_equal(mm_shmem(), shm);
}

/* A file with data: its pages charged at creation; past the data, a private
 * mapping reads anonymous zeros and a shared one fills (charges) the cache
 * at map time; a read-only private mapping charges its partial page. */
static void test_file_pages(void **state)
{
    (void)state;
    static unsigned char data[2 * 4096 + 10];
    memset(data, 7, sizeof(data));
    size_t base = mm_committed();
    inode_t *f = inode_create("/data", data, sizeof(data), VMA_READ);
    assert_non_null(f);
    assert_int_equal(mm_committed(), base + 3);
    mspace_t *ms = mspace_create();
    size_t start = mm_committed();
    map_ok(ms, AT, PG, VMA_READ | VMA_FIXED); /* the tables of the span */
    start = mm_committed();
    /* Private, read-only, 8 pages over 3 of data: nothing charged... */
    void *p = mspace_map(ms, AT + 8 * PG, 8 * PG, f, 0, 0, VMA_READ | VMA_FIXED);
    assert_int_equal(mspace_error(p), 0);
    assert_int_equal(mm_committed(), start);
    for (int i = 0; i < 8; i++)
        assert_int_equal(cpu_touch(ms, AT + (8 + (uintptr_t)i) * PG, MMU_READ),
                         MM_FAULT_OK);
    assert_int_equal(inode_cached(f), 3); /* ...the cache stays the data */
    assert_int_equal(mm_committed(), start);
    /* ...but a limit inside a page: that page is a copy, charged. */
    p = mspace_map(ms, AT + 16 * PG, 2 * PG, f, 0, PG + 100,
                   VMA_READ | VMA_FIXED);
    assert_int_equal(mspace_error(p), 0);
    assert_int_equal(mm_committed(), start + 1);
    assert_int_equal(ms->committed, 1);
    assert_int_equal(cpu_touch(ms, AT + 17 * PG, MMU_READ), MM_FAULT_OK);
    assert_int_equal(mspace_unmap(ms, AT + 17 * PG, PG), 0);
    assert_int_equal(mm_committed(), start);
    /* Shared but never writable, past the data: zeros, the cache stays the
     * data (it outlives the task: a read-only image file must not grow). */
    p = mspace_map(ms, AT + 24 * PG, 6 * PG, f, 0, 0,
                   VMA_READ | VMA_SHARED | VMA_FIXED);
    assert_int_equal(mspace_error(p), 0);
    for (int i = 0; i < 6; i++)
        assert_int_equal(cpu_touch(ms, AT + (24 + (uintptr_t)i) * PG, MMU_READ),
                         MM_FAULT_OK);
    assert_int_equal(*fake_mmu_ptr(ms->directory, AT + 29 * PG), 0);
    assert_int_equal(inode_cached(f), 3);
    assert_int_equal(mm_committed(), start);
    mspace_check(ms);
    mspace_close(ms);
    inode_close(f);
    assert_int_equal(mm_committed(), base);
}

/* A quota (a tmpfs size): pages of inodes without data count against it
 * as well as the commit limit; an inode with data counts nothing until
 * inode_own_data makes its data its own, which reads them all into the
 * cache, counts them, and lets truncation drop (and uncharge) them. */
static void test_quota(void **state)
{
    (void)state;
    static unsigned char data[PG + 10];
    memset(data, 5, sizeof(data));
    inode_quota_t q = {.used = 0, .limit = 4};
    size_t base = mm_committed(), shm = mm_shmem();
    inode_t *a = inode_create("/a", NULL, 0, RW);
    inode_t *b = inode_create("/b", data, sizeof(data), RW);
    assert_non_null(a);
    assert_non_null(b);
    a->quota = b->quota = &q;
    for (int i = 0; i < 3; i++)
        page_unref(inode_page(a, (uint64_t)i * PG));
    assert_int_equal(q.used, 3);
    phys_addr_t pa = inode_page(b, 0); /* the data: already charged */
    page_unref(pa);
    assert_int_equal(q.used, 3);
    /* own: 2 pages of data, 1 left in the quota */
    assert_int_equal(inode_own_data(b), -ENOSPC);
    assert_non_null(b->data);
    inode_truncate(a, PG);
    assert_int_equal(q.used, 1);
    assert_int_equal(inode_own_data(b), 0);
    assert_null(b->data);
    assert_int_equal(inode_cached(b), 2);
    assert_int_equal(q.used, 3);
    assert_int_equal(mm_shmem(), shm + 3);
    assert_int_equal(inode_own_data(b), 0); /* once only */
    unsigned char *k = mmu_kaddr(pa = inode_page(b, PG));
    assert_int_equal(k[9], 5);
    assert_int_equal(k[10], 0);
    page_unref(pa);
    /* the quota refuses, then a freed page makes room again */
    page_unref(inode_page(a, PG));
    assert_int_equal(q.used, 4);
    assert_int_equal(inode_page(a, 2 * PG), 0);
    assert_int_equal(q.used, 4);
    inode_truncate(b, 0);
    assert_int_equal(q.used, 2);
    pa = inode_page(a, 2 * PG);
    assert_true(pa != 0);
    page_unref(pa);
    inode_close(a);
    inode_close(b);
    assert_int_equal(q.used, 0);
    assert_int_equal(mm_committed(), base);
    assert_int_equal(mm_shmem(), shm);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEST(test_tables_reserve),
        TEST(test_shared_anon),
        TEST(test_memfd_pages),
        TEST(test_file_pages),
        TEST(test_quota),
    };
    return cmocka_run_group_tests_name("commit", tests, NULL, NULL);
}

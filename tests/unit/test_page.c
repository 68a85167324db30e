/* tests/unit/test_page.c - frames: zones, buddy, ranges, refcounts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mm/page.h"
#include "tests/unit/fake_mmu.h"

static size_t free_before;

static int setup(void **state)
{
    (void)state;
    fake_mmu_setup();
    free_before = page_free_count();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    page_fail_nth(0);
    assert_int_equal(page_free_count(), free_before);
    return 0;
}

static void test_zones_present(void **state)
{
    (void)state;
    size_t total, nfree;
    page_zone_stats(ZONE_DMA, &total, &nfree);
    assert_true(total > 1000 && total < 2048 && nfree == total);
    page_zone_stats(ZONE_DMA32, &total, &nfree);
    assert_true(total > 3000 && total <= 4096 && nfree == total);
    page_zone_stats(ZONE_NORMAL, &total, &nfree);
    assert_int_equal(total, 4096);
    assert_int_equal(page_total_count(), page_free_count());
}

static enum page_zone zone_of(phys_addr_t pa)
{
    return pa < ZONE_DMA_END     ? ZONE_DMA
           : pa < ZONE_DMA32_END ? ZONE_DMA32
                                 : ZONE_NORMAL;
}

/* Takes every frame: NORMAL first, then DMA32, then DMA, then 0. */
static void test_exhaust_in_zone_order(void **state)
{
    (void)state;
    size_t n = page_free_count(), i;
    phys_addr_t *all = malloc(n * sizeof(*all));
    enum page_zone last = ZONE_NORMAL;
    for (i = 0; i < n; i++) {
        all[i] = page_new();
        assert_true(all[i] != 0 && !(all[i] & PAGE_MASK));
        assert_true(zone_of(all[i]) <= last);
        last = zone_of(all[i]);
        assert_int_equal(page_refcount(all[i]), 1);
    }
    assert_int_equal(last, ZONE_DMA);
    assert_int_equal(page_free_count(), 0);
    assert_true(page_new() == 0);
    assert_true(page_new_range(1, ZONE_DMA) == 0);
    for (i = 0; i < n; i++)
        page_release(all[i]);
    free(all);
    /* Everything merged back: the largest blocks exist again. */
    phys_addr_t big = page_new_range(1 << PAGE_MAX_ORDER, ZONE_NORMAL);
    assert_true(big != 0);
    for (i = 0; i < (1u << PAGE_MAX_ORDER); i++)
        page_release(big + i * PAGE_SIZE);
}

static void test_range_contiguous_and_zone(void **state)
{
    (void)state;
    static const size_t counts[] = {1, 3, 5, 17, 1000, 1024};
    for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
        for (int z = ZONE_DMA; z < ZONE_COUNT; z++) {
            size_t before = page_free_count();
            phys_addr_t pa = page_new_range(counts[c], (enum page_zone)z);
            assert_true(pa != 0);
            assert_true(zone_of(pa) <= (enum page_zone)z);
            assert_true(zone_of(pa + (counts[c] - 1) * PAGE_SIZE) ==
                        zone_of(pa));
            assert_int_equal(page_free_count(), before - counts[c]);
            for (size_t i = 0; i < counts[c]; i++) {
                assert_int_equal(page_refcount(pa + i * PAGE_SIZE), 1);
                memset(mmu_kaddr(pa + i * PAGE_SIZE), 0xA5, PAGE_SIZE);
            }
            for (size_t i = 0; i < counts[c]; i++)
                page_release(pa + i * PAGE_SIZE);
            assert_int_equal(page_free_count(), before);
        }
    }
    assert_true(page_new_range(0, ZONE_NORMAL) == 0);
    assert_true(page_new_range((1 << PAGE_MAX_ORDER) + 1, ZONE_NORMAL) == 0);
    assert_true(page_new_range(1, ZONE_COUNT) == 0);
}

static void test_refcount(void **state)
{
    (void)state;
    size_t before = page_free_count();
    phys_addr_t pa = page_new();
    page_ref(pa);
    page_ref(pa);
    assert_int_equal(page_refcount(pa), 3);
    assert_int_equal(page_unref(pa), 2);
    assert_int_equal(page_unref(pa), 1);
    assert_int_equal(page_free_count(), before - 1);
    assert_int_equal(page_unref(pa), 0);
    assert_int_equal(page_free_count(), before);
}

static void test_fault_injection(void **state)
{
    (void)state;
    page_fail_nth(2);
    phys_addr_t a = page_new();
    phys_addr_t b = page_new();
    phys_addr_t c = page_new_range(4, ZONE_DMA32);
    assert_true(a != 0 && b == 0 && c != 0);
    page_release(a);
    for (int i = 0; i < 4; i++)
        page_release(c + i * PAGE_SIZE);
}

static void test_zero_copy_junk(void **state)
{
    (void)state;
    phys_addr_t a = page_new(), b = page_new();
    unsigned char *pa = mmu_kaddr(a), *pb = mmu_kaddr(b);
    page_zero(a);
    for (size_t i = 0; i < PAGE_SIZE; i++)
        assert_int_equal(pa[i], 0);
    memset(pa, 0x3C, PAGE_SIZE);
    page_copy(b, a);
    assert_memory_equal(pa, pb, PAGE_SIZE);
    page_release(a);
    assert_int_equal(pa[0], 0x6b); /* junk-filled on free (debug build) */
    assert_int_equal(pa[PAGE_SIZE - 1], 0x6b);
    page_release(b);
}

static void test_owner_and_is_ram(void **state)
{
    (void)state;
    int token;
    phys_addr_t a = page_new();
    assert_true(page_is_ram(a));
    assert_false(page_is_ram(0x00800000)); /* descriptor frame of a region */
    assert_false(page_is_ram(0x40000000));
    assert_null(page_owner(a));
    page_set_owner(a, &token);
    assert_ptr_equal(page_owner(a + 123), &token);
    page_release(a);
    assert_null(page_owner(a));
    assert_null(page_owner(0x40000000));
}

static void test_page_add_ram_errors(void **state)
{
    (void)state;
    assert_int_equal(page_add_ram(0x00800000 + 0x10000, 0x4000), -EEXIST);
    assert_int_equal(page_add_ram(~(phys_addr_t)0 - 0x1000, 0x4000), -EINVAL);
    assert_int_equal(page_add_ram(0x20000000, 0x800), -EINVAL);
    fake_mmu_add_bank(0x20000000, 0x200000);
    assert_int_equal(page_add_ram(0x20000000, 0x1000),
                     -EINVAL); /* only descriptors fit */
    size_t total, nfree;
    page_zone_stats(ZONE_DMA32, &total, &nfree);
    /* A region not aligned to a buddy block: trimmed and split into blocks. */
    assert_int_equal(page_add_ram(0x20000000 + 0x3000 + 5, 0x1F0000), 0);
    size_t total2, nfree2;
    page_zone_stats(ZONE_DMA32, &total2, &nfree2);
    assert_true(total2 > total + 400 && total2 - total == nfree2 - nfree);
    free_before = page_free_count();
}

/* RAM left dirty by the loader (GRUB leaves file data there): a region
 * whose edges are not whole largest-order blocks must not read stale
 * bytes as free-block descriptors.  0x01 bytes look like free heads of
 * order 1, which the 3-frame tail's first buddy check would follow. */
static void test_page_add_ram_dirty_ram(void **state)
{
    (void)state;
    fake_mmu_add_bank(0x30000000, 0x200000);
    memset(mmu_kaddr(0x30000000), 0x01, 0x200000);
    size_t total, nfree;
    page_zone_stats(ZONE_DMA32, &total, &nfree);
    assert_int_equal(page_add_ram(0x30000000 + 0x3000, 0x1F0000), 0);
    size_t total2, nfree2;
    page_zone_stats(ZONE_DMA32, &total2, &nfree2);
    assert_int_equal(total2 - total, nfree2 - nfree);
    free_before = page_free_count();
}

/* Free 2 MiB blocks (order >= 9, counted in 2 MiB units) in all zones. */
static size_t free_2m(void)
{
    size_t n = 0, counts[PAGE_MAX_ORDER + 1];
    for (int z = 0; z < ZONE_COUNT; z++) {
        page_zone_blocks((enum page_zone)z, counts);
        for (int o = PAGE_HUGE_ORDER; o <= PAGE_MAX_ORDER; o++)
            n += counts[o] << (o - PAGE_HUGE_ORDER);
    }
    return n;
}

/* Kernel and user frames come from different 4 MiB blocks, so a workload
 * that mixes them and then gives the user memory back leaves the 2 MiB
 * blocks whole; superpages are aligned and freed as one block. */
static void test_kinds_against_fragmentation(void **state)
{
    (void)state;
    enum { N = 3000 };
    static phys_addr_t user[N], kern[N / 8];
    size_t whole = free_2m();
    phys_addr_t k0 = page_new(), u0 = page_new_user();
    assert_true(k0 && u0 && (k0 >> 22) != (u0 >> 22));
    page_release(k0);
    page_release(u0);
    int nk = 0;
    for (int i = 0; i < N; i++) {
        user[i] = page_new_user();
        assert_true(user[i] != 0);
        if (i % 8 == 0)
            assert_true((kern[nk++] = page_new()) != 0);
    }
    for (int i = 0; i < N; i++)
        page_release(user[i]);
    /* the kernel frames (375) fit in one 4 MiB block: at most 2 lost */
    assert_true(free_2m() + 2 >= whole);
    for (int i = 0; i < nk; i++)
        page_release(kern[i]);
    assert_int_equal(free_2m(), whole);
    phys_addr_t h = page_new_huge();
    assert_true(h && !(h & ((2u << 20) - 1)));
    assert_int_equal(page_unref_range(h, 512), 512);
    assert_int_equal(free_2m(), whole);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_zones_present, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kinds_against_fragmentation, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_exhaust_in_zone_order, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_range_contiguous_and_zone, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_refcount, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fault_injection, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zero_copy_junk, setup, teardown),
        cmocka_unit_test_setup_teardown(test_owner_and_is_ram, setup, teardown),
        cmocka_unit_test_setup_teardown(test_page_add_ram_errors, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_page_add_ram_dirty_ram, setup,
                                        teardown),
    };
    return cmocka_run_group_tests_name("page", tests, NULL, NULL);
}

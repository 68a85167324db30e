/* tests/unit/test_mmu_next.c - mmu_next_mapped on the fake MMU: sparse
 * translations across 2 MiB / 1 GiB / 512 GiB boundaries, PROT_NONE pages,
 * unmapped pages still waiting for a flush, both search paths (short
 * ranges page by page, long ones over every entry). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "arch/mmu.h"
#include "tests/unit/fake_mmu.h"

#define RW (MMU_READ | MMU_WRITE | MMU_USER)
#define GIB ((uintptr_t)1 << 30)
#define MIB ((uintptr_t)1 << 20)

/* Sorted; around the boundaries of every page-table level. */
static const uintptr_t where[] = {
    0x1000,
    2 * MIB - 0x1000,
    2 * MIB,
    2 * MIB + 0x1000,
    GIB - 0x1000,
    GIB,
    3 * GIB + 5 * 0x1000,
    512 * GIB - 0x1000,
    512 * GIB,
    1024 * GIB + 2 * MIB,
    0x7FFFFFFFF000,
};
#define NWHERE (sizeof(where) / sizeof(where[0]))

/* The reference: the first address of where[] in [va, end), or end. */
static uintptr_t expected(uintptr_t va, uintptr_t end, const bool *gone)
{
    for (size_t i = 0; i < NWHERE; i++)
        if (!gone[i] && where[i] >= va && where[i] < end)
            return where[i];
    return end;
}

static mmu_dir_t *sparse_dir(void)
{
    mmu_dir_t *dir = mmu_dir_create();
    assert_non_null(dir);
    for (size_t i = 0; i < NWHERE; i++) /* every third one PROT_NONE */
        assert_int_equal(mmu_map(dir, where[i], 0x800000, i % 3 ? RW : MMU_USER),
                         0);
    return dir;
}

static void unmap_all(mmu_dir_t *dir, const bool *gone)
{
    for (size_t i = 0; i < NWHERE; i++)
        if (!gone[i])
            assert_int_equal(mmu_unmap(dir, where[i], NULL), 0x800000);
    mmu_dir_destroy(dir);
}

static void test_empty_dir(void **state)
{
    (void)state;
    mmu_dir_t *dir = mmu_dir_create();
    assert_non_null(dir);
    assert_int_equal(mmu_next_mapped(dir, 0, 0x800000000000), 0x800000000000);
    assert_int_equal(mmu_next_mapped(dir, 0x5000, 0x5000), 0x5000);
    mmu_dir_destroy(dir);
}

/* From every translation and its neighbours, to every other boundary. */
static void test_sparse_exact(void **state)
{
    (void)state;
    bool gone[NWHERE] = {false};
    mmu_dir_t *dir = sparse_dir();
    for (size_t i = 0; i < NWHERE; i++) {
        uintptr_t starts[] = {where[i] - 0x1000, where[i], where[i] + 0x1000};
        for (size_t s = 0; s < 3; s++)
            for (size_t j = 0; j < NWHERE; j++) {
                uintptr_t ends[] = {where[j], where[j] + 0x1000};
                for (size_t e = 0; e < 2; e++) {
                    if (ends[e] < starts[s])
                        continue;
                    assert_int_equal(
                        mmu_next_mapped(dir, starts[s], ends[e]),
                        expected(starts[s], ends[e], gone));
                }
            }
    }
    assert_int_equal(mmu_next_mapped(dir, 0, 0x800000000000), where[0]);
    unmap_all(dir, gone);
}

/* Unmapped pages not yet flushed, and mapped again, are followed exactly. */
static void test_unmap_and_remap(void **state)
{
    (void)state;
    bool gone[NWHERE] = {false};
    mmu_dir_t *dir = sparse_dir();
    for (size_t i = 0; i < NWHERE; i += 2) {
        assert_int_equal(mmu_unmap(dir, where[i], NULL), 0x800000);
        gone[i] = true;
    }
    for (uintptr_t va = 0, n = 0;; va += 0x1000, n++) {
        va = mmu_next_mapped(dir, va, 0x800000000000);
        assert_int_equal(va, expected(va, 0x800000000000, gone));
        if (va == 0x800000000000)
            break;
        assert_true(n < NWHERE);
    }
    mmu_flush(dir, 0, 0x800000000000);
    assert_int_equal(mmu_next_mapped(dir, 0, 2 * MIB + 0x1000), where[1]);
    assert_int_equal(mmu_next_mapped(dir, 2 * MIB, 2 * MIB + 0x2000),
                     2 * MIB + 0x1000); /* where[2] is gone */
    assert_int_equal(mmu_map(dir, where[0], 0x800000, RW), 0);
    gone[0] = false;
    assert_int_equal(mmu_next_mapped(dir, 0, 0x800000000000), where[0]);
    unmap_all(dir, gone);
}

/* Random ranges against a page-by-page scan with mmu_query. */
static void test_random_dense(void **state)
{
    (void)state;
    mmu_dir_t *dir = mmu_dir_create();
    assert_non_null(dir);
    const uintptr_t base = 4 * GIB - 8 * MIB, pages = 4096 + 2048;
    srand(7);
    for (uintptr_t p = 0; p < pages; p++)
        if (rand() % 64 == 0)
            assert_int_equal(mmu_map(dir, base + p * 0x1000, 0x800000, RW), 0);
    for (int round = 0; round < 200; round++) {
        uintptr_t a = base + (uintptr_t)(rand() % pages) * 0x1000;
        uintptr_t b = base + (uintptr_t)(rand() % (pages + 1)) * 0x1000;
        if (b < a) {
            uintptr_t t = a;
            a = b;
            b = t;
        }
        uintptr_t want = a;
        while (want < b && !(mmu_query(dir, want, NULL) & MMU_PRESENT))
            want += 0x1000;
        assert_int_equal(mmu_next_mapped(dir, a, b), want);
    }
    for (uintptr_t p = 0; p < pages; p++)
        mmu_unmap(dir, base + p * 0x1000, NULL);
    assert_int_equal(fake_mmu_count(dir), 0);
    mmu_dir_destroy(dir);
}

int main(void)
{
    fake_mmu_setup();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_dir),
        cmocka_unit_test(test_sparse_exact),
        cmocka_unit_test(test_unmap_and_remap),
        cmocka_unit_test(test_random_dense),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

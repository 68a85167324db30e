/* tests/unit/test_kmap.c - kspace on the host: kmap, MMIO mappings,
 * kernel stacks with a guard page, kalloc's large hook, running out. */
#include "mm/kalloc.h"
#include "mm/kmap.h"
#include "tests/unit/mm_testlib.h"

#define KLO ((uintptr_t)0xFFFFC00000000000ull)
#define KHI (KLO + ((uintptr_t)64 << 20))
#define STACK_RW (RW | VMA_COW | VMA_STACK)

static int k_setup(void **state)
{
    fake_mmu_setup();
    if (!kmap_space())
        assert_int_equal(kmap_init(KLO, KHI), 0);
    leak_setup(state);
    mm_commit_set_limit(4096); /* 16 MiB: room for a 5 MiB kalloc */
    return 0;
}

static int k_teardown(void **state)
{
    kalloc_trim();
    return leak_teardown(state);
}
#define KTEST(fn) cmocka_unit_test_setup_teardown(fn, k_setup, k_teardown)

static void test_init_errors(void **state)
{
    (void)state;
    assert_int_equal(kmap_init(KLO, KHI), -EINVAL); /* once */
    assert_true(kmap_space()->kernel);
}

static void test_kmap_memory(void **state)
{
    (void)state;
    mspace_t *ks = kmap_space();
    unsigned char *p = kmap(3 * PG + 5, NULL, 0, VMA_READ | VMA_WRITE);
    assert_non_null(p);
    assert_true((uintptr_t)p >= KLO && (uintptr_t)p < KHI);
    for (int i = 0; i < 4; i++) {
        int f = mmu_query(ks->directory, (uintptr_t)p + i * PG, NULL);
        assert_true((f & MMU_PRESENT) && (f & MMU_WRITE) && (f & MMU_GLOBAL) &&
                    !(f & MMU_USER));
        assert_int_equal(fake_mmu_ptr(ks->directory, (uintptr_t)p + i * PG)[7],
                         0);
    }
    assert_int_equal(kunmap(p, 4 * PG), 0);
    assert_int_equal(mmu_query(ks->directory, (uintptr_t)p, NULL), 0);
    assert_int_equal(kunmap(p + 1, PG), -EINVAL);
    assert_int_equal(fake_mmu_pending(ks->directory), 0);
    mspace_check(ks);
}

static void test_kmap_file_and_phys(void **state)
{
    (void)state;
    mspace_t *ks = kmap_space();
    static const char text[] = "kernel module image";
    inode_t *f = inode_create("/mod", text, sizeof(text), VMA_READ | VMA_EXEC);
    char *p = kmap(PG, f, 0, VMA_READ);
    assert_non_null(p);
    assert_string_equal((char *)fake_mmu_ptr(ks->directory, (uintptr_t)p),
                        text);
    assert_int_equal(kunmap(p, PG), 0);
    phys_addr_t dev = page_new();
    char *io = kmap_phys(dev, PG, VMA_READ | VMA_WRITE);
    phys_addr_t pa;
    int flags = mmu_query(ks->directory, (uintptr_t)io, &pa);
    assert_int_equal(pa, dev);
    assert_true(flags & MMU_UNCACHED);
    assert_null(kmap_phys(dev + 12, PG, VMA_READ)); /* misaligned */
    assert_int_equal(kunmap(io, PG), 0);
    page_release(dev);
    inode_close(f);
}

static void test_kernel_stack_guard(void **state)
{
    (void)state;
    mspace_t *ks = kmap_space();
    char *top = kmap_stack(4 * PG);
    assert_non_null(top);
    uintptr_t guard = (uintptr_t)top - 5 * PG;
    for (int i = 1; i <= 4; i++)
        assert_true(
            fake_mmu_access(ks->directory, (uintptr_t)top - i * PG, MMU_WRITE));
    assert_false(
        fake_mmu_access(ks->directory, guard, MMU_WRITE)); /* not mapped */
    assert_int_equal(mspace_resolve(ks, guard + 8, FAULT_WRITE),
                     MM_FAULT_STACK_GUARD);
    assert_int_equal(
        mspace_resolve(ks, (uintptr_t)top - PG, FAULT_WRITE | FAULT_USER),
        MM_FAULT_KERNEL_ADDR);
    kunmap_stack(top, 4 * PG);
    mspace_check(ks);
}

/* Kernel stacks made one after the other lie back to back in kspace and
 * stay one VMA each: every guard faults, and freeing the middle one
 * succeeds with no descriptor and no frame to spare (it needs no split). */
static void test_kernel_stacks_stay_apart(void **state)
{
    (void)state;
    mspace_t *ks = kmap_space();
    char *top[3];
    for (int i = 0; i < 3; i++)
        assert_non_null(top[i] = kmap_stack(2 * PG));
    for (int i = 1; i < 3; i++) /* adjacent: guard i right above top i-1 */
        assert_ptr_equal(top[i] - 3 * PG, top[i - 1]);
    check_layout(ks, {(uintptr_t)top[0] - 3 * PG, 3 * PG, STACK_RW},
                 {(uintptr_t)top[1] - 3 * PG, 3 * PG, STACK_RW},
                 {(uintptr_t)top[2] - 3 * PG, 3 * PG, STACK_RW});
    for (int i = 0; i < 3; i++) {
        uintptr_t guard = (uintptr_t)top[i] - 3 * PG;
        assert_false(fake_mmu_access(ks->directory, guard, MMU_WRITE));
        assert_int_equal(mspace_resolve(ks, guard + PG - 8, FAULT_WRITE),
                         MM_FAULT_STACK_GUARD);
    }
    char *big = kalloc(5 << 20); /* a large block right above the stacks */
    assert_ptr_equal(big, top[2]);
    fake_alloc_fail_nth(1); /* no VMA descriptor left, */
    page_fail_nth(1);       /* no frame either */
    kunmap_stack(top[1], 2 * PG);
    kfree(big);
    fake_alloc_fail_nth(0);
    page_fail_nth(0);
    check_layout(ks, {(uintptr_t)top[0] - 3 * PG, 3 * PG, STACK_RW},
                 {(uintptr_t)top[2] - 3 * PG, 3 * PG, STACK_RW});
    assert_int_equal(mspace_resolve(ks, (uintptr_t)top[1] - PG, FAULT_WRITE),
                     MM_FAULT_NO_VMA);
    kunmap_stack(top[0], 2 * PG);
    kunmap_stack(top[2], 2 * PG);
    check_empty(ks);
}

static void test_kalloc_large_through_kmap(void **state)
{
    (void)state;
    mspace_t *ks = kmap_space();
    unsigned char *big = kalloc(5 << 20);
    assert_non_null(big);
    assert_true((uintptr_t)big >= KLO && (uintptr_t)big < KHI);
    assert_int_equal(
        fake_mmu_ptr(ks->directory, (uintptr_t)big + (5 << 20) - 1)[0], 0);
    assert_int_equal(ks->v_size, 5 << 20);
    kfree(big);
    assert_int_equal(kmap_space()->v_size, 0);
    assert_null(kalloc((size_t)100 << 20)); /* larger than the window */
}

static void test_out_of_window(void **state)
{
    (void)state;
    void *a = kmap(40 << 20, NULL, 0, 0);
    assert_non_null(a);
    assert_null(kmap(40 << 20, NULL, 0, 0));
    assert_null(kmap_stack(40 << 20));
    assert_int_equal(kunmap(a, 40 << 20), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        KTEST(test_init_errors),
        KTEST(test_kmap_memory),
        KTEST(test_kmap_file_and_phys),
        KTEST(test_kernel_stack_guard),
        KTEST(test_kernel_stacks_stay_apart),
        KTEST(test_kalloc_large_through_kmap),
        KTEST(test_out_of_window),
    };
    return cmocka_run_group_tests_name("kmap", tests, NULL, NULL);
}

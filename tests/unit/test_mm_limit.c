/* tests/unit/test_mm_limit.c - the per-space limits (mm/limit.c): the
 * address-space limit on every map, the data limit on private writable
 * non-stack memory at map and protect time, the stack limit on growth, and
 * the data_pages count kept exact through map, protect, unmap and clone. */
#include "tests/unit/mm_testlib.h"

#define NONE SIZE_MAX

static void *map(mspace_t *ms, uintptr_t a, size_t len, int flags)
{
    return mspace_map(ms, a, len, NULL, 0, 0, flags);
}

static void test_as_limit(void **state)
{
    (void)state;
    mspace_t *ms = mspace_create();
    map_ok(ms, U, 4 * PG, VMA_COW); /* PROT_NONE counts as address space */
    mspace_set_limits(ms, 6 * PG + 100, NONE, NONE);
    assert_int_equal(mspace_error(map(ms, 0, 3 * PG, VMA_COW)), -ENOMEM);
    assert_int_equal(mspace_error(map(ms, 0, 3 * PG, RW | VMA_SHARED)),
                     -ENOMEM);
    void *r = map_ok(ms, U + 8 * PG, 2 * PG, RW | VMA_FIXED);
    assert_int_equal(ms->v_size, 6 * PG);
    assert_int_equal(mspace_error(map(ms, 0, PG, VMA_READ)), -ENOMEM);
    /* what is given back can be taken again */
    assert_int_equal(mspace_unmap(ms, (uintptr_t)r, PG), 0);
    map_ok(ms, U + 20 * PG, PG, VMA_READ | VMA_FIXED);
    /* lowering under the use drops nothing and refuses any growth */
    mspace_set_limits(ms, PG, NONE, NONE);
    assert_int_equal(ms->v_size, 6 * PG);
    assert_int_equal(mspace_error(map(ms, 0, PG, VMA_READ)), -ENOMEM);
    mspace_set_limits(ms, NONE, NONE, NONE);
    map_ok(ms, 0, 100 * PG, VMA_READ);
    mspace_check(ms);
    mspace_close(ms);
}

static void test_data_limit_map(void **state)
{
    (void)state;
    mspace_t *ms = mspace_create();
    mspace_set_limits(ms, NONE, 4 * PG, NONE);
    void *a = map_ok(ms, 0, 3 * PG, RW | VMA_COW);
    assert_int_equal(ms->data_pages, 3);
    assert_int_equal(mspace_error(map(ms, 0, 2 * PG, RW | VMA_COW)), -ENOMEM);
    assert_int_equal(mspace_error(map(ms, 0, 2 * PG, RW | VMA_COW | VMA_HEAP)),
                     -ENOMEM);
    /* not data: read-only, PROT_NONE, shared, stack */
    map_ok(ms, 0, 8 * PG, VMA_READ | VMA_COW);
    map_ok(ms, 0, 8 * PG, VMA_COW);
    map_ok(ms, 0, 8 * PG, RW | VMA_SHARED);
    map_ok(ms, 0, 8 * PG, RW | VMA_STACK);
    assert_int_equal(ms->data_pages, 3);
    map_ok(ms, 0, PG, RW | VMA_COW);
    assert_int_equal(ms->data_pages, 4);
    assert_int_equal(mspace_error(map(ms, 0, PG, RW | VMA_COW)), -ENOMEM);
    assert_int_equal(mspace_unmap(ms, (uintptr_t)a, 2 * PG), 0);
    assert_int_equal(ms->data_pages, 2);
    map_ok(ms, 0, 2 * PG, RW | VMA_COW | VMA_HEAP);
    mspace_check(ms);
    mspace_close(ms);
}

static void test_data_limit_protect(void **state)
{
    (void)state;
    mspace_t *ms = mspace_create();
    uintptr_t r = (uintptr_t)map_ok(ms, 0, 8 * PG, VMA_COW);
    uintptr_t w = (uintptr_t)map_ok(ms, r + 8 * PG, 2 * PG, RW | VMA_FIXED);
    mspace_set_limits(ms, NONE, 5 * PG, NONE);
    /* 2 data pages now: 4 more pass the limit, 3 fit */
    assert_int_equal(mspace_protect(ms, r, 4 * PG, RW), -ENOMEM);
    assert_int_equal(ms->data_pages, 2);
    assert_int_equal(mspace_protect(ms, r + 4 * PG, 4 * PG, VMA_READ), 0);
    /* a range already writable costs nothing: r+7..w+2 adds one page */
    assert_int_equal(mspace_protect(ms, r + 7 * PG, 3 * PG, RW), 0);
    assert_int_equal(ms->data_pages, 3);
    assert_int_equal(mspace_protect(ms, r, 2 * PG, RW), 0);
    assert_int_equal(ms->data_pages, 5);
    assert_int_equal(mspace_protect(ms, r + 2 * PG, PG, RW), -ENOMEM);
    assert_int_equal(mspace_protect(ms, r, PG, VMA_READ), 0);
    assert_int_equal(ms->data_pages, 4);
    assert_int_equal(mspace_protect(ms, r + 2 * PG, PG, RW), 0);
    (void)w;
    mspace_check(ms);
    mspace_close(ms);
}

static void test_data_pages_clone(void **state)
{
    (void)state;
    mspace_t *ms = mspace_create();
    map_ok(ms, 0, 3 * PG, RW | VMA_COW);
    map_ok(ms, 0, 2 * PG, RW | VMA_SHARED);
    mspace_t *c = mspace_clone(ms);
    assert_non_null(c);
    assert_int_equal(c->data_pages, 3);
    assert_int_equal(c->as_limit, NONE); /* the port sets a copy's limits */
    mspace_check(c);
    mspace_close(c);
    mspace_close(ms);
}

static void test_stack_limit(void **state)
{
    (void)state;
    mspace_t *ms = mspace_create();
    uintptr_t s = (uintptr_t)map_ok(ms, 0, 16 * PG, RW | VMA_STACK);
    uintptr_t end = s + 16 * PG;
    assert_int_equal(cpu_touch(ms, end - 6 * PG, MMU_WRITE), MM_FAULT_OK);
    mspace_set_limits(ms, NONE, NONE, 4 * PG + 123);
    /* present pages past the limit stay usable; absent ones are refused */
    assert_int_equal(cpu_touch(ms, end - 6 * PG, MMU_WRITE), MM_FAULT_OK);
    assert_int_equal(cpu_touch(ms, end - 4 * PG, MMU_WRITE), MM_FAULT_OK);
    assert_int_equal(cpu_touch(ms, end - 5 * PG, MMU_WRITE),
                     MM_FAULT_STACK_OVERFLOW);
    assert_int_equal(cpu_touch(ms, end - 7 * PG, MMU_READ),
                     MM_FAULT_STACK_OVERFLOW);
    /* other mappings are not stacks */
    uintptr_t a = (uintptr_t)map_ok(ms, 0, 16 * PG, RW | VMA_COW);
    assert_int_equal(cpu_touch(ms, a, MMU_WRITE), MM_FAULT_OK);
    mspace_set_limits(ms, NONE, NONE, NONE);
    assert_int_equal(cpu_touch(ms, end - 7 * PG, MMU_WRITE), MM_FAULT_OK);
    mspace_check(ms);
    mspace_close(ms);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEST(test_as_limit),           TEST(test_data_limit_map),
        TEST(test_data_limit_protect), TEST(test_data_pages_clone),
        TEST(test_stack_limit),
    };
    return cmocka_run_group_tests_name("mm_limit", tests, NULL, NULL);
}

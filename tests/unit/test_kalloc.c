/* tests/unit/test_kalloc.c - slab classes, large blocks, the kmap hook,
 * zeroing, statistics, fault injection, and the checks of kfree (death
 * tests in a forked child). */
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mm/kalloc.h"
#include "tests/unit/mm_testlib.h"

static int k_setup(void **state)
{
    leak_setup(state);
    return 0;
}

static int k_teardown(void **state)
{
    kalloc_trim();
    kalloc_fail_nth(0);
    return leak_teardown(state);
}
#define KTEST(fn) cmocka_unit_test_setup_teardown(fn, k_setup, k_teardown)

static void test_every_class(void **state)
{
    (void)state;
    enum { N = 600 };
    static unsigned char *objs[N];
    for (int c = 0; c < kalloc_class_count(); c++) {
        kalloc_stat_t st;
        kalloc_class_stat(c, &st);
        size_t size = st.size, allocs = st.allocs;
        for (int i = 0; i < N; i++) {
            objs[i] = kalloc(size - (size_t)(i % 16));
            assert_non_null(objs[i]);
            assert_int_equal((uintptr_t)objs[i] % 16, 0);
            for (size_t b = 0; b < size; b++)
                assert_int_equal(objs[i][b], 0);
            memset(objs[i], i & 0xff, size);
        }
        for (int i = 0; i < N; i++)
            for (size_t b = 0; b < size; b += 7)
                assert_int_equal(objs[i][b], i & 0xff); /* no overlap */
        kalloc_class_stat(c, &st);
        assert_int_equal(st.inuse, N);
        assert_int_equal(st.allocs, allocs + N);
        assert_true(st.slabs >= 2);
        for (int i = 0; i < N; i += 2)
            kfree(objs[i]);
        for (int i = 0; i < N; i += 2)
            objs[i] = kalloc(size); /* reuses the freed slots */
        for (int i = 0; i < N; i++)
            kfree(objs[i]);
        kalloc_class_stat(c, &st);
        assert_int_equal(st.inuse, 0);
        assert_true(st.slabs <= 1); /* one empty slab kept for reuse */
    }
}

static void test_large_blocks(void **state)
{
    (void)state;
    size_t frames = page_free_count();
    unsigned char *a = kalloc(3000);
    unsigned char *b = kalloc(100 * 1024);
    assert_int_equal((uintptr_t)a % PG, 0);
    assert_int_equal((uintptr_t)b % PG, 0);
    assert_int_equal(page_free_count(), frames - 1 - 32);
    for (size_t i = 0; i < 100 * 1024; i++)
        assert_int_equal(b[i], 0);
    memset(b, 1, 100 * 1024);
    kfree(a);
    kfree(b);
    assert_int_equal(page_free_count(), frames);
    assert_null(kalloc(5 << 20)); /* above 4 MiB without a hook */
    assert_null(kalloc(0));
}

static int hook_calls;
static void *hook_map(size_t size)
{
    hook_calls++;
    return calloc(1, size);
}
static void hook_unmap(void *p, size_t size)
{
    assert_int_equal(size, 5 << 20);
    hook_calls++;
    free(p);
}

static void test_kmap_hook(void **state)
{
    (void)state;
    kalloc_set_large_hook(hook_map, hook_unmap);
    void *hooked = kalloc(5 << 20);
    assert_non_null(hooked);
    assert_int_equal(hook_calls, 1);
    void *small = kalloc(64);
    kfree(small); /* not the hook's */
    kfree(hooked);
    assert_int_equal(hook_calls, 2);
    kalloc_fail_nth(1);
    assert_null(kalloc(5 << 20)); /* injected: the hook is not called */
    assert_int_equal(hook_calls, 2);
    kalloc_set_large_hook(NULL, NULL);
}

static void test_out_of_memory(void **state)
{
    (void)state;
    kalloc_fail_nth(2);
    void *a = kalloc(32);
    assert_non_null(a);
    assert_null(kalloc(32));
    kfree(a);
    kalloc_trim();
    page_fail_nth(1);
    assert_null(kalloc(32)); /* no frame for a new slab */
    page_fail_nth(1);
    assert_null(kalloc(10000));
}

static void test_stats_text(void **state)
{
    (void)state;
    void *p = kalloc(100);
    char buf[2048];
    int n = kalloc_stats(buf, sizeof(buf));
    assert_int_equal(n, (int)strlen(buf));
    assert_non_null(strstr(buf, "kalloc  128: 1 slabs 1 in use"));
    assert_int_equal(kalloc_stats(buf, 8), n);
    assert_int_equal(strlen(buf), 7);
    kfree(p);
}

/* kalloc backs mm's own descriptors in the kernel: run mm over it. */
static void test_as_mm_allocator(void **state)
{
    (void)state;
    mm_set_allocator(kalloc, kfree);
    mspace_t *ms = mspace_create();
    map_ok(ms, U, 8 * PG, RW | VMA_FIXED);
    assert_int_equal(mspace_protect(ms, U + 2 * PG, 2 * PG, VMA_READ), 0);
    assert_int_equal(cpu_touch(ms, U + 5 * PG, MMU_WRITE), MM_FAULT_OK);
    mspace_t *child = mspace_clone(ms);
    assert_non_null(child);
    mspace_check(child);
    mspace_close(child);
    mspace_close(ms);
    mm_set_allocator(fake_alloc, fake_free);
}

static void dies(void (*fn)(void))
{
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int devnull = open("/dev/null", 1);
        dup2(devnull, 2);
        fn();
        _exit(0);
    }
    int status;
    waitpid(pid, &status, 0);
    assert_true(WIFSIGNALED(status) ||
                (WIFEXITED(status) && WEXITSTATUS(status) != 0));
}

static void double_free(void)
{
    void *p = kalloc(48);
    kfree(p);
    kfree(p);
}

static void interior_pointer(void)
{
    char *p = kalloc(64);
    kfree(p + 16);
}

static void foreign_frame(void)
{
    kfree(mmu_kaddr(page_new()));
}

static void foreign_heap(void)
{
    static char not_ours[64];
    kfree(not_ours);
}

static void large_interior(void)
{
    char *p = kalloc(3 * PG);
    kfree(p + PG);
}

static void test_kfree_checks(void **state)
{
    (void)state;
    dies(double_free);
    dies(interior_pointer);
    dies(foreign_frame);
    dies(foreign_heap);
    dies(large_interior);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        KTEST(test_every_class),  KTEST(test_large_blocks),
        KTEST(test_kmap_hook),    KTEST(test_out_of_memory),
        KTEST(test_stats_text),   KTEST(test_as_mm_allocator),
        KTEST(test_kfree_checks),
    };
    return cmocka_run_group_tests_name("kalloc", tests, NULL, NULL);
}

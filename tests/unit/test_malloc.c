/*
 * tests/unit/test_malloc.c - the libc-shim allocator on the host, built
 * with the shim_ prefix under ASan+UBSan: random sequences against a
 * model that checks contents, sizes and alignment; overflow and errno
 * cases; misuse (double free, invalid pointers) aborting in a child.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "libc-shim/alloc.h"
#include "libc-shim/mspace.h"

void *shim_malloc(size_t n);
void shim_free(void *p);
void *shim_calloc(size_t count, size_t size);
void *shim_realloc(void *p, size_t n);
void *shim_aligned_alloc(size_t align, size_t n);
int shim_posix_memalign(void **out, size_t align, size_t n);
void *shim_memalign(size_t align, size_t n);
void *shim_valloc(size_t n);
void *shim_pvalloc(size_t n);
size_t shim_malloc_usable_size(void *p);

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* A size drawn like real programs: mostly small, some medium, few huge. */
static size_t random_size(void)
{
    uint64_t r = rng() % 1000;
    if (r < 700)
        return rng() % 257;
    if (r < 950)
        return rng() % 16384;
    if (r < 995)
        return rng() % LARGE_MAX;
    return LARGE_MAX + rng() % (4u << 20);
}

static unsigned char fill_byte(unsigned slot, size_t i)
{
    return (unsigned char)(slot * 31 + i * 7 + 1);
}

static void fill(unsigned char *p, size_t n, unsigned slot)
{
    for (size_t i = 0; i < n; i++)
        p[i] = fill_byte(slot, i);
}

static void check_fill(const unsigned char *p, size_t n, unsigned slot)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != fill_byte(slot, i))
            fail_msg("slot %u byte %zu of %zu corrupted", slot, i, n);
}

#define SLOTS_N 2000

struct live {
    unsigned char *p;
    size_t n;
};

/* Allocates slot s with a random call of the family; checks the result. */
static void model_alloc(struct live *l, unsigned s)
{
    size_t n = random_size();
    size_t align = 0;
    switch (rng() % 6) {
    case 0: {
        l->p = shim_calloc(1, n);
        assert_non_null(l->p);
        for (size_t i = 0; i < n; i++)
            if (l->p[i])
                fail_msg("calloc(%zu) byte %zu not zero", n, i);
        break;
    }
    case 1:
        align = (size_t)1 << (4 + rng() % 14);
        l->p = shim_aligned_alloc(align, n);
        break;
    case 2:
        align = (size_t)1 << (3 + rng() % 10);
        assert_int_equal(shim_posix_memalign((void **)&l->p, align, n), 0);
        break;
    default:
        l->p = shim_malloc(n);
    }
    assert_non_null(l->p);
    if (align)
        assert_int_equal((uintptr_t)l->p & (align - 1), 0);
    assert_int_equal((uintptr_t)l->p & (MIN_ALIGN - 1), 0);
    assert_true(shim_malloc_usable_size(l->p) >= n);
    l->n = n;
    fill(l->p, n, s);
}

static void model_realloc(struct live *l, unsigned s)
{
    size_t n = rng() % 2 ? random_size() : l->n + rng() % 200;
    unsigned char *q = shim_realloc(l->p, n);
    assert_non_null(q);
    check_fill(q, l->n < n ? l->n : n, s);
    l->p = q;
    l->n = n;
    fill(q, n, s);
}

/* Random operations over SLOTS_N slots; with `tight`, the heap keeps
 * almost nothing for reuse, so memory goes back to the kernel and comes
 * again all the time. */
static void random_sequence(int ops, bool tight)
{
    static struct live live[SLOTS_N];
    for (int op = 0; op < ops; op++) {
        if (tight && op % 500 == 0)
            heap_tls->retain = 1u << 20;
        unsigned s = (unsigned)(rng() % SLOTS_N);
        struct live *l = &live[s];
        if (!l->p) {
            model_alloc(l, s);
        } else if (rng() % 3 == 0) {
            model_realloc(l, s);
        } else {
            check_fill(l->p, l->n, s);
            shim_free(l->p);
            l->p = NULL;
        }
    }
    for (unsigned s = 0; s < SLOTS_N; s++) {
        if (live[s].p) {
            check_fill(live[s].p, live[s].n, s);
            shim_free(live[s].p);
            live[s].p = NULL;
        }
    }
}

static void test_random_sequences(void **state)
{
    (void)state;
    random_sequence(200000, false);
}

static void test_random_sequences_releasing(void **state)
{
    (void)state;
    struct mspace_stats before, after;
    mspace_stats(&before);
    size_t retain = heap_tls->retain;
    random_sequence(60000, true);
    heap_tls->retain = retain;
    mspace_stats(&after);
    assert_true(after.releases > before.releases);
}

static void test_size_classes(void **state)
{
    (void)state;
    for (size_t n = 1; n <= LARGE_MAX; n += 1 + n / 64) {
        unsigned c = class_of(n);
        assert_true(c >= 1 && c < NCLASS);
        assert_true(class_size(c) >= n);
        if (c > 1)
            assert_true(class_size(c - 1) < n);
        assert_int_equal(class_size(c) % MIN_ALIGN, 0);
    }
    assert_int_equal(class_size(NCLASS - 1), LARGE_MAX);
}

static void test_overflow_sets_enomem(void **state)
{
    (void)state;
    errno = 0;
    assert_null(shim_calloc(SIZE_MAX / 2, 3));
    assert_int_equal(errno, ENOMEM);
    errno = 0;
    assert_null(shim_malloc((size_t)PTRDIFF_MAX + 1));
    assert_int_equal(errno, ENOMEM);
    void *p = shim_malloc(100);
    memset(p, 0x5a, 100);
    errno = 0;
    assert_null(shim_realloc(p, SIZE_MAX - 8));
    assert_int_equal(errno, ENOMEM);
    assert_int_equal(((unsigned char *)p)[99], 0x5a); /* p survives */
    shim_free(p);
    errno = 0;
    assert_null(shim_aligned_alloc(64, SIZE_MAX - 10));
    assert_int_equal(errno, ENOMEM);
    errno = 0;
    assert_null(shim_aligned_alloc(48, 10));
    assert_int_equal(errno, EINVAL);
    assert_int_equal(shim_posix_memalign(&p, 3, 10), EINVAL);
    assert_int_equal(shim_posix_memalign(&p, 64, SIZE_MAX - 10), ENOMEM);
    assert_null(shim_pvalloc(SIZE_MAX - 10));
}

static void test_errno_preserved(void **state)
{
    (void)state;
    void *p[64];
    errno = 4321;
    for (int i = 0; i < 64; i++)
        p[i] = shim_malloc((size_t)1 << (i % 24));
    for (int i = 0; i < 64; i++)
        shim_free(p[i]);
    assert_int_equal(errno, 4321);
}

static void test_alignment_all(void **state)
{
    (void)state;
    static const size_t sizes[] = {0,    1,    15,    16,     100,
                                   4095, 4096, 70000, 600000, 3u << 20};
    for (size_t align = 1; align <= (8u << 20); align <<= 1) {
        for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
            unsigned char *p = shim_memalign(align, sizes[i]);
            assert_non_null(p);
            assert_int_equal((uintptr_t)p & (align - 1), 0);
            assert_true(shim_malloc_usable_size(p) >= sizes[i]);
            memset(p, 0xa5, sizes[i]);
            shim_free(p);
        }
    }
    unsigned char *v = shim_valloc(10), *pv = shim_pvalloc(10);
    assert_int_equal((uintptr_t)v & 4095, 0);
    assert_int_equal((uintptr_t)pv & 4095, 0);
    assert_true(shim_malloc_usable_size(pv) >= 4096);
    shim_free(v);
    shim_free(pv);
}

static void test_calloc_zero_after_reuse(void **state)
{
    (void)state;
    size_t sizes[] = {16, 200, 5000, 100000, 2u << 20};
    for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
        void *p[32];
        for (int i = 0; i < 32; i++) {
            p[i] = shim_malloc(sizes[k]);
            memset(p[i], 0xff, sizes[k]);
        }
        for (int i = 0; i < 32; i++)
            shim_free(p[i]);
        for (int i = 0; i < 32; i++) {
            unsigned char *c = shim_calloc(sizes[k], 1);
            for (size_t j = 0; j < sizes[k]; j++)
                if (c[j])
                    fail_msg("calloc(%zu) byte %zu not zero", sizes[k], j);
            p[i] = c;
        }
        for (int i = 0; i < 32; i++)
            shim_free(p[i]);
    }
}

static void test_realloc_in_place(void **state)
{
    (void)state;
    char *p = shim_malloc(100);
    assert_ptr_equal(shim_realloc(p, 112), p); /* same class */
    char *q = shim_realloc(p, 1000);
    assert_ptr_not_equal(q, NULL);
    /* Growing past the classes reserves room to grow in place. */
    char *h = shim_realloc(q, 600000);
    memset(h, 1, 600000);
    char *h2 = shim_realloc(h, 1100000);
    assert_ptr_equal(h2, h);
    assert_int_equal(h2[599999], 1);
    memset(h2, 2, 1100000);
    assert_ptr_equal(shim_realloc(h2, 300000), h2); /* shrink in place */
    assert_int_equal(h2[299999], 2);
    shim_free(h2);
}

static void test_memory_released(void **state)
{
    (void)state;
    struct mspace_stats before, after;
    mspace_stats(&before);
    assert_true(before.maps > 0); /* every byte came from mspace_map */
    /* Free twice what the heap keeps for reuse (untouched blocks of a
     * size class: no RSS): the excess must go back to the kernel. */
    size_t n = 2 * heap_tls->retain / LARGE_MAX + 8;
    void **p = calloc(n, sizeof(*p));
    for (size_t i = 0; i < n; i++)
        assert_non_null(p[i] = shim_malloc(LARGE_MAX));
    for (size_t i = 0; i < n; i++)
        shim_free(p[i]);
    free(p);
    mspace_stats(&after);
    assert_true(after.releases + after.unmaps >
                before.releases + before.unmaps);
}

/* Virtual memory size of this process in bytes (VmSize). */
static size_t vm_size(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[128];
    size_t kib = 0;
    while (f && fgets(line, sizeof(line), f))
        if (sscanf(line, "VmSize: %zu kB", &kib) == 1)
            break;
    if (f)
        fclose(f);
    return kib << 10;
}

/* In a child whose address space is capped just above its current size:
 * a request the kernel refuses must make the heap give back what it
 * keeps for reuse (empty segments, cached huge blocks) and succeed. */
static void test_trim_when_refused(void **state)
{
    (void)state;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        heap_tls->retain = RETAIN_MAX; /* keep everything freed */
        static void *p[200];
        for (int i = 0; i < 200; i++)
            p[i] = shim_malloc(i % 10 ? LARGE_MAX : 3u << 20);
        for (int i = 0; i < 200; i++)
            shim_free(p[i]);
        struct rlimit rl = {vm_size() + (8u << 20), vm_size() + (8u << 20)};
        if (setrlimit(RLIMIT_AS, &rl) != 0)
            _exit(2);
        void *big = shim_malloc(48u << 20);
        _exit(big ? 0 : 1);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

/* Runs fn in a child and checks it dies of SIGABRT saying `message`. */
static void expect_abort(void (*fn)(void), const char *message)
{
    int pipefd[2];
    assert_int_equal(pipe(pipefd), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(pipefd[1], 2);
        fn();
        _exit(0);
    }
    close(pipefd[1]);
    char buf[512];
    ssize_t n = read(pipefd[0], buf, sizeof(buf) - 1);
    close(pipefd[0]);
    buf[n > 0 ? n : 0] = 0;
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGABRT)
        fail_msg("child did not abort (status %#x): %s", status, buf);
    if (!strstr(buf, message))
        fail_msg("expected \"%s\", got \"%s\"", message, buf);
}

static void double_free_small(void)
{
    void *p = shim_malloc(32), *q = shim_malloc(32);
    shim_free(p);
    shim_free(q);
    shim_free(p);
}

static void double_free_huge(void)
{
    void *p = shim_malloc(2u << 20);
    shim_free(p);
    shim_free(p);
}

static void free_stack_pointer(void)
{
    int x;
    shim_free(&x);
}

static void free_interior_pointer(void)
{
    char *p = shim_malloc(64);
    shim_free(p + 16);
}

static void free_huge_interior(void)
{
    char *p = shim_malloc(3u << 20);
    shim_free(p + 4096);
}

static void double_free_after_reuse(void)
{
    void *p = shim_malloc(5000);
    shim_free(shim_malloc(5000));
    shim_free(p);
    shim_free(p);
}

static void test_misuse_aborts(void **state)
{
    (void)state;
    expect_abort(double_free_small, "double free");
    expect_abort(double_free_huge, "double free");
    expect_abort(free_stack_pointer, "invalid pointer");
    expect_abort(free_interior_pointer, "invalid pointer");
    expect_abort(free_huge_interior, "invalid pointer");
    expect_abort(double_free_after_reuse, "double free");
}

#define XN 20000
static void *xblocks[XN];

static void *free_all(void *arg)
{
    (void)arg;
    for (int i = 0; i < XN; i++) {
        check_fill(xblocks[i], 24, (unsigned)i);
        shim_free(xblocks[i]);
    }
    void *own = shim_malloc(100); /* the thread's own heap works too */
    shim_free(own);
    return NULL;
}

static void test_cross_thread_free(void **state)
{
    (void)state;
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < XN; i++) {
            xblocks[i] = shim_malloc(i % 3 ? 24 : (i % 7 ? 3000 : 700000));
            fill(xblocks[i], 24, (unsigned)i);
        }
        pthread_t t;
        assert_int_equal(pthread_create(&t, NULL, free_all, NULL), 0);
        assert_int_equal(pthread_join(t, NULL), 0);
        /* The owner takes the handed-back blocks on its slow path. */
        for (int i = 0; i < XN; i++) {
            xblocks[i] = shim_malloc(24);
            fill(xblocks[i], 24, (unsigned)i);
        }
        for (int i = 0; i < XN; i++)
            shim_free(xblocks[i]);
    }
}

/* A producer allocates while a consumer frees its blocks concurrently:
 * the consumer's frees race with the producer draining them. */
enum { RING = 1024, PRODUCED = 300000 };
static void *ring[RING];
static unsigned ring_head, ring_tail; /* (a) */

static void *consume(void *arg)
{
    (void)arg;
    for (unsigned got = 0; got < PRODUCED;) {
        unsigned tail = __atomic_load_n(&ring_tail, __ATOMIC_ACQUIRE);
        if (ring_head == tail) {
            sched_yield();
            continue;
        }
        unsigned char *p = ring[ring_head % RING];
        if (p[0] != (unsigned char)got)
            fail_msg("block %u corrupted", got);
        shim_free(p);
        __atomic_store_n(&ring_head, ring_head + 1, __ATOMIC_RELEASE);
        got++;
    }
    return NULL;
}

static void test_concurrent_producer_consumer(void **state)
{
    (void)state;
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, consume, NULL), 0);
    for (unsigned i = 0; i < PRODUCED; i++) {
        unsigned char *p = shim_malloc(16 + i % 2000);
        p[0] = (unsigned char)i;
        void *own = shim_malloc(i % 300); /* the producer's own churn */
        shim_free(own);
        while (ring_tail - __atomic_load_n(&ring_head, __ATOMIC_ACQUIRE) ==
               RING)
            sched_yield();
        ring[ring_tail % RING] = p;
        __atomic_store_n(&ring_tail, ring_tail + 1, __ATOMIC_RELEASE);
    }
    assert_int_equal(pthread_join(t, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_size_classes),
        cmocka_unit_test(test_random_sequences),
        cmocka_unit_test(test_random_sequences_releasing),
        cmocka_unit_test(test_overflow_sets_enomem),
        cmocka_unit_test(test_errno_preserved),
        cmocka_unit_test(test_alignment_all),
        cmocka_unit_test(test_calloc_zero_after_reuse),
        cmocka_unit_test(test_realloc_in_place),
        cmocka_unit_test(test_memory_released),
        cmocka_unit_test(test_trim_when_refused),
        cmocka_unit_test(test_misuse_aborts),
        cmocka_unit_test(test_cross_thread_free),
        cmocka_unit_test(test_concurrent_producer_consumer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

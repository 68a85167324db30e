/*
 * apps/malloctest - the libc-shim allocator tested as an application, so
 * that the same static binary checks it natively on Linux and in the
 * guest: random sequences against a model (contents, sizes, alignment),
 * overflow and errno, calloc zeroing, realloc in place, misuse aborting
 * (in a child, where fork works), and that malloc's memory really comes
 * from mspace_map (the binding's counters, and the VMAs of
 * /proc/self/maps growing).  One `ok - name` / `not ok - name` line per
 * test, then `malloctest: N passed, M failed`.
 */
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libc-shim/mspace.h"

static int passed, failed;

static void report(int ok, const char *name)
{
    if (ok)
        passed++;
    else
        failed++;
    printf("%s - malloctest: %s\n", ok ? "ok" : "not ok", name);
    fflush(stdout);
}

static uint64_t rng_state = 0x2545f4914f6cdd1dull;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static size_t random_size(void)
{
    uint64_t r = rng() % 1000;
    if (r < 700)
        return rng() % 257;
    if (r < 960)
        return rng() % 16384;
    if (r < 997)
        return rng() % (512u << 10);
    return (512u << 10) + rng() % (3u << 20);
}

static unsigned char pattern(unsigned slot, size_t i)
{
    return (unsigned char)(slot * 131 + i * 7 + 3);
}

static void fill(unsigned char *p, size_t n, unsigned slot)
{
    for (size_t i = 0; i < n; i++)
        p[i] = pattern(slot, i);
}

static int intact(const unsigned char *p, size_t n, unsigned slot)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != pattern(slot, i))
            return 0;
    return 1;
}

#define SLOTS 1000

static struct {
    unsigned char *p;
    size_t n;
} live[SLOTS];

/* One random allocation into slot s; 0 when a check fails. */
static int model_alloc(unsigned s)
{
    size_t n = random_size(), align = 16;
    unsigned char *p;
    switch (rng() % 5) {
    case 0:
        p = calloc(n, 1);
        for (size_t i = 0; p && i < n; i++)
            if (p[i])
                return 0;
        break;
    case 1:
        align = (size_t)1 << (4 + rng() % 14);
        p = aligned_alloc(align, n);
        break;
    default:
        p = malloc(n);
    }
    if (!p || ((uintptr_t)p & (align - 1)) || malloc_usable_size(p) < n)
        return 0;
    fill(p, n, s);
    live[s].p = p;
    live[s].n = n;
    return 1;
}

static int model_step(void)
{
    unsigned s = (unsigned)(rng() % SLOTS);
    if (!live[s].p)
        return model_alloc(s);
    if (!intact(live[s].p, live[s].n, s))
        return 0;
    if (rng() % 3 == 0) {
        size_t n = rng() % 2 ? random_size() : live[s].n + rng() % 300;
        unsigned char *q = realloc(live[s].p, n);
        if (!q || !intact(q, live[s].n < n ? live[s].n : n, s))
            return 0;
        fill(q, n, s);
        live[s].p = q;
        live[s].n = n;
        return 1;
    }
    free(live[s].p);
    live[s].p = NULL;
    return 1;
}

static void test_random_model(void)
{
    int ok = 1;
    for (int op = 0; ok && op < 200000; op++)
        ok = model_step();
    for (unsigned s = 0; s < SLOTS; s++) {
        if (live[s].p) {
            ok = ok && intact(live[s].p, live[s].n, s);
            free(live[s].p);
            live[s].p = NULL;
        }
    }
    report(ok, "200000 random malloc/calloc/aligned_alloc/realloc/free "
               "against a model");
}

/* Opaque to the compiler, which would reject the overflows at build time. */
static volatile size_t size_max = SIZE_MAX;

static void test_overflow(void)
{
    errno = 0;
    int ok = !calloc(size_max / 4, 8) && errno == ENOMEM;
    errno = 0;
    ok = ok && !malloc(size_max - 4096) && errno == ENOMEM;
    char *volatile p = malloc(10);
    strcpy(p, "intact");
    errno = 0;
    ok = ok && !realloc(p, size_max / 2 + 7) && errno == ENOMEM;
    ok = ok && !strcmp(p, "intact");
    free(p);
    errno = 0;
    ok = ok && !aligned_alloc(4096, size_max - 100) && errno == ENOMEM;
    void *q;
    ok = ok && posix_memalign(&q, 24, 10) == EINVAL;
    report(ok, "overflowing sizes give NULL and ENOMEM, the block survives");
}

static void test_errno_kept(void)
{
    void *p[40];
    errno = 77;
    for (int i = 0; i < 40; i++)
        p[i] = malloc((size_t)1 << (i % 23));
    for (int i = 0; i < 40; i++)
        free(p[i]);
    report(errno == 77, "errno kept by successful calls");
}

static void test_alignment(void)
{
    int ok = 1;
    for (size_t a = 16; a <= (8u << 20); a <<= 1) {
        for (size_t n = 1; n < (2u << 20); n = n * 5 + 3) {
            void *p;
            ok = ok && posix_memalign(&p, a, n) == 0 &&
                 ((uintptr_t)p & (a - 1)) == 0;
            if (ok) {
                memset(p, 0x33, n);
                free(p);
            }
        }
    }
    void *v = valloc(100), *m = memalign(256, 100);
    ok = ok && v && m && !((uintptr_t)v & 4095) && !((uintptr_t)m & 255);
    free(v);
    free(m);
    report(ok, "posix_memalign/valloc/memalign alignment 16 B to 8 MiB");
}

static void test_calloc_reuse(void)
{
    int ok = 1;
    static const size_t sizes[] = {24, 700, 9000, 200000, 1500000};
    for (size_t k = 0; k < 5; k++) {
        void *p[16];
        for (int i = 0; i < 16; i++)
            memset(p[i] = malloc(sizes[k]), 0xee, sizes[k]);
        for (int i = 0; i < 16; i++)
            free(p[i]);
        for (int i = 0; i < 16; i++) {
            unsigned char *c = p[i] = calloc(1, sizes[k]);
            for (size_t j = 0; ok && j < sizes[k]; j++)
                ok = c[j] == 0;
        }
        for (int i = 0; i < 16; i++)
            free(p[i]);
    }
    report(ok, "calloc zeroes reused blocks");
}

static void test_realloc_in_place(void)
{
    char *p = malloc(100);
    uintptr_t at = (uintptr_t)p;
    p = realloc(p, 110);
    int ok = (uintptr_t)p == at;
    char *h = realloc(p, 600000);
    memset(h, 7, 600000);
    at = (uintptr_t)h;
    h = realloc(h, 1000000);
    ok = ok && (uintptr_t)h == at && h[599999] == 7;
    free(h);
    report(ok, "realloc grows in place within a block and a reservation");
}

/* Bytes mapped according to /proc/self/maps, or 0 if unreadable. */
static size_t mapped_bytes(void)
{
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f)
        return 0;
    size_t total = 0;
    unsigned long a, b;
    char line[256];
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "%lx-%lx", &a, &b) == 2)
            total += b - a;
    fclose(f);
    return total;
}

static void test_reaches_mspace(void)
{
    struct mspace_stats before, after;
    mspace_stats(&before);
    size_t vm_before = mapped_bytes();
    enum { N = 256 };
    static void *p[N];
    for (int i = 0; i < N; i++)
        memset(p[i] = malloc(65536), 1, 65536); /* 16 MiB */
    size_t vm_after = mapped_bytes();
    mspace_stats(&after);
    for (int i = 0; i < N; i++)
        free(p[i]);
    printf("# mspace: %s, %lu maps, %lu protects, %lu releases, "
           "%lu unmaps; mapped %zu -> %zu KiB\n",
           after.native ? "native kernel calls" : "mmap fallback (Linux)",
           after.maps, after.protects, after.releases, after.unmaps,
           vm_before >> 10, vm_after >> 10);
    report(after.maps > before.maps && after.protects > before.protects,
           "malloc reaches mspace_map");
    report(vm_after >= vm_before + (16u << 20),
           "the task's VMAs grow by what malloc took (/proc/self/maps)");
}

/* Runs fn in a child that must die of SIGABRT printing `message`. */
static void expect_abort(void (*fn)(void), const char *message,
                         const char *name)
{
    int fds[2];
    if (pipe(fds) != 0) {
        report(0, name);
        return;
    }
    pid_t pid = fork();
    if (pid < 0) {
        printf("ok - malloctest: %s # SKIP fork: %s\n", name, strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return;
    }
    if (pid == 0) {
        dup2(fds[1], 2);
        fn();
        _exit(0);
    }
    close(fds[1]);
    char buf[256];
    ssize_t n = read(fds[0], buf, sizeof(buf) - 1);
    buf[n > 0 ? n : 0] = 0;
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    report(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT &&
               strstr(buf, message),
           name);
}

static void double_free(void)
{
    void *volatile p = malloc(40); /* volatile: GCC may drop the pair */
    free(p);
    free(p);
}

static void invalid_free(void)
{
    static char not_heap[64];
    void *volatile p = not_heap + 16;
    free(p);
}

int main(void)
{
    test_reaches_mspace();
    test_random_model();
    test_overflow();
    test_errno_kept();
    test_alignment();
    test_calloc_reuse();
    test_realloc_in_place();
    expect_abort(double_free, "double free", "double free aborts");
    expect_abort(invalid_free, "invalid pointer",
                 "free of a pointer malloc never returned aborts");
    printf("malloctest: %d passed, %d failed\n", passed, failed);
    return failed != 0;
}

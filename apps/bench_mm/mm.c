/* Address-space measurements: first-touch faults, mmap+munmap, mprotect. */
#include "measure.h"

#include <errno.h>
#include <stdint.h>
#include <sys/mman.h>

#include "apps/include/bench.h"
#include "stats.h"

#define PAGE 4096u
#define WORDS (PAGE / sizeof(uint64_t))

static uint64_t *map_anon(size_t len)
{
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

/* A nonzero word that differs per round and per page. */
static uint64_t tag(int round, size_t page)
{
    return (((uint64_t)round << 32 | page) * 0x9E3779B97F4A7C15ull) | 1;
}

/* Checks that each page holds tag(round, i) in word 0 and zeros elsewhere
 * (fresh anonymous memory must be zeroed); returns the sum of the tags. */
static uint64_t verify_tagged(const uint64_t *p, size_t pages, int round,
                              int *failed)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < pages; i++) {
        const uint64_t *w = p + i * WORDS;
        uint64_t rest = 0;
        for (size_t j = 1; j < WORDS; j++)
            rest |= w[j];
        if (w[0] != tag(round, i) || rest != 0)
            *failed = 1;
        sum += w[0];
    }
    return sum;
}

void measure_fault_anon(int rounds, int pages)
{
    struct stats s;
    size_t len = (size_t)pages * PAGE;
    stats_init(&s, "fault_anon", rounds, pages);
    for (int r = 0; r < s.rounds; r++) {
        volatile uint64_t *p = map_anon(len);
        if (!p) {
            stats_print_na(s.name, "mmap", errno);
            return;
        }
        uint64_t t0 = bench_now_ns(), c0 = bench_rdtsc();
        for (int i = 0; i < pages; i++)
            p[i * WORDS] = tag(r, i);
        uint64_t c1 = bench_rdtsc(), t1 = bench_now_ns();
        stats_round(&s, r, t1 - t0, c1 - c0);
        s.sum += verify_tagged((const uint64_t *)p, pages, r, &s.failed);
        if (munmap((void *)p, len) != 0)
            s.failed = 1;
    }
    stats_print(&s);
}

/* Untimed check after the mmap+munmap loop: a fresh mapping of len bytes
 * reads zero (even though the last round's one was written) and keeps what
 * is written to it. */
static uint64_t verify_fresh_mapping(size_t len, int round, int *failed)
{
    size_t pages = len / PAGE;
    uint64_t *p = map_anon(len);
    if (!p) {
        *failed = 1;
        return 0;
    }
    for (size_t i = 0; i < pages; i++) {
        if (p[i * WORDS] != 0 || p[i * WORDS + WORDS - 1] != 0)
            *failed = 1;
        p[i * WORDS] = tag(round, i);
    }
    uint64_t sum = 0;
    for (size_t i = 0; i < pages; i++)
        sum += p[i * WORDS];
    if (munmap(p, len) != 0)
        *failed = 1;
    return sum;
}

void measure_mmap_munmap(const char *name, size_t len, int rounds, int ops)
{
    struct stats s;
    stats_init(&s, name, rounds, ops);
    for (int r = 0; r < s.rounds; r++) {
        int bad = 0;
        uint64_t t0 = bench_now_ns(), c0 = bench_rdtsc();
        for (int k = 0; k < ops; k++) {
            void *q = mmap(NULL, len, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            bad |= q == MAP_FAILED || ((uintptr_t)q & (PAGE - 1)) != 0;
            bad |= q != MAP_FAILED && munmap(q, len) != 0;
        }
        uint64_t c1 = bench_rdtsc(), t1 = bench_now_ns();
        stats_round(&s, r, t1 - t0, c1 - c0);
        s.failed |= bad;
        s.sum += verify_fresh_mapping(len, r, &s.failed);
    }
    stats_print(&s);
}

void measure_mprotect(int rounds, int ops)
{
    struct stats s;
    volatile uint64_t *p = map_anon(2 * PAGE);
    if (!p) {
        stats_print_na("mprotect", "mmap", errno);
        return;
    }
    p[0] = p[WORDS] = 1; /* populated: mprotect must rewrite a PTE */
    stats_init(&s, "mprotect", rounds, ops);
    for (int r = 0; r < s.rounds; r++) {
        int bad = 0;
        uint64_t t0 = bench_now_ns(), c0 = bench_rdtsc();
        for (int k = 0; k < ops / 2; k++) {
            bad |= mprotect((void *)p, PAGE, PROT_READ) != 0;
            bad |= mprotect((void *)p, PAGE, PROT_READ | PROT_WRITE) != 0;
        }
        uint64_t c1 = bench_rdtsc(), t1 = bench_now_ns();
        stats_round(&s, r, t1 - t0, c1 - c0);
        p[0] = tag(r, 0); /* writable again, same page, neighbour intact */
        s.failed |= bad || p[0] != tag(r, 0) || p[WORDS] != 1;
        s.sum += p[0];
    }
    munmap((void *)p, 2 * PAGE);
    stats_print(&s);
}

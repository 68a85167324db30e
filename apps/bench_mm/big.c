/* The big-memory measurements of bench_mm (issue 21): the first touch of
 * 1 GiB of anonymous memory, with the faults it took (/proc/self/stat's
 * minflt, field 10), the same for a 1 GiB memfd mapped shared (the mmap
 * timed too: this kernel fills a shared mapping's page cache at mmap,
 * Linux at each fault; Linux's memfd default is huge=never, ours
 * within_size: 2 MiB blocks), a fork of a task whose 1 GiB is populated, and how
 * much free memory is still in whole 2 MiB blocks (/proc/buddyinfo) after
 * a workload that mixes user and kernel allocations.  Both kernels back
 * big memory with 2 MiB pages where they can (Linux: THP). */
#include <errno.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include "apps/include/bench.h"
#include "apps/include/smaps.h"
#include "measure.h"
#include "stats.h"

#define PAGE 4096u
#define WORDS (PAGE / sizeof(uint64_t))
#define GiB ((size_t)1 << 30)
#define BIG_PAGES (GiB / PAGE)

/* Faults this process took so far (minflt), or -1. */
static long minflt(void)
{
    char buf[512];
    FILE *f = fopen("/proc/self/stat", "r");
    if (!f) { /* the Linux guest's /init: nothing mounted yet */
        mkdir("/proc", 0555);
        mount("proc", "/proc", "proc", 0, NULL);
        f = fopen("/proc/self/stat", "r");
    }
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    long v = -1;
    /* after the name: state ppid pgrp session tty tpgid flags minflt */
    if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %ld", &v) != 1)
        return -1;
    return v;
}

static uint64_t *map_big(void)
{
    void *p = mmap(NULL, GiB, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

static uint64_t big_tag(int round, size_t page)
{
    return ((uint64_t)round << 40 | page) * 0x9E3779B97F4A7C15ull | 1;
}

/* Untimed: word 0 of each page holds its tag, the last word is zero. */
static uint64_t verify_big(const uint64_t *p, int round, int *failed)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < BIG_PAGES; i++) {
        if (p[i * WORDS] != big_tag(round, i) || p[i * WORDS + WORDS - 1])
            *failed = 1;
        sum += p[i * WORDS] & 0xffff;
    }
    return sum;
}

void measure_touch_1g(int rounds)
{
    struct stats s, f;
    stats_init(&s, "touch_1g", rounds, 1);
    stats_init(&f, "touch_1g_faults", rounds, 1);
    for (int r = 0; r < s.rounds; r++) {
        uint64_t *p = map_big();
        if (!p) {
            stats_print_na(s.name, "mmap", errno);
            stats_print_na(f.name, "mmap", errno);
            return;
        }
        long f0 = minflt();
        uint64_t t0 = bench_now_ns(), c0 = bench_rdtsc();
        for (size_t i = 0; i < BIG_PAGES; i++)
            p[i * WORDS] = big_tag(r, i);
        uint64_t c1 = bench_rdtsc(), t1 = bench_now_ns();
        long f1 = minflt();
        stats_round(&s, r, t1 - t0, c1 - c0);
        stats_round(&f, r, (uint64_t)(f1 - f0), 0);
        f.failed |= f0 < 0 || f1 < f0;
        s.sum += verify_big(p, r, &s.failed);
        if (munmap(p, GiB) != 0)
            s.failed = 1;
    }
    f.sum = 1; /* the count itself is the figure */
    stats_print(&s);
    stats_print(&f);
}

void measure_touch_memfd_1g(int rounds)
{
    struct stats s, f;
    stats_init(&s, "touch_memfd_1g", rounds, 1);
    stats_init(&f, "touch_memfd_1g_faults", rounds, 1);
    for (int r = 0; r < s.rounds; r++) {
        int fd = (int)syscall(SYS_memfd_create, "bench_mm", 0);
        if (fd < 0 || ftruncate(fd, (off_t)GiB) != 0) {
            int e = errno;
            stats_print_na(s.name, fd < 0 ? "memfd_create" : "ftruncate", e);
            stats_print_na(f.name, fd < 0 ? "memfd_create" : "ftruncate", e);
            if (fd >= 0)
                close(fd);
            return;
        }
        long f0 = minflt();
        uint64_t t0 = bench_now_ns(), c0 = bench_rdtsc();
        void *m = mmap(NULL, GiB, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (m == MAP_FAILED) {
            stats_print_na(s.name, "mmap", errno);
            stats_print_na(f.name, "mmap", errno);
            close(fd);
            return;
        }
        uint64_t *p = m;
        for (size_t i = 0; i < BIG_PAGES; i++)
            p[i * WORDS] = big_tag(r, i);
        uint64_t c1 = bench_rdtsc(), t1 = bench_now_ns();
        long f1 = minflt();
        stats_round(&s, r, t1 - t0, c1 - c0);
        stats_round(&f, r, (uint64_t)(f1 - f0), 0);
        f.failed |= f0 < 0 || f1 < f0;
        s.sum += verify_big(p, r, &s.failed);
        if (munmap(p, GiB) != 0 || close(fd) != 0)
            s.failed = 1;
    }
    f.sum = 1; /* the count itself is the figure */
    stats_print(&s);
    stats_print(&f);
}

void measure_fork_1g(int rounds)
{
    struct stats s;
    stats_init(&s, "fork_1g", rounds, 1);
    uint64_t *p = map_big();
    if (!p) {
        stats_print_na(s.name, "mmap", errno);
        return;
    }
    for (size_t i = 0; i < BIG_PAGES; i++)
        p[i * WORDS] = big_tag(0, i);
    for (int r = 0; r < s.rounds; r++) {
        uint64_t t0 = bench_now_ns(), c0 = bench_rdtsc();
        pid_t pid = fork();
        if (pid == 0) /* the child reads one word of the last page */
            _exit(p[(BIG_PAGES - 1) * WORDS] == big_tag(0, BIG_PAGES - 1)
                      ? 0
                      : 1);
        int status = -1;
        if (pid < 0 || waitpid(pid, &status, 0) != pid)
            s.failed = 1;
        uint64_t c1 = bench_rdtsc(), t1 = bench_now_ns();
        stats_round(&s, r, t1 - t0, c1 - c0);
        s.failed |= !WIFEXITED(status) || WEXITSTATUS(status) != 0;
        s.sum += 1;
    }
    s.sum += verify_big(p, 0, &s.failed);
    munmap(p, GiB);
    stats_print(&s);
}

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25 /* Linux 6.1 */
#endif

void measure_collapse_1g(int rounds)
{
    struct stats s, h;
    stats_init(&s, "collapse_1g", rounds, 1);
    stats_init(&h, "collapse_1g_huge", rounds, 1);
    minflt(); /* mounts /proc in the Linux guest */
    for (int r = 0; r < s.rounds; r++) {
        uint64_t *p = map_big();
        if (!p || madvise(p, GiB, MADV_NOHUGEPAGE) != 0) {
            stats_print_na(s.name, p ? "MADV_NOHUGEPAGE" : "mmap", errno);
            stats_print_na(h.name, p ? "MADV_NOHUGEPAGE" : "mmap", errno);
            if (p)
                munmap(p, GiB);
            return;
        }
        for (size_t i = BIG_PAGES; i-- > 0;)
            p[i * WORDS] = big_tag(r, i);
        int rc = madvise(p, GiB, MADV_HUGEPAGE);
        uint64_t t0 = bench_now_ns(), c0 = bench_rdtsc();
        if (rc == 0)
            rc = madvise(p, GiB, MADV_COLLAPSE);
        uint64_t c1 = bench_rdtsc(), t1 = bench_now_ns();
        if (rc != 0) {
            stats_print_na(s.name, "MADV_COLLAPSE", errno);
            stats_print_na(h.name, "MADV_COLLAPSE", errno);
            munmap(p, GiB);
            return;
        }
        long kb = smaps_kb((uintptr_t)p, "AnonHugePages:");
        stats_round(&s, r, t1 - t0, c1 - c0);
        stats_round(&h, r, kb < 0 ? 0 : (uint64_t)kb / 2048, 0);
        h.failed |= kb < 0;
        s.sum += verify_big(p, r, &s.failed);
        if (munmap(p, GiB) != 0)
            s.failed = 1;
    }
    h.sum = 1; /* the count itself is the figure */
    stats_print(&s);
    stats_print(&h);
}

/* Free memory in blocks of order >= 9 (2 MiB) and in all, in pages, from
 * /proc/buddyinfo; false if unreadable. */
static bool buddy_free(uint64_t *big, uint64_t *all)
{
    FILE *f = fopen("/proc/buddyinfo", "r");
    if (!f)
        return false;
    char line[512];
    *big = *all = 0;
    while (fgets(line, sizeof(line), f)) {
        char *p = strstr(line, "zone");
        if (!p)
            continue;
        p += 4;
        while (*p == ' ')
            p++;
        while (*p && *p != ' ')
            p++; /* the zone's name */
        for (int o = 0;; o++) {
            char *end;
            unsigned long long n = strtoull(p, &end, 10);
            if (end == p)
                break;
            p = end;
            *all += n << o;
            if (o >= 9)
                *big += n << o;
        }
    }
    fclose(f);
    return *all > 0;
}

#define FRAG_REGIONS 4000
#define FRAG_REGION (64u << 10)
#define FRAG_PIPE_EVERY 10

void measure_fragmentation(int rounds)
{
    struct stats s;
    static void *region[FRAG_REGIONS];
    static int pipes[FRAG_REGIONS / FRAG_PIPE_EVERY][2];
    stats_init(&s, "frag_free_2m", rounds, 1);
    for (int r = 0; r < s.rounds; r++) {
        int np = 0;
        /* user pages and kernel objects (pipes holding a byte) interleaved */
        for (int i = 0; i < FRAG_REGIONS; i++) {
            region[i] = mmap(NULL, FRAG_REGION, PROT_READ | PROT_WRITE,
                             MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (region[i] == MAP_FAILED) {
                s.failed = 1;
                region[i] = NULL;
                continue;
            }
            for (size_t off = 0; off < FRAG_REGION; off += PAGE)
                ((volatile char *)region[i])[off] = 1;
            if (i % FRAG_PIPE_EVERY == 0 && pipe(pipes[np]) == 0 &&
                write(pipes[np][1], "x", 1) == 1)
                np++;
        }
        for (int i = 0; i < FRAG_REGIONS; i++)
            if (region[i])
                munmap(region[i], FRAG_REGION);
        uint64_t big, all;
        if (!buddy_free(&big, &all)) {
            stats_print_na(s.name, "/proc/buddyinfo", errno);
            return;
        }
        /* the figure: per cent of free memory in whole 2 MiB blocks */
        stats_round(&s, r, 100 * big / all, 0);
        for (int i = 0; i < np; i++) {
            close(pipes[i][0]);
            close(pipes[i][1]);
        }
        s.failed |= np != FRAG_REGIONS / FRAG_PIPE_EVERY;
    }
    s.sum = 1;
    stats_print(&s);
}

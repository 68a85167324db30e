/*
 * apps/include/bench.h - what the benchmark apps (apps/bench_*) share:
 * clocks, the BENCH output lines and the power-off that ends a guest run.
 * Header-only so that every bench app folder builds alone.
 */
#ifndef BENCH_H
#define BENCH_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/reboot.h>
#include <time.h>
#include <unistd.h>

/* Time-stamp counter; counts from the vCPU's reset in a QEMU guest. */
static inline uint64_t bench_rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

/* CLOCK_MONOTONIC in nanoseconds. */
static inline uint64_t bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* TSC ticks per microsecond, measured against CLOCK_MONOTONIC over 20 ms:
 * the same way on every kernel, no CPUID or kernel-specific source. */
static inline double bench_tsc_mhz(void)
{
    uint64_t t0 = bench_now_ns(), c0 = bench_rdtsc(), t1, c1;
    do {
        t1 = bench_now_ns();
        c1 = bench_rdtsc();
    } while (t1 - t0 < 20000000u);
    return (double)(c1 - c0) * 1000.0 / (double)(t1 - t0);
}

/* Ends the run: as the init process of a guest, powers the VM off (Linux
 * exits QEMU through ACPI with -no-reboot); elsewhere, or if reboot is
 * refused, exits with status. */
static inline void bench_finish(int status)
{
    fflush(stdout);
    if (getpid() == 1)
        reboot(RB_POWER_OFF);
    exit(status);
}

#endif

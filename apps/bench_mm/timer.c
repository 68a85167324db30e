/* Timer measurement: the timer interrupts a busy task takes per second,
 * from the LOC line of /proc/interrupts (the local APIC timer on Linux,
 * the scheduler's timer here). */
#include "measure.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apps/include/bench.h"
#include "stats.h"

/* The LOC figures summed over the CPUs, -1 without the file or line. */
static long long loc_count(void)
{
    FILE *f = fopen("/proc/interrupts", "r");
    if (!f)
        return -1;
    char line[4096];
    long long sum = -1;
    while (fgets(line, sizeof(line), f)) {
        char *p = line + strspn(line, " ");
        if (strncmp(p, "LOC:", 4) != 0)
            continue;
        p += 4;
        sum = 0;
        for (;;) {
            char *end;
            long long v = strtoll(p, &end, 10);
            if (end == p)
                break;
            sum += v;
            p = end;
        }
    }
    fclose(f);
    return sum;
}

void measure_timer_irqs(int rounds, int ms)
{
    const char *name = "timer_irqs_busy";
    if (getpid() != 1) { /* natively the line counts every CPU of the host */
        stats_print_na(name, "host:every-cpu", 0);
        return;
    }
    mkdir("/proc", 0555); /* Linux's initramfs has no /proc mounted */
    mount("proc", "/proc", "proc", 0, NULL);
    if (loc_count() < 0) {
        stats_print_na(name, "no-/proc/interrupts", errno);
        return;
    }
    struct stats s;
    stats_init(&s, name, rounds, 1);
    for (int r = 0; r < s.rounds; r++) {
        long long n0 = loc_count();
        uint64_t t0 = bench_now_ns(), t1;
        volatile uint64_t spins = 0;
        do {
            for (int i = 0; i < 20000; i++)
                spins++;
            t1 = bench_now_ns();
        } while (t1 - t0 < (uint64_t)ms * 1000000u);
        long long n1 = loc_count();
        /* "ns" holds interrupts per second: the row's unit says so */
        s.ns[r] = (double)(n1 - n0) * 1e9 / (double)(t1 - t0);
        s.cycles[r] = 0;
        s.failed |= n1 < n0;
    }
    stats_print(&s);
}

/*
 * selftest_clock.c - `test=clock`: CLOCK_MONOTONIC (the TSC at the rate
 * clock_init chooses) against the reference timer (arch/clock.h; x86_64:
 * PIT channel 2) over 200 ms of it, polled often enough to count its wraps
 * (every 55 ms).  A host that deschedules the vCPU for longer than a wrap
 * makes the PIT look slow, so a round that disagrees is tried again; a
 * wrong calibration disagrees every time.
 */
#include <errno.h>
#include <stdint.h>

#include "arch/clock.h"
#include "klog.h"
#include "selftest.h"

#define SPAN_TICKS (CLOCK_REF_HZ / 5) /* 200 ms */
#define TOLERANCE_PPM 20000           /* 2 % */
#define ROUNDS 3

/* Parts per million by which the monotonic clock differs from the PIT
 * over SPAN_TICKS (positive: the monotonic clock runs fast). */
static int64_t clock_round(void)
{
    clock_ref_start();
    uint16_t last = clock_ref_read();
    uint64_t start = clock_monotonic_ns(), ticks = 0;
    while (ticks < SPAN_TICKS) {
        uint16_t now = clock_ref_read();
        ticks += (uint16_t)(last - now);
        last = now;
    }
    uint64_t mono = clock_monotonic_ns() - start;
    uint64_t pit = ticks * 1000000000ull / CLOCK_REF_HZ;
    int64_t ppm = ((int64_t)mono - (int64_t)pit) * 1000000 / (int64_t)pit;
    kprintf("selftest clock: %lu us of the PIT took %lu us of "
            "CLOCK_MONOTONIC (%ld ppm)\n", (unsigned long)(pit / 1000),
            (unsigned long)(mono / 1000), (long)ppm);
    return ppm;
}

int selftest_clock(void)
{
    clock_init(); /* self-tests run before the application's boot path */
    kprintf("selftest clock: TSC at %lu kHz\n",
            (unsigned long)(clock_tsc_hz() / 1000));
    for (int i = 0; i < ROUNDS; i++) {
        int64_t ppm = clock_round();
        if (ppm <= TOLERANCE_PPM && ppm >= -TOLERANCE_PPM)
            return 0;
    }
    return -EINVAL;
}

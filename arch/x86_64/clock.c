/*
 * clock.c - the TSC as the monotonic clock and the CMOS RTC as the wall
 * clock at boot (see unikernel/clock.h).
 */
#include <stdbool.h>

#include "arch/x86_64/x86.h"
#include "klog.h"
#include "unikernel/clock.h"

#define PIT_HZ 1193182u
#define PIT_CALIBRATE (PIT_HZ / 1000) /* 1 ms: boot time matters more */
#define CMOS_ADDR 0x70
#define CMOS_DATA 0x71

static uint64_t tsc_hz;
static uint64_t tsc_boot;
static uint64_t epoch_boot_ns;

/* TSC frequency from CPUID 0x15 (crystal ratio) or 0x16 (base MHz): 0
 * when the CPU does not say. */
static uint64_t tsc_hz_cpuid(void)
{
    uint32_t a, b, c, d, max;
    cpuid(0, &max, &b, &c, &d);
    if (max >= 0x15) {
        cpuid(0x15, &a, &b, &c, &d);
        if (a && b && c)
            return (uint64_t)c * b / a;
    }
    if (max >= 0x16) {
        cpuid(0x16, &a, &b, &c, &d);
        if (a & 0xffff)
            return (uint64_t)(a & 0xffff) * 1000000;
    }
    return 0;
}

/* TSC ticks during PIT_CALIBRATE ticks of PIT channel 2 (gate via port
 * 0x61, mode 0: OUT goes high at terminal count). */
static uint64_t tsc_hz_pit(void)
{
    outb(0x61,
         (uint8_t)((inb(0x61) & ~0x02) | 0x01)); /* gate on, speaker off */
    outb(0x43, 0xb0);                            /* ch 2, lo/hi, mode 0 */
    outb(0x42, PIT_CALIBRATE & 0xff);
    outb(0x42, PIT_CALIBRATE >> 8);
    uint64_t start = rdtsc();
    while (!(inb(0x61) & 0x20))
        ;
    uint64_t ticks = rdtsc() - start;
    return ticks * PIT_HZ / PIT_CALIBRATE;
}

static uint8_t cmos_read(uint8_t reg)
{
    outb(CMOS_ADDR, reg);
    return inb(CMOS_DATA);
}

static unsigned bcd(uint8_t v, bool binary)
{
    return binary ? v : (v >> 4) * 10 + (v & 15);
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

/* Seconds since the epoch from the CMOS RTC. */
static uint64_t cmos_epoch(void)
{
    while (cmos_read(0x0a) & 0x80) /* update in progress */
        ;
    uint8_t sec = cmos_read(0x00), min = cmos_read(0x02),
            hour = cmos_read(0x04);
    uint8_t day = cmos_read(0x07), mon = cmos_read(0x08),
            year = cmos_read(0x09);
    uint8_t status_b = cmos_read(0x0b);
    bool binary = status_b & 0x04, h24 = status_b & 0x02;
    bool pm = !h24 && (hour & 0x80);
    unsigned h = bcd(hour & 0x7f, binary) % (h24 ? 24 : 12) + (pm ? 12 : 0);
    int64_t days = days_from_civil(2000 + bcd(year, binary), bcd(mon, binary),
                                   bcd(day, binary));
    return (uint64_t)(days * 86400 + h * 3600 + bcd(min, binary) * 60 +
                      bcd(sec, binary));
}

void clock_init(void)
{
    tsc_hz = tsc_hz_cpuid();
    const char *how = "cpuid";
    if (!tsc_hz) {
        tsc_hz_pit(); /* a first run warms the caches (and a JIT's code) */
        tsc_hz = tsc_hz_pit();
        how = "pit";
    }
    if (!tsc_hz)
        tsc_hz = 1000000000; /* a broken PIT: keep time going at least */
    tsc_boot = rdtsc();
    epoch_boot_ns = cmos_epoch() * 1000000000ull;
    klog(KLOG_INFO, "clock: tsc %lu kHz (%s), epoch %lu s\n",
         (unsigned long)(tsc_hz / 1000), how,
         (unsigned long)(epoch_boot_ns / 1000000000ull));
}

uint64_t clock_tsc_hz(void)
{
    return tsc_hz;
}

uint64_t clock_monotonic_ns(void)
{
    uint64_t t = rdtsc() - tsc_boot; /* split: no 128-bit division */
    return t / tsc_hz * 1000000000u + t % tsc_hz * 1000000000u / tsc_hz;
}

uint64_t clock_realtime_ns(void)
{
    return epoch_boot_ns + clock_monotonic_ns();
}

void clock_delay_ns(uint64_t ns)
{
    uint64_t end = clock_monotonic_ns() + ns;
    while (clock_monotonic_ns() < end)
        __builtin_ia32_pause();
}

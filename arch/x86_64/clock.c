/*
 * clock.c - the TSC as the monotonic clock and the CMOS RTC as the wall
 * clock at boot (see arch/clock.h).
 */
#include <stdbool.h>

#include "arch/clock.h"
#include "arch/mmu.h"
#include "arch/x86_64/x86.h"
#include "klog.h"

#define PIT_HZ CLOCK_REF_HZ /* channel 2 is the reference timer */
#define PIT_WINDOW (PIT_HZ / 2000) /* 0.5 ms of PIT ticks per window */
#define PIT_WINDOWS 5              /* windows kept: enough for a median */
#define PIT_TRIES 10               /* windows at most: bounds the boot cost */
#define PIT_READS 3                /* per sample: the tightest one counts */
#define PIT_MAX_ERROR_PPM 5000     /* a window's bracket error: <= 0.5 % */
#define PIT_WIDTHS 300             /* a window: at least this many reads */
#define PIT_SPINS 1000000          /* reads per window before giving up */
#define CPUID_HV_BASE 0x40000000u
#define CPUID_HV_TIMING 0x40000010u /* EAX: TSC kHz (VMware's, QEMU/KVM's) */
#define CPUID_KVM_FEATURES 0x40000001u
#define KVM_FEATURE_CLOCKSOURCE2 (1u << 3)
#define MSR_KVM_SYSTEM_TIME_NEW 0x4b564d01u
#define CMOS_ADDR 0x70
#define CMOS_DATA 0x71

static uint64_t tsc_hz;
static uint64_t tsc_boot;
static uint64_t epoch_boot_ns;

/* KVM's per-vCPU time record (kvmclock): ns = TSC delta scaled by
 * tsc_to_system_mul / 2^32 after a shift by tsc_shift. */
struct pvclock_time {
    uint32_t version; /* odd while the host writes */
    uint32_t pad0;
    uint64_t tsc_timestamp, system_time;
    uint32_t tsc_to_system_mul;
    int8_t tsc_shift;
    uint8_t flags, pad[2];
} __attribute__((aligned(32)));

/* The TSC rate from KVM's paravirtual clock (the host fills the record
 * once enabled; it is disabled again: nothing else reads it); 0 when not
 * under KVM or without kvmclock. */
static uint64_t tsc_hz_kvmclock(void)
{
    static volatile struct pvclock_time pv;
    uint32_t a, b, c, d;
    cpuid(CPUID_HV_BASE, &a, &b, &c, &d);
    if (b != 0x4b4d564b || c != 0x564b4d56 || d != 0x4d) /* "KVMKVMKVM" */
        return 0;
    cpuid(CPUID_KVM_FEATURES, &a, &b, &c, &d);
    if (!(a & KVM_FEATURE_CLOCKSOURCE2))
        return 0;
    wrmsr(MSR_KVM_SYSTEM_TIME_NEW, mmu_paddr((const void *)&pv) | 1);
    uint32_t version, mul;
    int8_t shift;
    do {
        version = pv.version;
        __asm__ volatile("" ::: "memory");
        mul = pv.tsc_to_system_mul;
        shift = pv.tsc_shift;
        __asm__ volatile("" ::: "memory");
    } while ((version & 1) || version != pv.version);
    wrmsr(MSR_KVM_SYSTEM_TIME_NEW, 0);
    if (!mul)
        return 0;
    uint64_t hz = (1000000000ull << 32) / mul;
    return shift >= 0 ? hz >> shift : hz << -shift;
}

/* TSC frequency from the hypervisor's timing leaf, KVM's paravirtual
 * clock, CPUID 0x15 (crystal ratio) or 0x16 (base MHz); 0 when none says.
 * `*how` names the source. */
static uint64_t tsc_hz_cpuid(const char **how)
{
    uint32_t a, b, c, d, max;
    cpuid(1, &a, &b, &c, &d);
    if (c & (1u << 31)) { /* a hypervisor: its leaf beats the host's */
        cpuid(CPUID_HV_BASE, &max, &b, &c, &d);
        if (max >= CPUID_HV_TIMING && max < CPUID_HV_BASE + 0x10000) {
            cpuid(CPUID_HV_TIMING, &a, &b, &c, &d);
            *how = "cpuid 0x40000010";
            if (a)
                return (uint64_t)a * 1000;
        }
        uint64_t hz = tsc_hz_kvmclock();
        *how = "kvmclock";
        if (hz)
            return hz;
    }
    cpuid(0, &max, &b, &c, &d);
    if (max >= 0x15) {
        cpuid(0x15, &a, &b, &c, &d);
        *how = "cpuid 0x15";
        if (a && b && c)
            return (uint64_t)c * b / a;
    }
    if (max >= 0x16) {
        cpuid(0x16, &a, &b, &c, &d);
        *how = "cpuid 0x16";
        if (a & 0xffff)
            return (uint64_t)(a & 0xffff) * 1000000;
    }
    return 0;
}

/* One reading of PIT channel 2 with the TSC at its middle; `width` is
 * the TSC span of the reading (a vCPU preempted inside it: wide). */
struct pit_sample {
    uint64_t tsc, width;
    uint16_t count;
};

static void pit2_start(void)
{
    outb(0x61, (uint8_t)((inb(0x61) & ~0x02) | 0x01)); /* gate on, no sound */
    outb(0x43, 0xb4); /* channel 2, lo/hi, mode 2: wraps every 65536 */
    outb(0x42, 0);
    outb(0x42, 0);
}

/* The count is latched when the command is written: that is the moment a
 * reading stands for, and the only part worth bracketing. */
static void pit2_latch(void)
{
    outb(0x43, 0x80); /* latch channel 2 */
}

static uint16_t pit2_latched(void)
{
    uint8_t lo = inb(0x42);
    return (uint16_t)(lo | inb(0x42) << 8);
}

static uint16_t pit2_read(void)
{
    pit2_latch();
    return pit2_latched();
}

void clock_ref_start(void)
{
    pit2_start();
}

uint16_t clock_ref_read(void)
{
    return pit2_read();
}

/* The tightest of PIT_READS bracketed readings. */
static struct pit_sample pit_sample(void)
{
    struct pit_sample best = { .width = UINT64_MAX };
    for (int i = 0; i < PIT_READS; i++) {
        uint64_t t0 = rdtsc();
        pit2_latch();
        uint64_t t1 = rdtsc();
        uint16_t count = pit2_latched();
        if (t1 - t0 < best.width)
            best = (struct pit_sample){ t0 + (t1 - t0) / 2, t1 - t0, count };
    }
    return best;
}

static void sort_u64(uint64_t *v, int n)
{
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
            uint64_t t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
}

/* The TSC rate over PIT_WINDOWS windows of PIT_WINDOW ticks whose ends
 * are bracketed by rdtsc: a window's error is the width of its end
 * readings, whatever happens in between (the PIT keeps counting while the
 * vCPU is descheduled), so a window with wide ends is dropped, and one
 * lasts at least PIT_WIDTHS readings (a port I/O exit costs 3 us under
 * KVM).  The rate over the whole span is the most precise (one PIT tick
 * in 2.5 ms or more) and is taken when it lies among the kept windows'
 * rates (a lost PIT wrap or a wide end would put it far out); else their
 * median.  0 if no window qualifies or the PIT does not count.
 * `*spread_ppm`: (max - min) / median of the kept windows. */
static uint64_t tsc_hz_pit(int *windows, uint64_t *spread_ppm)
{
    pit2_start();
    uint64_t rate[PIT_TRIES], span_ticks = 0;
    int kept = 0;
    *windows = 0;
    struct pit_sample first = pit_sample(), prev = first;
    for (int t = 0; t < PIT_TRIES && kept < PIT_WINDOWS; t++) {
        int spins = 0;
        while ((uint16_t)(prev.count - pit2_read()) < PIT_WINDOW ||
               rdtsc() - prev.tsc < prev.width * PIT_WIDTHS)
            if (++spins == PIT_SPINS)
                return 0; /* no PIT: it never counted a window */
        struct pit_sample next = pit_sample();
        uint64_t ticks = (uint16_t)(prev.count - next.count);
        uint64_t tsc = next.tsc - prev.tsc;
        uint64_t error = (prev.width + next.width) / 2;
        if (ticks && error * 1000000 <= tsc * PIT_MAX_ERROR_PPM)
            rate[kept++] = tsc * PIT_HZ / ticks;
        klog(KLOG_DEBUG, "clock: PIT window %d: %lu ticks, %lu TSC, ends "
             "%lu+%lu\n", t, (unsigned long)ticks, (unsigned long)tsc,
             (unsigned long)prev.width, (unsigned long)next.width);
        span_ticks += ticks;
        prev = next;
    }
    *windows = kept;
    if (!kept)
        return 0;
    sort_u64(rate, kept);
    uint64_t median = rate[kept / 2];
    *spread_ppm = (rate[kept - 1] - rate[0]) * 1000000 / median;
    uint64_t span = span_ticks ? (prev.tsc - first.tsc) * PIT_HZ / span_ticks
                               : 0;
    return span >= rate[0] && span <= rate[kept - 1] ? span : median;
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
    const char *how = "none";
    tsc_hz = tsc_hz_cpuid(&how);
    if (tsc_hz) {
        klog(KLOG_INFO, "clock: TSC %lu.%03lu MHz (%s)\n",
             (unsigned long)(tsc_hz / 1000000),
             (unsigned long)(tsc_hz / 1000 % 1000), how);
    } else {
        int windows;
        uint64_t spread_ppm = 0;
        tsc_hz = tsc_hz_pit(&windows, &spread_ppm);
        klog(KLOG_INFO, "clock: TSC %lu.%03lu MHz (PIT, %d windows, spread "
             "%lu.%lu%%)\n", (unsigned long)(tsc_hz / 1000000),
             (unsigned long)(tsc_hz / 1000 % 1000), windows,
             (unsigned long)(spread_ppm / 10000),
             (unsigned long)(spread_ppm / 1000 % 10));
    }
    if (!tsc_hz) {
        klog(KLOG_WARN, "clock: no TSC rate: 1 GHz assumed\n");
        tsc_hz = 1000000000; /* keep time going at least */
    }
    tsc_boot = rdtsc();
    epoch_boot_ns = cmos_epoch() * 1000000000ull;
    klog(KLOG_INFO, "clock: epoch %lu s\n",
         (unsigned long)(epoch_boot_ns / 1000000000ull));
}

uint64_t clock_tsc_hz(void)
{
    return tsc_hz;
}

uint64_t clock_cycles_at(uint64_t ns)
{
    /* split as below: the products stay under 2^64 */
    return tsc_boot + ns / 1000000000u * tsc_hz +
           ns % 1000000000u * tsc_hz / 1000000000u;
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

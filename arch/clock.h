/*
 * arch/clock.h - time, from the port: a monotonic clock from the CPU's
 * cycle counter (x86_64: the TSC, its frequency from the hypervisor's
 * CPUID leaf 0x40000010, KVM's paravirtual clock or leaves 0x15/0x16, else
 * 5 bracketed windows of 0.5 ms of the PIT) and the wall clock read once
 * at boot (x86_64: the CMOS real-time clock).  For the clock system calls,
 * the scheduler's sleeps and the boot time report.
 */
#ifndef ARCH_CLOCK_H
#define ARCH_CLOCK_H

#include <stdint.h>

/* Calibrates the cycle counter and reads the wall clock.  Once, at boot. */
void clock_init(void);

/* Cycle counter (TSC) ticks per second (known once clock_init ran). */
uint64_t clock_tsc_hz(void);

/* The cycle counter's value at monotonic time `ns` (a timer's deadline). */
uint64_t clock_cycles_at(uint64_t ns);

/* Nanoseconds since clock_init (never goes back). */
uint64_t clock_monotonic_ns(void);

/* Nanoseconds since the Unix epoch (wall clock at boot + monotonic). */
uint64_t clock_realtime_ns(void);

/* Waits `ns` nanoseconds (busy: for the boot path, before any timer). */
void clock_delay_ns(uint64_t ns);

/* A reference timer independent of the cycle counter (x86_64: PIT channel
 * 2), for test=clock: once started, a 16-bit count going down at
 * CLOCK_REF_HZ and wrapping. */
#define CLOCK_REF_HZ 1193182u

/* Starts the reference timer (from 65536, wrapping). */
void clock_ref_start(void);

/* The reference timer's current count (clock_ref_start ran). */
uint16_t clock_ref_read(void);

#endif

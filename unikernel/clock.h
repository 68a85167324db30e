/* unikernel/clock.h - time for the clock system calls: a monotonic clock
 * from the TSC (frequency from the hypervisor's CPUID leaf 0x40000010,
 * KVM's paravirtual clock or leaves 0x15/0x16, else 5 bracketed windows of
 * 0.5 ms of the PIT) and the wall clock read once from the CMOS real-time
 * clock at boot. */
#ifndef UNIKERNEL_CLOCK_H
#define UNIKERNEL_CLOCK_H

#include <stdint.h>

/* Calibrates the TSC and reads the CMOS clock.  Once, at boot. */
void clock_init(void);

/* TSC ticks per second (known once clock_init ran). */
uint64_t clock_tsc_hz(void);

/* Nanoseconds since clock_init (never goes back). */
uint64_t clock_monotonic_ns(void);

/* Nanoseconds since the Unix epoch (CMOS time at boot + monotonic). */
uint64_t clock_realtime_ns(void);

/* Waits `ns` nanoseconds (busy: no timer interrupt exists yet). */
void clock_delay_ns(uint64_t ns);

/* Starts PIT channel 2 counting down from 65536 at PIT_HZ, wrapping:
 * the TSC-independent reference of the calibration and of test=clock. */
#define CLOCK_PIT_HZ 1193182u
void clock_pit_start(void);

/* PIT channel 2's current count (clock_pit_start ran). */
uint16_t clock_pit_read(void);

#endif

/* unikernel/clock.h - time for the clock system calls: a monotonic clock
 * from the TSC (frequency from CPUID leaves 0x15/0x16, else measured
 * against the PIT for a millisecond) and the wall clock read once
 * from the CMOS real-time clock at boot. */
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

#endif

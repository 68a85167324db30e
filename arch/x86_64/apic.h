/*
 * arch/x86_64/apic.h - the local APIC timer: the scheduler's tick.
 */
#ifndef ARCH_X86_64_APIC_H
#define ARCH_X86_64_APIC_H

#include <stdint.h>

/* Masks the legacy PICs (remapped out of the exception vectors), enables
 * the local APIC and starts its timer firing every `period_us`
 * microseconds (calibrated against the TSC clock, itself from CPUID or
 * the PIT: clock_init first).  The PICs are masked even when it fails.  Each tick calls sched_tick with interrupts
 * masked.  Returns the APIC ticks per period, 0 when the timer cannot be
 * started (no APIC, or out of kspace: the caller runs without preemption). */
uint32_t apic_timer_start(unsigned period_us);

/* Called by irq_timer_entry (switch.S) with the interrupted CS. */
void irq_timer(uint64_t cs);

#endif

/*
 * arch/x86_64/apic.h - the local APIC timer, the port's arch/timer.h:
 * timer_start masks the legacy PICs (remapped out of the exception
 * vectors, masked even when it fails), enables the local APIC and starts
 * its timer in periodic mode, calibrated against the TSC clock; it fails
 * without an APIC or out of kspace.
 */
#ifndef ARCH_X86_64_APIC_H
#define ARCH_X86_64_APIC_H

#include <stdbool.h>
#include <stdint.h>

/* Masks the legacy PICs, then maps and enables the local APIC (once;
 * timer_start and irq_msi_alloc call it): false without one. */
bool apic_enable(void);

/* Ends the interrupt being handled (the local APIC's EOI register). */
void apic_eoi(void);

/* This CPU's local APIC ID (apic_enable succeeded). */
unsigned apic_id(void);

/* Called by irq_timer_entry (switch.S) with the interrupted CS. */
void irq_timer(uint64_t cs);

#endif

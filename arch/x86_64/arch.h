/*
 * arch.h - what the x86_64 port offers the rest of the kernel at boot:
 * console, CPU tables, boot protocols, halting.
 */
#ifndef ARCH_X86_64_ARCH_H
#define ARCH_X86_64_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/console.h" /* serial_*, for the boot path */
#include "arch/x86_64/layout.h"

struct boot_info;

/* Loads the GDT (kernel/user segments, TSS with IST stacks) and the IDT
 * (all 32 exception vectors).  Called once, early, on the boot CPU. */
void cpu_init(void);

/* Points interrupt `vector` (32-255) at `handler` (an interrupt gate,
 * DPL 0: interrupts stay masked in the handler). */
void cpu_set_interrupt(int vector, uintptr_t handler);

/* Sets the stack the CPU switches to on an exception from ring 3
 * (TSS.RSP0). */
void cpu_set_kernel_stack(uintptr_t top);

/* True when CPUID says we run under a hypervisor. */
bool cpu_hypervisor(void);

/* CPUID's vendor (12 characters) and brand string (up to 48; "" if the
 * CPU has none), NUL-terminated; family, model and stepping. */
void cpu_describe(char vendor[13], char model[49], unsigned *family,
                  unsigned *modelno, unsigned *stepping);

/* Stops this CPU for good, interrupts masked. */
void cpu_halt(void) __attribute__((noreturn));

/* Fills `bi` from the PVH start info at physical `info`. Returns 0, or
 * -EINVAL when the magic is wrong. */
int pvh_parse(uintptr_t info, struct boot_info *bi);

#endif

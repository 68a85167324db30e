/*
 * arch.h - what the x86_64 port offers the rest of the kernel at boot:
 * console, CPU tables, boot protocols, halting.
 */
#ifndef ARCH_X86_64_ARCH_H
#define ARCH_X86_64_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/x86_64/layout.h"

struct boot_info;

/* Programs COM1 for 115200 8N1, polled.  Safe to call again. */
void serial_init(void);

/* Writes `n` bytes to COM1, turning "\n" into "\r\n". */
void serial_write(const char *s, size_t n);

/* Waits (bounded) until COM1 has sent its last bit: before the machine
 * stops, so that the last line is not cut off. */
void serial_drain(void);

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

/* Stops this CPU for good, interrupts masked. */
void cpu_halt(void) __attribute__((noreturn));

/* Fills `bi` from the PVH start info at physical `info`. Returns 0, or
 * -EINVAL when the magic is wrong. */
int pvh_parse(uintptr_t info, struct boot_info *bi);

#endif

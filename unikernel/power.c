/*
 * power.c - the end of a run (kernel_exit.h): the status to QEMU's
 * isa-debug-exit, else ACPI S5 power-off, else a halt that says so.
 */
#include <stdint.h>

#include "arch/x86_64/arch.h"
#include "arch/x86_64/power.h"
#include "arch/x86_64/x86.h"
#include "kernel_exit.h"
#include "klog.h"

void kernel_exit(int status)
{
    serial_drain(); /* QEMU exits at once: the UART would be cut short */
    if (cpu_hypervisor())
        outl(KEXIT_PORT, (uint32_t)status + 1); /* isa-debug-exit, if present */
    power_off();
    kprintf("kernel: cannot power off (no isa-debug-exit, no ACPI S5): "
            "halted with status %d\n", status);
    cpu_halt(); /* only the boot CPU runs: this halts every CPU */
}

/*
 * unikernel/power.h - the start and end of the machine's power: the ACPI
 * S5 recipe found at boot; kernel_exit() itself is declared in
 * arch/upcall.h (the port calls it too) and implemented in power.c.
 */
#ifndef UNIKERNEL_POWER_H
#define UNIKERNEL_POWER_H

struct boot_info;

/* Finds the ACPI S5 recipe (RSDP from the loader, else the BIOS areas)
 * and hands it to the port.  Must run while the boot tables map the low
 * 4 GiB (before paging_init): the BIOS areas are outside the final direct
 * map.  Logs what it found; without a recipe power-off needs
 * isa-debug-exit. */
void power_init(const struct boot_info *bi);

#endif

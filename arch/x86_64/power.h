/*
 * power.h - turning the machine off when QEMU's isa-debug-exit is absent
 * (a cloud VM, QEMU without the device): ACPI S5 through the FADT's PM1
 * control ports.
 */
#ifndef ARCH_X86_64_POWER_H
#define ARCH_X86_64_POWER_H

struct boot_info;

/* Finds the ACPI S5 recipe (RSDP from the loader, else the BIOS areas).
 * Must run while the boot tables map the low 4 GiB (before paging_init):
 * the BIOS areas are outside the final direct map.  Logs what it found;
 * without a recipe power_off() only returns. */
void power_init(const struct boot_info *bi);

/* Enters ACPI S5 (soft off).  Returns only when that did not stop the
 * machine (no recipe, or the write was ignored). */
void power_off(void);

#endif

/*
 * boottime.h - the kernel's own part of the boot, measured in TSC cycles
 * from the first instructions of boot.S (after the CPU check) to the
 * application's first instruction, and reported once.
 */
#ifndef KERNEL_BOOTTIME_H
#define KERNEL_BOOTTIME_H

#include <stdint.h>

/* The TSC when boot.S was entered (set by kernel_main). */
extern uint64_t boot_entry_tsc;

/* Logs "boot: kernel ready in N us (C cycles)" at info level.  Call it
 * once, right before the first entry to the application; needs clock_init
 * (the TSC frequency). */
void boot_time_report(void);

#endif

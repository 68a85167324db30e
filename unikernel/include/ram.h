/* ram.h - gives the machine's RAM to the frame allocator (mm/page.c). */
#ifndef KERNEL_RAM_H
#define KERNEL_RAM_H

#include <stdint.h>

#include "arch/boot_info.h"

/* Gives page_add_ram() every available region of `bi` that lies in
 * [lo, hi), minus the first 1 MiB, the reserved ranges (kernel image,
 * loader data) and the modules.  Pieces too small to hold their own
 * descriptors are skipped.  Returns the bytes given. */
uint64_t ram_add(const struct boot_info *bi, uint64_t lo, uint64_t hi);

/* Caps what later ram_add calls give, in total, at `bytes` (mem=). */
void ram_set_limit(uint64_t bytes);

/* Prints the frames of each zone (total and free) at loglevel debug, the
 * total managed at info. */
void ram_print_zones(void);

#endif

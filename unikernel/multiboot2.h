/* multiboot2.h - Multiboot2 boot information (the spec's tag layout). */
#ifndef UNIKERNEL_MULTIBOOT2_H
#define UNIKERNEL_MULTIBOOT2_H

#include <stdint.h>

#include "boot_info.h"

#define MB2_BOOT_MAGIC 0x36d76289 /* EAX at entry from a Multiboot2 loader */

/* Fills `bi` from the Multiboot2 information at `info` (a kernel address)
 * found at physical `info_phys`.  Returns 0, or -EINVAL when the tags
 * overrun the block (what was read before stays in `bi`). */
int mb2_parse(const void *info, uint64_t info_phys, struct boot_info *bi);

#endif

/* multiboot2.h - Multiboot2 boot information (the spec's tag layout). */
#ifndef UNIKERNEL_MULTIBOOT2_H
#define UNIKERNEL_MULTIBOOT2_H

#include <stdint.h>

#include "arch/boot_info.h"

#define MB2_BOOT_MAGIC 0x36d76289 /* EAX at entry from a Multiboot2 loader */

/* Fills `bi` from the Multiboot2 information at `info` (a kernel address)
 * found at physical `info_phys`; reads no byte past its total size.
 * Returns 0, or -EINVAL when the block is inconsistent: a tag overruns it,
 * no end tag, a string without its NUL, a module ending before its start,
 * a memory map whose entries do not fill its tag or a region that wraps
 * (what was read before stays in `bi`). */
int mb2_parse(const void *info, uint64_t info_phys, struct boot_info *bi);

#endif

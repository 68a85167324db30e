/*
 * arch/x86_64/layout.h - the x86_64 address map (safe to include from
 * assembly and the linker script).
 *
 *   0                   .. 0x003F_FFFF          never mapped after boot (NULL guard)
 *   0x0040_0000         .. 0xBFFF_FFFF          user window of the current task
 *   0xC000_0000         .. end of lower half    never mapped
 *   0xFFFF_8000_0000_0000 ..                    direct map of all RAM (RW, NX)
 *   KMAP_BASE .. KMAP_END                       kspace: kmap/kunmap, MMIO
 *   0xFFFF_FFFF_8000_0000 ..                    kernel image (physical 0 + offset)
 *
 * The image is loaded at physical KERNEL_LOAD; its boot section runs where
 * it is loaded, the rest is linked at KERNEL_VMA + physical address.
 */
#ifndef ARCH_X86_64_LAYOUT_H
#define ARCH_X86_64_LAYOUT_H

#define KERNEL_VMA       0xFFFFFFFF80000000
#define KERNEL_LOAD      0x100000
#define DIRECT_MAP_BASE  0xFFFF800000000000
#define DIRECT_MAP_SIZE  0x0000400000000000   /* 64 TiB */
#define KMAP_BASE        0xFFFFC00000000000
#define KMAP_END         0xFFFFC08000000000   /* 512 GiB: one PML4 slot */
#define USER_BASE        0x400000
#define USER_END         0xC0000000

#define BOOT_STACK_SIZE  16384
#define BOOT_DIRECT_MAP_END 0x100000000      /* boot.S direct-maps 4 GiB */
#define BOOT_MAGIC_PVH   0x336ec578           /* hvm_start_info magic */

#include "abi/kernel_exit.h"

#endif

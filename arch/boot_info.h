/*
 * arch/boot_info.h - what the boot loader told us, whatever the protocol
 * (Multiboot2 from GRUB, PVH from qemu -kernel): filled once at boot,
 * read-only afterwards.  Strings point into the loader's data, reached
 * through the direct map.
 */
#ifndef ARCH_BOOT_INFO_H
#define ARCH_BOOT_INFO_H

#include <stddef.h>
#include <stdint.h>

#define BOOT_MAX_REGIONS 128
#define BOOT_MAX_MODULES 16
#define BOOT_MAX_RESERVED 16

/* Memory region types (the Multiboot2 / E820 values). */
#define BOOT_MEM_AVAILABLE 1
#define BOOT_MEM_RESERVED  2
#define BOOT_MEM_ACPI      3
#define BOOT_MEM_NVS       4
#define BOOT_MEM_BAD       5

struct boot_region {
    uint64_t base;
    uint64_t length;
    uint32_t type;
};

struct boot_module {
    uint64_t start; /* physical, inclusive */
    uint64_t end;   /* physical, exclusive */
    const char *name;
};

struct boot_range {
    uint64_t start; /* physical, inclusive */
    uint64_t end;   /* physical, exclusive */
};

struct boot_info {
    const char *protocol;  /* "multiboot2" or "pvh" */
    const char *loader;    /* boot loader name, "" when not given */
    const char *cmdline;   /* kernel command line, "" when not given */
    size_t nregions;
    struct boot_region regions[BOOT_MAX_REGIONS];
    size_t nmodules;
    struct boot_module modules[BOOT_MAX_MODULES];
    size_t nreserved;      /* RAM in use that is not a module: the */
    struct boot_range reserved[BOOT_MAX_RESERVED]; /* loader's data, kernel */
    size_t dropped;        /* entries beyond the arrays */
    const void *acpi_rsdp; /* the loader's copy of the RSDP, or NULL */
    size_t acpi_rsdp_len;  /* bytes readable there */
};

/* Appends a region; counts it in `dropped` when the array is full.
 * Inline so that the parsers' host tests run this very code. */
static inline void boot_add_region(struct boot_info *bi, uint64_t base,
                                   uint64_t length, uint32_t type)
{
    if (bi->nregions == BOOT_MAX_REGIONS) {
        bi->dropped++;
        return;
    }
    bi->regions[bi->nregions++] = (struct boot_region){ base, length, type };
}

/* Marks [start, end) as in use (kept out of the frame allocator).
 * Panics when the table is full: losing one would corrupt memory. */
void boot_reserve(struct boot_info *bi, uint64_t start, uint64_t end);

/* Sum of the lengths of the available regions, in bytes. */
uint64_t boot_usable_bytes(const struct boot_info *bi);

/* Prints loader, command line, the usable total and modules at loglevel
 * info, the memory map itself at debug (serial output is boot time). */
void boot_info_print(const struct boot_info *bi);

/* The boot information of this boot (filled by kernel_main). */
extern struct boot_info boot_info;

#endif

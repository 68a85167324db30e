/*
 * tests/fuzz/fuzz_mb2.c - libFuzzer target for unikernel/multiboot2.c.
 *
 * The input is a Multiboot2 information block as a loader leaves it: its
 * first word is its total size, which the parser must trust, so the block
 * is copied into a buffer of exactly that size (the loader cannot give more
 * than the input holds: a larger total is cut to the input's size).  ASan
 * then catches any byte read past it.  An accepted block must be
 * consistent: its strings NUL-terminated inside it, modules that do not
 * end before they start, regions that do not wrap, the block reserved.
 * Seeds: tests/fuzz/corpus/fuzz_mb2/ (blocks as GRUB builds them, crafted
 * per the Multiboot2 specification: BIOS, UEFI, with modules).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "unikernel/multiboot2.h"

#define INFO_PHYS 0x10000 /* where the block pretends to be */

/* bootinfo.c's boot_reserve, with its contract (boot_add_region is
 * boot_info.h's own). */
void boot_reserve(struct boot_info *bi, uint64_t start, uint64_t end)
{
    if (bi->nreserved == BOOT_MAX_RESERVED)
        abort(); /* bootinfo.c panics */
    bi->reserved[bi->nreserved++] = (struct boot_range){start, end};
}

static void require(int cond)
{
    if (!cond)
        abort();
}

/* `s` is the default "" or a NUL-terminated string inside the block. */
static void check_string(const char *s, const char *dflt, const char *block,
                         uint32_t total)
{
    if (s == dflt)
        return;
    require(s >= block + 8 && s < block + total);
    require(strnlen(s, (size_t)(block + total - s)) <
            (size_t)(block + total - s));
}

static void check_info(const struct boot_info *bi, const char *dflt,
                       const char *block, uint32_t total)
{
    check_string(bi->cmdline, dflt, block, total);
    check_string(bi->loader, dflt, block, total);
    require(bi->nregions <= BOOT_MAX_REGIONS);
    for (size_t i = 0; i < bi->nregions; i++)
        require(bi->regions[i].base + bi->regions[i].length >=
                bi->regions[i].base);
    require(bi->nmodules <= BOOT_MAX_MODULES);
    for (size_t i = 0; i < bi->nmodules; i++) {
        require(bi->modules[i].start <= bi->modules[i].end);
        check_string(bi->modules[i].name, NULL, block, total);
    }
    require(bi->nreserved == 1 && bi->reserved[0].start == INFO_PHYS &&
            bi->reserved[0].end == INFO_PHYS + total);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint32_t total = 0;
    if (size < 8)
        return 0; /* the loader always gives the 8-byte header */
    memcpy(&total, data, 4);
    if (total > size)
        total = (uint32_t)size;
    size_t room = total < 8 ? 8 : total;
    uint64_t *block = malloc(room); /* 8-aligned, as the spec requires */
    if (!block)
        return 0;
    memcpy(block, data, room);
    memcpy(block, &total, 4);
    static const char dflt[] = "";
    struct boot_info *bi = calloc(1, sizeof(*bi));
    if (!bi)
        abort();
    bi->cmdline = bi->loader = dflt;
    int rc = mb2_parse(block, INFO_PHYS, bi);
    require(rc == 0 || rc == -EINVAL);
    if (rc == 0)
        check_info(bi, dflt, (const char *)block, total);
    free(bi);
    free(block);
    return 0;
}

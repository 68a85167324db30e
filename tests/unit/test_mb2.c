/* test_mb2.c - the Multiboot2 parser (unikernel/multiboot2.c) on the host:
 * blocks built tag by tag as the specification lays them out, what is
 * read from each tag, and every malformation refused (tests/fuzz/fuzz_mb2
 * explores the rest). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "unikernel/multiboot2.h"

#define INFO_PHYS 0x10000

/* bootinfo.c's boot_reserve, as the parser sees it (boot_add_region is
 * boot_info.h's own). */
void boot_reserve(struct boot_info *bi, uint64_t start, uint64_t end)
{
    assert_true(bi->nreserved < BOOT_MAX_RESERVED);
    bi->reserved[bi->nreserved++] = (struct boot_range){ start, end };
}

/* A block under construction: 8-byte header, tags 8-byte aligned. */
static _Alignas(8) uint8_t block[4096];
static uint32_t used;
static struct boot_info bi;

static void begin(void)
{
    memset(block, 0xAA, sizeof(block));
    used = 8;
    bi = (struct boot_info){ .loader = "", .cmdline = "" };
}

/* Appends a tag of `type` with `len` payload bytes; returns the payload. */
static uint8_t *tag(uint32_t type, uint32_t len, const void *payload)
{
    uint32_t size = 8 + len;
    memcpy(block + used, &type, 4);
    memcpy(block + used + 4, &size, 4);
    if (payload)
        memcpy(block + used + 8, payload, len);
    uint8_t *p = block + used + 8;
    used += (size + 7) & ~7u;
    return p;
}

static int finish(void)
{
    tag(0, 0, NULL);
    memcpy(block, &used, 4);
    memset(block + 4, 0, 4);
    return mb2_parse(block, INFO_PHYS, &bi);
}

static void string_tag(uint32_t type, const char *s)
{
    tag(type, (uint32_t)strlen(s) + 1, s);
}

static void mmap_tag(const uint64_t (*e)[3], int n)
{
    uint8_t payload[8 + 24 * 8];
    uint32_t entry_size = 24, version = 0;
    memcpy(payload, &entry_size, 4);
    memcpy(payload + 4, &version, 4);
    for (int i = 0; i < n; i++) {
        uint32_t type = (uint32_t)e[i][2], zero = 0;
        memcpy(payload + 8 + 24 * i, &e[i][0], 8);
        memcpy(payload + 16 + 24 * i, &e[i][1], 8);
        memcpy(payload + 24 + 24 * i, &type, 4);
        memcpy(payload + 28 + 24 * i, &zero, 4);
    }
    tag(6, 8 + 24 * (uint32_t)n, payload);
}

static void module_tag(uint32_t start, uint32_t end, const char *name)
{
    uint8_t payload[64];
    memcpy(payload, &start, 4);
    memcpy(payload + 4, &end, 4);
    strcpy((char *)payload + 8, name);
    tag(3, 8 + (uint32_t)strlen(name) + 1, payload);
}

static void test_full_block(void **state)
{
    (void)state;
    static const uint64_t map[][3] = { { 0, 0x9FC00, 1 },
                                       { 0x100000, 0x7EE0000, 1 },
                                       { 0xFFFC0000, 0x40000, 2 } };
    begin();
    string_tag(1, "loglevel=7 -- a b");
    string_tag(2, "GRUB 2.06");
    module_tag(0x200000, 0x201000, "initrd");
    tag(21, 4, "\x00\x00\x10\x00"); /* a tag the kernel does not use */
    mmap_tag(map, 3);
    assert_int_equal(finish(), 0);
    assert_string_equal(bi.protocol, "multiboot2");
    assert_string_equal(bi.cmdline, "loglevel=7 -- a b");
    assert_string_equal(bi.loader, "GRUB 2.06");
    assert_int_equal(bi.nmodules, 1);
    assert_int_equal(bi.modules[0].start, 0x200000);
    assert_int_equal(bi.modules[0].end, 0x201000);
    assert_string_equal(bi.modules[0].name, "initrd");
    assert_int_equal(bi.nregions, 3);
    assert_int_equal(bi.regions[1].base, 0x100000);
    assert_int_equal(bi.regions[1].length, 0x7EE0000);
    assert_int_equal(bi.regions[2].type, 2);
    assert_int_equal(bi.nreserved, 1);
    assert_int_equal(bi.reserved[0].start, INFO_PHYS);
    assert_int_equal(bi.reserved[0].end, INFO_PHYS + used);
    assert_null(bi.acpi_rsdp);
}

/* The RSDP copies: the newer one wins whatever the order. */
static void test_acpi_tags(void **state)
{
    (void)state;
    uint8_t v1[20] = "RSD PTR ", v2[36] = "RSD PTR ";
    v2[15] = 2;
    begin();
    uint8_t *old = tag(14, sizeof(v1), v1);
    uint8_t *new = tag(15, sizeof(v2), v2);
    assert_int_equal(finish(), 0);
    assert_ptr_equal(bi.acpi_rsdp, new);
    assert_int_equal(bi.acpi_rsdp_len, 36);
    begin();
    new = tag(15, sizeof(v2), v2);
    old = tag(14, sizeof(v1), v1);
    assert_int_equal(finish(), 0);
    assert_ptr_equal(bi.acpi_rsdp, new);
    begin();
    old = tag(14, sizeof(v1), v1);
    assert_int_equal(finish(), 0);
    assert_ptr_equal(bi.acpi_rsdp, old);
    assert_int_equal(bi.acpi_rsdp_len, 20);
}

static void test_malformed(void **state)
{
    (void)state;
    begin(); /* a string without its NUL */
    tag(1, 4, "abcd");
    assert_int_equal(finish(), -EINVAL);
    begin(); /* a module ending before it starts */
    module_tag(0x300000, 0x200000, "m");
    assert_int_equal(finish(), -EINVAL);
    begin(); /* a region that wraps */
    static const uint64_t wrap[][3] = { { 0xFFFFFFFFFFFFF000ULL, 0x2000, 1 } };
    mmap_tag(wrap, 1);
    assert_int_equal(finish(), -EINVAL);
    begin(); /* map entries smaller than the spec's 24 bytes */
    tag(6, 8 + 16, "\x10\x00\x00\x00\x00\x00\x00\x00"
                   "0123456789abcdef");
    assert_int_equal(finish(), -EINVAL);
    begin(); /* an end tag of the wrong size */
    tag(0, 8, "\0\0\0\0\0\0\0\0");
    memcpy(block, &used, 4);
    assert_int_equal(mb2_parse(block, INFO_PHYS, &bi), -EINVAL);
    begin(); /* no end tag at all */
    string_tag(1, "x");
    memcpy(block, &used, 4);
    assert_int_equal(mb2_parse(block, INFO_PHYS, &bi), -EINVAL);
    begin(); /* a tag running past the total size */
    string_tag(2, "a loader name");
    assert_int_equal(finish(), 0);
    uint32_t short_total = 8 + 12;
    memcpy(block, &short_total, 4);
    assert_int_equal(mb2_parse(block, INFO_PHYS, &bi), -EINVAL);
    begin(); /* a total below header + end tag */
    uint32_t tiny = 8;
    memcpy(block, &tiny, 4);
    assert_int_equal(mb2_parse(block, INFO_PHYS, &bi), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_block),
        cmocka_unit_test(test_acpi_tags),
        cmocka_unit_test(test_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_acpi.c - the ACPI power-off parser (unikernel/acpi.c) on the host:
 * synthetic tables in a fake physical memory, good and malformed, and the
 * \_S5 search in AML cut at every length (ASan catches any read past). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "unikernel/acpi.h"

#define MEM_SIZE 0x100000 /* fake physical memory: the first MiB */
#define RSDT_PA  0x1000
#define XSDT_PA  0x2000
#define FADT_PA  0x3000
#define DSDT_PA  0x4000
#define SSDT_PA  0x6000
#define RSDP_PA  0xE0040

static uint8_t *mem;

static const void *fake_map(uint64_t pa, uint64_t len)
{
    if (len > MEM_SIZE || pa > MEM_SIZE - len)
        return NULL;
    return mem + pa;
}

static void put32(uint64_t pa, uint32_t v) { memcpy(mem + pa, &v, 4); }
static void put64(uint64_t pa, uint64_t v) { memcpy(mem + pa, &v, 8); }

static void fix_checksum(uint8_t *p, size_t len, size_t at)
{
    uint8_t sum = 0;
    p[at] = 0;
    for (size_t i = 0; i < len; i++)
        sum += p[i];
    p[at] = (uint8_t)-sum;
}

/* A table header with `sig` and `len` at `pa`; checksum fixed by seal. */
static void table(uint64_t pa, const char *sig, uint32_t len)
{
    memcpy(mem + pa, sig, 4);
    put32(pa + 4, len);
    mem[pa + 8] = 2;
}

static void seal(uint64_t pa)
{
    uint32_t len;
    memcpy(&len, mem + pa + 4, 4);
    fix_checksum(mem + pa, len, 9);
}

/* DefName(\_S5_, Package(4){0x0A 5, One, Zero, Zero}) after some AML. */
static const uint8_t s5_aml[] = {
    0x10, 0x05, '_', 'S', 'B', '_', 0x00, /* noise: a Scope op */
    '_', 'S', '5', '_', 0x01,             /* a stray name, not a Name() */
    0x08, 0x5C, '_', 'S', '5', '_',       /* Name(\_S5_ */
    0x12, 0x08, 0x04,                     /* Package, PkgLength, 4 items */
    0x0A, 0x05, 0x01, 0x00, 0x00,
};

/* RSDP revision `rev` -> RSDT (and XSDT) -> SSDT, FADT -> DSDT. */
static void build(int rev)
{
    memset(mem, 0, MEM_SIZE);
    uint8_t *r = mem + RSDP_PA;
    memcpy(r, "RSD PTR ", 8);
    r[15] = (uint8_t)rev;
    put32(RSDP_PA + 16, RSDT_PA);
    fix_checksum(r, 20, 8);
    if (rev >= 2) {
        put32(RSDP_PA + 20, 36);
        put64(RSDP_PA + 24, XSDT_PA);
        fix_checksum(r, 36, 32);
    }
    table(RSDT_PA, "RSDT", 36 + 8);
    put32(RSDT_PA + 36, SSDT_PA);
    put32(RSDT_PA + 40, FADT_PA);
    seal(RSDT_PA);
    table(XSDT_PA, "XSDT", 36 + 16);
    put64(XSDT_PA + 36, SSDT_PA);
    put64(XSDT_PA + 44, FADT_PA);
    seal(XSDT_PA);
    table(SSDT_PA, "SSDT", 36);
    seal(SSDT_PA);
    table(FADT_PA, "FACP", 116);
    put32(FADT_PA + 40, DSDT_PA);
    put32(FADT_PA + 64, 0x604);
    seal(FADT_PA);
    table(DSDT_PA, "DSDT", 36 + sizeof(s5_aml));
    memcpy(mem + DSDT_PA + 36, s5_aml, sizeof(s5_aml));
    seal(DSDT_PA);
}

static int setup(void **state)
{
    (void)state;
    mem = calloc(1, MEM_SIZE);
    return mem ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    free(mem);
    return 0;
}

static void test_chain(void **state)
{
    (void)state;
    for (int rev = 0; rev <= 2; rev += 2) {
        build(rev);
        const void *rsdp = acpi_rsdp_scan(fake_map);
        assert_ptr_equal(rsdp, mem + RSDP_PA);
        struct acpi_s5 s5;
        assert_int_equal(acpi_s5_find(rsdp, fake_map, &s5), 0);
        assert_int_equal(s5.pm1a_cnt, 0x604);
        assert_int_equal(s5.pm1b_cnt, 0);
        assert_int_equal(s5.slp_typa, 5);
        assert_int_equal(s5.slp_typb, 1);
    }
}

static void test_rsdp(void **state)
{
    (void)state;
    build(2);
    assert_int_equal(acpi_rsdp_check(mem + RSDP_PA, 36), 0);
    assert_int_equal(acpi_rsdp_check(mem + RSDP_PA, 35), -EINVAL);
    mem[RSDP_PA + 33]++; /* extended checksum only */
    assert_int_equal(acpi_rsdp_check(mem + RSDP_PA, 36), -EINVAL);
    assert_null(acpi_rsdp_scan(fake_map));
    build(0);
    assert_int_equal(acpi_rsdp_check(mem + RSDP_PA, 20), 0);
    mem[RSDP_PA + 9]++;
    assert_int_equal(acpi_rsdp_check(mem + RSDP_PA, 20), -EINVAL);
    /* in the EBDA (segment at 0x40E) the scan finds it first */
    build(0);
    memcpy(mem + 0x9FC00, mem + RSDP_PA, 20);
    put32(0x40E, 0x9FC0);
    assert_ptr_equal(acpi_rsdp_scan(fake_map), mem + 0x9FC00);
}

static void test_malformed_tables(void **state)
{
    (void)state;
    struct acpi_s5 s5 = { .pm1a_cnt = 0x1234 };
    build(0);
    mem[FADT_PA + 20]++; /* FADT checksum */
    assert_int_equal(acpi_s5_find(mem + RSDP_PA, fake_map, &s5), -EINVAL);
    build(0);
    put32(DSDT_PA + 4, 20); /* DSDT shorter than its header */
    assert_int_equal(acpi_s5_find(mem + RSDP_PA, fake_map, &s5), -EINVAL);
    build(0);
    put32(DSDT_PA + 4, MEM_SIZE); /* DSDT past the end of memory */
    assert_int_equal(acpi_s5_find(mem + RSDP_PA, fake_map, &s5), -EINVAL);
    build(2);
    put64(XSDT_PA + 44, 0xFFFFFFFFFFFFFFF0ULL); /* FADT unreachable */
    seal(XSDT_PA);
    assert_int_equal(acpi_s5_find(mem + RSDP_PA, fake_map, &s5), -ENOENT);
    build(0);
    put32(FADT_PA + 64, 0); /* no PM1a port */
    seal(FADT_PA);
    assert_int_equal(acpi_s5_find(mem + RSDP_PA, fake_map, &s5), -ENOENT);
    build(0);
    memcpy(mem + DSDT_PA + 36 + 14, "_S6_", 4);
    seal(DSDT_PA);
    assert_int_equal(acpi_s5_find(mem + RSDP_PA, fake_map, &s5), -ENOENT);
    assert_int_equal(s5.pm1a_cnt, 0x1234); /* untouched on failure */
}

static void test_extended_fields(void **state)
{
    (void)state;
    build(2);
    table(FADT_PA, "FACP", 244);
    put32(FADT_PA + 64, 0);
    put64(FADT_PA + 140, DSDT_PA);          /* X_DSDT */
    mem[FADT_PA + 172] = 1;                 /* X_PM1a_CNT: system I/O */
    put64(FADT_PA + 176, 0xB004);
    put32(FADT_PA + 68, 0xB008);            /* PM1b_CNT */
    seal(FADT_PA);
    struct acpi_s5 s5;
    assert_int_equal(acpi_s5_find(mem + RSDP_PA, fake_map, &s5), 0);
    assert_int_equal(s5.pm1a_cnt, 0xB004);
    assert_int_equal(s5.pm1b_cnt, 0xB008);
    mem[FADT_PA + 172] = 0; /* memory space: not usable as a port */
    seal(FADT_PA);
    assert_int_equal(acpi_s5_find(mem + RSDP_PA, fake_map, &s5), -ENOENT);
}

static void test_aml_values(void **state)
{
    (void)state;
    uint8_t a = 9, b = 9;
    const uint8_t words[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x0A, 0x02,
                              0x0B, 0x07, 0x00, 0xFF };
    assert_int_equal(acpi_aml_s5(words, sizeof(words), &a, &b), 0);
    assert_int_equal(a, 7);
    assert_int_equal(b, 7); /* Ones: the low three bits */
    const uint8_t one_item[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x01,
                                 0x0A, 0x05 };
    assert_int_equal(acpi_aml_s5(one_item, sizeof(one_item), &a, &b), -ENOENT);
    const uint8_t not_int[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x05, 0x02,
                                0x0D, 'x', 0x00 };
    assert_int_equal(acpi_aml_s5(not_int, sizeof(not_int), &a, &b), -ENOENT);
    const uint8_t long_pkglen[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x40,
                                    0x00, 0x02, 0x00, 0x0A, 0x03 };
    assert_int_equal(acpi_aml_s5(long_pkglen, sizeof(long_pkglen), &a, &b), 0);
    assert_int_equal(a, 0);
    assert_int_equal(b, 3);
    assert_int_equal(acpi_aml_s5(NULL, 0, &a, &b), -ENOENT);
}

/* Every prefix of the AML: found only when complete, never a read past. */
static void test_aml_truncated(void **state)
{
    (void)state;
    for (size_t len = 0; len <= sizeof(s5_aml); len++) {
        uint8_t *copy = malloc(len ? len : 1);
        assert_non_null(copy);
        memcpy(copy, s5_aml, len);
        uint8_t a = 9, b = 9;
        int err = acpi_aml_s5(copy, len, &a, &b);
        if (len >= sizeof(s5_aml) - 2) { /* the last two Zeros are spare */
            assert_int_equal(err, 0);
            assert_int_equal(a, 5);
        } else {
            assert_int_equal(err, -ENOENT);
            assert_int_equal(a, 9);
        }
        free(copy);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chain),
        cmocka_unit_test(test_rsdp),
        cmocka_unit_test(test_malformed_tables),
        cmocka_unit_test(test_extended_fields),
        cmocka_unit_test(test_aml_values),
        cmocka_unit_test(test_aml_truncated),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

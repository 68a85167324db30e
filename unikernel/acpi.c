/* acpi.c - finds how to enter S5 (soft off) from the ACPI tables (see
 * acpi.h).  Multi-byte fields are read with memcpy: tables are packed. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "acpi.h"

#define RSDP_V1_LEN    20
#define RSDP_V2_LEN    36
#define SDT_HEADER_LEN 36

/* FADT fields (ACPI 6.x, table 5.9): byte offsets. */
#define FADT_DSDT        40
#define FADT_PM1A_CNT    64
#define FADT_PM1B_CNT    68
#define FADT_X_DSDT      140
#define FADT_X_PM1A_CNT  172 /* Generic Address Structures: 12 bytes */
#define FADT_X_PM1B_CNT  184
#define GAS_SYSTEM_IO    1

/* AML opcodes (ACPI 6.x, section 20). */
#define AML_ZERO    0x00
#define AML_ONE     0x01
#define AML_NAME    0x08
#define AML_BYTE    0x0A
#define AML_WORD    0x0B
#define AML_DWORD   0x0C
#define AML_QWORD   0x0E
#define AML_PACKAGE 0x12
#define AML_ROOT    0x5C
#define AML_ONES    0xFF

static uint32_t get32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

static uint64_t get64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

static bool checksum_ok(const uint8_t *p, size_t len)
{
    uint8_t sum = 0;
    for (size_t i = 0; i < len; i++)
        sum += p[i];
    return sum == 0;
}

int acpi_rsdp_check(const void *rsdp, size_t len)
{
    const uint8_t *p = rsdp;
    if (len < RSDP_V1_LEN || memcmp(p, "RSD PTR ", 8) ||
        !checksum_ok(p, RSDP_V1_LEN))
        return -EINVAL;
    if (p[15] < 2)
        return 0;
    uint32_t full = get32(p + 20);
    if (len < RSDP_V2_LEN || full < RSDP_V2_LEN || full > len ||
        !checksum_ok(p, full))
        return -EINVAL;
    return 0;
}

/* The first checked RSDP in [pa, pa + len), 16-byte aligned, or NULL. */
static const void *rsdp_scan_range(acpi_map_fn map, uint64_t pa, uint64_t len)
{
    const uint8_t *base = map(pa, len);
    if (!base)
        return NULL;
    for (uint64_t off = 0; off + RSDP_V2_LEN <= len; off += 16)
        if (acpi_rsdp_check(base + off, len - off) == 0)
            return base + off;
    return NULL;
}

const void *acpi_rsdp_scan(acpi_map_fn map)
{
    const uint8_t *bda = map(0x40E, 2); /* EBDA segment, in the BIOS data area */
    if (bda) {
        uint64_t ebda = (uint64_t)(bda[0] | bda[1] << 8) << 4;
        const void *r = ebda >= 0x80000 && ebda < 0xA0000
                            ? rsdp_scan_range(map, ebda, 1024)
                            : NULL;
        if (r)
            return r;
    }
    return rsdp_scan_range(map, 0xE0000, 0x20000);
}

/* Maps the table at `pa` whose signature must be `sig`; stores its checked
 * length.  NULL when unreachable, wrong or malformed (*err says which). */
static const uint8_t *table_map(acpi_map_fn map, uint64_t pa, const char *sig,
                                uint32_t *len, int *err)
{
    const uint8_t *h = pa ? map(pa, SDT_HEADER_LEN) : NULL;
    *err = -ENOENT;
    if (!h || memcmp(h, sig, 4))
        return NULL;
    *err = -EINVAL;
    *len = get32(h + 4);
    if (*len < SDT_HEADER_LEN)
        return NULL;
    const uint8_t *t = map(pa, *len);
    if (!t || !checksum_ok(t, *len))
        return NULL;
    *err = 0;
    return t;
}

/* The FADT ("FACP") from the XSDT (8-byte entries) or RSDT (4-byte). */
static const uint8_t *fadt_find(const uint8_t *rsdp, acpi_map_fn map,
                                uint32_t *len, int *err)
{
    bool x = rsdp[15] >= 2 && get64(rsdp + 24);
    uint64_t root_pa = x ? get64(rsdp + 24) : get32(rsdp + 16);
    uint32_t root_len;
    const uint8_t *root = table_map(map, root_pa, x ? "XSDT" : "RSDT",
                                    &root_len, err);
    if (!root)
        return NULL;
    unsigned step = x ? 8 : 4;
    for (uint32_t off = SDT_HEADER_LEN; off + step <= root_len; off += step) {
        uint64_t pa = x ? get64(root + off) : get32(root + off);
        const uint8_t *t = table_map(map, pa, "FACP", len, err);
        if (t || *err != -ENOENT)
            return t;
    }
    *err = -ENOENT;
    return NULL;
}

/* A PM1 control port: the 32-bit field, else the extended one when it
 * names system I/O space.  0 when neither is there. */
static uint16_t pm1_port(const uint8_t *fadt, uint32_t len, unsigned off,
                         unsigned xoff)
{
    uint64_t port = off + 4 <= len ? get32(fadt + off) : 0;
    if (!port && xoff + 12 <= len && fadt[xoff] == GAS_SYSTEM_IO)
        port = get64(fadt + xoff + 4);
    return port <= 0xFFFF ? (uint16_t)port : 0;
}

int acpi_s5_find(const void *rsdp, acpi_map_fn map, struct acpi_s5 *s5)
{
    uint32_t fadt_len, dsdt_len;
    int err;
    const uint8_t *fadt = fadt_find(rsdp, map, &fadt_len, &err);
    if (!fadt)
        return err;
    uint64_t dsdt_pa = FADT_X_DSDT + 8 <= fadt_len ? get64(fadt + FADT_X_DSDT)
                                                   : 0;
    if (!dsdt_pa && FADT_DSDT + 4 <= fadt_len)
        dsdt_pa = get32(fadt + FADT_DSDT);
    const uint8_t *dsdt = table_map(map, dsdt_pa, "DSDT", &dsdt_len, &err);
    if (!dsdt)
        return err;
    struct acpi_s5 found = {
        .pm1a_cnt = pm1_port(fadt, fadt_len, FADT_PM1A_CNT, FADT_X_PM1A_CNT),
        .pm1b_cnt = pm1_port(fadt, fadt_len, FADT_PM1B_CNT, FADT_X_PM1B_CNT),
    };
    if (!found.pm1a_cnt)
        return -ENOENT;
    err = acpi_aml_s5(dsdt + SDT_HEADER_LEN, dsdt_len - SDT_HEADER_LEN,
                      &found.slp_typa, &found.slp_typb);
    if (err)
        return err;
    *s5 = found;
    return 0;
}

/* Reads an integer constant at aml[*at] into *v (low 3 bits: SLP_TYP
 * values), advancing *at; false when there is none within `len`. */
static bool aml_integer(const uint8_t *aml, size_t len, size_t *at, uint8_t *v)
{
    if (*at >= len)
        return false;
    uint8_t op = aml[(*at)++];
    size_t size = op == AML_BYTE    ? 1
                  : op == AML_WORD  ? 2
                  : op == AML_DWORD ? 4
                  : op == AML_QWORD ? 8
                                    : 0;
    if (size == 0) {
        if (op != AML_ZERO && op != AML_ONE && op != AML_ONES)
            return false;
        *v = op & 7;
        return true;
    }
    if (size > len - *at)
        return false;
    *v = aml[*at] & 7; /* little endian: the low bits come first */
    *at += size;
    return true;
}

/* The package of a Name(_S5_, Package(){...}) whose name ends at `i`. */
static int aml_s5_package(const uint8_t *aml, size_t len, size_t i,
                          uint8_t *typa, uint8_t *typb)
{
    if (i >= len || aml[i++] != AML_PACKAGE || i >= len)
        return -ENOENT;
    size_t follow = aml[i] >> 6; /* PkgLength: bytes after the lead byte */
    if (follow + 2 > len - i)    /* lead, follow bytes, NumElements */
        return -ENOENT;
    i += 1 + follow;
    if (aml[i++] < 2)
        return -ENOENT;
    uint8_t a, b;
    if (!aml_integer(aml, len, &i, &a) || !aml_integer(aml, len, &i, &b))
        return -ENOENT;
    *typa = a;
    *typb = b;
    return 0;
}

int acpi_aml_s5(const uint8_t *aml, size_t len, uint8_t *typa, uint8_t *typb)
{
    for (size_t i = 1; len >= 4 && i <= len - 4; i++) {
        if (memcmp(aml + i, "_S5_", 4))
            continue;
        bool named = aml[i - 1] == AML_NAME ||
                     (i >= 2 && aml[i - 1] == AML_ROOT &&
                      aml[i - 2] == AML_NAME);
        if (named && aml_s5_package(aml, len, i + 4, typa, typb) == 0)
            return 0;
    }
    return -ENOENT;
}

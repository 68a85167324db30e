/*
 * acpi.h - just enough ACPI to power the machine off: the RSDP, the FADT's
 * PM1 control ports and the \_S5 sleep types from the DSDT.  Portable (the
 * caller supplies the access to physical memory), so the host tests and
 * fuzzes the parser with synthetic tables.
 */
#ifndef KERNEL_ACPI_H
#define KERNEL_ACPI_H

#include <stddef.h>
#include <stdint.h>

/* What an S5 (soft off) transition writes: SLP_TYPx | SLP_EN to PM1x_CNT. */
struct acpi_s5 {
    uint16_t pm1a_cnt; /* I/O port of PM1a_CNT (never 0 once found) */
    uint16_t pm1b_cnt; /* I/O port of PM1b_CNT, 0 when absent */
    uint8_t slp_typa;  /* SLP_TYP for PM1a (3 bits) */
    uint8_t slp_typb;  /* SLP_TYP for PM1b (3 bits) */
};

/* Physical memory access: a readable pointer to [pa, pa + len), or NULL
 * when that range cannot be reached. */
typedef const void *(*acpi_map_fn)(uint64_t pa, uint64_t len);

/* Looks for the RSDP where BIOS firmware leaves it: the first KiB of the
 * EBDA, then 0xE0000-0xFFFFF, on 16-byte boundaries.  Returns a pointer to
 * an RSDP whose checksum holds, or NULL. */
const void *acpi_rsdp_scan(acpi_map_fn map);

/* Checks the RSDP at `rsdp` (`len` bytes readable: 20 for revision 0, 36
 * beyond); returns 0 or -EINVAL (signature, checksum or length wrong). */
int acpi_rsdp_check(const void *rsdp, size_t len);

/* Fills `s5` from the tables the checked RSDP `rsdp` leads to (XSDT when
 * present, else RSDT -> FADT -> DSDT).  Every table is read only within
 * its checked length.  Returns 0, -ENOENT when a table or \_S5 is
 * missing, -EINVAL when one is malformed (bad checksum or length). */
int acpi_s5_find(const void *rsdp, acpi_map_fn map, struct acpi_s5 *s5);

/* Finds the \_S5_ package in the AML byte code `aml` (`len` bytes) and
 * returns its first two elements in *typa and *typb.  Reads nothing past
 * `len`.  Returns 0 or -ENOENT. */
int acpi_aml_s5(const uint8_t *aml, size_t len, uint8_t *typa, uint8_t *typb);

#endif

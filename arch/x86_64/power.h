/*
 * power.h - turning the machine off when QEMU's isa-debug-exit is absent
 * (a cloud VM, QEMU without the device): ACPI S5 through the FADT's PM1
 * control ports.
 */
#ifndef ARCH_X86_64_POWER_H
#define ARCH_X86_64_POWER_H

#include <stdint.h>

/* How to enter S5: the values of the FADT and the _S5 package. */
struct power_s5 {
    uint16_t pm1a_cnt; /* I/O port of PM1a_CNT (never 0) */
    uint16_t pm1b_cnt; /* I/O port of PM1b_CNT, 0 when absent */
    uint8_t slp_typa;  /* SLP_TYP for PM1a (3 bits) */
    uint8_t slp_typb;  /* SLP_TYP for PM1b (3 bits) */
};

/* Records the S5 recipe power_off() uses; until then it only returns. */
void power_set_s5(const struct power_s5 *recipe);

/* Enters ACPI S5 (soft off).  Returns only when that did not stop the
 * machine (no recipe, or the write was ignored). */
void power_off(void);

#endif

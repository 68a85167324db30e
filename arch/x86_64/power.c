/* power.c - ACPI soft off (see power.h): the core reads the recipe from the
 * ACPI tables at boot (unikernel/power.c), so that a dying kernel only has
 * to write two ports. */
#include <stdbool.h>

#include "arch/cpu.h"
#include "arch/x86_64/arch.h"
#include "arch/x86_64/power.h"
#include "arch/x86_64/x86.h"
#include "klog.h"

#define PM1_SLP_TYP_SHIFT 10
#define PM1_SLP_TYP_MASK  (7u << PM1_SLP_TYP_SHIFT)
#define PM1_SLP_EN        (1u << 13)
#define POWER_OFF_SPINS   10000000 /* a few ms: time for the VMM to react */

static struct power_s5 s5;
static bool s5_known;

void power_set_s5(const struct power_s5 *recipe)
{
    s5 = *recipe;
    s5_known = true;
}

static void pm1_write(uint16_t port, uint8_t type)
{
    uint16_t v = inw(port) & ~PM1_SLP_TYP_MASK;
    outw(port, v | (uint16_t)(type << PM1_SLP_TYP_SHIFT) | PM1_SLP_EN);
}

void power_off(void)
{
    if (!s5_known)
        return;
    kprintf("power: off through ACPI S5 (no isa-debug-exit)\n");
    serial_drain();
    if (s5.pm1b_cnt)
        pm1_write(s5.pm1b_cnt, s5.slp_typb);
    pm1_write(s5.pm1a_cnt, s5.slp_typa);
    for (int i = 0; i < POWER_OFF_SPINS; i++)
        cpu_relax();
    kprintf("power: the ACPI S5 write was ignored\n");
}

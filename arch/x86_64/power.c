/* power.c - ACPI soft off (see power.h): the recipe is read at boot so that
 * a dying kernel only has to write two ports. */
#include <stdbool.h>

#include "arch/cpu.h"
#include "arch/mmu.h"
#include "arch/x86_64/arch.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/power.h"
#include "arch/x86_64/x86.h"
#include "klog.h"
#include "unikernel/acpi.h"
#include "unikernel/include/boot_info.h"

#define PM1_SLP_TYP_SHIFT 10
#define PM1_SLP_TYP_MASK  (7u << PM1_SLP_TYP_SHIFT)
#define PM1_SLP_EN        (1u << 13)
#define POWER_OFF_SPINS   10000000 /* a few ms: time for the VMM to react */

static struct acpi_s5 s5;
static bool s5_known;

/* Physical memory through the boot tables' direct map of the low 4 GiB. */
static const void *boot_phys(uint64_t pa, uint64_t len)
{
    if (len > BOOT_DIRECT_MAP_END || pa > BOOT_DIRECT_MAP_END - len)
        return NULL;
    return mmu_kaddr(pa);
}

void power_init(const struct boot_info *bi)
{
    const void *rsdp = bi->acpi_rsdp;
    if (rsdp && acpi_rsdp_check(rsdp, bi->acpi_rsdp_len)) {
        klog(KLOG_WARN, "acpi: the loader's RSDP is malformed: ignored\n");
        rsdp = NULL;
    }
    if (!rsdp)
        rsdp = acpi_rsdp_scan(boot_phys);
    if (!rsdp) {
        klog(KLOG_INFO, "acpi: no RSDP: power-off needs isa-debug-exit\n");
        return;
    }
    int err = acpi_s5_find(rsdp, boot_phys, &s5);
    if (err) {
        klog(KLOG_WARN, "acpi: no S5 power-off in the tables (%d)\n", err);
        return;
    }
    s5_known = true;
    klog(KLOG_DEBUG, "acpi: S5 by PM1a_CNT 0x%x (type %u), PM1b_CNT 0x%x "
         "(type %u)\n", s5.pm1a_cnt, s5.slp_typa, s5.pm1b_cnt, s5.slp_typb);
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

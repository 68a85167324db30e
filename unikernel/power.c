/*
 * power.c - the end of a run (kernel_exit, arch/upcall.h): the status to QEMU's
 * isa-debug-exit, else ACPI S5 power-off, else a halt that says so.
 */
#include <stdint.h>

#include "arch/x86_64/arch.h"
#include "arch/x86_64/power.h"
#include "arch/x86_64/x86.h"
#include "abi/kernel_exit.h"
#include "arch/upcall.h"
#include "klog.h"
#include "arch/boot_info.h"
#include "arch/mmu.h"
#include "arch/x86_64/layout.h"
#include "unikernel/acpi.h"
#include "unikernel/power.h"

void kernel_exit(int status)
{
    serial_drain(); /* QEMU exits at once: the UART would be cut short */
    if (cpu_hypervisor())
        outl(KEXIT_PORT, (uint32_t)status + 1); /* isa-debug-exit, if present */
    power_off();
    kprintf("kernel: cannot power off (no isa-debug-exit, no ACPI S5): "
            "halted with status %d\n", status);
    cpu_halt(); /* only the boot CPU runs: this halts every CPU */
}

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
    struct acpi_s5 s5;
    int err = acpi_s5_find(rsdp, boot_phys, &s5);
    if (err) {
        klog(KLOG_WARN, "acpi: no S5 power-off in the tables (%d)\n", err);
        return;
    }
    klog(KLOG_DEBUG, "acpi: S5 by PM1a_CNT 0x%x (type %u), PM1b_CNT 0x%x "
         "(type %u)\n", s5.pm1a_cnt, s5.slp_typa, s5.pm1b_cnt, s5.slp_typb);
    power_set_s5(&(struct power_s5){ .pm1a_cnt = s5.pm1a_cnt,
                                     .pm1b_cnt = s5.pm1b_cnt,
                                     .slp_typa = s5.slp_typa,
                                     .slp_typb = s5.slp_typb });
}

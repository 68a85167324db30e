/* boottime.c - the boot time report (see boottime.h). */
#include "arch/clock.h"
#include "arch/x86_64/x86.h"
#include "boottime.h"
#include "klog.h"

uint64_t boot_entry_tsc;

void boot_time_report(void)
{
    uint64_t cycles = rdtsc() - boot_entry_tsc;
    uint64_t hz = clock_tsc_hz();
    klog(KLOG_INFO, "boot: kernel ready in %lu us (%lu TSC cycles)\n",
         (unsigned long)(hz ? cycles * 1000000 / hz : 0),
         (unsigned long)cycles);
}

/* bench_boot: the hello-style benchmark app.  Prints BOOT_MARKER with the
 * TSC as early as possible in main (the host times QEMU start -> marker),
 * then the guest's own view of its boot, and powers the guest off.  It is
 * also the binary of the footprint bisection (smallest -m that runs it). */
#include "apps/include/bench.h"

int main(void)
{
    uint64_t tsc = bench_rdtsc();
    uint64_t uptime = bench_now_ns();
    printf("BOOT_MARKER tsc=%llu\n", (unsigned long long)tsc);
    fflush(stdout);
    double mhz = bench_tsc_mhz();
    /* TSC counts from the vCPU's reset: firmware + loader + kernel. */
    printf("BENCH name=boot_tsc unit=ms value=%.2f tsc=%llu tsc_mhz=%.1f "
           "check=ok\n",
           (double)tsc / mhz / 1000.0, (unsigned long long)tsc, mhz);
    /* The kernel's own clock at main: where that clock starts is the
     * kernel's choice, so this figure is informative only. */
    printf("BENCH name=boot_uptime unit=ms value=%.2f check=ok\n",
           (double)uptime / 1e6);
    printf("BENCH_DONE app=bench_boot\n");
    bench_finish(0);
}

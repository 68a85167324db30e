/* bench_mm: the memory and process micro-benchmarks of docs/benchmarks.md.
 * The same static binary runs natively, as /init of a Linux guest and as
 * the application of our kernel; it prints one BENCH line per measurement
 * and powers the guest off when done.  Counts are sized for TCG. */
#include <string.h>

#include "apps/include/bench.h"
#include "measure.h"

#define MiB (1024u * 1024u)

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "exit") == 0)
        return MEASURE_SPAWN_STATUS; /* spawned by measure_spawn_exit_wait */
    if (argc > 1 && strcmp(argv[1], "memfd") == 0) { /* that row alone */
        printf("BENCH_START app=bench_mm tsc_mhz=%.1f\n", bench_tsc_mhz());
        measure_touch_memfd_1g(2);
        printf("BENCH_DONE app=bench_mm\n");
        bench_finish(0);
    }
    if (argc > 1 && strcmp(argv[1], "collapse") == 0) { /* that row alone */
        printf("BENCH_START app=bench_mm tsc_mhz=%.1f\n", bench_tsc_mhz());
        measure_collapse_1g(2);
        printf("BENCH_DONE app=bench_mm\n");
        bench_finish(0);
    }
    printf("BENCH_START app=bench_mm tsc_mhz=%.1f\n", bench_tsc_mhz());
    fflush(stdout);
    measure_getppid(21, 2000);
    measure_fault_anon(31, 256);
    measure_cow_fault(21, 128);
    measure_mmap_munmap("mmap_munmap_4k", 4096, 21, 200);
    measure_mmap_munmap("mmap_munmap_1m", MiB, 21, 200);
    measure_mprotect(21, 400);
    measure_fork_exit_wait(21, 5);
    measure_spawn_exit_wait(argv[0], 21, 5);
    measure_thread_create_join(21, 20);
    measure_futex_roundtrip(21, 200);
    measure_signal_roundtrip(21, 500);
    measure_timer_irqs(5, 200);
    measure_touch_1g(2);
    measure_touch_memfd_1g(2);
    measure_fork_1g(3);
    measure_collapse_1g(2);
    measure_fragmentation(3);
    measure_files(21);
    printf("BENCH_DONE app=bench_mm\n");
    bench_finish(0);
}

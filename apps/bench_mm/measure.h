/* The measurements of bench_mm.  Each repeats `rounds` rounds of `ops`
 * operations, verifies what the kernel did, and prints one BENCH line
 * (or `status=n/a` when the kernel lacks what it needs). */
#ifndef MEASURE_H
#define MEASURE_H

#include <stddef.h>

/* Exit status of the program when spawned as `bench_mm exit`. */
#define MEASURE_SPAWN_STATUS 42

/* First write to each of `pages` pages of a fresh private anonymous mapping. */
void measure_fault_anon(int rounds, int pages);

/* mmap of len bytes (private anonymous, read-write, not touched) + munmap. */
void measure_mmap_munmap(const char *name, size_t len, int rounds, int ops);

/* mprotect of one populated page to read-only and back (ops = calls). */
void measure_mprotect(int rounds, int ops);

/* getppid: the cheapest syscall that cannot be cached in user space. */
void measure_getppid(int rounds, int ops);

/* Write to each of `pages` pages shared copy-on-write with a forked child
 * that is still alive; the child checks it still sees the old contents. */
void measure_cow_fault(int rounds, int pages);

/* fork + _exit in the child + waitpid in the parent. */
void measure_fork_exit_wait(int rounds, int ops);

/* posix_spawnp of `self exit` (self: argv[0], searched in the default
 * PATH when it has no slash) + waitpid. */
void measure_spawn_exit_wait(const char *self, int rounds, int ops);

/* pthread_create of a thread that returns at once + pthread_join. */
void measure_thread_create_join(int rounds, int ops);

/* One round trip of a futex word between two threads: a wake each way
 * (each op is two FUTEX_WAKEs and the waits they end). */
void measure_futex_roundtrip(int rounds, int ops);

/* tgkill of the calling thread with a handled signal: the handler runs
 * (frame, handler, rt_sigreturn) before tgkill returns. */
void measure_signal_roundtrip(int rounds, int ops);

/* Timer interrupts per second (the LOC line of /proc/interrupts) while
 * this task alone spins for `ms` ms, per round; n/a natively. */
void measure_timer_irqs(int rounds, int ms);

/* First write to every page of 1 GiB of fresh private anonymous memory
 * (ops = 1: the whole GiB), and the faults it took (touch_1g_faults). */
void measure_touch_1g(int rounds);

/* mmap of a fresh 1 GiB memfd (ftruncate'd, untimed) MAP_SHARED and the
 * first write to every page (ops = 1), and the faults they took
 * (touch_memfd_1g_faults). */
void measure_touch_memfd_1g(int rounds);

/* fork + _exit + waitpid of a task whose 1 GiB mapping is populated. */
void measure_fork_1g(int rounds);

/* madvise(MADV_COLLAPSE) of 1 GiB written 4 KiB at a time (under
 * MADV_NOHUGEPAGE, last page first, so that no span is one block in
 * order), then given MADV_HUGEPAGE: the time of the collapse (ops = 1:
 * the whole GiB) and the 2 MiB pages it left (collapse_1g_huge, smaps'
 * AnonHugePages / 2048 kB). */
void measure_collapse_1g(int rounds);

/* 4000 touched 64 KiB mappings interleaved with 400 pipes holding a byte,
 * the mappings unmapped: the per cent of free memory left in whole 2 MiB
 * blocks (/proc/buddyinfo), the pipes still open. */
void measure_fragmentation(int rounds);

/* The file rows, in a fresh directory under /tmp (a tmpfs; made here):
 * create+write 4 KiB+close+unlink, 1 MiB written from offset 0 after a
 * truncate to 0, 1 MiB read in order, getdents64 of 1,000 entries. */
void measure_files(int rounds);

#endif

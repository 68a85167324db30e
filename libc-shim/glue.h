/*
 * libc-shim/glue.h - everything the allocator needs from its environment:
 * raw system calls (they return -errno and never touch errno, so errno is
 * preserved across every kernel call by construction), the fatal error
 * path, a cheap entropy source and branch hints.  Nothing else in
 * libc-shim talks to the kernel except through here and through the
 * mspace binding (mspace.h) built on it.
 */
#ifndef SHIM_GLUE_H
#define SHIM_GLUE_H

#include <stddef.h>
#include <stdint.h>

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define slow_path __attribute__((noinline, cold))

/* Linux x86_64 system call numbers used by the shim (public ABI). */
#define GLUE_SYS_WRITE 1
#define GLUE_SYS_MMAP 9
#define GLUE_SYS_MPROTECT 10
#define GLUE_SYS_MUNMAP 11

/* Issues system call `nr` with up to six arguments; returns the raw
 * result (a negative errno on failure).  errno is not touched. */
static inline long glue_syscall6(long nr, long a, long b, long c, long d,
                                 long e, long f)
{
    long ret;
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    register long r9 __asm__("r9") = f;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8),
                       "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
}

/* Returns 64 bits that differ between runs and threads (not secret-grade:
 * used for free-list check words, not for security). */
static inline uint64_t glue_entropy(const void *salt)
{
    uint64_t x = __builtin_ia32_rdtsc() ^ (uintptr_t)salt;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    return x | 1;
}

/* Writes "malloc: <what> <ptr>" to stderr and aborts the process.  Used
 * for heap corruption and misuse by the caller: never returns. */
__attribute__((noreturn, cold)) void glue_fatal(const char *what,
                                                const void *ptr);

#endif

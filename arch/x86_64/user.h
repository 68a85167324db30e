/*
 * arch/x86_64/user.h - ring 3 on x86_64: the syscall/sysret entry, entering
 * user mode (and coming back when the task ends), the FPU/SSE state of a
 * task, its FS base (TLS), and the exceptions a task takes.
 *
 * Register use at the user/kernel boundary (Linux x86_64 ABI):
 *   syscall   rax = number, rdi rsi rdx r10 r8 r9 = arguments,
 *             rcx = user rip, r11 = user rflags (clobbered), rax = result
 *   entry     swapgs; the per-CPU area (GS) gives the kernel stack;
 *             interrupts stay masked in the kernel (FMASK); ring 3 runs
 *             with them enabled (the scheduler's timer preempts it).
 */
#ifndef ARCH_X86_64_USER_H
#define ARCH_X86_64_USER_H

#include <stdbool.h>
#include <stdint.h>

struct trap_frame;

/* What syscall.S saves on the kernel stack, lowest address first. */
struct syscall_frame {
    uint64_t r15, r14, r13, r12, rbp, rbx; /* callee-saved */
    uint64_t r9, r8, r10, rdx, rsi, rdi;   /* arguments */
    uint64_t rax;                          /* number in, result out */
    uint64_t rip, rflags, rsp;             /* user rcx, r11, rsp */
};

/* The FPU/x87/SSE state of a task (fxsave image). */
struct user_fpu {
    uint8_t area[512];
} __attribute__((aligned(16)));

/* Enables SSE for ring 3 (CR0.MP, CR4.OSFXSR/OSXMMEXCPT), programs the
 * syscall MSRs (EFER.SCE, STAR, LSTAR, FMASK) and the per-CPU area.  Once,
 * on the boot CPU, after cpu_init. */
void user_init(void);

/* Fills `fpu` with the state a new task starts with (x87 reset, MXCSR
 * 0x1f80: all exceptions masked). */
void user_fpu_init(struct user_fpu *fpu);

/* Enters ring 3 at `rip` with stack `rsp`, FS base `fs_base`, the FPU
 * state `fpu` and every other register zero; syscalls and exceptions use
 * the kernel stack ending at `kstack_top`.  Never returns: the task ends
 * through the scheduler (proc_exit). */
void user_run(uintptr_t rip, uintptr_t rsp, uintptr_t kstack_top,
              uintptr_t fs_base, struct user_fpu *fpu)
    __attribute__((noreturn));

/* Makes `top` the kernel stack of syscalls and of exceptions and
 * interrupts from ring 3 (a task switch). */
void user_set_kernel_stack(uintptr_t top);

/* AT_HWCAP of the System V ABI on x86_64: CPUID leaf 1 EDX. */
uint64_t user_hwcap(void);

/* Saves the live FPU state of the current task into `fpu`. */
void user_fpu_save(struct user_fpu *fpu);

/* Sets / reads the FS base (MSR_FS_BASE) of the current task. */
void user_set_fs(uintptr_t base);
uintptr_t user_get_fs(void);

/* Called by trap_dispatch first: handles an exception taken in ring 3 (a
 * page fault is resolved, anything else kills the task) and a page fault
 * inside the usercopy routines (resolved, or the copy returns -EFAULT).
 * Returns false for every other exception (the kernel's own: report and
 * panic). */
bool user_trap(struct trap_frame *frame);

/* Copies between kernel and user memory (arch/x86_64/usercopy.S): 0, or
 * -EFAULT when a page of the user side cannot be resolved.  The caller has
 * checked that the user range lies in the user window. */
long usercopy_bytes(void *dst, const void *src, uint64_t n);

/* Copies the string at user `src` into `dst`, at most `max` bytes: the
 * length (< max) when a NUL was copied, `max` when none was found, or
 * -EFAULT. */
long usercopy_string(char *dst, const char *src, uint64_t max);

/* Fills `n` user bytes at `dst` with zeros: 0 or -EFAULT. */
long usercopy_zero(void *dst, uint64_t n);

#endif

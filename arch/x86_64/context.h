/*
 * arch/x86_64/context.h - switching the CPU between tasks: the kernel
 * stack, the callee-saved registers, the FPU/SSE state, FS base and the
 * GS pair (a task may be switched out inside a syscall, GS swapped, or
 * inside an interrupt from ring 3, GS not swapped: each keeps its own).
 * The caller switches the page tables (mmu_switch) and runs with
 * interrupts masked.
 */
#ifndef ARCH_X86_64_CONTEXT_H
#define ARCH_X86_64_CONTEXT_H

#include <stdint.h>

#include "arch/x86_64/user.h"

/* What a switched-out task keeps besides its kernel stack content. */
struct cpu_context {
    uintptr_t ksp;             /* kernel stack pointer at the switch */
    uint64_t gs_base, kgs_base; /* MSR_GS_BASE, MSR_KERNEL_GS_BASE */
};

/* Saves the live FPU state into `fpu`, FS base into *fs_base and the GS
 * pair into `c` (the task leaves the CPU). */
void context_save(struct cpu_context *c, struct user_fpu *fpu,
                  uintptr_t *fs_base);

/* Loads what context_save saved, and makes `kstack_top` the stack of
 * syscalls and ring-3 interrupts (the task takes the CPU). */
void context_load(const struct cpu_context *c, const struct user_fpu *fpu,
                  uintptr_t fs_base, uintptr_t kstack_top);

/* Saves the current kernel context into *save_ksp and resumes the one
 * saved at `next_ksp`; returns when someone switches back. */
void context_switch(uintptr_t *save_ksp, uintptr_t next_ksp);

/* Prepares `c` for a task whose first switch calls entry() on the empty
 * kernel stack ending at `kstack_top`. */
void context_init_start(struct cpu_context *c, uintptr_t kstack_top,
                        void (*entry)(void));

/* Prepares `c` for a forked child whose first switch returns to ring 3
 * from the syscall `parent` made, with rax = 0 and rsp = `user_rsp` (0:
 * the parent's); the frame is copied to the top of the child's kernel
 * stack. */
void context_init_fork(struct cpu_context *c, uintptr_t kstack_top,
                       const struct syscall_frame *parent, uintptr_t user_rsp);

/* execve: gives the current task a fresh FPU state (saved into `fpu` and
 * loaded) and FS base 0. */
void context_reset_user(struct user_fpu *fpu);

/* The frame syscall_entry built on the kernel stack ending at `kstack_top`
 * (valid inside a syscall of that task). */
struct syscall_frame *context_syscall_frame(uintptr_t kstack_top);

#endif

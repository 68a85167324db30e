/*
 * arch/x86_64/sigframe.h - the x86_64 ends of signal delivery: the hooks
 * on each return to ring 3 (after a system call, an exception, a timer
 * interrupt) and the full-register return used by rt_sigreturn.
 */
#ifndef ARCH_X86_64_SIGFRAME_H
#define ARCH_X86_64_SIGFRAME_H

#include "arch/x86_64/trap.h"
#include "arch/x86_64/user.h"

/* The end of system call `nr` whose frame is `f`: delivers the current
 * task's pending signals and resolves an ERESTART* result. */
void sigframe_syscall_exit(struct syscall_frame *f, long nr);

/* The end of an exception or interrupt taken in ring 3 (frame `f`):
 * delivers the current task's pending signals. */
void sigframe_trap_exit(struct trap_frame *f);

/* Loads every register of `f` and returns to ring 3 from a system call
 * (swapgs; iretq): syscall.S. */
void user_iret(const struct trap_frame *f) __attribute__((noreturn));

#endif

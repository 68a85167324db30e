/*
 * arch/upcall.h - the calls the port makes up into the machine-independent
 * core: the end of the run, and a CPU exception a task took, reported as
 * numbers.  Implemented by the core (unikernel/power.c, unikernel/task.c);
 * the exception upcalls are called from the trap path with interrupts
 * masked.  Beyond these, arch/ uses only mm/ (it implements arch/mmu.h for
 * it), the kernel library (lib/: klog, ksyms, panic through <assert.h>),
 * the interface headers of arch/ (the boot handoff arch/boot_info.h it
 * fills, among them) and the ABI numbers of abi/ (the exit statuses, the
 * signals).  tests/layers checks it.
 */
#ifndef ARCH_UPCALL_H
#define ARCH_UPCALL_H

#include <stdbool.h>
#include <stdint.h>

/* Ends the run with `status` (0..126, abi/kernel_exit.h): isa-debug-exit
 * under a hypervisor; without that device ACPI S5 power-off (the status is
 * then lost: QEMU exits 0); failing both, says so and halts this CPU for
 * good (no other CPU is started yet).  Implemented by unikernel/power.c. */
void kernel_exit(int status) __attribute__((noreturn));

/* A CPU exception. */
struct trap_report {
    unsigned vector; /* the CPU's exception number (x86_64: 0-31) */
    uint64_t error;  /* the error code the CPU pushed, 0 when none */
    uintptr_t addr;  /* the faulting address when the CPU gives one, else 0 */
    uintptr_t ip;    /* the instruction it was taken at */
    bool user;       /* taken in user mode */
    int signal;      /* what Linux sends for it (abi/signals.h) */
};

struct user_regs; /* arch/sigframe.h */

/* A page fault of the current task at `addr` (mm's FAULT_* `reason`) taken
 * at `rip`, in user mode when `user` (else inside a usercopy routine):
 * true when resolved, or (user mode) when the task's SIGSEGV handler will
 * take it: the port then delivers (signal_deliver).  Any other unresolved
 * user fault logs the segfault line and kills the task (never returns); an
 * unresolved usercopy fault, or one without a current task, returns
 * false. */
bool task_fault(uintptr_t addr, int reason, uintptr_t rip, bool user);

/* Any other exception the current task took in user mode: queues
 * `trap->signal` for the task's handler and returns (the port then
 * delivers), or, without a handler (or with the signal blocked or
 * ignored), logs it and kills the task. */
void task_crash(const struct trap_report *trap);

/* True when the current task has a pending signal it does not block: the
 * port calls signal_deliver before returning to ring 3.  Cheap. */
bool signal_pending_now(void);

/* At a return of the current task to ring 3 with registers `r`: resolves
 * an interrupted system call (restart or -EINTR) and takes every pending
 * unblocked signal: ignored, fatal (never returns), or a handler's frame
 * (arch/sigframe.h's sigframe_setup). */
void signal_deliver(struct user_regs *r);

/* rt_sigreturn: the mask the frame carried becomes the task's. */
void signal_sigreturn_mask(uint64_t mask);

/* Kills the current task with SIGSEGV, logging `why` (a signal frame that
 * cannot be written or read back). */
void signal_force_segv(const char *why) __attribute__((noreturn));

#endif

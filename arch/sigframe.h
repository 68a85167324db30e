/*
 * arch/sigframe.h - what the core asks of the port to run a signal
 * handler: the saved ring-3 registers at a return to user mode (opaque:
 * struct user_regs, the port's), the Linux signal frame written on the
 * user stack from them, the syscall-restart fix-ups, and rt_sigreturn.
 * The choice of signal, masks and actions is the core's
 * (unikernel/signal.c); it is reached through arch/upcall.h's
 * signal_pending_now and signal_deliver.
 */
#ifndef ARCH_SIGFRAME_H
#define ARCH_SIGFRAME_H

#include <stdbool.h>
#include <errno.h> /* ERESTART* */
#include <stdint.h>

struct user_regs; /* the interrupted ring-3 registers (the port's) */

/* One delivery: the handler, its siginfo and the stack it runs on. */
struct sigframe_args {
    uintptr_t handler, restorer; /* sa_handler, sa_restorer */
    bool onstack;                /* SA_ONSTACK */
    uint64_t mask;               /* uc_sigmask: restored by rt_sigreturn */
    uintptr_t ss_sp;             /* the alternate stack (ss_flags SS_DISABLE: */
    uint64_t ss_size;            /* none) */
    int ss_flags;
    int signo, code, pid, uid;   /* siginfo */
    int status;                  /* siginfo si_status (SIGCHLD) */
    uintptr_t addr;              /* siginfo si_addr (faults) */
    int trapno;                  /* mcontext trapno, err, cr2 (faults) */
    uint64_t err, cr2;
    int timerid, overrun;        /* siginfo of SI_TIMER */
    uint64_t value;              /* si_value (SI_TIMER, SI_QUEUE) */
};

/* Writes the rt_sigframe (siginfo, ucontext with the registers `r` and the
 * FPU state, pretcode = restorer) on the user stack and points `r` at the
 * handler (rdi = signo, rsi = &info, rdx = &uc), the handler's FPU state
 * reset.  False, `r` unchanged, when the frame cannot be written or the
 * handler is not a user address. */
bool sigframe_setup(struct user_regs *r, const struct sigframe_args *a);

/* Writes the siginfo of `a` (Linux's 128-byte siginfo_t) at user address
 * `uinfo` (rt_sigtimedwait): 0 or -EFAULT. */
int sigframe_siginfo_out(uintptr_t uinfo, const struct sigframe_args *a);

/* True when `r` returns from a system call; *result is its return value. */
bool sigframe_syscall_result(const struct user_regs *r, long *result);

/* Makes the system call of `r` return `v` (no restart any more). */
void sigframe_syscall_set_result(struct user_regs *r, long v);

/* Makes the system call of `r` run again when the task resumes. */
void sigframe_syscall_restart(struct user_regs *r);

/* Makes the task, when it resumes, run system call `nr` in place of the
 * one of `r` (restart_syscall), same arguments. */
void sigframe_syscall_restart_as(struct user_regs *r, long nr);

/* rt_sigreturn of the current task, whose syscall frame is at the top of
 * `kstack_top`: reads the frame the handler returned through, checks it
 * (user code and stack selectors, user-changeable RFLAGS bits only, a
 * canonical user RIP), restores registers, FPU state and (through
 * signal_sigreturn_mask) the mask, delivers what is now pending and
 * returns to ring 3 (iretq).  A bad frame kills the task with SIGSEGV. */
void sigframe_sigreturn(uintptr_t kstack_top) __attribute__((noreturn));

#endif

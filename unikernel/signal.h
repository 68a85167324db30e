/*
 * unikernel/signal.h - signals as Linux delivers them: each task's
 * actions (rt_sigaction), mask (rt_sigprocmask), alternate stack
 * (sigaltstack) and pending set, sending one (kill, tkill, tgkill, a
 * fault), and taking one on the way back to ring 3 (signal_deliver,
 * arch/upcall.h): ignored, fatal (task_kill, sched_kill) or a handler run
 * on a Linux rt_sigframe (arch/sigframe.h) until rt_sigreturn.  Stop
 * signals stop the process until SIGCONT.
 */
#ifndef UNIKERNEL_SIGNAL_H
#define UNIKERNEL_SIGNAL_H

#include <stdbool.h>
#include <stdint.h>

struct task;

#include "abi/signals.h"

#define SIGNAL_MAX 64 /* signals are 1..SIGNAL_MAX (Linux's _NSIG) */
#define SIGBIT(sig) (1ull << ((sig) - 1)) /* its bit in a mask or set */

#define SIG_DFL 0    /* the default action */
#define SIG_IGN 1    /* the handler that ignores */
#define SS_DISABLE 2 /* sigaltstack flag: no alternate stack */

/* sa_flags */
#define SA_NOCLDSTOP 0x1
#define SA_SIGINFO 0x4
#define SA_RESTORER 0x04000000
#define SA_ONSTACK 0x08000000
#define SA_RESTART 0x10000000
#define SA_NODEFER 0x40000000
#define SA_RESETHAND 0x80000000u

/* A recorded rt_sigaction (the kernel's struct k_sigaction layout). */
struct task_sigaction {
    uint64_t handler, flags, restorer, mask;
};

/* What a pending signal's siginfo says (one per signal: standard signals
 * do not queue). */
struct task_siginfo {
    int code, pid;      /* si_code, the sender (si_pid) */
    int status;         /* SIGCHLD's si_status: exit code or signal */
    int trapno;         /* a fault's: exception number, error code, */
    uint64_t err, addr; /* si_addr */
    int timerid, overrun; /* SI_TIMER's si_timerid, si_overrun */
    uint64_t value;       /* SI_TIMER's and SI_QUEUE's si_value */
};

/* The actions of a process: shared by its threads (refs), copied by fork.
 * Lock legend: (t) interrupts masked (one CPU). */
struct signal_actions {
    long refs;                                /* (t) tasks using them */
    struct task_sigaction action[SIGNAL_MAX]; /* (t) of signal n at n - 1 */
};

/* A thread's signal state (a fork or clone copies it, the pending set
 * aside).  Lock legend: (t) only the task itself, (s) any task, interrupts
 * masked (one CPU). */
struct task_signal {
    struct signal_actions *actions; /* (t) shared by the thread group */
    uint64_t mask;        /* (t) blocked signals, signal n at bit n - 1 */
    uint64_t altstack[3]; /* (t) sigaltstack: sp, flags, size */
    uint64_t pending;     /* (s) sent, not yet taken, same bits */
    struct task_siginfo info[SIGNAL_MAX]; /* (s) of each pending signal */
    uint64_t saved_mask;  /* (t) rt_sigsuspend's mask to put back */
    bool restore_mask;    /* (t) saved_mask is valid */
    uint64_t waitset;     /* (s) rt_sigtimedwait's set while it waits: such
                             a signal wakes it, never kills */
    uint64_t restart_end; /* (t) restart_syscall: the monotonic end of the
                             relative sleep a signal interrupted, 0: none */
    long restart_rem;     /* (t) and where its caller wants what is left */
};

/* The state of a new task: default actions, nothing blocked, no
 * alternate stack.  0, or -ENOMEM (s->actions NULL). */
int signal_init(struct task_signal *s);

/* Gives `s` the state of `from`: its actions shared (`share`: a thread)
 * or copied (fork), its mask and alternate stack.  0, or -ENOMEM with `s`
 * unchanged. */
int signal_inherit(struct task_signal *s, const struct task_signal *from,
                   bool share);

/* Drops the task's use of its actions (the last user frees them). */
void signal_put(struct task_signal *s);

/* What execve keeps: the mask and the ignored signals; other actions
 * return to their default and the alternate stack is dropped. */
void signal_exec_reset(struct task_signal *s);

/* Sends `sig` (0: only checks) to the live or zombie task `t` from the
 * current task (si_code SI_USER): 0, -EINVAL (no such signal) or -ENOSYS
 * (a stop signal).  Ignored ones are dropped; a fatal unblocked one ends
 * the current task here (never returns) or marks another (sched_kill);
 * any other becomes pending and wakes `t` from a blocking call when it
 * does not block it. */
long signal_send(struct task *t, long sig);

/* Queues `sig` with `info` for thread `t` (`process`: for the process of
 * `t`, taken by a thread of it that does not block `sig`, the leader when
 * all do), from any context, the timer's tick included: it never ends the
 * current task on the spot (a fatal signal is taken on its way back to
 * ring 3).  A signal already pending is not queued twice: false then. */
bool signal_send_async(struct task *t, bool process, int sig,
                       const struct task_siginfo *info);

/* Tells `parent` that its child process `pid` ended with the task exit
 * code `code` (>= 0: exit status, < 0: killed by signal -code): SIGCHLD
 * with CLD_EXITED or CLD_KILLED and si_status, as Linux (ignored by
 * default). */
void signal_child_ended(struct task *parent, int pid, int code);

/* A fault signal `sig` of the current task (from task_fault/task_crash)
 * with its siginfo: true when queued for the task's handler; false (the
 * caller kills the task) when there is none or it is blocked or ignored,
 * as Linux's force_sig. */
bool signal_fault(int sig, const struct task_siginfo *info);

/* True when the current task was interrupted by a signal it must take:
 * a blocking call then returns -ERESTARTSYS (or -EINTR). */
bool signal_interrupted(void);

#endif

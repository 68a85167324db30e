/*
 * unikernel/signal.h - signals: the Linux numbers, each task's recorded
 * actions (rt_sigaction), mask (rt_sigprocmask) and alternate stack
 * (sigaltstack), and sending one (kill, tkill, tgkill).  No handler runs
 * yet: a signal whose default action is to ignore does nothing, any other
 * ends its task (task_kill, sched_kill); stop signals are refused (no job
 * control).
 */
#ifndef UNIKERNEL_SIGNAL_H
#define UNIKERNEL_SIGNAL_H

#include <stdbool.h>
#include <stdint.h>

struct task;

#include "abi/signals.h"

#define SIGNAL_MAX 64 /* signals are 1..SIGNAL_MAX (Linux's _NSIG) */

#define SIG_IGN 1    /* the handler that ignores */
#define SS_DISABLE 2 /* sigaltstack flag: no alternate stack */

/* A recorded rt_sigaction (the kernel's struct k_sigaction layout). */
struct task_sigaction {
    uint64_t handler, flags, restorer, mask;
};

/* The actions of a process: shared by its threads (refs), copied by fork.
 * Lock legend: (t) interrupts masked (one CPU). */
struct signal_actions {
    long refs;                                /* (t) tasks using them */
    struct task_sigaction action[SIGNAL_MAX]; /* (t) of signal n at n - 1:
                                                 recorded, not delivered */
};

/* A task's signal state.  Lock legend: (t) only the task itself (one
 * CPU). */
struct task_signal {
    struct signal_actions *actions; /* (t) shared by the thread group */
    uint64_t mask;        /* (t) blocked signals, signal n at bit n - 1 */
    uint64_t altstack[3]; /* (t) sigaltstack: sp, flags, size (recorded) */
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

/* Sends `sig` (0: only checks) to the live or zombie task `t`: 0, -EINVAL
 * (no such signal) or -ENOSYS (a stop signal).  A fatal signal sent to the
 * current task ends it here (never returns). */
long signal_send(struct task *t, long sig);

#endif

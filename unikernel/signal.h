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

/* The Linux x86_64 signal numbers. */
#define SIGHUP 1
#define SIGINT 2
#define SIGQUIT 3
#define SIGILL 4
#define SIGTRAP 5
#define SIGABRT 6
#define SIGBUS 7
#define SIGFPE 8
#define SIGKILL 9
#define SIGUSR1 10
#define SIGSEGV 11
#define SIGUSR2 12
#define SIGPIPE 13
#define SIGALRM 14
#define SIGTERM 15
#define SIGSTKFLT 16
#define SIGCHLD 17
#define SIGCONT 18
#define SIGSTOP 19
#define SIGTSTP 20
#define SIGTTIN 21
#define SIGTTOU 22
#define SIGURG 23
#define SIGXCPU 24
#define SIGXFSZ 25
#define SIGVTALRM 26
#define SIGPROF 27
#define SIGWINCH 28
#define SIGIO 29
#define SIGPWR 30
#define SIGSYS 31
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

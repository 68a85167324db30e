/*
 * unikernel/thread.h - threads: the tasks of one process (a thread
 * group) share its address space, descriptor table and signal actions;
 * each has its own tid, kernel stack, FS base (TLS), signal mask,
 * clear-child-tid word and robust list.  The group leader's tid is the
 * process id.  clone with CLONE_THREAD makes a thread (sys_clone hands it
 * here); exit ends one thread, exit_group all (proc.c); thread-related
 * calls: gettid, getpid, set_tid_address, set/get_robust_list,
 * sched_get/setaffinity, prctl(PR_SET_NAME/PR_GET_NAME).
 */
#ifndef UNIKERNEL_THREAD_H
#define UNIKERNEL_THREAD_H

#include <stdbool.h>
#include <stdint.h>

struct task;

/* A process as a group of threads.  Lock legend: (s) interrupts masked
 * (one CPU). */
struct thread_group {
    int refs;            /* (s) tasks in it, zombies not yet reaped too */
    int live;            /* (s) threads that have not ended */
    bool exiting;        /* (s) exit_group or a fatal signal: all end */
    int exit_code;       /* (s) the group's code once exiting */
    struct task *leader; /* (s) its tid is the pid; the parent waits on it */
    bool stopped;        /* (s) by a stop signal, until SIGCONT (signal.c) */
    int report_stop;     /* (s) the stop signal wait4 WUNTRACED reports */
    bool report_cont;    /* (s) a continue wait4 WCONTINUED reports */
    struct proc_timers *timers; /* (s) alarm, itimers, POSIX timers
                                   (itimer.c); NULL: none set yet */
    int pgid, sid;       /* (s) process group and session (pgrp.c) */
    bool execed;         /* (s) ran execve since its fork (setpgid EACCES) */
};

/* Makes `t` the leader of a new group of one: 0 or -ENOMEM. */
int thread_group_new(struct task *t);

/* Drops `t`'s place in its group (task_destroy); the last frees it. */
void thread_group_put(struct task *t);

/* The process id of `t`: its group leader's tid. */
int thread_tgid(const struct task *t);

/* clone with CLONE_THREAD: a new thread of the current process starting
 * with rsp `stack` (0: the caller's), FS base `tls` (CLONE_SETTLS), the
 * tid stored at `ptid` (CLONE_PARENT_SETTID) and `ctid` (CHILD_SETTID),
 * `ctid` cleared at its end (CHILD_CLEARTID).  The tid, or -EINVAL (flags
 * other than a thread's), -EPERM (tls), -EAGAIN, -ENOMEM. */
long thread_clone(unsigned long flags, uintptr_t stack, uintptr_t ptid,
                  uintptr_t ctid, uintptr_t tls);

/* What a thread does at its end while its address space is still there:
 * clears and wakes its clear-child-tid word, releases its robust list. */
void thread_release(struct task *t);

/* `t` if it is live, else a live thread of its process, else NULL (a
 * signal to a process whose main thread has ended). */
struct task *thread_live(struct task *t);

/* Ends every other thread of the current task's group (SCHED_KILL_QUIET);
 * with `wait`, returns once they have ended (execve). */
void thread_end_others(bool wait);

#endif

/*
 * unikernel/proc.h - the life of tasks as processes: the first task,
 * fork/vfork/clone copies, the end of a task (exit or signal) with its
 * Linux wait status, wait4, orphans.  execve is exec.h's, kill signal.h's.
 *
 * A parent that ends leaves its children orphans: the kernel reaps them
 * when they end.  The first task is reaped by the kernel once every task
 * has ended (sched_run returns): its status is the VM's.
 */
#ifndef UNIKERNEL_PROC_H
#define UNIKERNEL_PROC_H

#include <stdbool.h>
#include <stdint.h>

struct task;

/* Lock legend: (s) interrupts masked (one CPU). */
struct task_proc {
    struct task *parent; /* (s) NULL: the kernel's (first task, orphans) */
    int wait_status;     /* (s) Linux wait status once a zombie */
    bool vfork;          /* (s) its parent waits for its execve or end */
};

/* Runs `t` (created, loaded) from `rip` with stack `rsp` as the first
 * task, then every task it starts, until none is left.  Returns when all
 * have ended; `t` is then a zombie the caller destroys. */
void proc_run_first(struct task *t, uintptr_t rip, uintptr_t rsp);

/* Ends the current process: every thread of it (the first call's `code`
 * is the group's: >= 0 exit status, < 0 -signal), then the caller by
 * proc_thread_exit. */
void proc_exit(int code) __attribute__((noreturn));

/* Ends the current thread: releases what it holds (clear-child-tid,
 * robust list, its share of descriptors and address space) and leaves the
 * CPU for good.  The last thread of its group records the process's wait
 * status (`code`, or the group's when exiting) and wakes the parent. */
void proc_thread_exit(int code) __attribute__((noreturn));

/* execve from a thread that is not its group's leader, the others ended:
 * `t` takes the leader's place (its pid, parent, children). */
void proc_become_leader(struct task *t);

/* A vfork child `t` lets its parent go on (at its execve or end); nothing
 * when `t` is no vfork child. */
void proc_vfork_release(struct task *t);

/* The first process's leader ("init", leader of the first process group
 * and session); NULL before proc_run_first. */
struct task *proc_first(void);

/* The live or zombie task with id `pid`, or NULL. */
struct task *proc_find(long pid);

/* Destroys the orphans that have ended (idle context). */
void proc_reap_orphans(void);

/* Free frames after kalloc gave back its cached slabs: the figure leak
 * checks compare. */
unsigned long proc_free_frames(void);

#endif

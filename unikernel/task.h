/*
 * unikernel/task.h - a task: one application running in ring 3 in its own
 * address space (mspace_t), with its kernel stack, descriptor table,
 * recorded signal state and exit status.  Tasks are scheduled by sched.c,
 * born and ended by proc.c (fork, exit, wait), replaced by exec.c (execve)
 * and signalled by signal.c.
 *
 * Exit statuses given back to the kernel (abi/kernel_exit.h):
 * the application's own status (0..99; 100 stands for any larger one),
 * KEXIT_APP_FAULT when it was killed by a fault, KEXIT_BAD_ELF /
 * KEXIT_APP_LOAD when it could not be started.
 */
#ifndef UNIKERNEL_TASK_H
#define UNIKERNEL_TASK_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86_64/user.h"
#include "mm/memory.h"
#include "unikernel/proc.h"
#include "unikernel/rlimit.h"
#include "unikernel/sched.h"
#include "unikernel/signal.h"

#define TASK_FDS 1024
#define TASK_KSTACK_SIZE 16384

struct file;
struct fdtable;
struct file;

/* Files one system call can hold at once (fd_get_held). */
#define TASK_HELD_FILES 4
struct thread_group;
struct tnode;

/* Lock legend: (c) set at creation, (t) only the task itself (one CPU). */
typedef struct task {
    int id;                     /* (c) 1, 2, ... in creation order */
    const char *name;           /* (c) the program's name */
    mspace_t *mspace;           /* (c) its address space */
    uintptr_t kstack_top;       /* (c) kernel stack (kmap, guard below) */
    struct fdtable *files;      /* (t) descriptors, shared by threads */
    struct file *held[TASK_HELD_FILES]; /* (t) files the current system
                                   call uses, a reference each (fd_get_held) */
    int held_count;             /* (t) */
    struct thread_group *group; /* (s) its process (thread.c) */
    uintptr_t fs_base;          /* (t) TLS base (arch_prctl) */
    uintptr_t brk_start;        /* (t) where the heap starts (exec); */
    uintptr_t brk;              /* (t) program break: the heap's end;
                                   the group leader's are the process's */
    uintptr_t arg_start, arg_end; /* (t) argv's strings on the stack (exec) */
    uintptr_t env_start, env_end; /* (t) envp's: /proc/self/cmdline, environ */
    uintptr_t clear_child_tid;  /* (t) set_tid_address, CHILD_CLEARTID */
    uintptr_t robust_list;      /* (t) set_robust_list's head (recorded) */
    char comm[16];              /* (t) prctl(PR_SET_NAME) */
    struct task_signal signal; /* actions, mask, altstack (signal.c) */
    const char *exe;      /* (c) path of the program (/proc/self/exe) */
    int umask;            /* (t) file mode creation mask */
    struct tnode *cwd;    /* (t) working directory, a reference; NULL: "/" */
    struct inode *image;  /* (t) the running program's file, a reference:
                             not writable meanwhile (ETXTBSY) */
    int exit_code;        /* (t) exit_group status, or -signal: killed */
    struct user_fpu fpu;     /* (t) FPU/SSE state while not running */
    struct task_sched sched; /* scheduler state (sched.c) */
    struct task_proc proc;   /* parent, wait status (proc.c) */
    struct task_rlimits rlimits;    /* resource limits (rlimit.c) */
    uintptr_t entry_rip, entry_rsp; /* (c) first entry of the first task */
} task_t;

/* The task running on this CPU, or NULL in the kernel's own context. */
task_t *task_current(void);

/* Creates a task named `name` with the address space `ms` (its reference
 * moves to the task; NULL: a new empty one), a kernel stack and the
 * console as descriptors 0, 1 and 2.  NULL when out of memory (nothing
 * left behind, `ms` dropped). */
task_t *task_create(const char *name, mspace_t *ms);

/* Sets the task's comm (prctl's name, /proc's Name and stat) to `name`, cut
 * at 15 bytes as Linux's TASK_COMM_LEN. */
void task_set_comm(task_t *t, const char *name);

/* Creates a thread of `p`: the same address space, descriptor table,
 * signal actions and group (which it joins), its own kernel stack.  NULL
 * when out of memory. */
task_t *task_create_thread(task_t *p);

/* Frees the task's descriptors, address space and kernel stack. */
void task_destroy(task_t *task);

/* Makes `task` current on this CPU with its address space active (NULL:
 * none, the kernel's tables): the loader writes the start-up stack so. */
void task_switch(task_t *task);

/* Runs `task` in ring 3 from `rip` with stack `rsp` as the first task,
 * with every task it starts, until all have ended; returns its kernel
 * exit status (see above). */
int task_run(task_t *task, uintptr_t rip, uintptr_t rsp);

/* Ends the current process with exit status `code` (exit_group): every
 * thread of it. */
void task_exit(int code) __attribute__((noreturn));

/* The trap path's calls, task_fault and task_crash: arch/upcall.h. */

/* Kills the current task for signal `sig` (its default, fatal action),
 * logging `task N (NAME) killed by signal S`. */
void task_kill(int sig) __attribute__((noreturn));

#endif

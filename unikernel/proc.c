/*
 * proc.c - tasks as processes (see proc.h) and their system calls: fork,
 * vfork, clone (only the two forms musl uses: fork's SIGCHLD and
 * posix_spawn's CLONE_VM|CLONE_VFORK|SIGCHLD with a new stack), wait4,
 * getppid.  execve is exec.c's, kill signal.c's.
 *
 * fork copies the address space copy-on-write (mspace_clone) and the
 * descriptor table (the open files are shared, as in Linux); vfork and
 * clone(CLONE_VM) share the address space and block the parent until the
 * child calls execve or ends.  The child starts by returning 0 from the
 * parent's very syscall (context_init_fork).
 */
#include <assert.h>
#include <errno.h>

#include "arch/mmu.h"
#include "klog.h"
#include "mm/kalloc.h"
#include "mm/page.h"
#include "unikernel/fd.h"
#include "unikernel/proc.h"
#include "unikernel/sched.h"
#include "unikernel/signal.h"
#include "unikernel/syscall.h"
#include "unikernel/task.h"
#include "unikernel/tmpfs.h"
#include "unikernel/usercopy.h"

#define CLONE_VM 0x00000100
#define CLONE_VFORK 0x00004000
#define CSIGNAL 0xff

#define WNOHANG 1
#define WUNTRACED 2
#define WCONTINUED 8
#define WAIT_KNOWN (WNOHANG | WUNTRACED | WCONTINUED | 0x40000000 /* __WALL */)
#define RUSAGE_SIZE 144

/* ---- the first task, exit, reaping ---- */

/* The first task: "init", and the one process group's leader. */
static task_t *first;

/* The first run of a task made by proc_run_first: enters ring 3. */
static void first_entry(void)
{
    task_t *t = task_current();
    user_run(t->entry_rip, t->entry_rsp, t->kstack_top, t->fs_base, &t->fpu);
}

void proc_run_first(task_t *t, uintptr_t rip, uintptr_t rsp)
{
    first = t;
    t->entry_rip = rip;
    t->entry_rsp = rsp;
    context_init_start(&t->sched.ctx, t->kstack_top, first_entry);
    int rc = sched_add(t);
    assert(rc == 0 && "proc: the table is empty at the first task");
    sched_run();
    klog(KLOG_INFO, "proc: every task ended, %lu frames free\n",
         proc_free_frames());
}

unsigned long proc_free_frames(void)
{
    kalloc_trim();
    return (unsigned long)page_free_count();
}

/* Takes the zombie `t` out of the table and frees it. */
static void reap(task_t *t)
{
    sched_remove(t);
    task_destroy(t);
}

void proc_reap_orphans(void)
{
    for (int i = 0; i < SCHED_TASKS; i++) {
        task_t *t = sched_slot(i);
        if (t && t->sched.state == SCHED_ZOMBIE && !t->proc.parent &&
            t != first)
            reap(t);
    }
}

task_t *proc_first(void)
{
    return first;
}

void proc_vfork_release(task_t *t)
{
    if (!t->proc.vfork)
        return;
    t->proc.vfork = false;
    sched_wakeup(&t->proc);
}

void proc_exit(int code)
{
    task_t *t = task_current();
    t->proc.wait_status = code >= 0 ? (code & 0xff) << 8 : (-code & 0x7f);
    fd_close_all(t);
    mmu_switch(mmu_kernel_dir()); /* the task's tables go away */
    mspace_close(t->mspace);
    t->mspace = NULL;
    proc_vfork_release(t);
    for (int i = 0; i < SCHED_TASKS; i++) {
        task_t *c = sched_slot(i);
        if (c && c->proc.parent == t)
            c->proc.parent = NULL; /* orphans: the kernel reaps them */
    }
    if (t->proc.parent)
        sched_wakeup(t->proc.parent);
    sched_exit();
}

/* ---- fork, vfork, clone ---- */

/* The child of the current task with its address space copied (or shared
 * when `share_vm`), returning to ring 3 with rsp `user_rsp` (0: the
 * parent's).  The child's id, or -ENOMEM / -EAGAIN. */
static long fork_task(bool share_vm, uintptr_t user_rsp)
{
    task_t *p = task_current();
    mspace_t *ms = p->mspace;
    proc_reap_orphans(); /* their slots, if idle has not run since */
    if (rlimit_nproc_reached(p))
        return -EAGAIN;
    if (share_vm)
        mspace_open(ms);
    else if (!(ms = mspace_clone(ms)))
        return -ENOMEM;
    task_t *c = task_create(p->name, ms);
    if (!c)
        return -ENOMEM; /* task_create dropped ms */
    fd_copy_table(c, p);
    user_fpu_save(&c->fpu);
    c->fs_base = user_get_fs();
    c->exe = p->exe;
    c->brk_start = p->brk_start;
    c->brk = p->brk;
    c->umask = p->umask;
    c->cwd = p->cwd;
    tmpfs_get(c->cwd);
    c->image = p->image;
    if (c->image)
        inode_open(c->image);
    c->rlimits = p->rlimits;
    rlimit_apply(c); /* a vfork child shares (and sets) the parent's space */
    c->signal = p->signal; /* actions, mask, alternate stack */
    c->proc.parent = p;
    context_init_fork(&c->sched.ctx, c->kstack_top,
                      context_syscall_frame(p->kstack_top), user_rsp);
    if (sched_add(c) < 0) {
        c->sched.state = SCHED_ZOMBIE;
        task_destroy(c);
        return -EAGAIN;
    }
    long id = c->id;
    if (share_vm) {
        c->proc.vfork = true;
        while (c->proc.vfork)
            sched_block(&c->proc);
        rlimit_apply(p); /* the child may have changed the space's limits */
    }
    return id;
}

long sys_fork(const long *a)
{
    (void)a;
    return fork_task(false, 0);
}

long sys_vfork(const long *a)
{
    (void)a;
    return fork_task(true, 0);
}

long sys_clone(const long *a)
{
    unsigned long flags = (unsigned long)a[0];
    uintptr_t stack = (uintptr_t)a[1];
    if ((flags & CSIGNAL) != SIGCHLD)
        return -EINVAL;
    if ((flags & ~CSIGNAL) == 0)
        return fork_task(false, stack);
    if ((flags & ~CSIGNAL) == (CLONE_VM | CLONE_VFORK) && stack &&
        user_range_ok(stack - 8, 8))
        return fork_task(true, stack);
    static bool logged;
    if (!logged)
        klog(KLOG_WARN, "clone: flags 0x%lx refused (no threads; logged once)\n",
             flags);
    logged = true;
    return -EINVAL;
}

/* ---- wait4, getppid, finding a task ---- */

/* True when child `c` matches wait4's `pid`: -1 any, > 0 that one; every
 * task is in the first task's process group, so 0 and -group match any
 * child too (another -N none). */
static bool wait_match(const task_t *c, long pid)
{
    return pid == -1 || pid == 0 || pid == -first->id || c->id == pid;
}

long sys_wait4(const long *a)
{
    task_t *self = task_current();
    long pid = a[0];
    uintptr_t ustatus = (uintptr_t)a[1], rusage = (uintptr_t)a[3];
    if (a[2] & ~(long)WAIT_KNOWN)
        return -EINVAL;
    for (;;) {
        bool any = false;
        for (int i = 0; i < SCHED_TASKS; i++) {
            task_t *c = sched_slot(i);
            if (!c || c->proc.parent != self || !wait_match(c, pid))
                continue;
            any = true;
            if (c->sched.state != SCHED_ZOMBIE)
                continue;
            int status = c->proc.wait_status;
            if ((ustatus && copy_to_user((void *)ustatus, &status, 4) < 0) ||
                (rusage && clear_user((void *)rusage, RUSAGE_SIZE) < 0))
                return -EFAULT;
            long id = c->id;
            reap(c);
            return id;
        }
        if (!any)
            return -ECHILD;
        if (a[2] & WNOHANG)
            return 0;
        sched_block(self);
    }
}

task_t *proc_find(long pid)
{
    for (int i = 0; i < SCHED_TASKS; i++) {
        task_t *t = sched_slot(i);
        if (t && t->id == pid)
            return t;
    }
    return NULL;
}

long sys_getppid(const long *a)
{
    (void)a;
    task_t *p = task_current()->proc.parent;
    return p ? p->id : 0;
}

/*
 * proc.c - tasks as processes (see proc.h) and their system calls: fork,
 * vfork, clone (fork's SIGCHLD, posix_spawn's CLONE_VM|CLONE_VFORK|SIGCHLD
 * with a new stack, and threads: CLONE_THREAD goes to thread.c), wait4,
 * getppid.  A process is a thread group: fork copies only the calling
 * thread, the parent waits for the group's leader once all have ended.  execve is exec.c's, kill signal.c's.
 *
 * fork copies the address space copy-on-write (mspace_clone) and the
 * descriptor table (the open files are shared, as in Linux); vfork and
 * clone(CLONE_VM) share the address space and block the parent until the
 * child calls execve or ends.  The child starts by returning 0 from the
 * parent's very syscall (context_init_fork).
 */
#include <assert.h>
#include <errno.h>
#include <string.h>

#include "arch/mmu.h"
#include "klog.h"
#include "mm/kalloc.h"
#include "mm/page.h"
#include "net/net.h"
#include "unikernel/fd.h"
#include "unikernel/pgrp.h"
#include "arch/sigframe.h"
#include "unikernel/proc.h"
#include "unikernel/itimer.h"
#include "unikernel/sched.h"
#include "unikernel/signal.h"
#include "unikernel/syscall.h"
#include "unikernel/sysv_ipc.h"
#include "unikernel/task.h"
#include "unikernel/thread.h"
#include "unikernel/tmpfs.h"
#include "unikernel/usercopy.h"

#define CLONE_VM 0x00000100
#define CLONE_VFORK 0x00004000
#define CLONE_THREAD 0x00010000
#define CSIGNAL 0xff

#define WNOHANG 1
#define WUNTRACED 2
#define WCONTINUED 8
#define WAIT_KNOWN (WNOHANG | WUNTRACED | WCONTINUED | 0x40000000 /* __WALL */)
#define RUSAGE_SIZE 144

/* ---- the first task, exit, reaping ---- */

/* The first task: "init", leader of the first group and session. */
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
    pgrp_first(t->group, t->id);
    t->entry_rip = rip;
    t->entry_rsp = rsp;
    context_init_start(&t->sched.ctx, t->kstack_top, first_entry);
    int rc = sched_add(t);
    assert(rc == 0 && "proc: the table is empty at the first task");
    sched_run();
    klog(KLOG_INFO, "proc: every task ended, %lu frames free\n",
         proc_free_frames());
    klog(KLOG_INFO, "proc: lwIP holds %lu blocks\n", net_mem_live());
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
    for (int i = 0; i < sched_slots(); i++) {
        task_t *t = sched_slot(i);
        if (t && t->sched.state == SCHED_ZOMBIE && !t->proc.parent &&
            t != first && (t->group->leader != t || !t->group->live))
            reap(t); /* a leader stays while its threads run */
    }
}

task_t *proc_first(void)
{
    /* after an execve from another thread, its leader is that thread */
    return first ? first->group->leader : NULL;
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
    struct thread_group *g = t->group;
    if (!g->exiting) {
        g->exiting = true;
        g->exit_code = code;
        thread_end_others(false);
    }
    proc_thread_exit(code);
}

/* The group `g` has no thread left: its leader becomes the process's
 * zombie with `code`, its parent is woken, its children are orphans. */
static void group_end(struct thread_group *g, int code)
{
    task_t *l = g->leader;
    l->proc.wait_status = code >= 0 ? (code & 0xff) << 8 : (-code & 0x7f);
    l->exit_code = code;
    if (first && first->group == g)
        first->exit_code = code; /* the VM's status (task_run) */
    proc_vfork_release(l);
    for (int i = 0; i < sched_slots(); i++) {
        task_t *c = sched_slot(i);
        if (c && c->proc.parent == l) {
            c->proc.parent = NULL; /* orphans: the kernel reaps them */
            pgrp_parent_gone(c->group, g);
        }
    }
    pgrp_process_end(g);
    if (l->proc.parent) {
        signal_child_ended(l->proc.parent, l->id, code);
        sched_wakeup(l->proc.parent);
    }
}

void proc_thread_exit(int code)
{
    task_t *t = task_current();
    struct thread_group *g = t->group;
    thread_release(t); /* while the address space is there */
    fd_release_held(t); /* killed inside a call that held files */
    fd_table_put(t);
    mmu_switch(mmu_kernel_dir()); /* the task's tables may go away */
    mspace_close(t->mspace);
    t->mspace = NULL;
    sysv_shm_reap(); /* a removed segment may have lost its last user */
    t->exit_code = code;
    if (g->live == 1)
        sysv_sem_exit(thread_tgid(t)); /* SEM_UNDO, as the process ends */
    if (--g->live == 0) {
        itimer_group_end(g);
        group_end(g, g->exiting ? g->exit_code : code);
    } else {
        sched_wakeup(g); /* an execve waiting for the others */
    }
    sched_exit();
}

void proc_become_leader(task_t *t)
{
    struct thread_group *g = t->group;
    task_t *l = g->leader;
    if (l == t)
        return;
    proc_vfork_release(l);
    int id = t->id; /* the pid stays the process's */
    t->id = l->id;
    l->id = id;
    t->proc = l->proc;
    l->proc.parent = NULL; /* an ended thread now: the kernel reaps it */
    for (int i = 0; i < sched_slots(); i++) {
        task_t *c = sched_slot(i);
        if (c && c->proc.parent == l)
            c->proc.parent = t;
    }
    g->leader = t;
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
    c->brk_start = p->group->leader->brk_start; /* the process's */
    c->brk = p->group->leader->brk;
    c->arg_start = p->arg_start;
    c->arg_end = p->arg_end;
    c->env_start = p->env_start;
    c->env_end = p->env_end;
    c->umask = p->umask;
    c->cwd = p->cwd;
    tmpfs_get(c->cwd);
    c->image = p->image;
    if (c->image)
        inode_open(c->image);
    c->rlimits = p->rlimits;
    rlimit_apply(c); /* a vfork child shares (and sets) the parent's space */
    if (signal_inherit(&c->signal, &p->signal, false) < 0) {
        c->sched.state = SCHED_ZOMBIE;
        task_destroy(c);
        return -ENOMEM;
    }
    memcpy(c->comm, p->comm, sizeof(c->comm));
    c->proc.parent = p->group->leader; /* the process, whichever thread */
    pgrp_fork(c->group, p->group);
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
    if (flags & CLONE_THREAD)
        return thread_clone(flags, stack, (uintptr_t)a[2], (uintptr_t)a[3],
                            (uintptr_t)a[4]);
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

/* The children a wait asks for: any, one pid, or one process group. */
struct wait_who {
    enum { WAIT_ANY, WAIT_PID, WAIT_PGID } kind;
    long id;
};

/* wait4's `pid`: -1 any, > 0 that child, 0 the caller's group, < -1 the
 * group -pid. */
static struct wait_who wait4_who(long pid)
{
    if (pid == -1)
        return (struct wait_who){WAIT_ANY, 0};
    if (pid > 0)
        return (struct wait_who){WAIT_PID, pid};
    if (pid == 0)
        return (struct wait_who){WAIT_PGID, task_current()->group->pgid};
    return (struct wait_who){WAIT_PGID, pid < -INT32_MAX ? -1 : -pid};
}

static bool wait_match(const task_t *c, struct wait_who who)
{
    return who.kind == WAIT_ANY || (who.kind == WAIT_PID && c->id == who.id) ||
           (who.kind == WAIT_PGID && pgrp_member(c->group, (int)who.id));
}

/* The stop (WUNTRACED) or continue (WCONTINUED) of child `c` that
 * `options` ask for, as a wait status, taken when `take`; -1: none. */
static int job_status(task_t *c, long options, bool take)
{
    struct thread_group *g = c->group;
    if (!g || c->sched.state == SCHED_ZOMBIE)
        return -1;
    int status = -1;
    if ((options & WUNTRACED) && g->report_stop) {
        status = g->report_stop << 8 | 0x7f;
        if (take)
            g->report_stop = 0;
    } else if ((options & WCONTINUED) && g->report_cont) {
        status = 0xffff;
        if (take)
            g->report_cont = false;
    }
    return status;
}

/* waitid's idtype and options (Linux); WSTOPPED is wait4's WUNTRACED. */
#define P_ALL 0
#define P_PID 1
#define P_PGID 2
#define WSTOPPED 2
#define WEXITED 4
#define WNOWAIT 0x01000000
#define WAITID_KNOWN (WNOHANG | WSTOPPED | WEXITED | WCONTINUED | WNOWAIT | \
                      0x20000000 /* __WNOTHREAD */ | 0x40000000 /* __WALL */ | \
                      0x80000000u /* __WCLONE */)

/* What a wait found: a child's stop or continue (its report taken unless
 * WNOWAIT), or its end (the child is left for the caller to reap). */
struct wait_event {
    task_t *child;
    int status; /* wait4's status word */
    bool ended;
};

/* The one scan of wait4 and waitid: finds a child of `self` matching `pid`
 * with an event `options` ask for (WSTOPPED, WCONTINUED, WEXITED),
 * blocking unless WNOHANG.  Returns 1 with `ev` filled, 0 (WNOHANG,
 * nothing yet), -ECHILD (no such child) or -ERESTARTSYS. */
static int wait_for_child(task_t *self, struct wait_who who, long options,
                          struct wait_event *ev)
{
    for (;;) {
        bool any = false;
        for (int i = 0; i < sched_slots(); i++) {
            task_t *c = sched_slot(i);
            if (!c || c->proc.parent != self || !wait_match(c, who))
                continue;
            any = true;
            int job = job_status(c, options, !(options & WNOWAIT));
            if (job >= 0) {
                *ev = (struct wait_event){ c, job, false };
                return 1;
            }
            if ((options & WEXITED) && c->sched.state == SCHED_ZOMBIE &&
                !c->group->live) { /* a leader waits for its threads */
                *ev = (struct wait_event){ c, c->proc.wait_status, true };
                return 1;
            }
        }
        if (!any)
            return -ECHILD;
        if (options & WNOHANG)
            return 0;
        if (signal_interrupted())
            return -ERESTARTSYS;
        sched_block(self);
    }
}

long sys_wait4(const long *a)
{
    task_t *self = task_current()->group->leader; /* any thread waits */
    long pid = a[0];
    uintptr_t ustatus = (uintptr_t)a[1], rusage = (uintptr_t)a[3];
    if (a[2] & ~(long)WAIT_KNOWN)
        return -EINVAL;
    struct wait_event ev;
    int rc = wait_for_child(self, wait4_who(pid), a[2] | WEXITED, &ev);
    if (rc <= 0)
        return rc;
    if ((ustatus && copy_to_user((void *)ustatus, &ev.status, 4) < 0) ||
        (ev.ended && rusage && clear_user((void *)rusage, RUSAGE_SIZE) < 0))
        return -EFAULT;
    long id = ev.child->id;
    if (ev.ended)
        reap(ev.child);
    return id;
}

/* The siginfo_t waitid writes: SIGCHLD's fields, the rest 0. */
struct wait_siginfo {
    int32_t signo, err, code, pad;
    int32_t pid;
    uint32_t uid;
    int32_t status, pad2;
    int64_t utime, stime;
    uint8_t rest[128 - 48];
};

/* waitid(idtype, id, infop, options, rusage): as wait4, the child's end
 * told by a siginfo (CLD_EXITED or CLD_KILLED); WNOWAIT leaves it to be
 * waited for again; WSTOPPED and WCONTINUED report a stop (CLD_STOPPED)
 * and a continue (CLD_CONTINUED); WNOHANG with nothing yet writes a
 * zeroed siginfo. */
long sys_waitid(const long *a)
{
    task_t *self = task_current()->group->leader;
    long idtype = a[0], id = a[1], options = a[3];
    uintptr_t uinfo = (uintptr_t)a[2], rusage = (uintptr_t)a[4];
    if ((unsigned long)options & ~(unsigned long)WAITID_KNOWN ||
        !(options & (WEXITED | WSTOPPED | WCONTINUED)))
        return -EINVAL;
    struct wait_who who;
    if (idtype == P_ALL)
        who = (struct wait_who){WAIT_ANY, 0};
    else if (idtype == P_PID && id > 0)
        who = (struct wait_who){WAIT_PID, id};
    else if (idtype == P_PGID && id >= 0) /* 0: the caller's group */
        who = (struct wait_who){WAIT_PGID, id ? id : task_current()->group->pgid};
    else
        return -EINVAL;
    struct wait_event ev = {0};
    int rc = wait_for_child(self, who, options, &ev);
    if (rc < 0)
        return rc;
    struct wait_siginfo info = {0};
    if (rc > 0) {
        int s = ev.status;
        info.signo = SIGCHLD;
        info.pid = ev.child->id;
        if (!ev.ended) {
            info.code = s == 0xffff ? CLD_CONTINUED : CLD_STOPPED;
            info.status = s == 0xffff ? SIGCONT : s >> 8;
        } else {
            info.code = (s & 0x7f) ? CLD_KILLED : CLD_EXITED;
            info.status = (s & 0x7f) ? s & 0x7f : (s >> 8) & 0xff;
        }
    }
    if ((uinfo && copy_to_user((void *)uinfo, &info, sizeof(info)) < 0) ||
        (ev.ended && rusage && clear_user((void *)rusage, RUSAGE_SIZE) < 0))
        return -EFAULT;
    if (ev.ended && !(options & WNOWAIT))
        reap(ev.child);
    return 0;
}

task_t *proc_find(long pid)
{
    for (int i = 0; i < sched_slots(); i++) {
        task_t *t = sched_slot(i);
        if (t && t->id == pid)
            return t;
    }
    return NULL;
}

long sys_getppid(const long *a)
{
    (void)a;
    task_t *p = task_current()->group->leader->proc.parent;
    return p ? p->id : 0;
}

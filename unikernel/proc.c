/*
 * proc.c - tasks as processes (see proc.h) and their system calls: fork,
 * vfork, clone (only the two forms musl uses: fork's SIGCHLD and
 * posix_spawn's CLONE_VM|CLONE_VFORK|SIGCHLD with a new stack), execve,
 * wait4, kill, tkill, tgkill, getppid.
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
#include "unikernel/exec.h"
#include "unikernel/fd.h"
#include "unikernel/proc.h"
#include "unikernel/ramfs.h"
#include "unikernel/sched.h"
#include "unikernel/syscall.h"
#include "unikernel/task.h"
#include "unikernel/usercopy.h"

#define SIGKILL 9
#define SIGTERM 15
#define SIGCHLD 17
#define SIGCONT 18
#define SIGSTOP 19
#define SIGTSTP 20
#define SIGTTIN 21
#define SIGTTOU 22
#define SIGURG 23
#define SIGWINCH 28
#define SIG_IGN 1
#define SS_DISABLE 2

#define CLONE_VM 0x00000100
#define CLONE_VFORK 0x00004000
#define CSIGNAL 0xff

#define WNOHANG 1
#define WUNTRACED 2
#define WCONTINUED 8
#define WAIT_KNOWN (WNOHANG | WUNTRACED | WCONTINUED | 0x40000000 /* __WALL */)
#define RUSAGE_SIZE 144

#define EXEC_STRINGS 32768 /* bytes of argv and envp strings execve takes */

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

/* A vfork child lets its parent go on (execve or end). */
static void vfork_release(task_t *t)
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
    vfork_release(t);
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

/* Gives `c` the descriptors of `p` (each open file gains a reference). */
static void copy_fds(task_t *c, const task_t *p)
{
    fd_close_all(c);
    for (int fd = 0; fd < TASK_FDS; fd++)
        if (p->fds[fd]) {
            c->fds[fd] = p->fds[fd];
            c->fds[fd]->refs++;
        }
    c->cloexec = p->cloexec;
}

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
    copy_fds(c, p);
    user_fpu_save(&c->fpu);
    c->fs_base = user_get_fs();
    c->exe = p->exe;
    c->brk_start = p->brk_start;
    c->brk = p->brk;
    c->umask = p->umask;
    c->rlimits = p->rlimits;
    rlimit_apply(c); /* a vfork child shares (and sets) the parent's space */
    memcpy(c->altstack, p->altstack, sizeof(c->altstack));
    memcpy(c->sig, p->sig, sizeof(c->sig));
    c->sigmask = p->sigmask;
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

/* ---- execve ---- */

/* The strings of execve copied from the user. */
struct exec_args {
    char path[RAMFS_PATH_MAX];
    const char *argv[EXEC_MAX_ARGS], *envp[EXEC_MAX_ENV];
    int argc, envc;
    size_t used;
    char strings[EXEC_STRINGS];
};

/* Copies the NULL-terminated user vector `uvec` into vec (at most max
 * entries), its strings into a->strings: the count or -E2BIG / -EFAULT. */
static long copy_vector(struct exec_args *a, const char **vec, int max,
                        uintptr_t uvec)
{
    for (int n = 0; uvec; n++) {
        uint64_t us;
        if (copy_from_user(&us, (const void *)(uvec + 8 * (size_t)n), 8) < 0)
            return -EFAULT;
        if (!us)
            return n;
        if (n == max)
            return -E2BIG;
        size_t room = sizeof(a->strings) - a->used;
        if (room == 0)
            return -E2BIG;
        long len = strncpy_from_user(a->strings + a->used,
                                     (const char *)(uintptr_t)us, room);
        if (len == -ENAMETOOLONG || (len >= 0 && (size_t)len >= room))
            return -E2BIG; /* more string bytes than execve takes */
        if (len < 0)
            return len;
        vec[n] = a->strings + a->used;
        a->used += (size_t)len + 1;
    }
    return 0;
}

/* The last component of `path`. */
static const char *base_name(const char *path)
{
    const char *base = path;
    for (const char *c = path; *c; c++)
        if (*c == '/')
            base = c + 1;
    return base;
}

/* What does not survive execve: close-on-exec descriptors, handlers
 * (ignored signals stay ignored), the alternate signal stack, TLS, FPU
 * state (brk is the new image's: exec_load).  Resource limits stay. */
static void exec_reset(task_t *t)
{
    for (int fd = 0; fd < TASK_FDS; fd++)
        if (t->cloexec & (1ull << fd))
            fd_close(t, fd);
    for (int s = 0; s < TASK_SIGNALS; s++)
        if (t->sig[s].handler != SIG_IGN)
            memset(&t->sig[s], 0, sizeof(t->sig[s]));
    t->altstack[0] = t->altstack[2] = 0;
    t->altstack[1] = SS_DISABLE;
    t->fs_base = 0;
    t->clear_child_tid = 0;
    context_reset_user(&t->fpu);
}

/* Replaces the image of the current task by `ino` (checked): 0 or -errno
 * with the task unchanged. */
static long exec_replace(task_t *t, inode_t *ino, struct exec_args *a)
{
    elf_plan_t plan;
    char msg[160];
    if (elf_check(ino->data, (size_t)ino->size, &plan, msg, sizeof(msg)) < 0) {
        klog(KLOG_INFO, "execve: %s refused: %s\n", a->path, msg);
        return -ENOEXEC;
    }
    mspace_t *old = t->mspace, *ms = mspace_create();
    if (!ms)
        return -ENOMEM;
    uintptr_t old_brk = t->brk, old_brk_start = t->brk_start, sp;
    t->mspace = ms;
    rlimit_apply(t); /* the image and stack are mapped within the limits */
    task_switch(t);
    int rc = exec_load(t, ino, &plan, ino->name ? ino->name : a->path, a->argc,
                       a->argv, a->envc, a->envp, &sp);
    if (rc < 0) {
        t->mspace = old;
        t->brk = old_brk;
        t->brk_start = old_brk_start;
        task_switch(t);
        mspace_close(ms);
        return rc;
    }
    mspace_close(old); /* a vfork child drops its share only */
    exec_reset(t);
    t->exe = ino->name ? ino->name : "?";
    t->name = base_name(t->exe);
    struct syscall_frame *f = context_syscall_frame(t->kstack_top);
    memset(f, 0, sizeof(*f));
    f->rip = plan.entry;
    f->rsp = sp;
    f->rflags = 0x202; /* IF */
    vfork_release(t);
    return 0;
}

long sys_execve(const long *ua)
{
    task_t *t = task_current();
    struct exec_args *a = kalloc(sizeof(*a));
    if (!a)
        return -ENOMEM;
    long rc = strncpy_from_user(a->path, (const char *)ua[0], sizeof(a->path));
    if (rc >= (long)sizeof(a->path))
        rc = -ENAMETOOLONG;
    if (rc >= 0)
        rc = a->argc = (int)copy_vector(a, a->argv, EXEC_MAX_ARGS, ua[1]);
    if (rc >= 0)
        rc = a->envc = (int)copy_vector(a, a->envp, EXEC_MAX_ENV, ua[2]);
    inode_t *ino = NULL;
    if (rc >= 0) {
        rc = ramfs_lookup(a->path, &ino);
        rc = rc == 1 ? -EACCES : rc;
    }
    if (rc >= 0)
        rc = exec_replace(t, ino, a);
    kfree(a);
    return rc;
}

/* ---- wait4, kill, getppid ---- */

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

/* The live or zombie task with id `pid`, or NULL. */
static task_t *task_by_id(long pid)
{
    for (int i = 0; i < SCHED_TASKS; i++) {
        task_t *t = sched_slot(i);
        if (t && t->id == pid)
            return t;
    }
    return NULL;
}

/* Sends `sig` to `t`: no handler runs (none is delivered), so a signal
 * whose default action is to ignore does nothing and any other ends the
 * task; stop signals are refused (no job control). */
static long signal_send(task_t *t, long sig)
{
    if (sig < 0 || sig > TASK_SIGNALS)
        return -EINVAL;
    if (sig == 0 || sig == SIGCHLD || sig == SIGCONT || sig == SIGURG ||
        sig == SIGWINCH || t->sched.state == SCHED_ZOMBIE)
        return 0;
    if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU)
        return -ENOSYS;
    if (t == task_current())
        task_kill((int)sig);
    sched_kill(t, (int)sig);
    return 0;
}

/* Sends `sig` to every live task but `skip` (NULL: none), the caller
 * last: the result of the last sending, -ESRCH when none was sent. */
static long signal_all(long sig, const task_t *skip)
{
    task_t *self = task_current();
    long rc = sig < 0 || sig > TASK_SIGNALS ? -EINVAL : -ESRCH;
    for (int i = 0; rc != -EINVAL && i < SCHED_TASKS; i++) {
        task_t *t = sched_slot(i);
        if (t && t != self && t != skip && t->sched.state != SCHED_ZOMBIE)
            rc = signal_send(t, sig);
    }
    return rc == -EINVAL || self == skip ? rc : signal_send(self, sig);
}

long sys_kill(const long *a)
{
    long pid = a[0];
    if (pid == 0 || pid == -first->id)
        return signal_all(a[1], NULL); /* the one process group */
    if (pid == -1)
        return signal_all(a[1], first); /* all but "init" */
    task_t *t = pid > 0 ? task_by_id(pid) : NULL;
    return t ? signal_send(t, a[1]) : -ESRCH;
}

long sys_tkill(const long *a)
{
    task_t *t = task_by_id(a[0]);
    return t ? signal_send(t, a[1]) : -ESRCH;
}

long sys_tgkill(const long *a)
{
    task_t *t = a[0] == a[1] ? task_by_id(a[0]) : NULL;
    return t ? signal_send(t, a[2]) : -ESRCH;
}

long sys_getppid(const long *a)
{
    (void)a;
    task_t *p = task_current()->proc.parent;
    return p ? p->id : 0;
}

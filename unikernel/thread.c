/*
 * thread.c - thread groups and the thread system calls (see thread.h).
 *
 * A thread is a task created by task_create_thread: it shares its
 * creator's mspace (one more reference), descriptor table and signal
 * actions (reference-counted), joins the creator's group and has no
 * parent: nobody waits for a thread, the kernel reaps it when it ends.
 * The group leader is the process: its parent waits for it once every
 * thread has ended (proc.c).
 */
#include <errno.h>
#include <string.h>

#include "mm/kalloc.h"
#include "unikernel/futex.h"
#include "unikernel/proc.h"
#include "unikernel/sched.h"
#include "unikernel/syscall.h"
#include "unikernel/task.h"
#include "unikernel/thread.h"
#include "unikernel/usercopy.h"

#define CLONE_VM 0x00000100
#define CLONE_FS 0x00000200
#define CLONE_FILES 0x00000400
#define CLONE_SIGHAND 0x00000800
#define CLONE_THREAD 0x00010000
#define CLONE_SYSVSEM 0x00040000
#define CLONE_SETTLS 0x00080000
#define CLONE_PARENT_SETTID 0x00100000
#define CLONE_CHILD_CLEARTID 0x00200000
#define CLONE_DETACHED 0x00400000
#define CLONE_CHILD_SETTID 0x01000000
#define THREAD_NEEDS                                                           \
    (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD)
#define THREAD_MAY                                                             \
    (CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID |                      \
     CLONE_CHILD_CLEARTID | CLONE_DETACHED | CLONE_CHILD_SETTID)

#define FUTEX_WAITERS 0x80000000u
#define FUTEX_OWNER_DIED 0x40000000u
#define FUTEX_TID_MASK 0x3fffffffu
#define ROBUST_HEAD_SIZE 24 /* struct robust_list_head */
#define ROBUST_LIMIT 2048   /* Linux's ROBUST_LIST_LIMIT: a loop ends */

#define PR_GET_DUMPABLE 3
#define PR_SET_DUMPABLE 4
#define PR_SET_NAME 15
#define PR_GET_NAME 16

/* ---- groups ---- */

int thread_group_new(task_t *t)
{
    struct thread_group *g = kalloc(sizeof(*g));
    if (!g)
        return -ENOMEM;
    *g = (struct thread_group){.refs = 1, .live = 1, .leader = t};
    t->group = g;
    return 0;
}

void thread_group_put(task_t *t)
{
    struct thread_group *g = t->group;
    t->group = NULL;
    if (--g->refs == 0)
        kfree(g);
}

int thread_tgid(const task_t *t)
{
    return t->group ? t->group->leader->id : t->id;
}

task_t *thread_live(task_t *t)
{
    if (t->sched.state != SCHED_ZOMBIE)
        return t;
    for (int i = 0; t->group && t->group->live && i < sched_slots(); i++) {
        task_t *o = sched_slot(i);
        if (o && o->group == t->group && o->sched.state != SCHED_ZOMBIE)
            return o;
    }
    return NULL;
}

void thread_end_others(bool wait)
{
    task_t *self = task_current();
    struct thread_group *g = self->group;
    for (int i = 0; i < sched_slots(); i++) {
        task_t *t = sched_slot(i);
        if (t && t != self && t->group == g)
            sched_kill(t, SCHED_KILL_QUIET);
    }
    while (wait && g->live > 1)
        sched_block(g); /* proc_thread_exit wakes the group */
}

/* ---- clone ---- */

long thread_clone(unsigned long flags, uintptr_t stack, uintptr_t ptid,
                  uintptr_t ctid, uintptr_t tls)
{
    task_t *p = task_current();
    if ((flags & THREAD_NEEDS) != THREAD_NEEDS ||
        (flags & ~(unsigned long)(THREAD_NEEDS | THREAD_MAY)))
        return -EINVAL;
    if ((flags & CLONE_SETTLS) && !user_range_ok(tls, 0))
        return -EPERM;
    proc_reap_orphans(); /* their slots, if idle has not run since */
    if (rlimit_nproc_reached(p))
        return -EAGAIN;
    task_t *c = task_create_thread(p);
    if (!c)
        return -ENOMEM;
    user_fpu_save(&c->fpu);
    c->fs_base = flags & CLONE_SETTLS ? tls : user_get_fs();
    if (flags & CLONE_CHILD_CLEARTID)
        c->clear_child_tid = ctid;
    c->proc.parent = NULL; /* a thread: reaped by the kernel */
    context_init_fork(&c->sched.ctx, c->kstack_top,
                      context_syscall_frame(p->kstack_top), stack);
    if (sched_add(c) < 0) {
        c->group->live--;
        c->sched.state = SCHED_ZOMBIE;
        task_destroy(c);
        return -EAGAIN;
    }
    uint32_t tid = (uint32_t)c->id;
    /* as Linux, a word that cannot be written is not an error */
    if (flags & CLONE_PARENT_SETTID)
        (void)copy_to_user((void *)ptid, &tid, 4);
    if (flags & CLONE_CHILD_SETTID)
        (void)copy_to_user((void *)ctid, &tid, 4);
    return c->id;
}

/* ---- a thread's end ---- */

/* A robust futex at `uaddr` held by `t`: marked OWNER_DIED, one waiter
 * woken. */
static void robust_release_one(task_t *t, uintptr_t uaddr)
{
    uint32_t v;
    if ((uaddr & 3) || copy_from_user(&v, (const void *)uaddr, 4) < 0 ||
        (v & FUTEX_TID_MASK) != (uint32_t)t->id)
        return;
    uint32_t nv = (v & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
    if (copy_to_user((void *)uaddr, &nv, 4) == 0 && (v & FUTEX_WAITERS))
        futex_wake(t->mspace, uaddr, 1);
}

/* Walks the robust list of `t` (bounded, as Linux) releasing what it
 * holds. */
static void robust_release(task_t *t)
{
    uintptr_t head = t->robust_list, h[3]; /* list, futex_offset, pending */
    if (!head || copy_from_user(h, (const void *)head, sizeof(h)) < 0)
        return;
    long off = (long)h[1];
    uintptr_t entry = h[0] & ~(uintptr_t)1, pending = h[2] & ~(uintptr_t)1;
    for (int n = 0; entry != head && n < ROBUST_LIMIT; n++) {
        uintptr_t next;
        if (copy_from_user(&next, (const void *)entry, 8) < 0)
            return;
        if (entry != pending)
            robust_release_one(t, entry + (uintptr_t)off);
        entry = next & ~(uintptr_t)1;
    }
    if (pending)
        robust_release_one(t, pending + (uintptr_t)off);
}

void thread_release(task_t *t)
{
    robust_release(t);
    if (t->clear_child_tid) {
        uint32_t zero = 0;
        if (copy_to_user((void *)t->clear_child_tid, &zero, 4) == 0)
            futex_wake(t->mspace, t->clear_child_tid, 1);
        t->clear_child_tid = 0;
    }
}

/* ---- the system calls ---- */

long sys_getpid(const long *a)
{
    (void)a;
    return thread_tgid(task_current());
}

long sys_gettid(const long *a)
{
    (void)a;
    return task_current()->id;
}

long sys_set_tid_address(const long *a)
{
    task_t *t = task_current();
    t->clear_child_tid = (uintptr_t)a[0];
    return t->id;
}

long sys_set_robust_list(const long *a)
{
    if (a[1] != ROBUST_HEAD_SIZE)
        return -EINVAL;
    task_current()->robust_list = (uintptr_t)a[0];
    return 0;
}

/* The thread `tid` names (0: the caller), or NULL. */
static task_t *thread_of(long tid)
{
    task_t *t = tid == 0 ? task_current() : proc_find(tid);
    return t && t->sched.state != SCHED_ZOMBIE ? t : NULL;
}

long sys_get_robust_list(const long *a)
{
    task_t *t = thread_of(a[0]);
    if (!t)
        return -ESRCH;
    uint64_t head = t->robust_list, len = ROBUST_HEAD_SIZE;
    if (copy_to_user((void *)a[1], &head, 8) < 0 ||
        copy_to_user((void *)a[2], &len, 8) < 0)
        return -EFAULT;
    return 0;
}

/* One CPU: the affinity mask is CPU 0, in one long. */
long sys_sched_getaffinity(const long *a)
{
    uint64_t mask = 1;
    if (!thread_of(a[0]))
        return -ESRCH;
    if ((unsigned long)a[1] < sizeof(mask) || (a[1] & (sizeof(long) - 1)))
        return -EINVAL;
    if (copy_to_user((void *)a[2], &mask, sizeof(mask)) < 0)
        return -EFAULT;
    return sizeof(mask);
}

long sys_sched_setaffinity(const long *a)
{
    uint64_t mask = 0;
    if (!thread_of(a[0]))
        return -ESRCH;
    size_t n = (unsigned long)a[1] < sizeof(mask) ? (size_t)a[1] : sizeof(mask);
    if (copy_from_user(&mask, (const void *)a[2], n) < 0)
        return -EFAULT;
    return mask & 1 ? 0 : -EINVAL; /* CPU 0 must be in it */
}

long sys_prctl(const long *a)
{
    task_t *t = task_current();
    char name[16];
    switch (a[0]) {
    case PR_SET_NAME: {
        memset(name, 0, sizeof(name));
        for (size_t i = 0; i < sizeof(name) - 1; i++) { /* truncated */
            if (copy_from_user(&name[i], (const char *)a[1] + i, 1) < 0)
                return -EFAULT;
            if (!name[i])
                break;
        }
        memcpy(t->comm, name, sizeof(name));
        return 0;
    }
    case PR_GET_NAME:
        return copy_to_user((void *)a[1], t->comm, sizeof(t->comm)) < 0
                   ? -EFAULT
                   : 0;
    case PR_GET_DUMPABLE: /* no core dumps here: every task stays dumpable */
        return 1;
    case PR_SET_DUMPABLE: /* nginx's workers, after setuid */
        return (unsigned long)a[1] <= 1 ? 0 : -EINVAL;
    default:
        return -EINVAL;
    }
}

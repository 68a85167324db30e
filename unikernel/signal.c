/*
 * signal.c - signals (see signal.h) and their system calls: rt_sigaction,
 * rt_sigprocmask, sigaltstack (recorded and read back), kill, tkill and
 * tgkill.  Every task is in the first task's one process group.  The
 * actions are the process's (shared by its threads), the mask and the
 * alternate stack each thread's; a fatal signal to any thread ends its
 * whole process.
 */
#include <errno.h>
#include <string.h>

#include "mm/kalloc.h"

#include "unikernel/proc.h"
#include "unikernel/sched.h"
#include "unikernel/signal.h"
#include "unikernel/syscall.h"
#include "unikernel/task.h"
#include "unikernel/thread.h"
#include "unikernel/usercopy.h"

#define SIG_BLOCK 0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2
#define SIGSET_SIZE 8 /* rt_sig*'s sigsetsize: the kernel's 64-bit set */
#define MINSIGSTKSZ 2048

/* Bit of signal `sig` in a mask. */
#define SIGBIT(sig) (1ull << ((sig) - 1))

int signal_init(struct task_signal *s)
{
    *s = (struct task_signal){.altstack = {0, SS_DISABLE, 0}};
    s->actions = kalloc(sizeof(*s->actions));
    if (!s->actions)
        return -ENOMEM;
    memset(s->actions, 0, sizeof(*s->actions));
    s->actions->refs = 1;
    return 0;
}

int signal_inherit(struct task_signal *s, const struct task_signal *from,
                   bool share)
{
    struct signal_actions *a = from->actions;
    if (share) {
        a->refs++;
    } else {
        if (!(a = kalloc(sizeof(*a))))
            return -ENOMEM;
        *a = *from->actions;
        a->refs = 1;
    }
    signal_put(s);
    *s = *from;
    s->actions = a;
    return 0;
}

void signal_put(struct task_signal *s)
{
    if (s->actions && --s->actions->refs == 0)
        kfree(s->actions);
    s->actions = NULL;
}

void signal_exec_reset(struct task_signal *s)
{
    /* execve ends the other threads first: the actions are its own */
    struct task_sigaction *action = s->actions->action;
    for (int n = 0; n < SIGNAL_MAX; n++)
        if (action[n].handler != SIG_IGN)
            memset(&action[n], 0, sizeof(action[n]));
    s->altstack[0] = s->altstack[2] = 0;
    s->altstack[1] = SS_DISABLE;
}

/* ---- sending ---- */

long signal_send(task_t *t, long sig)
{
    if (sig < 0 || sig > SIGNAL_MAX)
        return -EINVAL;
    if (t->sched.state == SCHED_ZOMBIE)
        t = thread_live(t); /* a main thread ended before the others */
    if (sig == 0 || sig == SIGCHLD || sig == SIGCONT || sig == SIGURG ||
        sig == SIGWINCH || !t)
        return 0;
    if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU)
        return -ENOSYS;
    if (t == task_current())
        task_kill((int)sig);
    sched_kill(t, (int)sig);
    return 0;
}

/* Sends `sig` to every live process but the one led by `skip` (NULL:
 * none), the caller's last: the result of the last sending, -ESRCH when
 * none was sent. */
static long signal_all(long sig, const task_t *skip)
{
    task_t *self = task_current()->group->leader;
    long rc = sig < 0 || sig > SIGNAL_MAX ? -EINVAL : -ESRCH;
    for (int i = 0; rc != -EINVAL && i < sched_slots(); i++) {
        task_t *t = sched_slot(i);
        if (t && t == t->group->leader && t != self && t != skip &&
            t->group->live)
            rc = signal_send(t, sig); /* once per process */
    }
    return rc == -EINVAL || self == skip ? rc
                                         : signal_send(task_current(), sig);
}

long sys_kill(const long *a)
{
    long pid = a[0];
    task_t *init = proc_first();
    if (pid == 0 || pid == -init->id)
        return signal_all(a[1], NULL); /* the one process group */
    if (pid == -1)
        return signal_all(a[1], init); /* all but "init" */
    task_t *t = pid > 0 ? proc_find(pid) : NULL;
    return t ? signal_send(t, a[1]) : -ESRCH;
}

long sys_tkill(const long *a)
{
    task_t *t = proc_find(a[0]);
    return t ? signal_send(t, a[1]) : -ESRCH;
}

long sys_tgkill(const long *a)
{
    if (a[0] <= 0 || a[1] <= 0)
        return -EINVAL;
    task_t *t = proc_find(a[1]);
    return t && thread_tgid(t) == a[0] ? signal_send(t, a[2]) : -ESRCH;
}

/* ---- actions, mask, alternate stack ---- */

long sys_rt_sigaction(const long *a)
{
    long sig = a[0];
    task_t *t = task_current();
    if (sig < 1 || sig > SIGNAL_MAX || a[3] != SIGSET_SIZE)
        return -EINVAL;
    struct task_sigaction *slot = &t->signal.actions->action[sig - 1], act;
    if (a[1]) {
        if (sig == SIGKILL || sig == SIGSTOP)
            return -EINVAL;
        if (copy_from_user(&act, (const void *)a[1], sizeof(act)) < 0)
            return -EFAULT;
    }
    if (a[2] && copy_to_user((void *)a[2], slot, sizeof(*slot)) < 0)
        return -EFAULT;
    if (a[1])
        *slot = act;
    return 0;
}

long sys_rt_sigprocmask(const long *a)
{
    task_t *t = task_current();
    uint64_t set = 0, old = t->signal.mask;
    if (a[3] != SIGSET_SIZE)
        return -EINVAL;
    if (a[1]) {
        if (copy_from_user(&set, (const void *)a[1], sizeof(set)) < 0)
            return -EFAULT;
        set &= ~(SIGBIT(SIGKILL) | SIGBIT(SIGSTOP)); /* never blocked */
        if (a[0] == SIG_BLOCK)
            t->signal.mask |= set;
        else if (a[0] == SIG_UNBLOCK)
            t->signal.mask &= ~set;
        else if (a[0] == SIG_SETMASK)
            t->signal.mask = set;
        else
            return -EINVAL;
    }
    if (a[2] && copy_to_user((void *)a[2], &old, sizeof(old)) < 0) {
        t->signal.mask = old;
        return -EFAULT;
    }
    return 0;
}

long sys_sigaltstack(const long *a)
{
    task_t *t = task_current();
    uint64_t ss[3], old[3];
    memcpy(old, t->signal.altstack, sizeof(old));
    if (a[0]) {
        if (copy_from_user(ss, (const void *)a[0], sizeof(ss)) < 0)
            return -EFAULT;
        if (ss[1] & ~(uint64_t)SS_DISABLE)
            return -EINVAL;
        if (!(ss[1] & SS_DISABLE) && ss[2] < MINSIGSTKSZ)
            return -ENOMEM;
        if (ss[1] & SS_DISABLE)
            ss[0] = ss[2] = 0;
    }
    if (a[1] && copy_to_user((void *)a[1], old, sizeof(old)) < 0)
        return -EFAULT;
    if (a[0])
        memcpy(t->signal.altstack, ss, sizeof(ss));
    return 0;
}

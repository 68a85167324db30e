/*
 * signal.c - signals (see signal.h): the policy of delivery (which signal,
 * the masks, the actions, restarting an interrupted call; the frame is the
 * port's, arch/sigframe.h) and the system calls rt_sigaction,
 * rt_sigprocmask, rt_sigpending, rt_sigsuspend, pause, rt_sigreturn,
 * sigaltstack, kill, tkill and tgkill (kill by process group: pgrp.c).
 * The actions are the process's (shared by its
 * threads), the mask, the pending set and the alternate stack each
 * thread's; a fatal signal to any thread ends its whole process.
 */
#include <errno.h>
#include <string.h>

#include "abi/syscalls.h"
#include "arch/clock.h"
#include "arch/sigframe.h"
#include "arch/upcall.h"
#include "arch/x86_64/context.h"
#include "klog.h"
#include "mm/kalloc.h"
#include "unikernel/pgrp.h"
#include "unikernel/proc.h"
#include "unikernel/itimer.h"
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
#define SS_ONSTACK 1

/* Bit of signal `sig` in a mask. */
#define UNBLOCKABLE (SIGBIT(SIGKILL) | SIGBIT(SIGSTOP))
#define STOP_SIGNALS (SIGBIT(SIGSTOP) | SIGBIT(SIGTSTP) | SIGBIT(SIGTTIN) | \
                      SIGBIT(SIGTTOU))
/* Taken first, as Linux does: the faults. */
#define SYNCHRONOUS (SIGBIT(SIGSEGV) | SIGBIT(SIGBUS) | SIGBIT(SIGILL) | \
                     SIGBIT(SIGTRAP) | SIGBIT(SIGFPE) | SIGBIT(SIGSYS))

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
    s->pending = 0; /* a new task or thread starts with none pending */
    s->restore_mask = false;
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
    s->restore_mask = false;
}

/* True when `sig`'s action is its default and that default is to ignore. */
static bool default_ignores(int sig)
{
    return sig == SIGCHLD || sig == SIGCONT || sig == SIGURG ||
           sig == SIGWINCH;
}

/* True when taking `sig` does nothing. */
static bool ignored(const struct task_signal *s, int sig)
{
    uint64_t h = s->actions->action[sig - 1].handler;
    return h == SIG_IGN || (h == SIG_DFL && default_ignores(sig));
}

/* ---- sending ---- */

/* ---- stopping and continuing (SIGSTOP, SIGTSTP, ..., SIGCONT) ---- */

/* Takes `bits` out of the pending set of every thread of `g`. */
static void unpend_group(struct thread_group *g, uint64_t bits)
{
    for (int i = 0; i < sched_slots(); i++) {
        task_t *c = sched_slot(i);
        if (c && c->group == g)
            c->signal.pending &= ~bits;
    }
}

/* Tells the parent of process `g` that it stopped or continued: SIGCHLD
 * with `code` (unless its action has SA_NOCLDSTOP) and a wake-up for
 * wait4. */
static void report_to_parent(struct thread_group *g, int code, int status);

/* A stop of the current task's process by `sig` (its default action):
 * every thread stops as it next leaves the kernel; this one waits here
 * for SIGCONT or a kill. */
static void stop_group(task_t *t, int sig)
{
    struct thread_group *g = t->group;
    if (!g->stopped) {
        g->stopped = true;
        g->report_stop = sig;
        g->report_cont = false;
        for (int i = 0; i < sched_slots(); i++) {
            task_t *c = sched_slot(i);
            if (c && c != t && c->group == g && c->sched.state != SCHED_ZOMBIE) {
                c->signal.pending |= SIGBIT(SIGSTOP);
                sched_interrupt(c);
            }
        }
        report_to_parent(g, CLD_STOPPED, sig);
    }
    while (g->stopped && !t->sched.kill_sig)
        sched_block(&g->stopped);
}

/* SIGCONT sent to process `g`: stop signals pending are dropped; a
 * stopped process runs again, and its parent hears of it. */
static void continue_group(struct thread_group *g)
{
    unpend_group(g, STOP_SIGNALS);
    if (!g->stopped)
        return;
    g->stopped = false;
    g->report_stop = 0;
    g->report_cont = true;
    sched_wakeup(&g->stopped);
    report_to_parent(g, CLD_CONTINUED, SIGCONT);
}

/* signal_send with the siginfo `info` (its pid 0: the current task's). */
static long send_info(task_t *t, long sig, struct task_siginfo info)
{
    if (sig < 0 || sig > SIGNAL_MAX)
        return -EINVAL;
    if (t->sched.state == SCHED_ZOMBIE)
        t = thread_live(t); /* a main thread ended before the others */
    if (sig == 0 || !t)
        return 0;
    struct task_signal *s = &t->signal;
    task_t *self = task_current();
    bool blocked = (s->mask & SIGBIT(sig)) != 0;
    bool awaited = (s->waitset & SIGBIT(sig)) != 0; /* rt_sigtimedwait */
    if (sig == SIGCONT)
        continue_group(t->group); /* whatever its action */
    if (SIGBIT(sig) & STOP_SIGNALS) {
        unpend_group(t->group, SIGBIT(SIGCONT));
        if (sig == SIGSTOP ||
            (!blocked && s->actions->action[sig - 1].handler == SIG_DFL)) {
            s->pending |= SIGBIT(sig); /* stops as it leaves the kernel */
            s->info[sig - 1] = info;
            if (t != self)
                sched_interrupt(t);
            return 0;
        }
    }
    if (!blocked && !awaited && ignored(s, (int)sig))
        return 0; /* dropped, as Linux does: it wakes nothing */
    if (sig == SIGKILL || (!blocked && !awaited &&
                           s->actions->action[sig - 1].handler == SIG_DFL)) {
        if (t == self)
            task_kill((int)sig);
        sched_kill(t, (int)sig);
        return 0;
    }
    s->pending |= SIGBIT(sig);
    if (!info.pid && self)
        info.pid = self->id;
    s->info[sig - 1] = info;
    if ((!blocked || awaited) && t != self)
        sched_interrupt(t); /* out of a blocking call, to take it */
    return 0;
}

/* The thread of the process of `t` to take a process-directed `sig`: one
 * that does not block it (or waits for it), the leader first; the leader
 * (or a live thread) when every one blocks it. */
static task_t *process_target(task_t *t, int sig)
{
    task_t *l = t->group->leader;
    uint64_t bit = SIGBIT(sig);
    for (int i = -1; i < sched_slots(); i++) {
        task_t *c = i < 0 ? l : sched_slot(i);
        if (c && c->group == t->group && c->sched.state != SCHED_ZOMBIE &&
            (!(c->signal.mask & bit) || (c->signal.waitset & bit)))
            return c;
    }
    return l->sched.state == SCHED_ZOMBIE ? thread_live(l) : l;
}

bool signal_send_async(task_t *t, bool process, int sig,
                       const struct task_siginfo *info)
{
    if (process)
        t = process_target(t, sig);
    if (!t || t->sched.state == SCHED_ZOMBIE)
        return false;
    struct task_signal *s = &t->signal;
    uint64_t bit = SIGBIT(sig);
    if (s->pending & bit)
        return false; /* standard signals do not queue */
    bool blocked = (s->mask & bit) != 0, awaited = (s->waitset & bit) != 0;
    if (!blocked && !awaited && ignored(s, sig))
        return true; /* taken, and it does nothing */
    s->pending |= bit;
    s->info[sig - 1] = *info;
    if ((!blocked || awaited) && t != task_current())
        sched_interrupt(t); /* a fatal one ends it on its way to ring 3 */
    return true;
}

/* signal_send with si_code `code`. */
static long send(task_t *t, long sig, int code)
{
    return send_info(t, sig, (struct task_siginfo){.code = code});
}

long signal_send(task_t *t, long sig)
{
    return send(t, sig, SI_USER);
}

static void report_to_parent(struct thread_group *g, int code, int status)
{
    task_t *parent = g->leader->proc.parent;
    if (!parent)
        return;
    if (!(parent->signal.actions->action[SIGCHLD - 1].flags & SA_NOCLDSTOP))
        send_info(parent, SIGCHLD,
                  (struct task_siginfo){.code = code, .pid = g->leader->id,
                                        .status = status});
    sched_wakeup(parent); /* wait4 with WUNTRACED or WCONTINUED */
}

void signal_child_ended(task_t *parent, int pid, int code)
{
    send_info(parent, SIGCHLD,
              (struct task_siginfo){.code = code >= 0 ? CLD_EXITED : CLD_KILLED,
                                    .pid = pid,
                                    .status = code >= 0 ? code & 0xff : -code});
}

bool signal_fault(int sig, const struct task_siginfo *info)
{
    struct task_signal *s = &task_current()->signal;
    uint64_t h = s->actions->action[sig - 1].handler;
    if ((s->mask & SIGBIT(sig)) || h == SIG_DFL || h == SIG_IGN)
        return false;
    s->pending |= SIGBIT(sig);
    s->info[sig - 1] = *info;
    return true;
}

bool signal_pending_now(void)
{
    task_t *t = task_current();
    return t && (t->signal.pending & ~t->signal.mask);
}

bool signal_interrupted(void)
{
    return signal_pending_now();
}

/* ---- taking a signal on the way back to ring 3 ---- */

/* The next pending unblocked signal of `s` (a fault first, then the
 * lowest number), 0 when none. */
static int next_signal(const struct task_signal *s)
{
    uint64_t m = s->pending & ~s->mask;
    if (m & SYNCHRONOUS)
        m &= SYNCHRONOUS;
    return m ? __builtin_ctzll(m) + 1 : 0;
}

/* The interrupted call's result `rc` once a handler runs: restart it, or
 * -EINTR (Linux's rules: SA_RESTART restarts ERESTARTSYS only). */
static void restart_for_handler(struct user_regs *r, long rc, uint64_t flags)
{
    if (rc == -ERESTARTNOINTR || (rc == -ERESTARTSYS && (flags & SA_RESTART)))
        sigframe_syscall_restart(r);
    else
        sigframe_syscall_set_result(r, -EINTR);
}

/* The siginfo part of a frame's arguments for `sig` with `in`. */
static struct sigframe_args siginfo_args(int sig, const struct task_siginfo *in)
{
    return (struct sigframe_args){
        .signo = sig, .code = in->code, .pid = in->pid, .status = in->status,
        .addr = in->addr, .trapno = in->trapno, .err = in->err,
        .cr2 = in->trapno == 14 ? in->addr : 0, .timerid = in->timerid,
        .overrun = in->code == SI_TIMER
                       ? itimer_signal_taken(task_current()->group, in->timerid)
                       : in->overrun,
        .value = in->value};
}

void signal_deliver(struct user_regs *r)
{
    task_t *t = task_current();
    struct task_signal *s = &t->signal;
    long rc;
    bool restart = sigframe_syscall_result(r, &rc) && rc <= -ERESTARTSYS &&
                   rc >= -ERESTART_RESTARTBLOCK;
    for (int sig; (sig = next_signal(s));) {
        s->pending &= ~SIGBIT(sig);
        if ((SIGBIT(sig) & STOP_SIGNALS) &&
            (sig == SIGSTOP || s->actions->action[sig - 1].handler == SIG_DFL)) {
            /* POSIX: a terminal stop in an orphaned group is discarded
             * (nobody in the session could continue it) */
            if (sig == SIGSTOP || !pgrp_orphaned(t->group->pgid, NULL))
                stop_group(t, sig); /* until SIGCONT; then the next signal */
            continue;
        }
        if (ignored(s, sig))
            continue;
        struct task_sigaction act = s->actions->action[sig - 1];
        if (act.handler == SIG_DFL)
            task_kill(sig);
        if (act.flags & SA_RESETHAND)
            s->actions->action[sig - 1].handler = SIG_DFL;
        if (restart)
            restart_for_handler(r, rc, act.flags);
        restart = false;
        struct sigframe_args a = siginfo_args(sig, &s->info[sig - 1]);
        a.handler = act.handler;
        a.restorer = (act.flags & SA_RESTORER) ? act.restorer : 0;
        a.onstack = (act.flags & SA_ONSTACK) != 0;
        a.mask = s->restore_mask ? s->saved_mask : s->mask;
        a.ss_sp = s->altstack[0];
        a.ss_flags = (int)s->altstack[1];
        a.ss_size = s->altstack[2];
        if (!sigframe_setup(r, &a))
            signal_force_segv("signal frame not writable");
        s->restore_mask = false;
        s->mask |= act.mask | ((act.flags & SA_NODEFER) ? 0 : SIGBIT(sig));
        s->mask &= ~UNBLOCKABLE;
    }
    if (restart) { /* no handler ran */
        if (rc == -ERESTART_RESTARTBLOCK) /* goes on from the call's state */
            sigframe_syscall_restart_as(r, NR_restart_syscall);
        else
            sigframe_syscall_restart(r);
    }
    if (s->restore_mask) {
        s->mask = s->saved_mask;
        s->restore_mask = false;
    }
}

void signal_sigreturn_mask(uint64_t mask)
{
    task_current()->signal.mask = mask & ~UNBLOCKABLE;
}

void signal_force_segv(const char *why)
{
    task_t *t = task_current();
    kprintf("task %d (%s): %s\n", t->id, t->name, why);
    task_kill(SIGSEGV);
}

long sys_rt_sigreturn(const long *a)
{
    (void)a;
    task_current()->signal.restart_end = 0; /* Linux: no restart now */
    sigframe_sigreturn(task_current()->kstack_top);
}

/* ---- waiting for a signal ---- */

/* Blocks until a signal the task does not block is pending. */
static void wait_signal(void)
{
    task_t *t = task_current();
    while (!signal_pending_now())
        sched_block(&t->signal);
}

long sys_pause(const long *a)
{
    (void)a;
    wait_signal();
    return -ERESTARTNOHAND;
}

long sys_rt_sigsuspend(const long *a)
{
    task_t *t = task_current();
    uint64_t set;
    if (a[1] != SIGSET_SIZE)
        return -EINVAL;
    if (copy_from_user(&set, (const void *)a[0], sizeof(set)) < 0)
        return -EFAULT;
    t->signal.saved_mask = t->signal.mask;
    t->signal.restore_mask = true;
    t->signal.mask = set & ~UNBLOCKABLE;
    wait_signal();
    return -ERESTARTNOHAND; /* the handler's frame gets saved_mask */
}

/* rt_sigtimedwait(set, info, timeout, sigsetsize): takes a pending signal
 * of `set` (the lowest), its siginfo written to `info`; otherwise waits
 * for one, `timeout` (a relative timespec, NULL: none) at most: EAGAIN
 * when it passes, EINTR when another signal is to be taken. */
long sys_rt_sigtimedwait(const long *a)
{
    task_t *t = task_current();
    struct task_signal *s = &t->signal;
    uint64_t set, deadline = 0;
    if (a[3] != SIGSET_SIZE)
        return -EINVAL;
    if (copy_from_user(&set, (const void *)a[0], sizeof(set)) < 0)
        return -EFAULT;
    set &= ~UNBLOCKABLE;
    if (a[2]) {
        int64_t ts[2];
        if (copy_from_user(ts, (const void *)a[2], sizeof(ts)) < 0)
            return -EFAULT;
        if (ts[0] < 0 || ts[1] < 0 || ts[1] >= 1000000000)
            return -EINVAL;
        uint64_t ns = ts[0] > 1000000000LL * 3600 * 24 * 365
                          ? UINT64_MAX / 2
                          : (uint64_t)ts[0] * 1000000000u + (uint64_t)ts[1];
        deadline = clock_monotonic_ns() + ns;
    }
    for (;;) {
        uint64_t m = s->pending & set;
        if (m) {
            int sig = __builtin_ctzll(m) + 1;
            s->pending &= ~SIGBIT(sig);
            struct sigframe_args info = siginfo_args(sig, &s->info[sig - 1]);
            if (a[1] && sigframe_siginfo_out((uintptr_t)a[1], &info) < 0)
                return -EFAULT; /* taken all the same, as on Linux */
            return sig;
        }
        if (signal_pending_now())
            return -EINTR; /* a handler runs, or the task dies */
        if (deadline && clock_monotonic_ns() >= deadline)
            return -EAGAIN;
        s->waitset = set;
        int rc = sched_wait(&s->waitset, deadline ? deadline : 0);
        s->waitset = 0;
        if (rc < 0)
            sched_check_kill();
    }
}

long sys_rt_sigpending(const long *a)
{
    task_t *t = task_current();
    uint64_t set = t->signal.pending & t->signal.mask;
    if ((unsigned long)a[1] > SIGSET_SIZE)
        return -EINVAL;
    return copy_to_user((void *)a[0], &set, (size_t)a[1]) < 0 ? -EFAULT : 0;
}

/* Sends `sig` to every live process but the one led by `skip` (NULL:
 * none), the caller's last: the result of the last sending, -ESRCH when
 * none was sent. */
/* kill(-1): `sig` to every live process but "init" (`skip`) and the
 * caller, as Linux: the result of the last sending, -ESRCH when none was
 * sent. */
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
    return rc;
}

long sys_kill(const long *a)
{
    long pid = a[0];
    if (pid == 0)
        return pgrp_signal(task_current()->group->pgid, a[1]);
    if (pid == -1)
        return signal_all(a[1], proc_first()); /* all but "init" */
    if (pid < 0)
        return pid < -INT32_MAX ? -ESRCH : pgrp_signal((int)-pid, a[1]);
    task_t *t = proc_find(pid);
    return t ? signal_send(t, a[1]) : -ESRCH;
}

/* Reads the siginfo of rt_sigqueueinfo at `uinfo`: its code, pid, uid
 * and value, at Linux's offsets.  Only to itself (`self`) may a task pose
 * as the kernel or as kill: EPERM otherwise, as Linux (root included). */
static long queue_info_in(long uinfo, bool self, struct task_siginfo *info)
{
    int32_t head[4];
    struct {
        int32_t pid;
        uint32_t uid;
        uint64_t value;
    } rt;
    if (copy_from_user(head, (const void *)uinfo, sizeof(head)) < 0 ||
        copy_from_user(&rt, (const char *)uinfo + 16, sizeof(rt)) < 0)
        return -EFAULT;
    int code = head[2];
    if ((code >= 0 || code == SI_TKILL) && !self)
        return -EPERM;
    *info = (struct task_siginfo){.code = code, .pid = rt.pid, .value = rt.value};
    return 0;
}

long sys_rt_sigqueueinfo(const long *a)
{
    struct task_siginfo info;
    long rc = queue_info_in(a[2], a[0] == task_current()->id, &info);
    if (rc < 0)
        return rc;
    task_t *t = a[0] > 0 ? proc_find(a[0]) : NULL;
    return t ? send_info(t, a[1], info) : -ESRCH;
}

long sys_rt_tgsigqueueinfo(const long *a)
{
    struct task_siginfo info;
    long rc = queue_info_in(a[3], a[1] == task_current()->id, &info);
    if (rc < 0)
        return rc;
    if (a[0] <= 0 || a[1] <= 0)
        return -EINVAL;
    task_t *t = proc_find(a[1]);
    return t && thread_tgid(t) == a[0] ? send_info(t, a[2], info) : -ESRCH;
}

long sys_tkill(const long *a)
{
    task_t *t = proc_find(a[0]);
    return t ? send(t, a[1], SI_TKILL) : -ESRCH;
}

long sys_tgkill(const long *a)
{
    if (a[0] <= 0 || a[1] <= 0)
        return -EINVAL;
    task_t *t = proc_find(a[1]);
    return t && thread_tgid(t) == a[0] ? send(t, a[2], SI_TKILL) : -ESRCH;
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
        set &= ~UNBLOCKABLE; /* never blocked */
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
    uint64_t rsp = context_syscall_frame(t->kstack_top)->rsp;
    bool on = old[1] != SS_DISABLE && rsp > old[0] && rsp - old[0] <= old[2];
    if (on)
        old[1] = SS_ONSTACK;
    if (a[0]) {
        if (copy_from_user(ss, (const void *)a[0], sizeof(ss)) < 0)
            return -EFAULT;
        if (on)
            return -EPERM; /* not while the handler runs on it */
        if (ss[1] & ~(uint64_t)(SS_DISABLE | SS_ONSTACK))
            return -EINVAL;
        ss[1] &= SS_DISABLE; /* SS_ONSTACK asks for nothing more */
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

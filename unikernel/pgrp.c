/*
 * unikernel/pgrp.c - process groups and sessions (see pgrp.h).  There is
 * no terminal, so no foreground group and no SIGTTIN/SIGTTOU from one;
 * what remains is what programs rely on without a terminal: daemons'
 * setsid, supervisors' setpgid and kill(-pgid), wait4 by group, and the
 * orphaned group rule.  Groups are found by scanning the task table,
 * which is small and bounded (sched_slots); nothing is allocated.
 */
#include <errno.h>

#include "unikernel/pgrp.h"
#include "unikernel/proc.h"
#include "unikernel/sched.h"
#include "unikernel/signal.h"
#include "unikernel/syscall.h"
#include "unikernel/task.h"
#include "unikernel/thread.h"

void pgrp_first(struct thread_group *g, int id)
{
    g->pgid = g->sid = id;
}

void pgrp_fork(struct thread_group *child, const struct thread_group *parent)
{
    child->pgid = parent->pgid;
    child->sid = parent->sid;
    child->execed = false;
}

bool pgrp_member(const struct thread_group *g, int pgid)
{
    return g->pgid == pgid;
}

/* The process leader of slot `i` when it is one and still lives. */
static task_t *live_process(int i)
{
    task_t *t = sched_slot(i);
    return t && t->group && t == t->group->leader && t->group->live ? t : NULL;
}

bool pgrp_orphaned(int pgid, const struct thread_group *skip)
{
    for (int i = 0; i < sched_slots(); i++) {
        task_t *t = live_process(i);
        if (!t || t->group == skip || t->group->pgid != pgid)
            continue;
        task_t *p = t->proc.parent; /* NULL: the kernel's, outside */
        if (p && p->group->pgid != pgid && p->group->sid == t->group->sid)
            return false;
    }
    return true;
}

/* True when a live process of group `pgid` is stopped. */
static bool has_stopped(int pgid)
{
    for (int i = 0; i < sched_slots(); i++) {
        task_t *t = live_process(i);
        if (t && t->group->pgid == pgid && t->group->stopped)
            return true;
    }
    return false;
}

long pgrp_signal(int pgid, long sig)
{
    long rc = -ESRCH;
    task_t *self = task_current()->group->leader;
    bool self_in = false;
    for (int i = 0; i < sched_slots(); i++) {
        task_t *t = live_process(i);
        if (!t || t->group->pgid != pgid)
            continue;
        if (t == self)
            self_in = true; /* last: its own signal may end it */
        else
            rc = signal_send(t, sig);
        if (rc == -EINVAL)
            return rc;
    }
    return self_in ? signal_send(task_current(), sig) : rc;
}

/* SIGHUP then SIGCONT to group `pgid` when it is orphaned now, ignoring
 * `skip`, and has a stopped member. */
static void hangup_if_orphaned(int pgid, const struct thread_group *skip)
{
    if (!pgrp_orphaned(pgid, skip) || !has_stopped(pgid))
        return;
    for (int i = 0; i < sched_slots(); i++) {
        task_t *t = live_process(i);
        if (t && t->group != skip && t->group->pgid == pgid) {
            signal_send(t, SIGHUP);
            signal_send(t, SIGCONT);
        }
    }
}

void pgrp_parent_gone(struct thread_group *child,
                      const struct thread_group *gone)
{
    /* the ending parent was the child's link to the session only when it
     * sat in another group of the same one */
    if (child->pgid != gone->pgid && child->sid == gone->sid)
        hangup_if_orphaned(child->pgid, NULL);
}

void pgrp_process_end(struct thread_group *g)
{
    task_t *p = g->leader->proc.parent;
    if (p && p->group->pgid != g->pgid && p->group->sid == g->sid)
        hangup_if_orphaned(g->pgid, g);
}

/* ---- the system calls ---- */

/* The live process `pid` (0: the caller's), or NULL. */
static struct thread_group *process_of(long pid)
{
    if (pid == 0)
        return task_current()->group;
    task_t *t = pid > 0 ? proc_find(pid) : NULL;
    if (!t || t != t->group->leader || t->sched.state == SCHED_ZOMBIE)
        return NULL;
    return t->group;
}

long sys_getpgid(const long *a)
{
    struct thread_group *g = process_of(a[0]);
    return g ? g->pgid : -ESRCH;
}

long sys_getpgrp(const long *a)
{
    (void)a;
    return task_current()->group->pgid;
}

long sys_getsid(const long *a)
{
    struct thread_group *g = process_of(a[0]);
    return g ? g->sid : -ESRCH;
}

/* True when a process other than `g` has group `pgid` in session `sid`. */
static bool group_in_session(int pgid, int sid)
{
    for (int i = 0; i < sched_slots(); i++) {
        task_t *t = sched_slot(i);
        if (t && t->group && t == t->group->leader && t->group->pgid == pgid &&
            t->group->sid == sid)
            return true;
    }
    return false;
}

/* setpgid(pid, pgid), Linux's checks in its order: EINVAL (pgid < 0),
 * ESRCH (not the caller or its child), EPERM (a child in another session),
 * EACCES (a child that has run execve), EPERM (a session leader, or a
 * group of another session or none). */
long sys_setpgid(const long *a)
{
    task_t *self = task_current()->group->leader;
    long pid = a[0] ? a[0] : self->id, pgid = a[1] ? a[1] : pid;
    if (pgid < 0)
        return -EINVAL;
    struct thread_group *g = process_of(pid);
    if (!g || (g != self->group && g->leader->proc.parent != self))
        return -ESRCH;
    if (g != self->group) {
        if (g->sid != self->group->sid)
            return -EPERM;
        if (g->execed)
            return -EACCES;
    }
    if (g->sid == g->leader->id)
        return -EPERM; /* a session leader stays its group's */
    if (pgid != pid && !group_in_session((int)pgid, g->sid))
        return -EPERM;
    g->pgid = (int)pgid;
    return 0;
}

/* setsid: a new session and group led by the caller, or EPERM when a
 * group with its id exists already (it leads one). */
long sys_setsid(const long *a)
{
    (void)a;
    struct thread_group *g = task_current()->group;
    int id = g->leader->id;
    for (int i = 0; i < sched_slots(); i++) {
        task_t *t = sched_slot(i);
        if (t && t->group && t == t->group->leader && t->group->pgid == id)
            return -EPERM;
    }
    g->pgid = g->sid = id;
    return id;
}

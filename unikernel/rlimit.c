/*
 * rlimit.c - resource limits (see rlimit.h) and their system calls:
 * getrlimit, setrlimit, prlimit64.  Every task is root's with every
 * capability, as the first process of a Linux machine is: a hard limit
 * may be raised as well as lowered, except RLIMIT_NOFILE above the
 * descriptor table (Linux: above fs.nr_open, EPERM).  A soft limit above
 * its hard one is EINVAL.
 */
#include <errno.h>

#include "mm/page.h"
#include "unikernel/proc.h"
#include "unikernel/sched.h"
#include "unikernel/syscall.h"
#include "unikernel/task.h"
#include "unikernel/usercopy.h"

#define DEFAULT_STACK ((uint64_t)8 << 20)
#define DEFAULT_MEMLOCK ((uint64_t)8 << 20)
#define DEFAULT_MSGQUEUE 819200

void rlimit_defaults(struct task_rlimits *r)
{
    for (int i = 0; i < RLIM_NLIMITS; i++)
        r->lim[i] = (struct rlimit){RLIM_INFINITY, RLIM_INFINITY};
    r->lim[RLIMIT_STACK].cur = DEFAULT_STACK;
    r->lim[RLIMIT_CORE].cur = 0;
    r->lim[RLIMIT_NPROC] = (struct rlimit){SCHED_TASKS, SCHED_TASKS};
    r->lim[RLIMIT_NOFILE] = (struct rlimit){TASK_FDS, TASK_FDS};
    r->lim[RLIMIT_MEMLOCK] = (struct rlimit){DEFAULT_MEMLOCK, DEFAULT_MEMLOCK};
    r->lim[RLIMIT_SIGPENDING] = (struct rlimit){SCHED_TASKS, SCHED_TASKS};
    r->lim[RLIMIT_MSGQUEUE] =
        (struct rlimit){DEFAULT_MSGQUEUE, DEFAULT_MSGQUEUE};
    r->lim[RLIMIT_NICE] = r->lim[RLIMIT_RTPRIO] = (struct rlimit){0, 0};
}

/* A soft limit in bytes for mm: SIZE_MAX stands for none. */
static size_t bytes(uint64_t limit)
{
    return limit >= SIZE_MAX ? SIZE_MAX : (size_t)limit;
}

void rlimit_apply(task_t *t)
{
    if (!t->mspace)
        return; /* a zombie */
    const struct rlimit *l = t->rlimits.lim;
    size_t stack = bytes(l[RLIMIT_STACK].cur);
    if (stack < RLIMIT_STACK_MIN)
        stack = RLIMIT_STACK_MIN; /* what execve gave it, at the least */
    mspace_set_limits(t->mspace, bytes(l[RLIMIT_AS].cur),
                      bytes(l[RLIMIT_DATA].cur), stack);
}

size_t rlimit_stack_reserve(const task_t *t)
{
    uint64_t cur = t->rlimits.lim[RLIMIT_STACK].cur;
    if (cur < RLIMIT_STACK_MIN)
        return RLIMIT_STACK_MIN;
    if (cur > RLIMIT_STACK_MAX)
        return RLIMIT_STACK_MAX;
    return ((size_t)cur + PAGE_MASK) & ~(size_t)PAGE_MASK;
}

int rlimit_nofile(const task_t *t)
{
    uint64_t cur = t->rlimits.lim[RLIMIT_NOFILE].cur;
    return cur < TASK_FDS ? (int)cur : TASK_FDS;
}

bool rlimit_nproc_reached(const task_t *t)
{
    uint64_t tasks = 0;
    for (int i = 0; i < sched_slots(); i++)
        tasks += sched_slot(i) != NULL; /* zombies count until reaped */
    return tasks >= t->rlimits.lim[RLIMIT_NPROC].cur;
}

/* The task prlimit64's `pid` names (0: the caller), or NULL. */
static task_t *target(long pid)
{
    task_t *self = task_current();
    return pid == 0 || pid == self->id ? self : proc_find(pid);
}

/* Replaces limit `resource` of `t` by `want`: 0, -EINVAL or -EPERM. */
static long set_limit(task_t *t, long resource, struct rlimit want)
{
    if (want.cur > want.max)
        return -EINVAL;
    if (resource == RLIMIT_NOFILE && want.max > TASK_FDS)
        return -EPERM; /* the table's size is this kernel's fs.nr_open */
    t->rlimits.lim[resource] = want;
    if (resource == RLIMIT_AS || resource == RLIMIT_DATA ||
        resource == RLIMIT_STACK)
        rlimit_apply(t);
    return 0;
}

/* Writes limit `resource` of `t` to user `uold`: 0 or -EFAULT. */
static long get_limit(const task_t *t, long resource, long uold)
{
    return copy_to_user((void *)uold, &t->rlimits.lim[resource],
                        sizeof(struct rlimit));
}

long sys_getrlimit(const long *a)
{
    if ((unsigned long)a[0] >= RLIM_NLIMITS)
        return -EINVAL;
    return get_limit(task_current(), a[0], a[1]);
}

long sys_setrlimit(const long *a)
{
    struct rlimit want;
    if ((unsigned long)a[0] >= RLIM_NLIMITS)
        return -EINVAL;
    if (copy_from_user(&want, (const void *)a[1], sizeof(want)) < 0)
        return -EFAULT;
    return set_limit(task_current(), a[0], want);
}

/* prlimit64: the new limit is read first and set, then the old one is
 * written (as Linux: a bad old pointer is EFAULT after the change). */
long sys_prlimit64(const long *a)
{
    task_t *t = target(a[0]);
    long resource = a[1];
    if (!t)
        return -ESRCH;
    if ((unsigned long)resource >= RLIM_NLIMITS)
        return -EINVAL;
    struct rlimit want, old = t->rlimits.lim[resource];
    if (a[2]) {
        if (copy_from_user(&want, (const void *)a[2], sizeof(want)) < 0)
            return -EFAULT;
        long rc = set_limit(t, resource, want);
        if (rc < 0)
            return rc;
    }
    if (a[3] && copy_to_user((void *)a[3], &old, sizeof(old)) < 0)
        return -EFAULT;
    return 0;
}

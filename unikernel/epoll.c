/*
 * unikernel/epoll.c - epoll instances: epoll_create/epoll_create1,
 * epoll_ctl, epoll_wait and epoll_pwait.
 *
 * An item (one watched open file and descriptor number) keeps its own
 * poll table registered on the file's channels for as long as it is in
 * the set; the table's notify puts the item on the instance's ready list
 * and wakes the instance's waiters (sched_wakeup on the instance, which
 * also fires an epoll that watches this one).  epoll_wait asks each ready
 * item's file again: level-triggered items stay on the list while ready,
 * edge-triggered and one-shot ones leave it once reported.  An item goes
 * when its open file's last reference does (epoll_file_gone, from
 * file_put), or with EPOLL_CTL_DEL, or with the instance.
 */
#include <errno.h>
#include <stdint.h>

#include "abi/signals.h"
#include "arch/clock.h"
#include "mm/kalloc.h"
#include "unikernel/epoll.h"
#include "unikernel/fd.h"
#include "unikernel/poll.h"
#include "unikernel/sched.h"
#include "unikernel/signal.h"
#include "unikernel/syscall.h"
#include "unikernel/task.h"
#include "unikernel/usercopy.h"

#define EPOLL_CLOEXEC O_CLOEXEC
#define EP_MAX_EVENTS (INT32_MAX / 12)
#define EP_MAX_NEST 5
#define SIGSET_SIZE 8

/* struct epoll_event of x86_64: packed, 12 bytes. */
struct user_epoll_event {
    uint32_t events;
    uint64_t data;
} __attribute__((packed));

struct epitem {
    struct epoll *ep;
    struct file *file;         /* no reference: the item goes with it */
    int fd;
    uint32_t events;           /* what the user asked for, with flags */
    uint64_t data;
    bool on_ready, disabled;   /* disabled: a one-shot item reported */
    struct poll_table pt;
    struct epitem *next, *prev;     /* in the instance */
    struct epitem *ready_next;      /* on the ready list */
    struct epitem *file_next;       /* the items of the same file */
};

struct epoll {
    struct epitem *items;
    struct epitem *ready_head, *ready_tail;
};

static const struct file_ops epoll_ops;

static bool is_epoll(const struct file *f)
{
    return f->ops == &epoll_ops;
}

static void ready_add(struct epitem *it)
{
    if (it->on_ready || it->disabled)
        return;
    struct epoll *ep = it->ep;
    it->on_ready = true;
    it->ready_next = NULL;
    if (ep->ready_tail)
        ep->ready_tail->ready_next = it;
    else
        ep->ready_head = it;
    ep->ready_tail = it;
}

/* Takes `it` off the ready list (linear: the list is short-lived). */
static void ready_remove(struct epitem *it)
{
    if (!it->on_ready)
        return;
    struct epoll *ep = it->ep;
    struct epitem **pp = &ep->ready_head, *prev = NULL;
    while (*pp && *pp != it) {
        prev = *pp;
        pp = &(*pp)->ready_next;
    }
    if (*pp)
        *pp = it->ready_next;
    if (ep->ready_tail == it)
        ep->ready_tail = prev;
    it->on_ready = false;
}

/* A channel of the item's file fired. */
static void item_notify(struct poll_table *pt, void *key)
{
    (void)pt;
    struct epitem *it = key;
    if (it->disabled)
        return;
    ready_add(it);
    sched_wakeup(it->ep); /* epoll_wait callers, and pollers of this epoll */
}

static void item_free(struct epitem *it)
{
    struct epoll *ep = it->ep;
    ready_remove(it);
    poll_table_release(&it->pt);
    if (it->prev)
        it->prev->next = it->next;
    else
        ep->items = it->next;
    if (it->next)
        it->next->prev = it->prev;
    /* off the file's list */
    struct epitem **pp = (struct epitem **)&it->file->epitems;
    while (*pp && *pp != it)
        pp = &(*pp)->file_next;
    if (*pp)
        *pp = it->file_next;
    kfree(it);
}

void epoll_file_gone(struct file *f)
{
    while (f->epitems)
        item_free(f->epitems);
}

static struct epitem *item_find(struct epoll *ep, struct file *f, int fd)
{
    for (struct epitem *it = ep->items; it; it = it->next)
        if (it->file == f && it->fd == fd)
            return it;
    return NULL;
}

/* True when the epoll file `f` reaches instance `target` through its
 * items (or nests deeper than Linux allows). */
static bool reaches(struct file *f, struct epoll *target, int depth)
{
    if (depth > EP_MAX_NEST)
        return true;
    struct epoll *ep = f->priv;
    if (ep == target)
        return true;
    for (struct epitem *it = ep->items; it; it = it->next)
        if (is_epoll(it->file) && reaches(it->file, target, depth + 1))
            return true;
    return false;
}

/* The events asked for, as reported: the bits plus the two always given. */
static unsigned item_mask(const struct epitem *it)
{
    return (it->events & ~(EPOLLET | EPOLLONESHOT | EPOLLEXCLUSIVE | EPOLLWAKEUP)) |
           EPOLLERR | EPOLLHUP;
}

/* Asks the file now (registering with the item's table) and puts the item
 * on the ready list when ready. */
static void item_arm(struct epitem *it)
{
    unsigned m = file_poll(it->file, &it->pt) & item_mask(it);
    if (m)
        ready_add(it);
}

static long epoll_add(struct epoll *ep, struct file *f, int fd,
                      const struct user_epoll_event *ev)
{
    if (item_find(ep, f, fd))
        return -EEXIST;
    if (is_epoll(f) && reaches(f, ep, 0))
        return -ELOOP;
    struct epitem *it = kalloc(sizeof(*it));
    if (!it)
        return -ENOMEM;
    it->ep = ep;
    it->file = f;
    it->fd = fd;
    it->events = ev->events;
    it->data = ev->data;
    it->pt = (struct poll_table){.notify = item_notify, .key = it};
    it->next = ep->items;
    if (ep->items)
        ep->items->prev = it;
    ep->items = it;
    it->file_next = f->epitems;
    f->epitems = it;
    item_arm(it);
    if (it->on_ready)
        sched_wakeup(ep);
    return 0;
}

long sys_epoll_ctl(const long *a)
{
    task_t *t = task_current();
    struct file *epf = fd_get(t, (int)a[0]);
    struct file *f = fd_get(t, (int)a[2]);
    if (!epf || !f)
        return -EBADF;
    if (!is_epoll(epf) || epf == f)
        return -EINVAL;
    if (!f->ops->poll)
        return -EPERM; /* regular files and directories, as Linux */
    struct epoll *ep = epf->priv;
    struct user_epoll_event ev = {0};
    int op = (int)a[1];
    if (op != EPOLL_CTL_DEL &&
        copy_from_user(&ev, (const void *)a[3], sizeof(ev)) < 0)
        return -EFAULT;
    struct epitem *it = item_find(ep, f, (int)a[2]);
    switch (op) {
    case EPOLL_CTL_ADD:
        if ((ev.events & EPOLLEXCLUSIVE) && is_epoll(f))
            return -EINVAL;
        return epoll_add(ep, f, (int)a[2], &ev);
    case EPOLL_CTL_MOD:
        if (!it)
            return -ENOENT;
        if ((ev.events & EPOLLEXCLUSIVE) || (it->events & EPOLLEXCLUSIVE))
            return -EINVAL;
        it->events = ev.events;
        it->data = ev.data;
        it->disabled = false;
        ready_remove(it);
        item_arm(it);
        if (it->on_ready)
            sched_wakeup(ep);
        return 0;
    case EPOLL_CTL_DEL:
        if (!it)
            return -ENOENT;
        item_free(it);
        return 0;
    default:
        return -EINVAL;
    }
}

/* Reports up to `max` ready items into the user array: how many, or
 * -EFAULT. */
static long harvest(struct epoll *ep, long uevents, int max)
{
    int n = 0;
    struct epitem *it = ep->ready_head, *keep_head = NULL, *keep_tail = NULL;
    ep->ready_head = ep->ready_tail = NULL;
    while (it) {
        struct epitem *next = it->ready_next;
        it->on_ready = false;
        unsigned m = 0;
        if (n < max && !it->disabled)
            m = file_poll(it->file, NULL) & item_mask(it);
        bool keep = false;
        if (m) {
            struct user_epoll_event ev = {m, it->data};
            if (copy_to_user((char *)uevents + (size_t)n * sizeof(ev), &ev,
                             sizeof(ev)) < 0) {
                /* `it` and the ones not yet asked stay ready */
                it->on_ready = true;
                it->ready_next = next;
                if (keep_tail)
                    keep_tail->ready_next = it;
                else
                    keep_head = it;
                for (keep_tail = it; keep_tail->ready_next;)
                    keep_tail = keep_tail->ready_next;
                if (!n)
                    n = -EFAULT;
                break;
            }
            n++;
            if (it->events & EPOLLONESHOT)
                it->disabled = true;
            else if (!(it->events & EPOLLET))
                keep = true; /* level-triggered: asked again next time */
        } else if (n >= max) {
            keep = true; /* not asked: no room */
        }
        if (keep) {
            it->on_ready = true;
            it->ready_next = NULL;
            if (keep_tail)
                keep_tail->ready_next = it;
            else
                keep_head = it;
            keep_tail = it;
        }
        it = next;
    }
    /* the ones kept, ahead of those notified meanwhile */
    if (keep_head) {
        keep_tail->ready_next = ep->ready_head;
        if (!ep->ready_head)
            ep->ready_tail = keep_tail;
        ep->ready_head = keep_head;
    }
    return n;
}

static long epoll_wait_common(const long *a, uint64_t deadline, bool zero)
{
    struct file *epf = fd_get(task_current(), (int)a[0]);
    if (!epf)
        return -EBADF;
    if (!is_epoll(epf))
        return -EINVAL;
    int max = (int)a[2];
    if (max <= 0 || max > EP_MAX_EVENTS)
        return -EINVAL;
    if (!user_range_ok((uintptr_t)a[1], (size_t)max * sizeof(struct user_epoll_event)))
        return -EFAULT;
    struct epoll *ep = epf->priv;
    epf->refs++; /* the instance stays while we wait on it */
    long n;
    for (;;) {
        n = harvest(ep, a[1], max);
        if (n || zero)
            break;
        if (deadline && clock_monotonic_ns() >= deadline)
            break;
        if (signal_interrupted()) {
            n = -EINTR;
            break;
        }
        if (sched_wait(ep, deadline) < 0) {
            n = -EINTR;
            break;
        }
    }
    file_put(epf);
    return n;
}

static uint64_t ms_deadline(long ms, bool *zero)
{
    *zero = ms == 0;
    return ms < 0 ? 0 : clock_monotonic_ns() + (uint64_t)ms * 1000000 + 1;
}

long sys_epoll_wait(const long *a)
{
    bool zero;
    uint64_t deadline = ms_deadline((int)a[3], &zero);
    return epoll_wait_common(a, deadline, zero);
}

long sys_epoll_pwait(const long *a)
{
    task_t *t = task_current();
    bool zero;
    uint64_t deadline = ms_deadline((int)a[3], &zero);
    if (!a[4])
        return epoll_wait_common(a, deadline, zero);
    if (a[5] != SIGSET_SIZE)
        return -EINVAL;
    uint64_t set;
    if (copy_from_user(&set, (const void *)a[4], sizeof(set)) < 0)
        return -EFAULT;
    uint64_t saved = t->signal.mask;
    t->signal.mask = set & ~((1ull << (SIGKILL - 1)) | (1ull << (SIGSTOP - 1)));
    long n = epoll_wait_common(a, deadline, zero);
    if (n == -EINTR && signal_interrupted()) {
        t->signal.saved_mask = saved; /* put back after the handler */
        t->signal.restore_mask = true;
    } else {
        t->signal.mask = saved;
    }
    return n;
}

/* An epoll file is readable when one of its items is ready. */
static unsigned epoll_poll(struct file *f, struct poll_table *pt)
{
    struct epoll *ep = f->priv;
    poll_wait(pt, ep);
    for (struct epitem *it = ep->ready_head; it; it = it->ready_next)
        if (!it->disabled && (file_poll(it->file, NULL) & item_mask(it)))
            return POLLIN | POLLRDNORM;
    return 0;
}

static void epoll_release(struct file *f)
{
    struct epoll *ep = f->priv;
    while (ep->items)
        item_free(ep->items);
    sched_wakeup(ep);
    kfree(ep);
}

static void epoll_stat(struct file *f, struct kstat *st)
{
    (void)f;
    st->st_mode = 0600; /* an anonymous inode: no type bits, as Linux */
}

static const struct file_ops epoll_ops = {
    .anon_name = "anon_inode:[eventpoll]",
    .poll = epoll_poll,
    .stat = epoll_stat,
    .release = epoll_release,
};

long sys_epoll_create1(const long *a)
{
    if (a[0] & ~(long)EPOLL_CLOEXEC)
        return -EINVAL;
    struct epoll *ep = kalloc(sizeof(*ep));
    struct file *f = ep ? file_new(&epoll_ops, NULL) : NULL;
    if (!f) {
        kfree(ep);
        return -ENOMEM;
    }
    f->priv = ep;
    return fd_install_new(f, a[0] & EPOLL_CLOEXEC);
}

long sys_epoll_create(const long *a)
{
    if ((int)a[0] <= 0)
        return -EINVAL;
    const long b[1] = {0};
    return sys_epoll_create1(b);
}

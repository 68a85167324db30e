/*
 * eventfd.c - eventfd and eventfd2: a 64-bit counter behind a descriptor,
 * the wake-up primitive of event loops (libuv, tokio, glib) and thread
 * pools.  A write adds to the counter, a read takes it all (or one, with
 * EFD_SEMAPHORE) and zeroes it; each blocks as Linux's does, a read on 0
 * and a write that would pass 0xfffffffffffffffe.  Readers, writers and
 * pollers wait on the counter itself: one channel, woken on every change.
 */
#include <errno.h>
#include <stdint.h>

#include "mm/kalloc.h"
#include "unikernel/fd.h"
#include "unikernel/poll.h"
#include "unikernel/sched.h"
#include "unikernel/signal.h"
#include "unikernel/syscall.h"
#include "unikernel/task.h"
#include "unikernel/usercopy.h"

#define EFD_SEMAPHORE 1
#define EFD_CLOEXEC O_CLOEXEC
#define EFD_NONBLOCK O_NONBLOCK
#define EVENTFD_MAX UINT64_C(0xfffffffffffffffe) /* the largest count */

struct eventfd {
    uint64_t count;
    bool semaphore; /* EFD_SEMAPHORE: a read takes 1 */
};

static long eventfd_read(struct file *f, void *buf, size_t n, uint64_t *pos)
{
    (void)pos;
    struct eventfd *e = f->priv;
    if (n < sizeof(uint64_t))
        return -EINVAL;
    while (!e->count) {
        if (f->nonblock)
            return -EAGAIN;
        if (signal_interrupted())
            return -ERESTARTSYS;
        sched_block(e);
    }
    uint64_t v = e->semaphore ? 1 : e->count;
    e->count -= v; /* taken even when the copy fails, as on Linux */
    sched_wakeup(e); /* writers waiting for room, pollers */
    return copy_to_user(buf, &v, sizeof(v)) < 0 ? -EFAULT : (long)sizeof(v);
}

static long eventfd_write(struct file *f, const void *buf, size_t n)
{
    struct eventfd *e = f->priv;
    uint64_t v;
    if (n != sizeof(v))
        return -EINVAL; /* Linux today: exactly 8 bytes (older ones took more) */
    if (copy_from_user(&v, buf, sizeof(v)) < 0)
        return -EFAULT;
    if (v > EVENTFD_MAX)
        return -EINVAL;
    while (EVENTFD_MAX - e->count < v) {
        if (f->nonblock)
            return -EAGAIN;
        if (signal_interrupted())
            return -ERESTARTSYS;
        sched_block(e);
    }
    e->count += v;
    if (v)
        sched_wakeup(e);
    return sizeof(v);
}

/* Readable with a count, writable while 1 more fits; a count at the
 * limit is POLLERR (reached only by an overflow, as Linux says). */
static unsigned eventfd_poll(struct file *f, struct poll_table *pt)
{
    struct eventfd *e = f->priv;
    poll_wait(pt, e);
    unsigned m = 0;
    if (e->count)
        m |= POLLIN | POLLRDNORM;
    if (e->count < EVENTFD_MAX)
        m |= POLLOUT | POLLWRNORM;
    if (e->count == UINT64_MAX)
        m |= POLLERR;
    return m;
}

static void eventfd_stat(struct file *f, struct kstat *st)
{
    (void)f;
    st->st_mode = 0600; /* an anonymous inode: no file type bits */
    st->st_blksize = 4096;
}

static void eventfd_release(struct file *f)
{
    sched_wakeup(f->priv);
    kfree(f->priv);
}

static const struct file_ops eventfd_ops = {
    .anon_name = "anon_inode:[eventfd]",
    .read = eventfd_read,
    .write = eventfd_write,
    .poll = eventfd_poll,
    .stat = eventfd_stat,
    .release = eventfd_release,
};

long sys_eventfd2(const long *a)
{
    unsigned initval = (unsigned)a[0];
    long flags = a[1];
    if (flags & ~(long)(EFD_SEMAPHORE | EFD_CLOEXEC | EFD_NONBLOCK))
        return -EINVAL;
    struct eventfd *e = kalloc(sizeof(*e));
    if (!e)
        return -ENOMEM;
    e->count = initval;
    e->semaphore = flags & EFD_SEMAPHORE;
    struct file *f = file_new(&eventfd_ops, NULL);
    if (!f) {
        kfree(e);
        return -ENOMEM;
    }
    f->priv = e;
    f->nonblock = flags & EFD_NONBLOCK;
    return fd_install_new(f, flags & EFD_CLOEXEC);
}

long sys_eventfd(const long *a)
{
    const long b[2] = {a[0], 0};
    return sys_eventfd2(b);
}

/*
 * eventfd.c - eventfd and eventfd2: a 64-bit counter as a file.  A write
 * of 8 bytes adds to it (waiting while the sum would pass 2^64-2), a read
 * of 8 bytes takes it whole (EFD_SEMAPHORE: takes 1) and waits while it
 * is 0; readable when non-zero, writable while 1 more fits.  Readers and
 * writers wait on the counter itself, as pipe.c's ends do.  nginx's
 * workers use one for ngx_notify (the epoll module's notify event).
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
#define EFD_MAX UINT64_C(0xfffffffffffffffe)

struct eventfd {
    uint64_t count;
    bool semaphore;
};

static long efd_read(struct file *f, void *buf, size_t n, uint64_t *pos)
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
    if (copy_to_user(buf, &v, sizeof(v)) < 0)
        return -EFAULT;
    e->count -= v;
    sched_wakeup(e);
    return sizeof(v);
}

static long efd_write(struct file *f, const void *buf, size_t n)
{
    struct eventfd *e = f->priv;
    uint64_t v;
    if (n < sizeof(v))
        return -EINVAL;
    if (copy_from_user(&v, buf, sizeof(v)) < 0)
        return -EFAULT;
    if (v == UINT64_MAX)
        return -EINVAL;
    while (EFD_MAX - e->count < v) {
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

static unsigned efd_poll(struct file *f, struct poll_table *pt)
{
    struct eventfd *e = f->priv;
    poll_wait(pt, e);
    unsigned m = e->count ? POLLIN | POLLRDNORM : 0;
    if (e->count < EFD_MAX)
        m |= POLLOUT | POLLWRNORM;
    return m;
}

static void efd_stat(struct file *f, struct kstat *st)
{
    (void)f;
    st->st_mode = 0600; /* an anonymous inode, as Linux's: no type bits */
    st->st_blksize = 4096;
}

static void efd_release(struct file *f)
{
    kfree(f->priv);
}

static const struct file_ops eventfd_ops = {
    .read = efd_read,
    .write = efd_write,
    .poll = efd_poll,
    .stat = efd_stat,
    .release = efd_release,
};

long sys_eventfd2(const long *a)
{
    if (a[1] & ~(long)(O_CLOEXEC | O_NONBLOCK | EFD_SEMAPHORE))
        return -EINVAL;
    struct eventfd *e = kalloc(sizeof(*e));
    struct file *f = e ? file_new(&eventfd_ops, NULL) : NULL;
    if (!f) {
        kfree(e);
        return -ENOMEM;
    }
    e->count = (uint32_t)a[0];
    e->semaphore = a[1] & EFD_SEMAPHORE;
    f->priv = e;
    f->nonblock = a[1] & O_NONBLOCK;
    task_t *t = task_current();
    int fd = fd_install(t, f);
    if (fd >= 0)
        fd_set_cloexec(t, fd, a[1] & O_CLOEXEC);
    return fd;
}

long sys_eventfd(const long *a)
{
    const long b[2] = {a[0], 0};
    return sys_eventfd2(b);
}

/*
 * timerfd.c - timerfd_create, timerfd_settime, timerfd_gettime: a timer
 * read as a descriptor, the timer of event loops (libuv, tokio, systemd).
 * A read returns the number of expirations since the last read (8 bytes)
 * and blocks while there are none; poll says POLLIN once there is one.
 * Armed timers are on one list the scheduler's tick walks (timerfd_tick);
 * readers and pollers wait on the timer itself.
 */
#include <errno.h>
#include <stdint.h>

#include "arch/clock.h"
#include "mm/kalloc.h"
#include "unikernel/deadline.h"
#include "unikernel/fd.h"
#include "unikernel/poll.h"
#include "unikernel/sched.h"
#include "unikernel/signal.h"
#include "unikernel/syscall.h"
#include "unikernel/task.h"
#include "unikernel/timerfd.h"
#include "unikernel/usercopy.h"

#define NSEC 1000000000ull
#define TFD_TIMER_ABSTIME 1
#define TFD_TIMER_CANCEL_ON_SET 2
#define TFD_CLOEXEC O_CLOEXEC
#define TFD_NONBLOCK O_NONBLOCK
#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_BOOTTIME 7
#define CLOCK_REALTIME_ALARM 8
#define CLOCK_BOOTTIME_ALARM 9

struct timerfd {
    struct deadline dl; /* on the armed list while armed */
    int clock;
    uint64_t ticks;    /* expirations not yet read */
};

static struct deadline_list armed; /* every armed timerfd */

static void disarm(struct timerfd *t)
{
    deadline_disarm(&armed, &t->dl);
}

static void arm(struct timerfd *t, uint64_t expiry, uint64_t interval)
{
    deadline_arm(&armed, &t->dl, expiry, interval);
}

uint64_t timerfd_next(void)
{
    return deadline_earliest(&armed);
}

/* Counts the `n` expirations of the timerfd of `d` and wakes its readers. */
static void fire(struct deadline *d, uint64_t n)
{
    struct timerfd *t = deadline_owner(d, struct timerfd, dl);
    t->ticks += n;
    sched_wakeup(t);
}

void timerfd_tick(void)
{
    if (armed.head)
        deadline_expire(&armed, clock_monotonic_ns(), fire);
}

static long timerfd_read(struct file *f, void *buf, size_t n, uint64_t *pos)
{
    (void)pos;
    struct timerfd *t = f->priv;
    if (n < sizeof(uint64_t))
        return -EINVAL;
    while (!t->ticks) {
        if (f->nonblock)
            return -EAGAIN;
        if (signal_interrupted())
            return -ERESTARTSYS;
        sched_block(t);
    }
    uint64_t v = t->ticks;
    if (copy_to_user(buf, &v, sizeof(v)) < 0)
        return -EFAULT;
    t->ticks = 0;
    return sizeof(v);
}

/* Open for reading and writing, as Linux's, but nothing can be written. */
static long timerfd_write(struct file *f, const void *buf, size_t n)
{
    (void)f, (void)buf, (void)n;
    return -EINVAL;
}

static unsigned timerfd_poll(struct file *f, struct poll_table *pt)
{
    struct timerfd *t = f->priv;
    poll_wait(pt, t);
    return t->ticks ? POLLIN | POLLRDNORM : 0;
}

static void timerfd_stat(struct file *f, struct kstat *st)
{
    (void)f;
    st->st_mode = 0600; /* an anonymous inode: no file type bits */
    st->st_blksize = 4096;
}

static void timerfd_release(struct file *f)
{
    disarm(f->priv);
    kfree(f->priv);
}

static const struct file_ops timerfd_ops = {
    .anon_name = "anon_inode:[timerfd]",
    .read = timerfd_read,
    .write = timerfd_write,
    .poll = timerfd_poll,
    .stat = timerfd_stat,
    .release = timerfd_release,
};

static bool clock_ok(long clock)
{
    return clock == CLOCK_REALTIME || clock == CLOCK_MONOTONIC ||
           clock == CLOCK_BOOTTIME || clock == CLOCK_REALTIME_ALARM ||
           clock == CLOCK_BOOTTIME_ALARM;
}

long sys_timerfd_create(const long *a)
{
    if (!clock_ok(a[0]))
        return -EINVAL;
    if (a[1] & ~(long)(TFD_CLOEXEC | TFD_NONBLOCK))
        return -EINVAL;
    struct timerfd *t = kalloc(sizeof(*t));
    if (!t)
        return -ENOMEM;
    t->clock = (int)a[0];
    struct file *f = file_new(&timerfd_ops, NULL);
    if (!f) {
        kfree(t);
        return -ENOMEM;
    }
    f->priv = t;
    f->nonblock = a[1] & TFD_NONBLOCK;
    return fd_install_new(f, a[1] & TFD_CLOEXEC);
}

struct kitimerspec {
    int64_t interval_sec, interval_nsec, value_sec, value_nsec;
};

/* The timerfd at descriptor `fd`: 0 and *t, -EBADF or -EINVAL. */
static long timerfd_of(long fd, struct timerfd **t)
{
    struct file *f = fd_get_held((int)fd);
    if (!f)
        return -EBADF;
    if (f->ops != &timerfd_ops)
        return -EINVAL;
    *t = f->priv;
    return 0;
}

static struct kitimerspec current(const struct timerfd *t)
{
    uint64_t now = clock_monotonic_ns();
    uint64_t left = !t->dl.expiry ? 0 : t->dl.expiry > now ? t->dl.expiry - now : 1;
    return (struct kitimerspec){(int64_t)(t->dl.interval / NSEC),
                                (int64_t)(t->dl.interval % NSEC),
                                (int64_t)(left / NSEC), (int64_t)(left % NSEC)};
}

static bool timespec_ok(int64_t sec, int64_t nsec)
{
    return sec >= 0 && nsec >= 0 && nsec < (int64_t)NSEC &&
           sec < (int64_t)(INT64_MAX / NSEC) - 1;
}

long sys_timerfd_settime(const long *a)
{
    struct timerfd *t;
    long rc = timerfd_of(a[0], &t);
    if (rc < 0)
        return rc;
    if (a[1] & ~(long)(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET))
        return -EINVAL;
    struct kitimerspec nv;
    if (copy_from_user(&nv, (const void *)a[2], sizeof(nv)) < 0)
        return -EFAULT;
    if (!timespec_ok(nv.value_sec, nv.value_nsec) ||
        !timespec_ok(nv.interval_sec, nv.interval_nsec))
        return -EINVAL;
    struct kitimerspec old = current(t);
    uint64_t value = (uint64_t)nv.value_sec * NSEC + (uint64_t)nv.value_nsec;
    uint64_t interval = (uint64_t)nv.interval_sec * NSEC + (uint64_t)nv.interval_nsec;
    uint64_t now = clock_monotonic_ns(), expiry = 0;
    if (value && !(a[1] & TFD_TIMER_ABSTIME)) {
        expiry = now + value;
    } else if (value) {
        bool real = t->clock == CLOCK_REALTIME || t->clock == CLOCK_REALTIME_ALARM;
        uint64_t clock_now = real ? clock_realtime_ns() : now;
        expiry = value > clock_now ? now + (value - clock_now) : now;
    }
    t->ticks = 0; /* a new setting forgets what was not read */
    arm(t, expiry, expiry ? interval : 0);
    timerfd_tick(); /* a time already past counts at once */
    if (a[3] && copy_to_user((void *)a[3], &old, sizeof(old)) < 0)
        return -EFAULT;
    return 0;
}

long sys_timerfd_gettime(const long *a)
{
    struct timerfd *t;
    long rc = timerfd_of(a[0], &t);
    if (rc < 0)
        return rc;
    struct kitimerspec v = current(t);
    return copy_to_user((void *)a[1], &v, sizeof(v)) < 0 ? -EFAULT : 0;
}

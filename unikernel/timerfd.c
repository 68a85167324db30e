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
    struct timerfd *next, *prev; /* the armed list */
    int clock;
    uint64_t expiry;   /* monotonic ns; 0: disarmed */
    uint64_t interval; /* ns; 0: one-shot */
    uint64_t ticks;    /* expirations not yet read */
};

static struct timerfd *armed;

static void disarm(struct timerfd *t)
{
    if (!t->expiry)
        return;
    t->expiry = 0;
    if (t->prev)
        t->prev->next = t->next;
    else
        armed = t->next;
    if (t->next)
        t->next->prev = t->prev;
    t->next = t->prev = NULL;
}

static void arm(struct timerfd *t, uint64_t expiry, uint64_t interval)
{
    disarm(t);
    t->interval = interval;
    if (!expiry)
        return;
    sched_timer_want(expiry);
    t->expiry = expiry;
    t->prev = NULL;
    t->next = armed;
    if (armed)
        armed->prev = t;
    armed = t;
}

uint64_t timerfd_next(void)
{
    uint64_t next = 0;
    for (struct timerfd *t = armed; t; t = t->next)
        if (!next || t->expiry < next)
            next = t->expiry;
    return next;
}

void timerfd_tick(void)
{
    if (!armed)
        return;
    uint64_t now = clock_monotonic_ns();
    for (struct timerfd *t = armed, *next; t; t = next) {
        next = t->next;
        if (now < t->expiry)
            continue;
        if (t->interval) {
            uint64_t n = (now - t->expiry) / t->interval + 1;
            t->ticks += n;
            t->expiry += n * t->interval;
        } else {
            t->ticks++;
            disarm(t);
        }
        sched_wakeup(t);
    }
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
    task_t *task = task_current();
    int fd = fd_install(task, f);
    if (fd >= 0)
        fd_set_cloexec(task, fd, a[1] & TFD_CLOEXEC);
    return fd;
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
    uint64_t left = !t->expiry ? 0 : t->expiry > now ? t->expiry - now : 1;
    return (struct kitimerspec){(int64_t)(t->interval / NSEC),
                                (int64_t)(t->interval % NSEC),
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

/*
 * unikernel/sys_poll.c - poll, ppoll, select and pselect6 over the poll
 * tables of poll.c.
 *
 * Each call asks every file for its readiness with one table on the
 * stack; when none is ready and time is left, it sleeps until a
 * registered channel fires, the deadline or a signal, and asks again.  A
 * signal ends the wait with EINTR (never restarted, as on Linux when the
 * time is relative).  ppoll and pselect6 swap the signal mask for the
 * wait: a handler runs with the caller's mask put back (saved_mask).
 */
#include <errno.h>
#include <stdint.h>

#include "abi/signals.h"
#include "arch/clock.h"
#include "mm/kalloc.h"
#include "unikernel/fd.h"
#include "unikernel/poll.h"
#include "unikernel/signal.h"
#include "unikernel/syscall.h"
#include "unikernel/task.h"
#include "unikernel/usercopy.h"

#define NSEC 1000000000ull
#define POLL_MAX_FDS 4096 /* above RLIMIT_NOFILE's hard limit: EINVAL */
#define FD_SETSIZE 1024
#define SIGSET_SIZE 8

struct user_pollfd {
    int32_t fd;
    int16_t events, revents;
};

struct user_timespec {
    int64_t sec, nsec;
};

struct user_timeval {
    int64_t sec, usec;
};

/* The deadline of a relative wait of `ns` (0 with `none`: no deadline;
 * a zero wait is "now", returned as 1 ns in the past of any clock). */
static uint64_t deadline_after(uint64_t ns)
{
    return clock_monotonic_ns() + ns + (ns == 0);
}

/* Swaps in the user's mask `uset` for the wait (NULL: none): 0, or -errno.
 * *saved gets the mask to put back. */
static int mask_swap(long uset, long size, uint64_t *saved, bool *swapped)
{
    task_t *t = task_current();
    *swapped = false;
    if (!uset)
        return 0;
    if (size != SIGSET_SIZE)
        return -EINVAL;
    uint64_t set;
    if (copy_from_user(&set, (const void *)uset, sizeof(set)) < 0)
        return -EFAULT;
    *saved = t->signal.mask;
    t->signal.mask = set & ~((1ull << (SIGKILL - 1)) | (1ull << (SIGSTOP - 1)));
    *swapped = true;
    return 0;
}

/* Puts the mask back: at once, or after the handler when the wait was
 * interrupted (rc -EINTR), as rt_sigsuspend does. */
static void mask_restore(uint64_t saved, bool swapped, long rc)
{
    task_t *t = task_current();
    if (!swapped)
        return;
    if (rc == -EINTR && signal_interrupted()) {
        t->signal.saved_mask = saved;
        t->signal.restore_mask = true;
    } else {
        t->signal.mask = saved;
    }
}

/* ---- poll, ppoll ---- */

/* Polls the `n` entries of `fds` (kernel copy) until one is ready or the
 * deadline (0: none; `zero`: do not wait): how many are ready, or -EINTR. */
static long do_poll(struct user_pollfd *fds, unsigned n, uint64_t deadline,
                    bool zero)
{
    struct poll_table pt;
    poll_table_init(&pt);
    long ready;
    for (;;) {
        ready = 0;
        for (unsigned i = 0; i < n; i++) {
            fds[i].revents = 0;
            if (fds[i].fd < 0)
                continue;
            struct file *f = fd_get(task_current(), fds[i].fd);
            if (!f) {
                fds[i].revents = POLLNVAL;
                ready++;
                continue;
            }
            unsigned want = (uint16_t)fds[i].events | POLLERR | POLLHUP;
            unsigned got = file_poll(f, zero ? NULL : &pt) & want;
            fds[i].revents = (int16_t)got;
            if (got)
                ready++;
        }
        if (ready || zero)
            break;
        int rc = poll_table_sleep(&pt, deadline);
        if (rc == -ETIMEDOUT)
            break;
        if (rc == -EINTR) {
            ready = -EINTR;
            break;
        }
    }
    poll_table_release(&pt);
    return ready;
}

static long poll_common(long ufds, long nfds, uint64_t deadline, bool zero)
{
    if (nfds < 0 || nfds > POLL_MAX_FDS)
        return -EINVAL;
    size_t bytes = (size_t)nfds * sizeof(struct user_pollfd);
    struct user_pollfd *fds = kalloc(bytes ? bytes : 1);
    if (!fds)
        return -ENOMEM;
    long rc = bytes && copy_from_user(fds, (const void *)ufds, bytes) < 0 ? -EFAULT : 0;
    if (!rc)
        rc = do_poll(fds, (unsigned)nfds, deadline, zero);
    if (rc >= 0) {
        for (long i = 0; i < nfds; i++) /* revents only */
            if (copy_to_user((char *)ufds + i * sizeof(*fds) + 6,
                             &fds[i].revents, 2) < 0) {
                rc = -EFAULT;
                break;
            }
    }
    kfree(fds);
    return rc;
}

long sys_poll(const long *a)
{
    long ms = (int)a[2];
    if (ms < 0)
        return poll_common(a[0], (long)(unsigned)a[1], 0, false);
    return poll_common(a[0], (long)(unsigned)a[1],
                       deadline_after((uint64_t)ms * 1000000), ms == 0);
}

/* A user timespec as a deadline: 0 with *none (NULL: wait forever). */
static int timespec_in(long uts, uint64_t *deadline, bool *zero)
{
    *deadline = 0;
    *zero = false;
    if (!uts)
        return 0;
    struct user_timespec ts;
    if (copy_from_user(&ts, (const void *)uts, sizeof(ts)) < 0)
        return -EFAULT;
    if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= (int64_t)NSEC)
        return -EINVAL;
    uint64_t ns = (uint64_t)ts.sec * NSEC + (uint64_t)ts.nsec;
    *zero = ns == 0;
    *deadline = deadline_after(ns);
    return 0;
}

/* Writes the time left before `deadline` to the user timespec or
 * timeval `ut` (Linux updates them). */
static void time_left_out(long ut, uint64_t deadline, bool timeval)
{
    if (!ut || !deadline)
        return;
    uint64_t now = clock_monotonic_ns();
    uint64_t left = deadline > now ? deadline - now : 0;
    if (timeval) {
        struct user_timeval tv = {(int64_t)(left / NSEC), (int64_t)(left % NSEC / 1000)};
        copy_to_user((void *)ut, &tv, sizeof(tv));
    } else {
        struct user_timespec ts = {(int64_t)(left / NSEC), (int64_t)(left % NSEC)};
        copy_to_user((void *)ut, &ts, sizeof(ts));
    }
}

long sys_ppoll(const long *a)
{
    uint64_t deadline, saved = 0;
    bool zero, swapped;
    int rc = timespec_in(a[2], &deadline, &zero);
    if (rc < 0)
        return rc;
    rc = mask_swap(a[3], a[4], &saved, &swapped);
    if (rc < 0)
        return rc;
    long n = poll_common(a[0], (long)(unsigned)a[1], deadline, zero);
    mask_restore(saved, swapped, n);
    time_left_out(a[2], deadline, false);
    return n;
}

/* ---- select, pselect6 ---- */

#define SEL_IN (POLLIN | POLLRDNORM | POLLHUP | POLLERR)
#define SEL_OUT (POLLOUT | POLLWRNORM | POLLERR)
#define SEL_EX POLLPRI

static long do_select(int nfds, long uin, long uout, long uex,
                      uint64_t deadline, bool zero)
{
    if (nfds < 0 || nfds > FD_SETSIZE)
        return -EINVAL;
    size_t bytes = ((size_t)nfds + 63) / 64 * 8;
    uint64_t in[FD_SETSIZE / 64] = {0}, out[FD_SETSIZE / 64] = {0},
             ex[FD_SETSIZE / 64] = {0};
    uint64_t rin[FD_SETSIZE / 64], rout[FD_SETSIZE / 64], rex[FD_SETSIZE / 64];
    if ((uin && copy_from_user(in, (const void *)uin, bytes) < 0) ||
        (uout && copy_from_user(out, (const void *)uout, bytes) < 0) ||
        (uex && copy_from_user(ex, (const void *)uex, bytes) < 0))
        return -EFAULT;
    for (int fd = 0; fd < nfds; fd++) { /* every fd named must be open */
        uint64_t bit = 1ull << (fd % 64);
        if (((in[fd / 64] | out[fd / 64] | ex[fd / 64]) & bit) &&
            !fd_get(task_current(), fd))
            return -EBADF;
    }
    struct poll_table pt;
    poll_table_init(&pt);
    long ready;
    for (;;) {
        ready = 0;
        for (int w = 0; w < (nfds + 63) / 64; w++)
            rin[w] = rout[w] = rex[w] = 0;
        for (int fd = 0; fd < nfds; fd++) {
            uint64_t bit = 1ull << (fd % 64);
            int w = fd / 64;
            if (!((in[w] | out[w] | ex[w]) & bit))
                continue;
            struct file *f = fd_get(task_current(), fd);
            if (!f) {
                ready = -EBADF; /* closed by another thread meanwhile */
                break;
            }
            unsigned m = file_poll(f, zero ? NULL : &pt);
            if ((in[w] & bit) && (m & SEL_IN)) {
                rin[w] |= bit;
                ready++;
            }
            if ((out[w] & bit) && (m & SEL_OUT)) {
                rout[w] |= bit;
                ready++;
            }
            if ((ex[w] & bit) && (m & SEL_EX)) {
                rex[w] |= bit;
                ready++;
            }
        }
        if (ready || zero)
            break;
        int rc = poll_table_sleep(&pt, deadline);
        if (rc == -ETIMEDOUT)
            break;
        if (rc == -EINTR) {
            ready = -EINTR;
            break;
        }
    }
    poll_table_release(&pt);
    if (ready < 0)
        return ready;
    if ((uin && copy_to_user((void *)uin, rin, bytes) < 0) ||
        (uout && copy_to_user((void *)uout, rout, bytes) < 0) ||
        (uex && copy_to_user((void *)uex, rex, bytes) < 0))
        return -EFAULT;
    return ready;
}

long sys_select(const long *a)
{
    uint64_t deadline = 0;
    bool zero = false;
    if (a[4]) {
        struct user_timeval tv;
        if (copy_from_user(&tv, (const void *)a[4], sizeof(tv)) < 0)
            return -EFAULT;
        if (tv.sec < 0 || tv.usec < 0 || tv.usec >= 1000000)
            return -EINVAL;
        uint64_t ns = (uint64_t)tv.sec * NSEC + (uint64_t)tv.usec * 1000;
        zero = ns == 0;
        deadline = deadline_after(ns);
    }
    long n = do_select((int)a[0], a[1], a[2], a[3], deadline, zero);
    time_left_out(a[4], deadline, true);
    return n;
}

long sys_pselect6(const long *a)
{
    uint64_t deadline, saved = 0;
    bool zero, swapped = false;
    int rc = timespec_in(a[4], &deadline, &zero);
    if (rc < 0)
        return rc;
    if (a[5]) { /* {const sigset_t *set; size_t size} */
        struct {
            uint64_t set, size;
        } arg;
        if (copy_from_user(&arg, (const void *)a[5], sizeof(arg)) < 0)
            return -EFAULT;
        rc = mask_swap((long)arg.set, (long)arg.size, &saved, &swapped);
        if (rc < 0)
            return rc;
    }
    long n = do_select((int)a[0], a[1], a[2], a[3], deadline, zero);
    mask_restore(saved, swapped, n);
    time_left_out(a[4], deadline, false);
    return n;
}

/*
 * pipe.c - pipes (see pipe.h) and the pipe and pipe2 calls.  One CPU and
 * a kernel that is never preempted: the ring needs no lock; blocked
 * readers and writers wait on the pipe itself (sched_block) and re-check
 * when woken; a signal to take interrupts the wait (-ERESTARTSYS).
 */
#include <errno.h>

#include "mm/kalloc.h"
#include "unikernel/fd.h"
#include "unikernel/pipe.h"
#include "unikernel/poll.h"
#include "arch/sigframe.h"
#include "unikernel/sched.h"
#include "unikernel/signal.h"
#include "unikernel/task.h"
#include "unikernel/syscall.h"
#include "unikernel/usercopy.h"

#define PIPE_SIZE 4096
#define PIPE_BUF 4096 /* writes of at most this many bytes are atomic */
_Static_assert(PIPE_BUF <= PIPE_SIZE, "an atomic write fits the ring");
#define KS_IFIFO 0010000

struct pipe {
    char *buf;         /* PIPE_SIZE bytes */
    size_t head;       /* first unread byte */
    size_t count;      /* unread bytes */
    int readers;       /* open read ends */
    int writers;       /* open write ends */
    uint64_t number;   /* st_ino, and readlink's pipe:[N] of /proc/self/fd */
};

/* Pipe numbers: above the tmpfs's inode numbers, as pipefs is another
 * file system on Linux. */
static uint64_t next_number = 1ull << 32;

/* Bytes that can be read at once from the ring: up to its end. */
static size_t chunk_out(const struct pipe *p, size_t n)
{
    size_t k = p->count < PIPE_SIZE - p->head ? p->count : PIPE_SIZE - p->head;
    return n < k ? n : k;
}

static long pipe_read(struct file *f, void *buf, size_t n, uint64_t *pos)
{
    (void)pos;
    struct pipe *p = f->priv;
    if (!user_range_ok((uintptr_t)buf, n))
        return -EFAULT;
    if (!n)
        return 0;
    while (!p->count) {
        if (!p->writers)
            return 0;
        if (f->nonblock)
            return -EAGAIN;
        if (signal_interrupted())
            return -ERESTARTSYS; /* EINTR, or restarted (SA_RESTART) */
        sched_block(p);
    }
    size_t done = 0;
    while (done < n && p->count) {
        size_t k = chunk_out(p, n - done);
        if (copy_to_user((char *)buf + done, p->buf + p->head, k) < 0)
            break;
        p->head = (p->head + k) % PIPE_SIZE;
        p->count -= k;
        done += k;
    }
    sched_wakeup(p);
    return done ? (long)done : -EFAULT;
}

static long pipe_write(struct file *f, const void *buf, size_t n)
{
    struct pipe *p = f->priv;
    if (!user_range_ok((uintptr_t)buf, n))
        return -EFAULT;
    size_t done = 0;
    while (done < n) {
        if (!p->readers) {
            signal_send(task_current(), SIGPIPE); /* fatal by default */
            return done ? (long)done : -EPIPE;
        }
        /* a write of at most PIPE_BUF bytes goes in whole or waits: no
         * other writer's bytes between its own */
        size_t need = n <= PIPE_BUF ? n - done : 1;
        if (PIPE_SIZE - p->count < need) {
            if (f->nonblock)
                return done ? (long)done : -EAGAIN;
            if (signal_interrupted())
                return done ? (long)done : -ERESTARTSYS;
            sched_wakeup(p);
            sched_block(p);
            continue;
        }
        size_t tail = (p->head + p->count) % PIPE_SIZE;
        size_t room = PIPE_SIZE - p->count, k = n - done;
        if (k > room)
            k = room;
        if (k > PIPE_SIZE - tail)
            k = PIPE_SIZE - tail;
        if (copy_from_user(p->buf + tail, (const char *)buf + done, k) < 0)
            return done ? (long)done : -EFAULT;
        p->count += k;
        done += k;
    }
    sched_wakeup(p);
    return (long)done;
}

static void pipe_stat(struct file *f, struct kstat *st)
{
    st->st_mode = KS_IFIFO | 0600;
    st->st_size = (int64_t)((struct pipe *)f->priv)->count;
    st->st_blksize = PIPE_SIZE;
    st->st_ino = ((struct pipe *)f->priv)->number;
}

/* Frees the pipe once both ends are closed. */
static void pipe_drop(struct pipe *p)
{
    sched_wakeup(p);
    if (p->readers || p->writers)
        return;
    kfree(p->buf);
    kfree(p);
}

static void pipe_release_read(struct file *f)
{
    struct pipe *p = f->priv;
    p->readers--;
    pipe_drop(p);
}

static void pipe_release_write(struct file *f)
{
    struct pipe *p = f->priv;
    p->writers--;
    pipe_drop(p);
}

/* The read end: readable with data or once no writer is left (POLLHUP). */
static unsigned pipe_poll_read(struct file *f, struct poll_table *pt)
{
    struct pipe *p = f->priv;
    poll_wait(pt, p);
    unsigned m = p->count ? POLLIN | POLLRDNORM : 0;
    if (!p->writers)
        m |= POLLHUP;
    return m;
}

/* The write end: writable with PIPE_BUF bytes of room, POLLERR once no
 * reader is left. */
static unsigned pipe_poll_write(struct file *f, struct poll_table *pt)
{
    struct pipe *p = f->priv;
    poll_wait(pt, p);
    unsigned m = PIPE_SIZE - p->count >= PIPE_BUF ? POLLOUT | POLLWRNORM : 0;
    return p->readers ? m : m | POLLERR;
}

static const struct file_ops pipe_read_ops = {
    .read = pipe_read,
    .poll = pipe_poll_read,
    .stat = pipe_stat,
    .release = pipe_release_read,
};

static const struct file_ops pipe_write_ops = {
    .write = pipe_write,
    .poll = pipe_poll_write,
    .stat = pipe_stat,
    .release = pipe_release_write,
};

int pipe_create(struct file **rd, struct file **wr)
{
    struct pipe *p = kalloc(sizeof(*p));
    char *buf = kalloc(PIPE_SIZE);
    *rd = file_new(&pipe_read_ops, NULL);
    *wr = file_new(&pipe_write_ops, NULL);
    if (!p || !buf || !*rd || !*wr) {
        kfree(p);
        kfree(buf);
        kfree(*rd); /* no release: never a pipe end */
        kfree(*wr);
        return -ENOMEM;
    }
    p->buf = buf;
    p->readers = p->writers = 1;
    p->number = next_number++;
    (*rd)->priv = p;
    (*wr)->priv = p;
    return 0;
}

/* ---- pipe, pipe2 ---- */

long sys_pipe2(const long *a)
{
    task_t *t = task_current();
    if (a[1] & ~(long)(O_CLOEXEC | O_NONBLOCK))
        return -EINVAL; /* O_DIRECT: not supported */
    struct file *rd, *wr;
    int rc = pipe_create(&rd, &wr);
    if (rc < 0)
        return rc;
    bool cloexec = a[1] & O_CLOEXEC;
    int fds[2] = {fd_install_new(rd, cloexec), -1};
    if (fds[0] < 0) {
        file_put(wr);
        return fds[0];
    }
    fds[1] = fd_install_new(wr, cloexec);
    if (fds[1] < 0) {
        fd_close(t, fds[0]);
        return fds[1];
    }
    if (copy_to_user((void *)a[0], fds, sizeof(fds)) < 0) {
        fd_close(t, fds[0]);
        fd_close(t, fds[1]);
        return -EFAULT;
    }
    rd->nonblock = wr->nonblock = a[1] & O_NONBLOCK;
    return 0;
}

long sys_pipe(const long *a)
{
    const long b[2] = {a[0], 0};
    return sys_pipe2(b);
}

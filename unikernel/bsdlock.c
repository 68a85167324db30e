/*
 * bsdlock.c - flock(2) (see bsdlock.h).
 *
 * Every BSD lock of the system is one record on a single list: the file
 * (inode) it is on, the open file description owning it, shared or not.
 * A description holds at most one lock per file.  Waiters sleep on the
 * list and re-check after every change.  One CPU, interrupts masked: no
 * lock.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

#include "mm/kalloc.h"
#include "unikernel/bsdlock.h"
#include "unikernel/fd.h"
#include "unikernel/sched.h"
#include "unikernel/signal.h"
#include "unikernel/syscall.h"

#define LOCK_SH 1
#define LOCK_EX 2
#define LOCK_NB 4
#define LOCK_UN 8
#define LOCK_MAND 32

struct bsdlock {
    struct bsdlock *next;
    const void *file;         /* what is locked: the inode (or the file) */
    const struct file *owner; /* the open file description */
    bool exclusive;
};

static struct bsdlock *locks;

/* The object a description's lock is on: every description of a file
 * shares its inode; a pipe's two ends their pipe. */
static const void *lock_file(const struct file *f)
{
    if (f->ino)
        return f->ino;
    return f->priv ? f->priv : f;
}

/* Drops the lock of `owner` on `file`, if any: whether there was one. */
static bool drop(const struct file *owner, const void *file)
{
    for (struct bsdlock **link = &locks; *link; link = &(*link)->next) {
        struct bsdlock *l = *link;
        if (l->owner == owner && l->file == file) {
            *link = l->next;
            kfree(l);
            sched_wakeup(&locks);
            return true;
        }
    }
    return false;
}

static bool conflict(const struct file *owner, const void *file, bool exclusive)
{
    for (const struct bsdlock *l = locks; l; l = l->next)
        if (l->file == file && l->owner != owner && (l->exclusive || exclusive))
            return true;
    return false;
}

static const struct bsdlock *held(const struct file *owner, const void *file)
{
    for (const struct bsdlock *l = locks; l; l = l->next)
        if (l->owner == owner && l->file == file)
            return l;
    return NULL;
}

/* Takes the lock for `f`, waiting unless `nb`: 0 or -errno. */
static long take(struct file *f, bool exclusive, bool nb)
{
    const void *file = lock_file(f);
    const struct bsdlock *old = held(f, file);
    if (old && old->exclusive == exclusive)
        return 0;
    struct bsdlock *l = kalloc(sizeof(*l));
    if (!l)
        return -ENOLCK;
    /* Linux converts by unlocking first: others may get in between */
    drop(f, file);
    long rc = 0;
    while (conflict(f, file, exclusive)) {
        if (nb) {
            rc = -EAGAIN; /* EWOULDBLOCK */
            break;
        }
        if (signal_interrupted()) {
            rc = -ERESTARTSYS; /* EINTR, or restarted (SA_RESTART) */
            break;
        }
        if (sched_wait(&locks, 0) < 0) {
            rc = -EINTR;
            break;
        }
    }
    if (rc) {
        kfree(l);
        sched_check_kill(); /* a kill ends the task here */
        return rc;
    }
    *l = (struct bsdlock){locks, file, f, exclusive};
    locks = l;
    return 0;
}

long sys_flock(const long *a)
{
    unsigned op = (unsigned)a[1];
    if (op & LOCK_MAND)
        return 0; /* Linux ignores these (never worked) */
    unsigned cmd = op & ~(unsigned)LOCK_NB;
    if (cmd != LOCK_SH && cmd != LOCK_EX && cmd != LOCK_UN)
        return -EINVAL;
    struct file *f = fd_get_held((int)a[0]);
    if (!f)
        return -EBADF;
    if (cmd == LOCK_UN) {
        if (locks)
            drop(f, lock_file(f));
        return 0;
    }
    return take(f, cmd == LOCK_EX, (op & LOCK_NB) != 0);
}

void bsdlock_release(const struct file *f)
{
    if (locks)
        drop(f, lock_file(f));
}

/*
 * flock.c - advisory record locks (see flock.h).
 *
 * Every lock of the system is one record on a single list.  The records of
 * one file keep Linux's order, which decides what F_GETLK reports when
 * several locks conflict: an owner's records stand together, sorted by
 * start, and a new owner's come after the others'.  Ranges are inclusive,
 * [start, end], with end OFFSET_MAX for "to the end of the file, however
 * long".  Waiters (F_SETLKW) sleep on the list and re-check after every
 * change; a waiting classic-lock owner is recorded with the owner it waits
 * for, for the deadlock check.  One CPU, interrupts masked: no lock.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "mm/kalloc.h"
#include "unikernel/fd.h"
#include "unikernel/flock.h"
#include "unikernel/sched.h"
#include "unikernel/signal.h"
#include "unikernel/thread.h"
#include "unikernel/usercopy.h"

#define F_GETLK 5
#define F_SETLK 6
#define F_SETLKW 7
#define F_OFD_GETLK 36
#define F_OFD_SETLK 37
#define F_OFD_SETLKW 38

#define F_RDLCK 0
#define F_WRLCK 1
#define F_UNLCK 2

#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2

#define OFFSET_MAX INT64_MAX
/* Linux's bound on the deadlock check's walk along waiting owners. */
#define DEADLOCK_STEPS 10

/* struct flock of the Linux x86_64 ABI (32 bytes). */
struct uflock {
    int16_t l_type, l_whence;
    int64_t l_start, l_len;
    int32_t l_pid;
    int32_t pad;
};
_Static_assert(sizeof(struct uflock) == 32, "struct flock is 32 bytes");

struct lock {
    struct lock *next;
    const void *file;  /* what is locked: the inode (or the file without) */
    const void *owner; /* the descriptor table, or the open file (ofd) */
    bool ofd;
    int type;          /* F_RDLCK or F_WRLCK */
    int pid;           /* the locking process (classic locks) */
    int64_t start, end;
};

/* A classic-lock owner waiting in F_SETLKW, on its kernel stack. */
struct lock_waiter {
    struct lock_waiter *next;
    const void *owner, *waits_for;
};

static struct lock *locks;
static struct lock_waiter *waiters;

bool flock_is_cmd(long cmd)
{
    return cmd == F_GETLK || cmd == F_SETLK || cmd == F_SETLKW ||
           cmd == F_OFD_GETLK || cmd == F_OFD_SETLK || cmd == F_OFD_SETLKW;
}

/* The object the locks of `f` are on: all descriptions of a file share
 * its inode; a pipe's two ends their pipe. */
static const void *lock_file(const struct file *f)
{
    if (f->ino)
        return f->ino;
    return f->priv ? f->priv : f;
}

static bool overlap(const struct lock *l, int64_t start, int64_t end)
{
    return l->start <= end && start <= l->end;
}

static bool conflicts(const struct lock *l, const struct lock *req)
{
    return l->file == req->file && l->owner != req->owner &&
           overlap(l, req->start, req->end) &&
           (l->type == F_WRLCK || req->type == F_WRLCK);
}

static const struct lock *first_conflict(const struct lock *req)
{
    for (const struct lock *l = locks; l; l = l->next)
        if (conflicts(l, req))
            return l;
    return NULL;
}

/* The request's range from the user's struct (Linux's rules): 0 or
 * -EINVAL, -EOVERFLOW. */
static int lock_range(struct file *f, const struct uflock *u, struct lock *req)
{
    int64_t base;
    switch (u->l_whence) {
    case SEEK_SET:
        base = 0;
        break;
    case SEEK_CUR:
        base = (int64_t)f->pos;
        break;
    case SEEK_END: {
        struct kstat st;
        memset(&st, 0, sizeof(st));
        if (f->ops->stat)
            f->ops->stat(f, &st);
        base = st.st_size;
        break;
    }
    default:
        return -EINVAL;
    }
    int64_t start;
    if (__builtin_add_overflow(base, u->l_start, &start))
        return -EOVERFLOW;
    if (start < 0)
        return -EINVAL;
    if (u->l_len > 0) {
        if (u->l_len - 1 > OFFSET_MAX - start)
            return -EOVERFLOW;
        req->start = start;
        req->end = start + u->l_len - 1;
    } else if (u->l_len < 0) {
        if (start + u->l_len < 0)
            return -EINVAL;
        req->start = start + u->l_len;
        req->end = start - 1;
    } else {
        req->start = start;
        req->end = OFFSET_MAX;
    }
    return 0;
}

static bool can_read(const struct file *f)
{
    return f->flags >= 0 ? (f->flags & O_ACCMODE) != O_WRONLY : f->ops->read != NULL;
}

static bool can_write(const struct file *f)
{
    return f->flags >= 0 ? (f->flags & O_ACCMODE) != O_RDONLY : f->ops->write != NULL;
}

/* ---- changing an owner's locks ---- */

static void unlink_lock(struct lock **link)
{
    struct lock *l = *link;
    *link = l->next;
    kfree(l);
}

/* Where a record of `req`'s owner starting at `start` goes: after the
 * owner's records that start before it, or at the end of the list when
 * the owner holds none on the file. */
static struct lock **insert_point(const struct lock *req, int64_t start)
{
    struct lock **link = &locks;
    while (*link && !((*link)->file == req->file && (*link)->owner == req->owner))
        link = &(*link)->next;
    while (*link && (*link)->file == req->file && (*link)->owner == req->owner &&
           (*link)->start < start)
        link = &(*link)->next;
    return link;
}

static void insert(struct lock *l)
{
    struct lock **link = insert_point(l, l->start);
    l->next = *link;
    *link = l;
}

/* Sets `req` (type F_UNLCK: clears its range) for its owner, with the two
 * spare records it may need (a split lock's tail, the new lock): those not
 * used are freed. */
static void apply(const struct lock *req, struct lock *spare[2])
{
    int64_t start = req->start, end = req->end;
    int used = 0;
    struct lock **link = &locks;
    while (*link) {
        struct lock *l = *link;
        if (l->file != req->file || l->owner != req->owner) {
            link = &l->next;
            continue;
        }
        bool same = req->type == l->type;
        /* a lock of the same type merges with one it overlaps or touches */
        bool touches = (end == OFFSET_MAX || l->start <= end + 1) &&
                       (l->end == OFFSET_MAX || start <= l->end + 1);
        if (same && touches) {
            if (l->start < start)
                start = l->start;
            if (l->end > end)
                end = l->end;
            unlink_lock(link);
            continue;
        }
        if (!overlap(l, req->start, req->end)) {
            link = &l->next;
            continue;
        }
        /* another type (or an unlock): what lies outside the range stays */
        if (l->start < req->start && l->end > req->end) {
            struct lock *tail = spare[used++];
            *tail = *l;
            tail->start = req->end + 1;
            l->end = req->start - 1;
            insert(tail);
            link = &l->next;
        } else if (l->start < req->start) {
            l->end = req->start - 1;
            link = &l->next;
        } else if (l->end > req->end) {
            /* its head goes; it stays in order (the owner's locks are
             * disjoint: none starts inside the range cut off) */
            l->start = req->end + 1;
            link = &l->next;
        } else {
            unlink_lock(link);
        }
    }
    if (req->type != F_UNLCK) {
        struct lock *l = spare[used++];
        *l = *req;
        l->start = start;
        l->end = end;
        insert(l);
    }
    for (; used < 2; used++)
        kfree(spare[used]);
    sched_wakeup(&locks);
}

/* ---- waiting ---- */

/* True when `owner` waiting for `blocker` would close a cycle: the
 * blocker waits (through other owners) for `owner`. */
static bool would_deadlock(const void *owner, const void *blocker)
{
    for (int step = 0; step < DEADLOCK_STEPS; step++) {
        const struct lock_waiter *w = waiters;
        while (w && w->owner != blocker)
            w = w->next;
        if (!w)
            return false;
        if (w->waits_for == owner)
            return true;
        blocker = w->waits_for;
    }
    return false;
}

static void waiter_remove(struct lock_waiter *me)
{
    struct lock_waiter **link = &waiters;
    while (*link && *link != me)
        link = &(*link)->next;
    if (*link)
        *link = me->next;
}

/* Takes the lock `req` (F_SETLK: `wait` false; F_SETLKW: true). */
static long set_lock(const struct lock *req, bool wait)
{
    struct lock *spare[2] = {kalloc(sizeof(struct lock)), kalloc(sizeof(struct lock))};
    if (!spare[0] || !spare[1]) {
        kfree(spare[0]);
        kfree(spare[1]);
        return -ENOLCK;
    }
    struct lock_waiter me = {NULL, req->owner, NULL};
    bool queued = false;
    long rc = 0;
    const struct lock *c;
    while (req->type != F_UNLCK && (c = first_conflict(req))) {
        if (!wait) {
            rc = -EAGAIN;
            break;
        }
        if (!req->ofd && !c->ofd && would_deadlock(req->owner, c->owner)) {
            rc = -EDEADLK;
            break;
        }
        if (signal_interrupted()) {
            rc = -ERESTARTSYS; /* EINTR, or restarted (SA_RESTART) */
            break;
        }
        me.waits_for = c->owner;
        if (!req->ofd && !queued) {
            me.next = waiters;
            waiters = &me;
            queued = true;
        }
        /* sched_wait, not sched_block: a kill must not end the task
         * while `me` (on this stack) is still on the list */
        if (sched_wait(&locks, 0) < 0) {
            rc = -EINTR;
            break;
        }
    }
    if (queued)
        waiter_remove(&me);
    if (rc) {
        kfree(spare[0]);
        kfree(spare[1]);
        sched_check_kill(); /* a kill ends the task here, the list clean */
        return rc;
    }
    apply(req, spare);
    return 0;
}

/* ---- fcntl and the descriptors' end ---- */

long flock_fcntl(struct file *f, long cmd, uintptr_t uarg)
{
    struct uflock u;
    if (copy_from_user(&u, (const void *)uarg, sizeof(u)) < 0)
        return -EFAULT;
    bool ofd = cmd == F_OFD_GETLK || cmd == F_OFD_SETLK || cmd == F_OFD_SETLKW;
    if (ofd && u.l_pid != 0)
        return -EINVAL;
    struct lock req = {
        .file = lock_file(f),
        .owner = ofd ? (const void *)f : (const void *)task_current()->files,
        .ofd = ofd,
        .type = u.l_type,
        .pid = thread_tgid(task_current()),
    };
    int rc = lock_range(f, &u, &req);
    if (rc)
        return rc;
    if (cmd == F_GETLK || cmd == F_OFD_GETLK) {
        if (u.l_type != F_RDLCK && u.l_type != F_WRLCK)
            return -EINVAL;
        const struct lock *c = first_conflict(&req);
        if (!c) {
            u.l_type = F_UNLCK;
        } else {
            u.l_type = (int16_t)c->type;
            u.l_whence = SEEK_SET;
            u.l_start = c->start;
            u.l_len = c->end == OFFSET_MAX ? 0 : c->end - c->start + 1;
            u.l_pid = c->ofd ? -1 : c->pid;
        }
        return copy_to_user((void *)uarg, &u, sizeof(u)) < 0 ? -EFAULT : 0;
    }
    if (u.l_type == F_RDLCK && !can_read(f))
        return -EBADF;
    if (u.l_type == F_WRLCK && !can_write(f))
        return -EBADF;
    if (u.l_type != F_RDLCK && u.l_type != F_WRLCK && u.l_type != F_UNLCK)
        return -EINVAL;
    return set_lock(&req, cmd == F_SETLKW || cmd == F_OFD_SETLKW);
}

/* Drops every lock of `owner` on `file`. */
static void drop_locks(const void *owner, const void *file)
{
    bool dropped = false;
    struct lock **link = &locks;
    while (*link) {
        if ((*link)->owner == owner && (*link)->file == file) {
            unlink_lock(link);
            dropped = true;
        } else {
            link = &(*link)->next;
        }
    }
    if (dropped)
        sched_wakeup(&locks);
}

void flock_close(const struct fdtable *files, const struct file *f)
{
    if (locks)
        drop_locks(files, lock_file(f));
}

void flock_release(const struct file *f)
{
    if (locks)
        drop_locks(f, lock_file(f));
}

/*
 * fd.c - open files and descriptor tables (see fd.h), and the system calls
 * on descriptors alone: close, dup, dup2, dup3, fcntl (its record locks:
 * flock.c).  A duplicate shares
 * the open file (and its position); close-on-exec belongs to the
 * descriptor (files->cloexec).  A table is shared by the threads of a
 * process (reference-counted), copied by fork.
 */
#include <assert.h>
#include <errno.h>
#include <string.h>

#include "mm/kalloc.h"
#include "unikernel/epoll.h"
#include "unikernel/fd.h"
#include "unikernel/bsdlock.h"
#include "unikernel/flock.h"
#include "unikernel/syscall.h"
#include "unikernel/usercopy.h"

#define F_DUPFD 0
#define F_GETFD 1
#define F_SETFD 2
#define F_GETFL 3
#define F_SETFL 4
#define F_SETOWN 8
#define F_GETOWN 9
#define F_DUPFD_CLOEXEC 1030
#define FD_CLOEXEC 1
#define O_ASYNC 020000

struct file *file_new(const struct file_ops *ops, inode_t *ino)
{
    struct file *f = kalloc(sizeof(*f));
    if (!f)
        return NULL;
    f->ops = ops;
    f->refs = 1;
    f->ino = ino;
    f->flags = -1;
    f->nonblock = false;
    f->async = false;
    f->owner = 0;
    if (ino)
        inode_open(ino);
    return f;
}

void file_put(struct file *f)
{
    if (--f->refs > 0) {
        if (f->ops->unref)
            f->ops->unref(f);
        return;
    }
    if (f->epitems)
        epoll_file_gone(f);
    flock_release(f);
    bsdlock_release(f);
    if (f->ops->release)
        f->ops->release(f);
    if (f->ino)
        inode_close(f->ino);
    kfree(f->text);
    kfree(f);
}

struct file *fd_get(task_t *t, int fd)
{
    if (fd < 0 || fd >= TASK_FDS)
        return NULL;
    return t->files->fd[fd];
}

struct file *fd_get_held(int fd)
{
    task_t *t = task_current();
    struct file *f = fd_get(t, fd);
    if (!f)
        return NULL;
    for (int i = 0; i < t->held_count; i++)
        if (t->held[i] == f)
            return f; /* held already: one reference is enough */
    /* Every call holds at most two files (sendfile, splice); a full array
     * would be a kernel bug, and the file is then used as before, unheld. */
    if (t->held_count < TASK_HELD_FILES) {
        f->refs++;
        t->held[t->held_count++] = f;
    }
    return f;
}

void fd_release_held(task_t *t)
{
    while (t->held_count > 0)
        file_put(t->held[--t->held_count]);
}

int fd_install(task_t *t, struct file *f)
{
    int limit = rlimit_nofile(t);
    for (int fd = 0; fd < limit; fd++)
        if (!t->files->fd[fd]) {
            t->files->fd[fd] = f;
            FD_CLOEXEC_WORD(t->files, fd) &= ~FD_CLOEXEC_BIT(fd);
            return fd;
        }
    file_put(f);
    return -EMFILE;
}

int fd_install_new(struct file *f, bool cloexec)
{
    task_t *t = task_current();
    int fd = fd_install(t, f);
    if (fd >= 0 && cloexec)
        FD_CLOEXEC_WORD(t->files, fd) |= FD_CLOEXEC_BIT(fd);
    return fd;
}

int fd_install_at(task_t *t, int fd, struct file *f)
{
    assert(fd >= 0 && fd < TASK_FDS);
    f->refs++;
    struct file *old = t->files->fd[fd];
    t->files->fd[fd] = f;
    FD_CLOEXEC_WORD(t->files, fd) &= ~FD_CLOEXEC_BIT(fd);
    if (old) {
        flock_close(t->files, old);
        file_put(old);
    }
    return fd;
}

int fd_close(task_t *t, int fd)
{
    struct file *f = fd_get(t, fd);
    if (!f)
        return -EBADF;
    t->files->fd[fd] = NULL;
    FD_CLOEXEC_WORD(t->files, fd) &= ~FD_CLOEXEC_BIT(fd);
    flock_close(t->files, f);
    file_put(f);
    return 0;
}

int fd_table_new(task_t *t)
{
    t->files = kalloc(sizeof(*t->files));
    if (!t->files)
        return -ENOMEM;
    memset(t->files, 0, sizeof(*t->files));
    t->files->refs = 1;
    return 0;
}

void fd_table_share(task_t *t, task_t *from)
{
    t->files = from->files;
    t->files->refs++;
}

void fd_table_put(task_t *t)
{
    if (!t->files)
        return;
    if (t->files->refs == 1)
        fd_close_all(t);
    if (--t->files->refs == 0)
        kfree(t->files);
    t->files = NULL;
}

void fd_close_all(task_t *t)
{
    for (int fd = 0; fd < TASK_FDS; fd++)
        if (t->files->fd[fd])
            fd_close(t, fd);
}

void fd_close_on_exec(task_t *t)
{
    for (int fd = 0; fd < TASK_FDS; fd++)
        if (FD_CLOEXEC_WORD(t->files, fd) & FD_CLOEXEC_BIT(fd))
            fd_close(t, fd);
}

void fd_copy_table(task_t *c, const task_t *p)
{
    fd_close_all(c);
    for (int fd = 0; fd < TASK_FDS; fd++)
        if (p->files->fd[fd]) {
            c->files->fd[fd] = p->files->fd[fd];
            c->files->fd[fd]->refs++;
        }
    memcpy(c->files->cloexec, p->files->cloexec, sizeof(c->files->cloexec));
}

void fd_set_cloexec(task_t *t, int fd, bool on)
{
    if (on)
        FD_CLOEXEC_WORD(t->files, fd) |= FD_CLOEXEC_BIT(fd);
    else
        FD_CLOEXEC_WORD(t->files, fd) &= ~FD_CLOEXEC_BIT(fd);
}

long fd_dup(task_t *t, int fd, int min, bool cloexec)
{
    struct file *f = fd_get(t, fd);
    if (!f)
        return -EBADF;
    int limit = rlimit_nofile(t);
    if (min < 0 || min >= limit)
        return -EINVAL;
    for (int n = min; n < limit; n++)
        if (!t->files->fd[n]) {
            f->refs++;
            t->files->fd[n] = f;
            fd_set_cloexec(t, n, cloexec);
            return n;
        }
    return -EMFILE;
}

long file_read_buffer(const void *data, uint64_t size, void *ubuf, size_t n,
                      uint64_t *pos)
{
    if (*pos >= size)
        return 0;
    size_t left = (size_t)(size - *pos);
    if (n > left)
        n = left;
    if (copy_to_user(ubuf, (const char *)data + *pos, n) < 0)
        return -EFAULT;
    *pos += n;
    return (long)n;
}

/* ---- close, dup, dup2, dup3, fcntl ---- */

static struct file *file_of(long fd)
{
    return fd_get(task_current(), (int)fd);
}

long sys_close(const long *a)
{
    return fd_close(task_current(), (int)a[0]);
}

long sys_fcntl(const long *a)
{
    struct file *f = file_of(a[0]);
    if (!f)
        return -EBADF;
    if (flock_is_cmd(a[1])) /* record locks: flock.c */
        return flock_fcntl(f, a[1], (uintptr_t)a[2]);
    switch (a[1]) {
    case F_DUPFD:
    case F_DUPFD_CLOEXEC:
        return fd_dup(task_current(), (int)a[0], (int)a[2],
                      a[1] == F_DUPFD_CLOEXEC);
    case F_GETFD:
        return FD_CLOEXEC_WORD(task_current()->files, a[0]) & FD_CLOEXEC_BIT(a[0]) ? FD_CLOEXEC : 0;
    case F_SETFD:
        fd_set_cloexec(task_current(), (int)a[0], a[2] & FD_CLOEXEC);
        return 0;
    case F_GETFL:
        return (f->flags >= 0 ? f->flags
                : f->ops->write ? (f->ops->read ? O_RDWR : O_WRONLY)
                                : O_RDONLY) |
               (f->nonblock ? O_NONBLOCK : 0) | (f->async ? O_ASYNC : 0);
    case F_SETFL: /* of the flags kept, O_APPEND, O_NONBLOCK, O_ASYNC can change */
        if (f->flags >= 0)
            f->flags = (int)((f->flags & ~O_APPEND) | (a[2] & O_APPEND));
        f->nonblock = a[2] & O_NONBLOCK;
        f->async = a[2] & O_ASYNC;
        return 0;
    case F_SETOWN: /* Linux takes any pid (or -pgid) here: nginx's channels */
        f->owner = (int)a[2];
        return 0;
    case F_GETOWN:
        return f->owner;
    default:
        return -EINVAL;
    }
}

long sys_dup(const long *a)
{
    struct file *f = file_of(a[0]);
    if (!f)
        return -EBADF;
    f->refs++;
    return fd_install(task_current(), f);
}

/* dup2 and dup3 once the arguments are checked. */
static long dup_to(long old, long new)
{
    struct file *f = file_of(old);
    if (!f || new < 0 || new >= rlimit_nofile(task_current()))
        return -EBADF; /* as Linux: at or past RLIMIT_NOFILE too */
    return old == new ? new : fd_install_at(task_current(), (int)new, f);
}

long sys_dup2(const long *a)
{
    return dup_to(a[0], a[1]);
}

long sys_dup3(const long *a)
{
    if (a[0] == a[1] || (a[2] & ~O_CLOEXEC))
        return -EINVAL;
    long fd = dup_to(a[0], a[1]);
    if (fd >= 0 && (a[2] & O_CLOEXEC))
        fd_set_cloexec(task_current(), (int)fd, true);
    return fd;
}

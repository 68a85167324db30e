/*
 * sys_dir.c - the system calls on directories and names of the tmpfs:
 * mkdir(at), rmdir, unlink(at), rename(at, at2), link(at), getdents64,
 * chdir, fchdir, getcwd.  Paths are copied in by path.c; the tree's work
 * is tmpfs.c's.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "mm/kalloc.h"
#include "unikernel/fd.h"
#include "unikernel/path.h"
#include "unikernel/syscall.h"
#include "unikernel/thread.h"
#include "unikernel/tmpfs.h"
#include "unikernel/usercopy.h"

/* One path from `dirfd`: mkdir, unlink, rmdir. */
enum one_op { OP_MKDIR, OP_UNLINK, OP_RMDIR };

static long one_path(long dirfd, long upath, enum one_op op, long mode)
{
    long rc = 0;
    char *path = path_get(upath, &rc);
    tnode_t *base;
    if (path && (rc = path_base(dirfd, path, &base)) == 0) {
        if (path_is_proc(path))
            rc = op == OP_MKDIR ? -EEXIST : -EACCES;
        else if (op == OP_MKDIR)
            rc = tmpfs_mkdir(base, path, (unsigned)mode & 07777 &
                                             ~(unsigned)task_current()->umask);
        else if (op == OP_UNLINK)
            rc = tmpfs_unlink(base, path);
        else
            rc = tmpfs_rmdir(base, path);
    }
    path_free(path);
    return rc;
}

long sys_mkdir(const long *a)
{
    return one_path(AT_FDCWD, a[0], OP_MKDIR, a[1]);
}

long sys_mkdirat(const long *a)
{
    return one_path(a[0], a[1], OP_MKDIR, a[2]);
}

long sys_rmdir(const long *a)
{
    return one_path(AT_FDCWD, a[0], OP_RMDIR, 0);
}

long sys_unlink(const long *a)
{
    return one_path(AT_FDCWD, a[0], OP_UNLINK, 0);
}

long sys_unlinkat(const long *a)
{
    if (a[2] & ~(long)AT_REMOVEDIR)
        return -EINVAL;
    return one_path(a[0], a[1], (a[2] & AT_REMOVEDIR) ? OP_RMDIR : OP_UNLINK,
                    0);
}

/* Two paths: rename (flags) or link. */
static long two_paths(long olddir, long uold, long newdir, long unew,
                      bool link, unsigned flags)
{
    long rc = 0;
    char *from = path_get(uold, &rc);
    char *to = from ? path_get(unew, &rc) : NULL;
    tnode_t *fb, *tb;
    if (to && (rc = path_base(olddir, from, &fb)) == 0 &&
        (rc = path_base(newdir, to, &tb)) == 0) {
        if (path_is_proc(from) || path_is_proc(to))
            rc = -EXDEV;
        else if (link)
            rc = tmpfs_link(fb, from, tb, to, flags & AT_SYMLINK_FOLLOW);
        else
            rc = tmpfs_rename(fb, from, tb, to, flags);
    }
    path_free(from);
    path_free(to);
    return rc;
}

long sys_rename(const long *a)
{
    return two_paths(AT_FDCWD, a[0], AT_FDCWD, a[1], false, 0);
}

long sys_renameat(const long *a)
{
    return two_paths(a[0], a[1], a[2], a[3], false, 0);
}

long sys_renameat2(const long *a)
{
    return two_paths(a[0], a[1], a[2], a[3], false, (unsigned)a[4]);
}

long sys_link(const long *a)
{
    return two_paths(AT_FDCWD, a[0], AT_FDCWD, a[1], true, 0);
}

/* Whether a linkat source names a descriptor's file by itself, in *fd:
 * `path` empty with AT_EMPTY_PATH (olddirfd, AT_FDCWD included), or
 * /proc/self/fd/N (or /proc/PID/fd/N of the caller) followed with
 * AT_SYMLINK_FOLLOW. */
static bool source_fd(long olddir, const char *path, long flags, long *fd)
{
    *fd = olddir;
    if (path[0] == '\0' && (flags & AT_EMPTY_PATH))
        return true;
    if (!(flags & AT_SYMLINK_FOLLOW) || strncmp(path, "/proc/", 6) != 0)
        return false;
    const char *p = path + 6;
    char pid[24];
    snprintf(pid, sizeof(pid), "%d/fd/", thread_tgid(task_current()));
    if (strncmp(p, "self/fd/", 8) == 0)
        p += 8;
    else if (strncmp(p, pid, strlen(pid)) == 0)
        p += strlen(pid);
    else
        return false;
    const char *digits = p;
    for (*fd = 0; *p >= '0' && *p <= '9' && *fd < (1l << 30); p++)
        *fd = *fd * 10 + (*p - '0');
    return *p == '\0' && p > digits;
}

long sys_linkat(const long *a)
{
    if (a[4] & ~(long)(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
        return -EINVAL;
    long rc = 0;
    char *from = path_get(a[1], &rc);
    if (!from)
        return rc;
    long fd;
    bool itself = source_fd(a[0], from, a[4], &fd);
    bool by_proc = from[0] != '\0';
    path_free(from);
    if (!itself)
        return two_paths(a[0], a[1], a[2], a[3], true,
                         (unsigned)a[4] & AT_SYMLINK_FOLLOW);
    /* the file itself: one of the tmpfs, else of another file system */
    tnode_t *n = path_cwd();
    if ((int)fd != AT_FDCWD) {
        struct file *f = fd_get(task_current(), (int)fd);
        if (!f)
            return by_proc ? -ENOENT : -EBADF;
        if (!(n = tmpfs_node_of(f)))
            return -EXDEV;
    }
    char *to = path_get(a[3], &rc);
    tnode_t *tb;
    if (to && (rc = path_base(a[2], to, &tb)) == 0)
        rc = path_is_proc(to) ? -EXDEV : tmpfs_link_node(n, tb, to);
    path_free(to);
    return rc;
}

/* symlink, symlinkat: the target is kept as given, never looked at. */
static long symlink_at(long utarget, long dirfd, long upath)
{
    long rc = 0;
    char *target = path_get(utarget, &rc);
    char *path = target ? path_get(upath, &rc) : NULL;
    tnode_t *base;
    if (path && (rc = path_base(dirfd, path, &base)) == 0)
        rc = path_is_proc(path) ? -ENOENT : tmpfs_symlink(target, base, path);
    path_free(target);
    path_free(path);
    return rc;
}

long sys_symlink(const long *a)
{
    return symlink_at(a[0], AT_FDCWD, a[1]);
}

long sys_symlinkat(const long *a)
{
    return symlink_at(a[0], a[1], a[2]);
}

long sys_getdents64(const long *a)
{
    struct file *f = fd_get(task_current(), (int)a[0]);
    if (!f)
        return -EBADF;
    if (!user_range_ok((uintptr_t)a[1], (size_t)a[2]))
        return -EFAULT;
    if (f->ops->getdents) /* a directory of /proc */
        return f->ops->getdents(f, (void *)a[1], (size_t)a[2]);
    return tmpfs_getdents(f, (void *)a[1], (size_t)a[2]);
}

/* Makes `dir` (a reference that moves here) the working directory. */
static long set_cwd(tnode_t *dir)
{
    task_t *t = task_current();
    tmpfs_put(t->cwd);
    t->cwd = dir;
    return 0;
}

long sys_chdir(const long *a)
{
    long rc = 0;
    char *path = path_get(a[0], &rc);
    tnode_t *dir;
    if (path)
        rc = path_is_proc(path) ? -EACCES
                                : tmpfs_lookup_dir(path_cwd(), path, &dir);
    path_free(path);
    return rc < 0 ? rc : set_cwd(dir);
}

long sys_fchdir(const long *a)
{
    struct file *f = fd_get(task_current(), (int)a[0]);
    if (!f)
        return -EBADF;
    tnode_t *n = tmpfs_node_of(f);
    if (!n || !tmpfs_is_dir(n))
        return -ENOTDIR;
    tmpfs_get(n);
    return set_cwd(n);
}

long sys_getcwd(const long *a)
{
    size_t size = (size_t)a[1];
    if (size > TMPFS_PATH_MAX)
        size = TMPFS_PATH_MAX;
    char *buf = kalloc(TMPFS_PATH_MAX);
    if (!buf)
        return -ENOMEM;
    long len = tmpfs_path_of(path_cwd(), buf, size);
    if (len > 0 && copy_to_user((void *)a[0], buf, (size_t)len) < 0)
        len = -EFAULT;
    kfree(buf);
    return len;
}

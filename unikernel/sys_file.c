/*
 * sys_file.c - file system calls over the descriptor table: the console,
 * the read-only ramfs and /proc/self/maps.  Nothing can be created or
 * written except the console.  The calls on descriptors alone (close,
 * dup, fcntl) are fd.c's.
 */
#include <errno.h>
#include <string.h>

#include "unikernel/fd.h"
#include "unikernel/procfs.h"
#include "unikernel/ramfs.h"
#include "unikernel/syscall.h"
#include "unikernel/usercopy.h"

#define AT_FDCWD -100
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_EMPTY_PATH 0x1000
#define O_ACCMODE 3
#define O_CREAT 0100
#define O_DIRECTORY 0200000
#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2
#define IOV_MAX 1024
#define RW_MAX 0x7ffff000L /* Linux's largest transfer */
#define USER_SPACE_END ((1ul << 47) - 4096) /* Linux's user space end */

struct kiovec {
    uintptr_t base;
    size_t len;
};

static struct file *file_of(long fd)
{
    return fd_get(task_current(), (int)fd);
}

/* Copies the user path at `upath` into `path` (RAMFS_PATH_MAX). */
static long get_path(char *path, long upath)
{
    long len = strncpy_from_user(path, (const char *)upath, RAMFS_PATH_MAX);
    return len < 0 ? len : 0;
}

/* 0 when `path` can be resolved for an *at call on `dirfd`: absolute, or
 * relative to AT_FDCWD (there are no directory descriptors); otherwise
 * -ENOTDIR for an open file, -EBADF for no file. */
static long at_dirfd(long dirfd, const char *path)
{
    if (path[0] == '/' || (int)dirfd == AT_FDCWD)
        return 0;
    return file_of(dirfd) ? -ENOTDIR : -EBADF;
}

/* The file at `path` (procfs or ramfs), with a reference and no
 * descriptor; NULL with *err set if there is none. */
static struct file *path_open(const char *path, int *err)
{
    return procfs_owns(path) ? procfs_open(task_current(), path, err)
                             : ramfs_open(path, err);
}

/* Opens `path` with `flags`: the new descriptor or -errno. */
static long open_path(const char *path, long flags)
{
    inode_t *ino;
    if ((flags & O_ACCMODE) != 0 || ((flags & O_CREAT) && !procfs_owns(path) &&
                                     ramfs_lookup(path, &ino) < 0))
        return -EROFS; /* nothing can be written or created */
    int err = 0;
    struct file *f = path_open(path, &err);
    if (!f)
        return err;
    if ((flags & O_DIRECTORY) && f->ino) {
        file_put(f);
        return -ENOTDIR;
    }
    return fd_install(task_current(), f);
}

long sys_open(const long *a)
{
    char path[RAMFS_PATH_MAX];
    long rc = get_path(path, a[0]);
    return rc < 0 ? rc : open_path(path, a[1]);
}

long sys_openat(const long *a)
{
    char path[RAMFS_PATH_MAX];
    long rc = get_path(path, a[1]);
    if (rc == 0)
        rc = at_dirfd(a[0], path);
    return rc < 0 ? rc : open_path(path, a[2]);
}

/* A transfer of no bytes touches no memory: Linux checks only that the
 * buffer is a user address (so NULL is fine) and returns 0. */
static long empty_transfer(uintptr_t buf)
{
    return buf < USER_SPACE_END ? 0 : -EFAULT;
}

/* Reads into one user buffer at *pos (the file position unless pread). */
static long read_at(struct file *f, uintptr_t buf, size_t n, uint64_t *pos)
{
    if (!f->ops->read)
        return -EINVAL;
    if (n == 0)
        return empty_transfer(buf);
    if (n > RW_MAX)
        n = RW_MAX;
    if (!user_range_ok(buf, n))
        return -EFAULT;
    return f->ops->read(f, (void *)buf, n, pos);
}

long sys_read(const long *a)
{
    struct file *f = file_of(a[0]);
    if (!f)
        return -EBADF;
    return read_at(f, (uintptr_t)a[1], (size_t)a[2], &f->pos);
}

long sys_pread64(const long *a)
{
    struct file *f = file_of(a[0]);
    if (!f)
        return -EBADF;
    if (!f->seekable)
        return -ESPIPE;
    if (a[3] < 0)
        return -EINVAL;
    uint64_t pos = (uint64_t)a[3];
    return read_at(f, (uintptr_t)a[1], (size_t)a[2], &pos);
}

long sys_write(const long *a)
{
    struct file *f = file_of(a[0]);
    if (!f)
        return -EBADF;
    if (!f->ops->write)
        return -EBADF; /* every other file is open read-only */
    size_t n = (size_t)a[2] > RW_MAX ? RW_MAX : (size_t)a[2];
    if (n == 0)
        return empty_transfer((uintptr_t)a[1]);
    return f->ops->write(f, (const void *)a[1], n);
}

/* readv / writev: the vectors are copied in first, then each buffer in
 * turn; a short transfer ends the loop (Linux's semantics). */
static long vector_io(const long *a, bool write)
{
    struct file *f = file_of(a[0]);
    if (!f)
        return -EBADF;
    if (write ? !f->ops->write : !f->ops->read)
        return write ? -EBADF : -EINVAL;
    long count = a[2];
    if (count < 0 || count > IOV_MAX)
        return -EINVAL;
    struct kiovec iov[16];
    long total = 0;
    for (long i = 0; i < count; i++) {
        if (i % 16 == 0) {
            long k = count - i < 16 ? count - i : 16;
            if (copy_from_user(iov, (const struct kiovec *)a[1] + i,
                               k * sizeof(iov[0])) < 0)
                return total ? total : -EFAULT;
        }
        struct kiovec *v = &iov[i % 16];
        if (v->len == 0)
            continue;
        long n = write ? f->ops->write(f, (const void *)v->base, v->len)
                       : read_at(f, v->base, v->len, &f->pos);
        if (n < 0)
            return total ? total : n;
        total += n;
        if ((size_t)n < v->len)
            break;
    }
    return total;
}

long sys_readv(const long *a)
{
    return vector_io(a, false);
}

long sys_writev(const long *a)
{
    return vector_io(a, true);
}

long sys_lseek(const long *a)
{
    struct file *f = file_of(a[0]);
    if (!f)
        return -EBADF;
    if (!f->seekable)
        return -ESPIPE;
    struct kstat st = {0};
    int64_t base;
    switch (a[2]) {
    case SEEK_SET:
        base = 0;
        break;
    case SEEK_CUR:
        base = (int64_t)f->pos;
        break;
    case SEEK_END:
        f->ops->stat(f, &st);
        base = f->text ? (int64_t)f->text_len : st.st_size;
        break;
    default:
        return -EINVAL;
    }
    int64_t to;
    if (__builtin_add_overflow(base, (int64_t)a[1], &to) || to < 0)
        return -EINVAL;
    f->pos = (uint64_t)to;
    return to;
}

/* Fills the user struct stat at `ust` from `f`. */
static long stat_file(struct file *f, long ust)
{
    struct kstat st = {0};
    f->ops->stat(f, &st);
    return copy_to_user((void *)ust, &st, sizeof(st));
}

long sys_fstat(const long *a)
{
    struct file *f = file_of(a[0]);
    return f ? stat_file(f, a[1]) : -EBADF;
}

/* stat of a path: open it (no descriptor), stat, drop. */
static long stat_path(const char *path, long ust)
{
    int err = 0;
    struct file *f = path_open(path, &err);
    if (!f)
        return err;
    long rc = stat_file(f, ust);
    file_put(f);
    return rc;
}

long sys_stat(const long *a)
{
    char path[RAMFS_PATH_MAX];
    long rc = get_path(path, a[0]);
    return rc < 0 ? rc : stat_path(path, a[1]);
}

long sys_lstat(const long *a)
{
    return sys_stat(a); /* no symbolic links */
}

long sys_newfstatat(const long *a)
{
    char path[RAMFS_PATH_MAX];
    long rc = get_path(path, a[1]);
    if (rc < 0)
        return rc;
    if (path[0] == '\0' && (a[3] & AT_EMPTY_PATH)) {
        struct file *f = file_of(a[0]);
        return f ? stat_file(f, a[2]) : -EBADF;
    }
    rc = at_dirfd(a[0], path);
    return rc < 0 ? rc : stat_path(path, a[2]);
}

long sys_access(const long *a)
{
    char path[RAMFS_PATH_MAX];
    long rc = get_path(path, a[0]);
    if (rc < 0)
        return rc;
    if (a[1] & 2) /* W_OK: a read-only file system */
        return -EROFS;
    inode_t *ino;
    return procfs_owns(path) ? 0 : ramfs_lookup(path, &ino) < 0 ? -ENOENT : 0;
}

long sys_ioctl(const long *a)
{
    struct file *f = file_of(a[0]);
    if (!f)
        return -EBADF;
    if (!f->ops->ioctl)
        return -ENOTTY;
    return f->ops->ioctl(f, (unsigned long)a[1], (uintptr_t)a[2]);
}

long sys_getcwd(const long *a)
{
    if ((size_t)a[1] < 2)
        return -ERANGE;
    return copy_to_user((void *)a[0], "/", 2) < 0 ? -EFAULT : 2;
}

/* readlink of `path`: /proc/self/exe is the only symbolic link. */
static long readlink_path(const char *path, long ubuf, long size)
{
    if (size <= 0)
        return -EINVAL;
    task_t *t = task_current();
    if (strcmp(path, "/proc/self/exe") == 0) {
        size_t n = strlen(t->exe);
        if (n > (size_t)size)
            n = (size_t)size;
        return copy_to_user((void *)ubuf, t->exe, n) < 0 ? -EFAULT : (long)n;
    }
    int err = 0;
    struct file *f = path_open(path, &err);
    if (!f)
        return err;
    file_put(f);
    return -EINVAL; /* it exists and is not a link */
}

long sys_readlink(const long *a)
{
    char path[RAMFS_PATH_MAX];
    long rc = get_path(path, a[0]);
    return rc < 0 ? rc : readlink_path(path, a[1], a[2]);
}

long sys_readlinkat(const long *a)
{
    char path[RAMFS_PATH_MAX];
    long rc = get_path(path, a[1]);
    if (rc == 0)
        rc = at_dirfd(a[0], path);
    return rc < 0 ? rc : readlink_path(path, a[2], a[3]);
}

long sys_umask(const long *a)
{
    task_t *t = task_current();
    int old = t->umask;
    t->umask = (int)(a[0] & 0777);
    return old;
}

/*
 * sys_file.c - file system calls on files: open, read, write, seek, stat,
 * access, truncate, sync, readlink, over the tmpfs (tmpfs.c), /proc
 * (procfs.c, absolute /proc/ paths) and the other kinds of open file.
 * The calls on directories are sys_dir.c's; those on descriptors alone
 * (close, dup, fcntl) fd.c's.
 */
#include <errno.h>
#include <string.h>

#include "abi/socket.h" /* FIONBIO */
#include "mm/kalloc.h"
#include "unikernel/fd.h"
#include "unikernel/path.h"
#include "unikernel/procfd.h"
#include "unikernel/procfs.h"
#include "unikernel/syscall.h"
#include "unikernel/tmpfs.h"
#include "unikernel/usercopy.h"

#define O_CREAT 0100
#define O_TRUNC 01000
#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2
#define SEEK_DATA 3
#define SEEK_HOLE 4
#define IOV_MAX 1024
#define RW_MAX 0x7ffff000L /* Linux's largest transfer */
#define USER_SPACE_END ((1ul << 47) - 4096) /* Linux's user space end */

struct kiovec {
    uintptr_t base;
    size_t len;
};

static struct file *file_of(long fd)
{
    return fd_get_held((int)fd);
}

/* Opens `path` from `base` (no descriptor): 0 and *f, or -errno. */
static long path_open(tnode_t *base, const char *path, long flags,
                      unsigned mode, struct file **f)
{
    if (!path_is_proc(path))
        return tmpfs_open(base, path, (int)flags, mode, f);
    int fd, err = 0;
    switch (procfd_parse(path, &fd)) {
    case PROCFD_ENTRY: /* the descriptor's file anew */
        return procfd_open(fd, (int)flags, f);
    case PROCFD_DIR:
        *f = procfd_dir_open((int)flags, &err);
        return *f ? 0 : err;
    case PROCFD_NONE:
        break;
    }
    if ((flags & O_ACCMODE) != O_RDONLY || (flags & O_CREAT))
        return -EACCES; /* the proc files are read-only */
    *f = procfs_open(task_current(), path, &err);
    return *f ? 0 : err;
}

/* openat once the path is in: the new descriptor or -errno. */
static long open_at(long dirfd, long upath, long flags, long mode)
{
    long rc = 0;
    char *path = path_get(upath, &rc);
    tnode_t *base;
    struct file *f = NULL;
    if (path && (rc = path_base(dirfd, path, &base)) == 0)
        rc = path_open(base, path, flags,
                       (unsigned)mode & 07777 & ~(unsigned)task_current()->umask,
                       &f);
    path_free(path);
    if (rc < 0)
        return rc;
    f->nonblock = (flags & O_NONBLOCK) != 0;
    return fd_install_new(f, flags & O_CLOEXEC);
}

long sys_open(const long *a)
{
    return open_at(AT_FDCWD, a[0], a[1], a[2]);
}

long sys_openat(const long *a)
{
    return open_at(a[0], a[1], a[2], a[3]);
}

long sys_creat(const long *a)
{
    return open_at(AT_FDCWD, a[0], O_CREAT | O_WRONLY | O_TRUNC, a[1]);
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

/* True when `f` was opened O_APPEND (flags -1: a kind without open
 * flags, memfd or pipe, never appends). */
static bool file_appends(const struct file *f)
{
    return f->flags >= 0 && (f->flags & O_APPEND);
}

long sys_pwrite64(const long *a)
{
    struct file *f = file_of(a[0]);
    if (!f)
        return -EBADF;
    if (!f->seekable)
        return -ESPIPE;
    if (!f->ops->pwrite)
        return f->ops->write ? -ESPIPE : -EBADF;
    if (a[3] < 0)
        return -EINVAL;
    size_t n = (size_t)a[2] > RW_MAX ? RW_MAX : (size_t)a[2];
    if (n == 0)
        return empty_transfer((uintptr_t)a[1]);
    uint64_t at = (uint64_t)a[3];
    if (file_appends(f)) { /* Linux: O_APPEND wins over the offset */
        struct kstat st = {0};
        f->ops->stat(f, &st);
        at = (uint64_t)st.st_size;
    }
    return f->ops->pwrite(f, (const void *)a[1], n, at);
}

/* The total length of the `count` vectors at `uiov`, read once ahead (as
 * Linux's import_iovec): the sum, or -EINVAL (a count or a length out of
 * range), -EFAULT. */
static long vector_total(uintptr_t uiov, long count)
{
    if (count < 0 || count > IOV_MAX)
        return -EINVAL;
    struct kiovec iov[16];
    uint64_t total = 0;
    for (long i = 0; i < count; i += 16) {
        long k = count - i < 16 ? count - i : 16;
        if (copy_from_user(iov, (const struct kiovec *)uiov + i,
                           k * sizeof(iov[0])) < 0)
            return -EFAULT;
        for (long m = 0; m < k; m++) {
            if ((int64_t)iov[m].len < 0)
                return -EINVAL;
            total += iov[m].len;
            if (total > (uint64_t)INT64_MAX)
                return -EINVAL;
        }
    }
    return (long)total;
}

/* readv / writev and the positional forms: each buffer in turn, at *at
 * (advanced; NULL: the file position), a short transfer ends the loop
 * (Linux's semantics). */
static long vector_io(struct file *f, uintptr_t uiov, long count, bool write,
                      uint64_t *at)
{
    struct kiovec iov[16];
    long total = 0;
    for (long i = 0; i < count; i++) {
        if (i % 16 == 0) {
            long k = count - i < 16 ? count - i : 16;
            if (copy_from_user(iov, (const struct kiovec *)uiov + i,
                               k * sizeof(iov[0])) < 0)
                return total ? total : -EFAULT;
        }
        struct kiovec *v = &iov[i % 16];
        if (v->len == 0)
            continue;
        long n;
        if (!write) {
            n = read_at(f, v->base, v->len, at ? at : &f->pos);
        } else if (at) {
            n = f->ops->pwrite(f, (const void *)v->base, v->len, *at);
            if (n > 0)
                *at += (uint64_t)n;
        } else {
            n = f->ops->write(f, (const void *)v->base, v->len);
        }
        if (n < 0)
            return total ? total : n;
        total += n;
        if ((size_t)n < v->len)
            break;
    }
    return total;
}

static long vector_call(const long *a, bool write)
{
    struct file *f = file_of(a[0]);
    if (!f)
        return -EBADF;
    if (write ? !f->ops->write : !f->ops->read)
        return write ? -EBADF : -EINVAL;
    long count = a[2];
    if (count < 0 || count > IOV_MAX)
        return -EINVAL;
    return vector_io(f, (uintptr_t)a[1], count, write, NULL);
}

long sys_readv(const long *a)
{
    return vector_call(a, false);
}

long sys_writev(const long *a)
{
    return vector_call(a, true);
}

#define RWF_HIPRI 0x01
#define RWF_DSYNC 0x02
#define RWF_SYNC 0x04
#define RWF_NOWAIT 0x08
#define RWF_APPEND 0x10
#define RWF_NOAPPEND 0x20
#define RWF_KNOWN 0x3f /* the others (RWF_ATOMIC, ...): EOPNOTSUPP here */

/* preadv, pwritev, preadv2, pwritev2: `pos` (a[3]; a[4], the high half,
 * counts for nothing on x86_64) or, for the 2 forms, -1: the file
 * position; `flags` (RWF_*: only the 2 forms): in Linux's order of checks.
 * HIPRI, DSYNC, SYNC change nothing in memory; NOWAIT makes a pipe or
 * socket non-blocking for the call (EAGAIN) and is EOPNOTSUPP on a tmpfs
 * file (as Linux's shmem); APPEND, or O_APPEND without NOAPPEND, writes at
 * the end whatever `pos` says, as Linux (the position, if used, follows). */
static long positional_io(const long *a, bool write, long flags)
{
    int64_t pos = a[3];
    if (pos < -1 || (pos == -1 && flags < 0))
        return -EINVAL;
    struct file *f = file_of(a[0]);
    if (!f)
        return -EBADF;
    bool here = pos == -1; /* at the file position */
    if (!here && (!f->seekable || (write && !f->ops->pwrite)))
        return -ESPIPE;
    long total = vector_total((uintptr_t)a[1], a[2]);
    if (total < 0)
        return total;
    if (write ? !f->ops->write : !f->ops->read)
        return write ? -EBADF : -EINVAL;
    int acc = f->flags & O_ACCMODE;
    if ((!write && acc == O_WRONLY) ||
        (write && f->seekable && acc == O_RDONLY))
        return -EBADF; /* before the length: Linux's do_iter_read */
    if (total == 0)
        return 0;
    flags = flags < 0 ? 0 : flags;
    if (flags & ~RWF_KNOWN)
        return -EOPNOTSUPP;
    if ((flags & RWF_NOWAIT) && f->seekable)
        return -EOPNOTSUPP;
    uint64_t at = here ? f->pos : (uint64_t)pos;
    bool append = write && f->ops->pwrite && f->seekable &&
                  ((flags & RWF_APPEND) ||
                   (file_appends(f) && !(flags & RWF_NOAPPEND)));
    if (append) {
        struct kstat st = {0};
        f->ops->stat(f, &st);
        at = (uint64_t)st.st_size;
    }
    bool positioned = f->seekable && (!write || f->ops->pwrite);
    /* NOWAIT: the file's O_NONBLOCK for this call only (one CPU: no other
     * task runs before it is put back, as the call cannot block) */
    bool nonblock = f->nonblock;
    if (flags & RWF_NOWAIT)
        f->nonblock = 1;
    long rc = vector_io(f, (uintptr_t)a[1], a[2], write,
                        positioned ? &at : NULL);
    f->nonblock = nonblock;
    if (here && positioned)
        f->pos = at;
    return rc;
}

long sys_preadv(const long *a)
{
    return positional_io(a, false, -1);
}

long sys_pwritev(const long *a)
{
    return positional_io(a, true, -1);
}

long sys_preadv2(const long *a)
{
    return positional_io(a, false, (unsigned)a[5]);
}

long sys_pwritev2(const long *a)
{
    return positional_io(a, true, (unsigned)a[5]);
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
    case SEEK_DATA: /* a file is all data: its holes read as zero pages */
    case SEEK_HOLE:
        f->ops->stat(f, &st);
        if (a[1] < 0 || a[1] >= st.st_size)
            return -ENXIO;
        f->pos = a[2] == SEEK_DATA ? (uint64_t)a[1] : (uint64_t)st.st_size;
        return (long)f->pos;
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

/* Fills *st for `path` from `base` (a last symbolic link followed when
 * `follow`): 0 or -errno. */
static long stat_path(tnode_t *base, const char *path, struct kstat *st,
                      bool follow)
{
    if (!path_is_proc(path))
        return tmpfs_stat(base, path, st, follow);
    int fd;
    if (procfd_parse(path, &fd) == PROCFD_ENTRY)
        return procfd_stat(fd, follow, st);
    struct file *f = NULL;
    long rc = path_open(NULL, path, 0, 0, &f);
    if (rc < 0)
        return rc;
    f->ops->stat(f, st);
    file_put(f);
    return 0;
}

/* Fills *st for `upath` from `dirfd` (the file itself for an empty path
 * with AT_EMPTY_PATH in `flags`): 0 or -errno. */
static long kstat_at(long dirfd, long upath, long flags, struct kstat *st)
{
    long rc = 0;
    char *path = path_get(upath, &rc);
    if (!path)
        return rc;
    tnode_t *base;
    if (path[0] == '\0' && (flags & AT_EMPTY_PATH)) {
        struct file *f = file_of(dirfd);
        if (f)
            f->ops->stat(f, st);
        rc = f ? 0 : -EBADF;
    } else if ((rc = path_base(dirfd, path, &base)) == 0) {
        rc = stat_path(base, path, st, !(flags & AT_SYMLINK_NOFOLLOW));
    }
    path_free(path);
    return rc;
}

/* newfstatat and its elders: stat of `upath` from `dirfd` to `ust`. */
static long stat_at(long dirfd, long upath, long ust, long flags)
{
    struct kstat st = {0};
    long rc = kstat_at(dirfd, upath, flags, &st);
    return rc < 0 ? rc : copy_to_user((void *)ust, &st, sizeof(st));
}

long sys_stat(const long *a)
{
    return stat_at(AT_FDCWD, a[0], a[1], 0);
}

long sys_lstat(const long *a)
{
    return stat_at(AT_FDCWD, a[0], a[1], AT_SYMLINK_NOFOLLOW);
}

long sys_newfstatat(const long *a)
{
    return stat_at(a[0], a[1], a[2], a[3]);
}

/* struct statx of Linux (256 bytes). */
struct kstatx_ts {
    int64_t sec;
    uint32_t nsec;
    int32_t pad;
};
struct kstatx {
    uint32_t mask, blksize;
    uint64_t attributes;
    uint32_t nlink, uid, gid;
    uint16_t mode, pad1;
    uint64_t ino, size, blocks, attributes_mask;
    struct kstatx_ts atime, btime, ctime, mtime;
    uint32_t rdev_major, rdev_minor, dev_major, dev_minor;
    uint64_t spare[14];
};
_Static_assert(sizeof(struct kstatx) == 256, "struct statx");

#define STATX_BASIC_STATS 0x7ffu

static struct kstatx_ts statx_time(uint64_t sec, uint64_t nsec)
{
    return (struct kstatx_ts){(int64_t)sec, (uint32_t)nsec, 0};
}

long sys_statx(const long *a)
{
    if ((unsigned)a[3] & 0x80000000u) /* STATX__RESERVED */
        return -EINVAL;
    if (a[2] & 0x6000 && (a[2] & 0x6000) == 0x6000) /* both sync kinds */
        return -EINVAL;
    struct kstat st = {0};
    long rc = kstat_at(a[0], a[1], a[2], &st);
    if (rc < 0)
        return rc;
    struct kstatx x = {
        .mask = STATX_BASIC_STATS,
        .blksize = (uint32_t)st.st_blksize,
        .nlink = (uint32_t)st.st_nlink,
        .uid = st.st_uid,
        .gid = st.st_gid,
        .mode = (uint16_t)st.st_mode,
        .ino = st.st_ino,
        .size = (uint64_t)st.st_size,
        .blocks = (uint64_t)st.st_blocks,
        .atime = statx_time(st.st_atime, st.st_atime_nsec),
        .ctime = statx_time(st.st_ctime, st.st_ctime_nsec),
        .mtime = statx_time(st.st_mtime, st.st_mtime_nsec),
        .rdev_major = (uint32_t)(st.st_rdev >> 8),
        .rdev_minor = (uint32_t)(st.st_rdev & 0xff),
        .dev_major = (uint32_t)(st.st_dev >> 8),
        .dev_minor = (uint32_t)(st.st_dev & 0xff),
    };
    return copy_to_user((void *)a[4], &x, sizeof(x));
}

/* access of a /proc path as root: it exists (ENOENT otherwise); X_OK
 * needs an execute bit, as tmpfs_access. */
static long proc_access(tnode_t *base, const char *path, int mode, long flags)
{
    struct kstat st = {0};
    long rc = stat_path(base, path, &st, !(flags & AT_SYMLINK_NOFOLLOW));
    if (rc < 0)
        return rc;
    if ((mode & 1) && (st.st_mode & KS_IFMT) != KS_IFDIR && !(st.st_mode & 0111))
        return -EACCES;
    return 0;
}

/* access, faccessat, faccessat2: `mode` of F_OK/R_OK/W_OK/X_OK, as root. */
static long access_at(long dirfd, long upath, long mode, long flags)
{
    if (mode & ~7L)
        return -EINVAL;
    if (flags & ~(long)(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW | 0x200 /* EACCESS */))
        return -EINVAL;
    long rc = 0;
    char *path = path_get(upath, &rc);
    tnode_t *base;
    if (path && (rc = path_base(dirfd, path, &base)) == 0)
        rc = path_is_proc(path) ? proc_access(base, path, (int)mode, flags)
                                : tmpfs_access(base, path, (int)mode);
    path_free(path);
    return rc;
}

long sys_access(const long *a)
{
    return access_at(AT_FDCWD, a[0], a[1], 0);
}

long sys_faccessat(const long *a)
{
    return access_at(a[0], a[1], a[2], 0);
}

long sys_faccessat2(const long *a)
{
    return access_at(a[0], a[1], a[2], a[3]);
}

long sys_ftruncate(const long *a)
{
    struct file *f = file_of(a[0]);
    if (!f)
        return -EBADF;
    if (!f->ops->truncate || a[1] < 0)
        return -EINVAL;
    return f->ops->truncate(f, (uint64_t)a[1]);
}

long sys_truncate(const long *a)
{
    if (a[1] < 0)
        return -EINVAL;
    long rc = 0;
    char *path = path_get(a[0], &rc);
    if (path)
        rc = path_is_proc(path) ? -EACCES
                                : tmpfs_truncate(path_cwd(), path, (uint64_t)a[1]);
    path_free(path);
    return rc;
}

/* fsync, fdatasync: the files live in memory, there is nothing to write. */
long sys_fsync(const long *a)
{
    return file_of(a[0]) ? 0 : -EBADF;
}

/* sync_file_range(fd, offset, nbytes, flags): nothing to write either,
 * but Linux's checks in its order: the descriptor, the flags
 * (SYNC_FILE_RANGE_WAIT_BEFORE | _WRITE | _WAIT_AFTER), a negative or
 * overflowing range, then ESPIPE for anything but a regular file, a
 * directory or a link (pipes, sockets, devices). */
long sys_sync_file_range(const long *a)
{
    struct file *f = file_of(a[0]);
    if (!f)
        return -EBADF;
    if ((unsigned long)a[3] & ~7ul)
        return -EINVAL;
    int64_t off = a[1], len = a[2];
    if (off < 0 || len < 0 || off > INT64_MAX - len)
        return -EINVAL;
    struct kstat st;
    memset(&st, 0, sizeof(st));
    f->ops->stat(f, &st);
    unsigned kind = st.st_mode & KS_IFMT;
    if (kind != KS_IFREG && kind != KS_IFDIR && kind != KS_IFLNK)
        return -ESPIPE;
    return 0;
}

/* Every task is root's (uid 0): any mode, any owner.  Files outside the
 * tree (pipes, the console) keep no attributes: accepted, as on Linux. */
long sys_fchmod(const long *a)
{
    struct file *f = file_of(a[0]);
    if (!f)
        return -EBADF;
    tmpfs_file_chmod(f, (unsigned)a[1]);
    return 0;
}

long sys_fchown(const long *a)
{
    struct file *f = file_of(a[0]);
    if (!f)
        return -EBADF;
    tmpfs_file_chown(f, (uint32_t)a[1], (uint32_t)a[2]);
    return 0;
}

long sys_ioctl(const long *a)
{
    struct file *f = file_of(a[0]);
    if (!f)
        return -EBADF;
    if (a[1] == FIONBIO) { /* every kind: the file's own flag */
        int on;
        if (copy_from_user(&on, (const void *)a[2], sizeof(on)) < 0)
            return -EFAULT;
        f->nonblock = on != 0;
        return 0;
    }
    if (a[1] == FIOASYNC) { /* every kind, as Linux: O_ASYNC (fcntl.c) */
        int on;
        if (copy_from_user(&on, (const void *)a[2], sizeof(on)) < 0)
            return -EFAULT;
        f->async = on != 0;
        return 0;
    }
    if (!f->ops->ioctl)
        return -ENOTTY;
    return f->ops->ioctl(f, (unsigned long)a[1], (uintptr_t)a[2]);
}

/* readlink of `upath` from `dirfd`: a symbolic link of the tree, or
 * /proc/self/exe. */
static long readlink_at(long dirfd, long upath, long ubuf, long size)
{
    long rc = 0;
    char *path = path_get(upath, &rc);
    if (!path)
        return rc;
    task_t *t = task_current();
    tnode_t *base;
    struct kstat st;
    int fd;
    if (size <= 0) {
        rc = -EINVAL;
    } else if (strcmp(path, "/proc/self/exe") == 0) {
        size_t n = strlen(t->exe);
        if (n > (size_t)size)
            n = (size_t)size;
        rc = copy_to_user((void *)ubuf, t->exe, n) < 0 ? -EFAULT : (long)n;
    } else if (procfd_parse(path, &fd) == PROCFD_ENTRY) {
        char *name = kalloc(TMPFS_PATH_MAX);
        rc = name ? procfd_link(fd, name, TMPFS_PATH_MAX) : -ENOMEM;
        if (rc > size)
            rc = size; /* cut, without a NUL, as Linux */
        if (rc > 0 && copy_to_user((void *)ubuf, name, (size_t)rc) < 0)
            rc = -EFAULT;
        kfree(name);
    } else if (path[0] == '\0') { /* the link an O_PATH dirfd names */
        struct file *f = (int)dirfd == AT_FDCWD ? NULL : file_of(dirfd);
        tnode_t *n = f ? tmpfs_node_of(f) : NULL;
        const char *target;
        rc = (int)dirfd != AT_FDCWD && !f ? -EBADF
             : n                          ? tmpfs_link_target(n, &target)
                                          : -ENOENT;
        if (rc > size)
            rc = size;
        if (rc > 0 && copy_to_user((void *)ubuf, target, (size_t)rc) < 0)
            rc = -EFAULT;
    } else if ((rc = path_base(dirfd, path, &base)) == 0 &&
               path_is_proc(path)) {
        if ((rc = stat_path(base, path, &st, true)) == 0)
            rc = -EINVAL; /* it exists and is not a link */
    } else if (rc == 0) {
        const char *target;
        rc = tmpfs_readlink(base, path, &target);
        if (rc > size)
            rc = size; /* cut, without a NUL, as Linux */
        if (rc > 0 && copy_to_user((void *)ubuf, target, (size_t)rc) < 0)
            rc = -EFAULT;
    }
    path_free(path);
    return rc;
}

long sys_readlink(const long *a)
{
    return readlink_at(AT_FDCWD, a[0], a[1], a[2]);
}

long sys_readlinkat(const long *a)
{
    return readlink_at(a[0], a[1], a[2], a[3]);
}

long sys_umask(const long *a)
{
    task_t *t = task_current();
    int old = t->umask;
    t->umask = (int)(a[0] & 0777);
    return old;
}

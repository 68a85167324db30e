/*
 * sys_fsmeta.c - the metadata calls of the file system, with Linux's
 * errors: chmod, fchmodat, chown, lchown, fchownat, utimensat, utimes,
 * futimesat, utime, statfs, fstatfs, sync, syncfs and fallocate, over the
 * tmpfs (tmpfs.c).  Every task is root's: any mode and owner is allowed.
 * AT_SYMLINK_NOFOLLOW acts on a symbolic link itself (lchown, utimensat).
 */
#include <errno.h>
#include <stdint.h>

#include "unikernel/fd.h"
#include "unikernel/memfd.h"
#include "unikernel/path.h"
#include "unikernel/syscall.h"
#include "unikernel/tmpfs.h"
#include "unikernel/usercopy.h"

#define KS_IFIFO 0010000
#define KS_IFSOCK 0140000
#define UTIME_NOW ((1l << 30) - 1)
#define UTIME_OMIT ((1l << 30) - 2)
#define NSEC 1000000000l
#define TMPFS_MAGIC 0x01021994
#define PROC_SUPER_MAGIC 0x9fa0
#define PIPEFS_MAGIC 0x50495045
#define SOCKFS_MAGIC 0x534F434B
#define ANON_INODE_FS_MAGIC 0x09041934
#define ST_VALID 0x20
#define ST_RELATIME 0x1000
#define FALLOC_FL_KEEP_SIZE 0x01
#define FALLOC_FL_PUNCH_HOLE 0x02
#define FALLOC_FL_COLLAPSE_RANGE 0x08
#define FALLOC_FL_ZERO_RANGE 0x10
#define FALLOC_FL_INSERT_RANGE 0x20
#define FALLOC_FL_UNSHARE_RANGE 0x40
#define FALLOC_FL_KNOWN 0x7b /* the modes Linux's VFS knows */

/* struct statfs of Linux x86_64 (120 bytes). */
struct kstatfs {
    int64_t f_type, f_bsize;
    uint64_t f_blocks, f_bfree, f_bavail, f_files, f_ffree;
    int32_t f_fsid[2];
    int64_t f_namelen, f_frsize, f_flags, f_spare[4];
};

struct ktimespec {
    int64_t sec, nsec;
};

struct ktimeval {
    int64_t sec, usec;
};

static struct file *file_of(long fd)
{
    return fd_get(task_current(), (int)fd);
}

/* The node `upath` names from `dirfd` (with AT_EMPTY_PATH in `flags` and
 * an empty path: the file of `dirfd` itself): 0 and *node (NULL for an
 * open file outside the tree: a pipe, a socket), 1 for a /proc path, or
 * -errno. */
static long node_at(long dirfd, long upath, long flags, tnode_t **node)
{
    long rc = 0;
    char *path = path_get(upath, &rc);
    if (!path)
        return rc;
    tnode_t *base;
    *node = NULL;
    if (path[0] == '\0' && (flags & AT_EMPTY_PATH)) {
        if ((int)dirfd == AT_FDCWD) {
            rc = tmpfs_lookup(path_cwd(), ".", true, node);
        } else {
            struct file *f = file_of(dirfd);
            rc = f ? 0 : -EBADF;
            if (f)
                *node = tmpfs_node_of(f);
        }
    } else if (path[0] == '\0') {
        rc = -ENOENT; /* before the descriptor is looked at */
    } else if (path_is_proc(path)) {
        rc = 1;
    } else if ((rc = path_base(dirfd, path, &base)) == 0) {
        rc = tmpfs_lookup(base, path, !(flags & AT_SYMLINK_NOFOLLOW), node);
    }
    path_free(path);
    return rc;
}

/* ---- chmod, chown ---- */

static long chmod_at(long dirfd, long upath, long mode)
{
    tnode_t *n;
    long rc = node_at(dirfd, upath, 0, &n);
    if (rc == 1)
        return -EPERM; /* procfs refuses a mode */
    if (rc == 0 && n)
        tmpfs_node_chmod(n, (unsigned)mode);
    return rc;
}

long sys_chmod(const long *a)
{
    return chmod_at(AT_FDCWD, a[0], a[1]);
}

/* fchmodat(2) has no flags: musl does AT_SYMLINK_NOFOLLOW itself. */
long sys_fchmodat(const long *a)
{
    return chmod_at(a[0], a[1], a[2]);
}

static long chown_at(long dirfd, long upath, long uid, long gid, long flags)
{
    if (flags & ~(long)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
        return -EINVAL;
    tnode_t *n;
    long rc = node_at(dirfd, upath, flags, &n);
    if (rc == 1)
        return 0;
    if (rc == 0 && n)
        tmpfs_node_chown(n, (uint32_t)uid, (uint32_t)gid);
    return rc;
}

long sys_chown(const long *a)
{
    return chown_at(AT_FDCWD, a[0], a[1], a[2], 0);
}

long sys_lchown(const long *a)
{
    return chown_at(AT_FDCWD, a[0], a[1], a[2], AT_SYMLINK_NOFOLLOW);
}

long sys_fchownat(const long *a)
{
    return chown_at(a[0], a[1], a[2], a[3], a[4]);
}

/* ---- times ---- */

/* Sets the times of the file `upath` names from `dirfd` (a NULL path
 * with a descriptor: that file) to `at` and `mt` (ns, TMPFS_TIME_NOW or
 * TMPFS_TIME_OMIT); `bad`: a time was malformed, EINVAL once the file is
 * found (as Linux checks). */
static long set_times(long dirfd, long upath, long flags, int64_t at,
                      int64_t mt, bool bad)
{
    tnode_t *n = NULL;
    long rc;
    if (!upath && (int)dirfd != AT_FDCWD) {
        if (flags)
            return -EINVAL;
        struct file *f = file_of(dirfd);
        if (!f)
            return -EBADF;
        n = tmpfs_node_of(f);
        rc = 0;
    } else {
        if (flags & ~(long)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
            return -EINVAL;
        rc = node_at(dirfd, upath, flags, &n);
        if (rc == 1)
            return bad ? -EINVAL : 0;
    }
    if (rc < 0)
        return rc;
    if (bad)
        return -EINVAL;
    if (n)
        tmpfs_node_utimes(n, at, mt);
    return 0;
}

/* One utimensat time in ns, TMPFS_TIME_NOW or _OMIT; *bad when invalid. */
static int64_t ts_time(const struct ktimespec *ts, bool *bad)
{
    if (ts->nsec == UTIME_NOW)
        return TMPFS_TIME_NOW;
    if (ts->nsec == UTIME_OMIT)
        return TMPFS_TIME_OMIT;
    if (ts->nsec < 0 || ts->nsec >= NSEC) {
        *bad = true;
        return 0;
    }
    if (ts->sec < 0) /* before the epoch: not kept, the epoch */
        return 0;
    if (ts->sec > INT64_MAX / NSEC - 1)
        return INT64_MAX - NSEC;
    return ts->sec * NSEC + ts->nsec;
}

long sys_utimensat(const long *a)
{
    int64_t at = TMPFS_TIME_NOW, mt = TMPFS_TIME_NOW;
    bool bad = false;
    if (a[2]) {
        struct ktimespec ts[2];
        if (copy_from_user(ts, (const void *)a[2], sizeof(ts)) < 0)
            return -EFAULT;
        /* Linux: nothing to do, the path is not even looked at */
        if (ts[0].nsec == UTIME_OMIT && ts[1].nsec == UTIME_OMIT)
            return 0;
        at = ts_time(&ts[0], &bad);
        mt = ts_time(&ts[1], &bad);
    }
    return set_times(a[0], a[1], a[3], at, mt, bad);
}

/* futimesat and utimes: timevals, checked before the path (as Linux). */
static long times_tv(long dirfd, long upath, long utv)
{
    int64_t t[2] = {TMPFS_TIME_NOW, TMPFS_TIME_NOW};
    if (utv) {
        struct ktimeval tv[2];
        if (copy_from_user(tv, (const void *)utv, sizeof(tv)) < 0)
            return -EFAULT;
        for (int i = 0; i < 2; i++) {
            if (tv[i].usec < 0 || tv[i].usec >= 1000000)
                return -EINVAL;
            struct ktimespec ts = {tv[i].sec, tv[i].usec * 1000};
            bool bad = false;
            t[i] = ts_time(&ts, &bad);
        }
    }
    return set_times(dirfd, upath, 0, t[0], t[1], false);
}

long sys_utimes(const long *a)
{
    return times_tv(AT_FDCWD, a[0], a[1]);
}

long sys_futimesat(const long *a)
{
    return times_tv(a[0], a[1], a[2]);
}

long sys_utime(const long *a)
{
    int64_t t[2] = {TMPFS_TIME_NOW, TMPFS_TIME_NOW};
    if (a[1]) {
        int64_t buf[2]; /* struct utimbuf: actime, modtime */
        if (copy_from_user(buf, (const void *)a[1], sizeof(buf)) < 0)
            return -EFAULT;
        for (int i = 0; i < 2; i++) {
            struct ktimespec ts = {buf[i], 0};
            bool bad = false;
            t[i] = ts_time(&ts, &bad);
        }
    }
    return set_times(AT_FDCWD, a[0], 0, t[0], t[1], false);
}

/* ---- statfs ---- */

static void statfs_fill(struct kstatfs *s, bool proc)
{
    *s = (struct kstatfs){.f_bsize = 4096, .f_namelen = TMPFS_NAME_MAX,
                          .f_frsize = 4096, .f_flags = ST_VALID | ST_RELATIME};
    if (proc) {
        s->f_type = PROC_SUPER_MAGIC;
        return;
    }
    s->f_type = TMPFS_MAGIC;
    size_t limit = tmpfs_pages_limit(), used = tmpfs_pages_used();
    s->f_blocks = limit;
    s->f_bfree = s->f_bavail = used < limit ? limit - used : 0;
    tmpfs_statfs_counts(&s->f_files, &s->f_ffree);
}

long sys_statfs(const long *a)
{
    tnode_t *n;
    long rc = node_at(AT_FDCWD, a[0], 0, &n);
    if (rc < 0)
        return rc;
    struct kstatfs s;
    statfs_fill(&s, rc == 1);
    return copy_to_user((void *)a[1], &s, sizeof(s));
}

/* The pseudo file systems Linux's fstatfs names for a descriptor outside
 * any mounted tree: pipefs, sockfs, anon_inodefs (eventfd, epoll, timerfd:
 * no file type bits); 0 for a file of the tmpfs (or a memfd: shmem). */
static int64_t pseudo_fs(struct file *f)
{
    if (tmpfs_node_of(f))
        return 0;
    struct kstat st = {0};
    f->ops->stat(f, &st);
    switch (st.st_mode & KS_IFMT) {
    case KS_IFIFO:
        return PIPEFS_MAGIC;
    case KS_IFSOCK:
        return SOCKFS_MAGIC;
    case 0:
        return ANON_INODE_FS_MAGIC;
    default:
        return 0;
    }
}

long sys_fstatfs(const long *a)
{
    struct file *f = file_of(a[0]);
    if (!f)
        return -EBADF;
    struct kstatfs s;
    int64_t pseudo = pseudo_fs(f);
    if (pseudo)  /* no blocks, no inodes counted, as Linux's simple_statfs */
        s = (struct kstatfs){.f_type = pseudo, .f_bsize = 4096,
                             .f_namelen = TMPFS_NAME_MAX, .f_frsize = 4096,
                             .f_flags = ST_VALID};
    else
        statfs_fill(&s, false);
    return copy_to_user((void *)a[1], &s, sizeof(s));
}

/* ---- sync, fallocate ---- */

/* The files live in memory: there is nothing to write. */
long sys_sync(const long *a)
{
    (void)a;
    return 0;
}

long sys_syncfs(const long *a)
{
    return file_of(a[0]) ? 0 : -EBADF;
}

long sys_fallocate(const long *a)
{
    struct file *f = file_of(a[0]);
    int mode = (int)a[1];
    long off = a[2], len = a[3];
    if (!f)
        return -EBADF;
    /* the order of Linux's vfs_fallocate */
    if (off < 0 || len <= 0)
        return -EINVAL;
    if (mode & ~FALLOC_FL_KNOWN)
        return -EOPNOTSUPP;
    if ((mode & FALLOC_FL_PUNCH_HOLE) && (mode & FALLOC_FL_ZERO_RANGE))
        return -EINVAL;
    if ((mode & FALLOC_FL_PUNCH_HOLE) && !(mode & FALLOC_FL_KEEP_SIZE))
        return -EOPNOTSUPP;
    if (((mode & FALLOC_FL_COLLAPSE_RANGE) &&
         (mode & ~FALLOC_FL_COLLAPSE_RANGE)) ||
        ((mode & FALLOC_FL_INSERT_RANGE) && (mode & ~FALLOC_FL_INSERT_RANGE)) ||
        ((mode & FALLOC_FL_UNSHARE_RANGE) &&
         (mode & ~(FALLOC_FL_UNSHARE_RANGE | FALLOC_FL_KEEP_SIZE))))
        return -EINVAL;
    if ((f->flags & O_ACCMODE) == O_RDONLY)
        return -EBADF;
    struct kstat st = {0};
    f->ops->stat(f, &st);
    if ((st.st_mode & KS_IFMT) == KS_IFIFO)
        return -ESPIPE;
    if ((st.st_mode & KS_IFMT) == KS_IFDIR)
        return -EISDIR;
    if ((st.st_mode & KS_IFMT) != KS_IFREG)
        return -ENODEV;
    if (off + len < 0)
        return -EFBIG;
    if (mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE))
        return -EOPNOTSUPP; /* tmpfs's own modes (shmem's: memfds too) */
    if (!tmpfs_node_of(f))
        return memfd_fallocate(f, mode & FALLOC_FL_KEEP_SIZE,
                               mode & FALLOC_FL_PUNCH_HOLE, (uint64_t)off,
                               (uint64_t)len);
    int m = (mode & FALLOC_FL_KEEP_SIZE ? TMPFS_FALLOC_KEEP_SIZE : 0) |
            (mode & FALLOC_FL_PUNCH_HOLE ? TMPFS_FALLOC_PUNCH : 0);
    return tmpfs_fallocate(f, m, (uint64_t)off, (uint64_t)len);
}

/*
 * procfd.c - /proc/self/fd (see procfd.h).  The listing is read live from
 * the descriptor table of the task calling getdents, as Linux reads the
 * table of the process the directory was opened for (here: the caller,
 * the only pid /proc answers).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "unikernel/fd.h"
#include "unikernel/procfd.h"
#include "unikernel/task.h"
#include "unikernel/thread.h"
#include "unikernel/tmpfs.h"

#define KS_IFIFO 0010000
#define DT_DIR 4
#define DT_LNK 10
#define PROCFD_INO 0x70fd /* the directory's st_ino (any constant) */

/* The rest of `path` after "/proc/self" or "/proc/PID" of the caller,
 * or NULL. */
static const char *after_pid(const char *path)
{
    if (strncmp(path, "/proc/", 6) != 0)
        return NULL;
    const char *p = path + 6;
    if (strncmp(p, "self", 4) == 0)
        return p + 4;
    char pid[24];
    int len = snprintf(pid, sizeof(pid), "%d", thread_tgid(task_current()));
    return strncmp(p, pid, (size_t)len) == 0 ? p + len : NULL;
}

enum procfd_kind procfd_parse(const char *path, int *fd)
{
    const char *p = after_pid(path);
    if (!p || strncmp(p, "/fd", 3) != 0)
        return PROCFD_NONE;
    p += 3;
    while (*p == '/')
        p++;
    if (*p == '\0')
        return PROCFD_DIR;
    long n = 0;
    const char *digits = p;
    for (; *p >= '0' && *p <= '9' && n < TASK_FDS; p++)
        n = n * 10 + (*p - '0');
    if (*p != '\0' || p == digits || n >= TASK_FDS)
        return PROCFD_NONE;
    *fd = (int)n;
    return PROCFD_ENTRY;
}

static void dir_stat(struct file *f, struct kstat *st)
{
    (void)f;
    st->st_mode = KS_IFDIR | 0500;
    st->st_nlink = 2;
    st->st_ino = PROCFD_INO;
    st->st_blksize = 1024;
}

/* Entries: "." and ".." (positions 0 and 1), then each open descriptor
 * N at position N + 2. */
static long dir_getdents(struct file *f, void *ubuf, size_t n)
{
    task_t *t = task_current();
    size_t done = 0;
    long rc = 1;
    while (rc > 0 && f->pos < 2) {
        rc = tmpfs_put_dirent((char *)ubuf + done, n - done, PROCFD_INO,
                              f->pos + 1, DT_DIR, f->pos == 0 ? "." : "..");
        if (rc > 0) {
            done += (size_t)rc;
            f->pos++;
        }
    }
    for (; rc > 0 && f->pos - 2 < TASK_FDS; ) {
        int fd = (int)(f->pos - 2);
        if (fd_get(t, fd)) {
            char name[12];
            snprintf(name, sizeof(name), "%d", fd);
            rc = tmpfs_put_dirent((char *)ubuf + done, n - done,
                                  PROCFD_INO + 1 + (uint64_t)fd, f->pos + 1,
                                  DT_LNK, name);
            if (rc <= 0)
                break;
            done += (size_t)rc;
        }
        f->pos++;
    }
    if (rc < 0 && !done)
        return rc;
    if (rc == 0 && !done)
        return -EINVAL; /* not even one entry fits */
    return (long)done;
}

static const struct file_ops dir_ops = {
    .stat = dir_stat,
    .getdents = dir_getdents,
};

struct file *procfd_dir_open(int flags, int *err)
{
    if ((flags & O_ACCMODE) != O_RDONLY) {
        *err = -EISDIR;
        return NULL;
    }
    struct file *f = file_new(&dir_ops, NULL);
    if (!f)
        *err = -ENOMEM;
    return f;
}

long procfd_link(int fd, char *buf, size_t cap)
{
    struct file *f = fd_get(task_current(), fd);
    if (!f)
        return -ENOENT;
    tnode_t *n = tmpfs_node_of(f);
    long len;
    if (n && (len = tmpfs_name_of(n, buf, cap)) != -ENOENT)
        return len < 0 ? len : len - 1;
    struct kstat st;
    memset(&st, 0, sizeof(st));
    f->ops->stat(f, &st);
    unsigned type = st.st_mode & KS_IFMT;
    if (f->ops->anon_name)
        len = snprintf(buf, cap, "%s", f->ops->anon_name);
    else if (type == KS_IFIFO)
        len = snprintf(buf, cap, "pipe:[%lu]", (unsigned long)st.st_ino);
    else if (type == KS_IFSOCK)
        len = snprintf(buf, cap, "socket:[%lu]", (unsigned long)st.st_ino);
    else if (n)
        len = snprintf(buf, cap, "/#%lu (deleted)", (unsigned long)st.st_ino);
    else if (type == KS_IFREG)
        len = snprintf(buf, cap, "/memfd: (deleted)");
    else
        len = snprintf(buf, cap, "/dev/console");
    return (size_t)len < cap ? len : -ERANGE;
}

long procfd_open(int fd, int flags, struct file **out)
{
    struct file *f = fd_get(task_current(), fd);
    if (!f)
        return -ENOENT;
    tnode_t *n = tmpfs_node_of(f);
    if (n)
        return tmpfs_reopen(n, flags, out);
    struct kstat st;
    memset(&st, 0, sizeof(st));
    f->ops->stat(f, &st);
    if ((st.st_mode & KS_IFMT) == KS_IFSOCK)
        return -ENXIO;
    f->refs++;
    *out = f;
    return 0;
}

long procfd_stat(int fd, bool follow, struct kstat *st)
{
    struct file *f = fd_get(task_current(), fd);
    if (!f)
        return -ENOENT;
    if (follow) {
        f->ops->stat(f, st);
        return 0;
    }
    /* Linux: the link's permissions follow the access mode */
    int acc = f->flags >= 0 ? f->flags & O_ACCMODE : O_RDWR;
    st->st_mode = KS_IFLNK | (acc != O_WRONLY ? 0500 : 0100) |
                  (acc != O_RDONLY ? 0200 : 0);
    st->st_nlink = 1;
    st->st_size = 64;
    st->st_ino = PROCFD_INO + 1 + (uint64_t)fd;
    st->st_blksize = 1024;
    return 0;
}

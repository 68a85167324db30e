/*
 * unikernel/fd.h - open files and the descriptor table of a task.
 *
 * A struct file is one open file description: its operations, its
 * position and, for files with content, the inode.  Its kinds: the console
 * (descriptors 0-2, console.c), the /proc/self/fd directory (procfd.c),
 * proc files (a snapshot taken at open), pipes (pipe.c), memfds (memfd.c), the files,
 * directories and devices of the tmpfs (tmpfs.c, dev.c).  Every operation
 * checks its arguments and
 * returns a negated errno; user buffers are reached through usercopy.
 */
#ifndef UNIKERNEL_FD_H
#define UNIKERNEL_FD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mm/inode.h"
#include "unikernel/task.h"

struct file;
struct kstat;
struct poll_table;
struct epitem;

struct file_ops {
    /* Reads up to n bytes at *pos into user `buf`, advancing *pos: bytes
     * read, 0 at the end, or -errno. */
    long (*read)(struct file *f, void *buf, size_t n, uint64_t *pos);
    /* Writes n bytes from user `buf`: bytes written or -errno. */
    long (*write)(struct file *f, const void *buf, size_t n);
    /* Writes n bytes from user `buf` at `pos`, the file position left
     * alone (pwrite64; NULL: ESPIPE or EBADF): bytes written or -errno. */
    long (*pwrite)(struct file *f, const void *buf, size_t n, uint64_t pos);
    /* Sets the size to `size` (ftruncate; NULL: EINVAL): 0 or -errno. */
    long (*truncate)(struct file *f, uint64_t size);
    /* Fills *st (kernel memory). */
    void (*stat)(struct file *f, struct kstat *st);
    /* ioctl `cmd` with user argument `arg`: result or -errno. */
    long (*ioctl)(struct file *f, unsigned long cmd, uintptr_t arg);
    /* Readiness now, as POLL* bits of abi/poll.h (POLLIN, POLLOUT,
     * POLLHUP, POLLERR, POLLRDHUP, POLLPRI).  When `pt` is not NULL the
     * file also calls poll_wait(pt, chan) (unikernel/poll.h) for each
     * channel it will announce with sched_wakeup(chan) when its readiness
     * may change.  NULL: always POLLIN|POLLOUT (regular files, devices). */
    unsigned (*poll)(struct file *f, struct poll_table *pt);
    /* Frees what the file holds besides the struct itself. */
    void (*release)(struct file *f);
    /* A reference other than the last went (file_put); NULL: nothing.
     * Sockets: an AF_UNIX file left only in flight may be garbage. */
    void (*unref)(struct file *f);
    /* getdents64 of a directory outside the tmpfs (/proc/self/fd): bytes
     * filled, 0 at the end, or -errno.  NULL: the tmpfs's. */
    long (*getdents)(struct file *f, void *ubuf, size_t n);
    /* What readlink of /proc/self/fd/N gives for an anonymous inode
     * ("anon_inode:[eventfd]"); NULL: the path, or the kind's own. */
    const char *anon_name;
};

struct file {
    const struct file_ops *ops; /* (c) */
    long refs;                  /* (t) descriptors pointing here */
    inode_t *ino;               /* (c) the content, with a reference, or NULL */
    uint64_t pos;               /* (t) the file position */
    int seekable;               /* (c) lseek allowed */
    char *text;                 /* (c) snapshot content (proc files), kalloc */
    size_t text_len;            /* (c) */
    void *priv;                 /* (c) the kind's own data (pipe, memfd) */
    int flags;                  /* (t) open flags (access mode, O_APPEND) of
                                   tmpfs files; -1 for the others */
    struct epitem *epitems;     /* (t) the epoll items watching it (epoll.c) */
    bool nonblock;              /* (t) O_NONBLOCK: set by open, fcntl F_SETFL,
                                   SOCK_NONBLOCK, FIONBIO; every kind's
                                   blocking operation returns -EAGAIN instead */
    bool async;                 /* (t) O_ASYNC (fcntl F_SETFL, FIOASYNC): kept
                                   and reported; no SIGIO is sent */
    int owner;                  /* (t) fcntl F_SETOWN's pid, F_GETOWN's answer */
};

/* struct stat of the Linux x86_64 ABI (144 bytes). */
struct kstat {
    uint64_t st_dev, st_ino, st_nlink;
    uint32_t st_mode, st_uid, st_gid, pad0;
    uint64_t st_rdev;
    int64_t st_size, st_blksize, st_blocks;
    uint64_t st_atime, st_atime_nsec, st_mtime, st_mtime_nsec;
    uint64_t st_ctime, st_ctime_nsec;
    int64_t reserved[3];
};

#define O_CLOEXEC 02000000 /* open flag (Linux): close-on-exec */
#define O_ACCMODE 3
#define O_RDONLY 0
#define O_WRONLY 1
#define O_RDWR 2
#define O_APPEND 02000
#define O_NONBLOCK 04000

#define KS_IFREG 0100000
#define KS_IFCHR 0020000
#define KS_IFDIR 0040000
#define KS_IFLNK 0120000
#define KS_IFSOCK 0140000
#define KS_IFMT 0170000

/* A descriptor table: shared by the threads of a process (refs), one
 * per process otherwise.  Lock legend: (t) interrupts masked (one CPU). */
struct fdtable {
    long refs;                  /* (t) tasks using it */
    struct file *fd[TASK_FDS];  /* (t) open files by descriptor */
    uint64_t cloexec[TASK_FDS / 64]; /* (t) close-on-exec, one bit per fd */
};

/* The close-on-exec bit of descriptor `fd` in table `t`. */
#define FD_CLOEXEC_WORD(t, fd) ((t)->cloexec[(unsigned)(fd) / 64])
#define FD_CLOEXEC_BIT(fd) (1ull << ((unsigned)(fd) % 64))

/* Gives `task` a new empty table: 0 or -ENOMEM. */
int fd_table_new(task_t *task);

/* Makes `task` use the table of `from` too (a thread). */
void fd_table_share(task_t *task, task_t *from);

/* Drops the task's use of its table (NULL: nothing); the last user
 * closes every descriptor and frees it. */
void fd_table_put(task_t *task);

/* A new file with `ops` and one reference (ino: a reference is taken).
 * NULL when out of memory. */
struct file *file_new(const struct file_ops *ops, inode_t *ino);

/* Drops one reference; the last releases the file. */
void file_put(struct file *f);

/* The file at descriptor `fd` of `task`, or NULL (bad descriptor). */
struct file *fd_get(task_t *task, int fd);

/* The file at descriptor `fd` of the current task with a reference held
 * until the system call ends (fd_release_held), so that a close by
 * another thread meanwhile cannot free it under the call; NULL: bad
 * descriptor. */
struct file *fd_get_held(int fd);

/* Drops the references fd_get_held took for the current task `t` (the
 * system call's end, or the task's). */
void fd_release_held(task_t *t);

/* Installs `f` (its reference moves to the table) at the lowest free
 * descriptor below RLIMIT_NOFILE: the descriptor, or -EMFILE (the
 * reference is dropped). */
int fd_install(task_t *task, struct file *f);

/* fd_install in the current task, the descriptor close-on-exec when
 * `cloexec`: what every call that makes a descriptor (open, socket, pipe's
 * halves, eventfd...) returns. */
int fd_install_new(struct file *f, bool cloexec);

/* Makes descriptor `fd` (< TASK_FDS) refer to `f` too (one more reference),
 * closing what it referred to.  Returns fd. */
int fd_install_at(task_t *task, int fd, struct file *f);

/* Closes descriptor `fd`: 0 or -EBADF. */
int fd_close(task_t *task, int fd);

/* Duplicates descriptor `fd` of `task` at the lowest free descriptor >=
 * `min`, close-on-exec when `cloexec`: the new descriptor, or -EBADF,
 * -EINVAL (min negative or at least RLIMIT_NOFILE), -EMFILE. */
long fd_dup(task_t *task, int fd, int min, bool cloexec);

/* Sets (`on`) or clears close-on-exec of the open descriptor `fd`. */
void fd_set_cloexec(task_t *task, int fd, bool on);

/* Closes every descriptor of `task`. */
void fd_close_all(task_t *task);

/* Closes the close-on-exec descriptors of `task` (execve). */
void fd_close_on_exec(task_t *task);

/* Gives `child` the descriptors of `parent` and their close-on-exec bits
 * (fork): each open file gains a reference; the child's own are closed. */
void fd_copy_table(task_t *child, const task_t *parent);

/* Reads from a file whose content is the kernel buffer [data, data+size):
 * the common read of proc files. */
long file_read_buffer(const void *data, uint64_t size, void *ubuf, size_t n,
                      uint64_t *pos);

#endif

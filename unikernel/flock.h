/*
 * unikernel/flock.h - advisory record locks: fcntl's F_GETLK, F_SETLK,
 * F_SETLKW and their open-file-description forms F_OFD_GETLK, F_OFD_SETLK,
 * F_OFD_SETLKW, with Linux's rules.
 *
 * A lock covers a byte range of a file (its inode) and has an owner.  A
 * classic (POSIX) lock belongs to the process: its descriptor table, so
 * the threads of a process share their locks, a fork child does not
 * inherit them, and closing any descriptor of the file drops all of the
 * process's locks on it.  An OFD lock belongs to the open file
 * description: it is shared by duplicates and fork children and goes with
 * the description's last reference.  Locks of different owners conflict
 * when their ranges overlap and one is a write lock; an owner's own locks
 * are merged, split and converted in place.  F_SETLKW waits, interrupted
 * by a signal, and refuses with EDEADLK a wait that would close a cycle
 * of classic-lock owners.
 */
#ifndef UNIKERNEL_FLOCK_H
#define UNIKERNEL_FLOCK_H

#include <stdbool.h>
#include <stdint.h>

struct file;
struct fdtable;

/* True when fcntl's `cmd` is one of the lock commands above. */
bool flock_is_cmd(long cmd);

/* fcntl(fd, cmd, uarg) for a lock command on the open file `f` of the
 * current task: 0, or -EBADF (access mode), -EINVAL, -EFAULT, -EOVERFLOW,
 * -EAGAIN (conflict, F_SETLK), -EDEADLK, -ENOLCK (out of memory),
 * -ERESTARTSYS (a signal interrupted F_SETLKW). */
long flock_fcntl(struct file *f, long cmd, uintptr_t uarg);

/* A descriptor of `files` on `f` is being closed: the process's classic
 * locks on the file go (and their waiters are woken). */
void flock_close(const struct fdtable *files, const struct file *f);

/* The last reference of `f` is going: its OFD locks go. */
void flock_release(const struct file *f);

#endif

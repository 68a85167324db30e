/*
 * unikernel/bsdlock.h - flock(2), BSD locks, with Linux's rules.
 *
 * A BSD lock covers a whole file (its inode) and belongs to an open file
 * description: duplicates and fork children share it, it goes with the
 * description's last reference or with LOCK_UN.  Shared locks of
 * different descriptions coexist; an exclusive one excludes every other.
 * A conversion drops the old lock first, as Linux (a refused LOCK_NB
 * conversion leaves none).  Independent of fcntl record locks (flock.h).
 * The system call, sys_flock, is in syscall.h.
 */
#ifndef UNIKERNEL_BSDLOCK_H
#define UNIKERNEL_BSDLOCK_H

struct file;

/* The last reference of `f` is going: its BSD lock goes (waiters woken). */
void bsdlock_release(const struct file *f);

#endif

/*
 * unikernel/path.h - the path arguments of the file system calls: a user
 * path copied into a kernel buffer, and the directory an *at call starts
 * from.
 */
#ifndef UNIKERNEL_PATH_H
#define UNIKERNEL_PATH_H

#include "unikernel/tmpfs.h"

#define AT_FDCWD -100
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_REMOVEDIR 0x200
#define AT_SYMLINK_FOLLOW 0x400
#define AT_EMPTY_PATH 0x1000

/* The user path at `upath` in a new kernel buffer (TMPFS_PATH_MAX, free
 * it with path_free), or NULL with *err = -EFAULT, -ENAMETOOLONG, -ENOMEM. */
char *path_get(long upath, long *err);

/* Frees a buffer of path_get (NULL: nothing). */
void path_free(char *path);

/* The directory a relative `path` of an *at call on `dirfd` starts from
 * (no reference taken; NULL is the root): 0 and *base, or -EBADF (no
 * such descriptor), -ENOTDIR (not a directory).  An absolute path needs
 * none: 0. */
long path_base(long dirfd, const char *path, tnode_t **base);

/* The working directory of the current task (NULL: the root). */
tnode_t *path_cwd(void);

/* True when an absolute `path` lies under /proc/ (procfs serves it). */
bool path_is_proc(const char *path);

#endif

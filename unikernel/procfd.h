/*
 * unikernel/procfd.h - /proc/self/fd (and /proc/PID/fd of the caller's
 * pid): a directory listing the open descriptors, each entry a symbolic
 * link to what the descriptor names, as Linux: a file's path, "pipe:[INO]",
 * "socket:[INO]", "anon_inode:[eventfd]".  Opening an entry opens the
 * tmpfs file anew (a new open file description, the new flags).
 */
#ifndef UNIKERNEL_PROCFD_H
#define UNIKERNEL_PROCFD_H

#include <stdbool.h>
#include <stddef.h>

struct file;
struct kstat;

enum procfd_kind { PROCFD_NONE, PROCFD_DIR, PROCFD_ENTRY };

/* What the absolute `path` names: the directory, an entry (its
 * descriptor number in *fd) or neither. */
enum procfd_kind procfd_parse(const char *path, int *fd);

/* Opens the directory (read-only): the file, or NULL with *err set
 * (-EISDIR when `flags` ask to write, -ENOMEM). */
struct file *procfd_dir_open(int flags, int *err);

/* The link target of entry `fd` into buf (capacity cap, NUL-terminated):
 * its length without the NUL, or -ENOENT (no such descriptor), -ERANGE. */
long procfd_link(int fd, char *buf, size_t cap);

/* Opens entry `fd` with open `flags`: 0 and *out (one reference), or
 * -ENOENT, -ENXIO (a socket), the tmpfs's errors.  A file of another
 * kind than the tmpfs's (a pipe, the console) gives its own open file
 * description again (Linux: a new one). */
long procfd_open(int fd, int flags, struct file **out);

/* Fills *st for entry `fd`: the file it names when `follow` (stat), the
 * link itself otherwise (lstat): 0 or -ENOENT. */
long procfd_stat(int fd, bool follow, struct kstat *st);

#endif

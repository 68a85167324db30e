/* unikernel/procfs.h - /proc/self/maps (and /proc/<pid>/maps of the
 * caller): a snapshot of mspace_display taken at open; /proc/meminfo:
 * MemTotal, MemFree, Shmem, CommitLimit, Committed_AS (kB), taken at open;
 * /proc/self/stat (and /proc/<pid>/stat): pid, ppid, threads, vsize and rss
 * of the caller, the other fields 0; /proc/interrupts: the timer
 * interrupts so far, as Linux's LOC line; /proc/buddyinfo; smaps; and
 * procfs_info.c's files below. */
#ifndef UNIKERNEL_PROCFS_H
#define UNIKERNEL_PROCFS_H

#include <stdbool.h>

#include "unikernel/task.h"

/* True when `path` lies under /proc (procfs answers it, the tmpfs does not). */
bool procfs_owns(const char *path);

/* Opens the /proc file `path` for `task`: the file, or NULL with
 * *err = -ENOENT / -ENOMEM. */
struct file *procfs_open(task_t *task, const char *path, int *err);

/* A read-only, seekable /proc text file with a `size`-byte buffer in
 * f->text (the caller fills it and sets f->text_len), or NULL with
 * *err = -ENOMEM. */
struct file *procfs_text_new(size_t size, int *err);

/* procfs_info.c: /proc/cpuinfo, uptime, loadavg, mounts, filesystems and
 * the caller's self/cmdline, environ, status (Name, Umask, State, Tgid,
 * Pid, PPid, Uid, Gid, VmSize, VmRSS, VmData, AnonHugePages, Threads),
 * statm: the file, or NULL with *err = -ENOENT (not one of these) or
 * -ENOMEM. */
struct file *procfs_info_open(task_t *task, const char *path, int *err);

#endif

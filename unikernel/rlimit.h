/*
 * unikernel/rlimit.h - the resource limits of a task (getrlimit,
 * setrlimit, prlimit64), Linux's numbers and semantics: a soft limit that
 * is enforced and a hard limit that caps it.  Per task today (a thread
 * group later); a fork copies them, execve keeps them.  Where each bites:
 *   RLIMIT_AS, RLIMIT_DATA   the address space's numbers (mspace_set_limits):
 *                            mmap, mremap, mprotect, brk say ENOMEM
 *   RLIMIT_STACK             the stack reserved at execve, and its growth
 *   RLIMIT_NOFILE            open, dup, pipe, memfd_create say EMFILE (fd.c)
 *   RLIMIT_NPROC             fork, vfork, clone say EAGAIN (proc.c)
 * The others are recorded and read back only.
 */
#ifndef UNIKERNEL_RLIMIT_H
#define UNIKERNEL_RLIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RLIMIT_CPU 0
#define RLIMIT_FSIZE 1
#define RLIMIT_DATA 2
#define RLIMIT_STACK 3
#define RLIMIT_CORE 4
#define RLIMIT_RSS 5
#define RLIMIT_NPROC 6
#define RLIMIT_NOFILE 7
#define RLIMIT_MEMLOCK 8
#define RLIMIT_AS 9
#define RLIMIT_LOCKS 10
#define RLIMIT_SIGPENDING 11
#define RLIMIT_MSGQUEUE 12
#define RLIMIT_NICE 13
#define RLIMIT_RTPRIO 14
#define RLIMIT_RTTIME 15
#define RLIM_NLIMITS 16
#define RLIM_INFINITY (~(uint64_t)0)

struct task;

/* struct rlimit64 of the Linux ABI: soft (cur) and hard (max). */
struct rlimit {
    uint64_t cur, max;
};

/* Lock legend: (t) only the task itself, or prlimit64 (one CPU). */
struct task_rlimits {
    struct rlimit lim[RLIM_NLIMITS]; /* (t) */
};

/* Fills `r` with the limits of the first task (docs/syscalls.md). */
void rlimit_defaults(struct task_rlimits *r);

/* Gives the address space of `t` (if any) the numbers of its RLIMIT_AS,
 * RLIMIT_DATA and RLIMIT_STACK soft limits. */
void rlimit_apply(struct task *t);

/* Bytes of the stack VMA execve maps for `t` (its lowest page the guard):
 * RLIMIT_STACK's soft limit in pages, within [RLIMIT_STACK_MIN,
 * RLIMIT_STACK_MAX]. */
size_t rlimit_stack_reserve(const struct task *t);
#define RLIMIT_STACK_MIN ((size_t)64 << 10)  /* room for the start-up stack */
#define RLIMIT_STACK_MAX ((size_t)256 << 20) /* "unlimited" */

/* The descriptors `t` may use: [0, rlimit_nofile(t)). */
int rlimit_nofile(const struct task *t);

/* True when `t` may not start a task now: the tasks in the table (every
 * task is root's) already number RLIMIT_NPROC's soft limit. */
bool rlimit_nproc_reached(const struct task *t);

#endif

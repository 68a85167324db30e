/*
 * unikernel/pgrp.h - process groups and sessions (POSIX job control
 * without a terminal): setpgid, getpgid, getpgrp, setsid, getsid; the
 * members a kill(0 / -pgid) or a wait4(0 / -pgid) reaches; the orphaned
 * process group rule (a stop signal's default action is discarded there,
 * and a group that becomes orphaned with a stopped member gets SIGHUP
 * then SIGCONT).  The ids live in the process's thread_group; a fork
 * inherits them, the first task leads the first group and session.
 */
#ifndef UNIKERNEL_PGRP_H
#define UNIKERNEL_PGRP_H

#include <stdbool.h>

struct task;
struct thread_group;

/* Makes the first task's process the leader of group and session `id`. */
void pgrp_first(struct thread_group *g, int id);

/* A forked process `child` joins the group and session of `parent`. */
void pgrp_fork(struct thread_group *child, const struct thread_group *parent);

/* True when process `g` is in process group `pgid`. */
bool pgrp_member(const struct thread_group *g, int pgid);

/* True when group `pgid` is orphaned (no live member but those of `skip`
 * has a parent in another group of the same session), ignoring `skip`
 * (NULL: none) as Linux's will_become_orphaned_pgrp does. */
bool pgrp_orphaned(int pgid, const struct thread_group *skip);

/* Process `child` lost its parent `gone` (whose process is ending): if
 * that orphans the child's group and a member of it is stopped, the
 * group gets SIGHUP then SIGCONT (POSIX's _exit). */
void pgrp_parent_gone(struct thread_group *child,
                      const struct thread_group *gone);

/* The end of process `g` (after pgrp_parent_gone for its children): the
 * same for its own group, when `g` was what kept it from being orphaned. */
void pgrp_process_end(struct thread_group *g);

/* Sends `sig` to every live process of group `pgid`: -ESRCH when it has
 * none, else the last sending's result (0 or -errno). */
long pgrp_signal(int pgid, long sig);

#endif

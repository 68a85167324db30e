/*
 * unikernel/futex.h - futexes: tasks waiting on a 32-bit user word until
 * another wakes them (the futex system call; thread exit's
 * CLONE_CHILD_CLEARTID and robust-list wakes).  A private futex is keyed
 * by (address space, address); a shared one in a MAP_SHARED page (shared
 * anonymous memory, a memfd) by the page's frame, so that it works
 * between processes.
 */
#ifndef UNIKERNEL_FUTEX_H
#define UNIKERNEL_FUTEX_H

#include <stdint.h>

#include "mm/memory.h"

/* Wakes up to `n` tasks waiting on the futex at `uaddr` of `ms`: how many
 * were woken. */
int futex_wake(mspace_t *ms, uintptr_t uaddr, int n);

#endif

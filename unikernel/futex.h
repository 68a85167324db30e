/*
 * unikernel/futex.h - futexes: tasks waiting on a 32-bit user word until
 * another wakes them (the futex system call; thread exit's
 * CLONE_CHILD_CLEARTID and robust-list wakes).  A futex is keyed by
 * (address space, address), private or not: a futex in a MAP_SHARED page
 * is not yet shared across processes.
 */
#ifndef UNIKERNEL_FUTEX_H
#define UNIKERNEL_FUTEX_H

#include <stdint.h>

#include "mm/memory.h"

/* Wakes up to `n` tasks waiting on the futex at `uaddr` of `ms`: how many
 * were woken. */
int futex_wake(mspace_t *ms, uintptr_t uaddr, int n);

#endif

/*
 * unikernel/poll.h - waiting for the readiness of many files at once
 * (poll, select, epoll), over the scheduler's channels.
 *
 * A file kind announces "my readiness may have changed" by
 * sched_wakeup(chan) on a channel of its own (the pipe, the socket), the
 * same call that wakes its blocked readers and writers.  Its poll
 * operation (struct file_ops) reports the bits it has now and, given a
 * poll table, registers the channels with poll_wait; a waker on any of
 * them wakes the poller, which asks every file again.
 */
#ifndef UNIKERNEL_POLL_H
#define UNIKERNEL_POLL_H

#include <stdint.h>

#include "abi/poll.h"

struct file;
struct poll_table;

/* Registers `chan` with the poll table `pt` (NULL: nothing): the caller of
 * poll will be woken by sched_wakeup(chan). */
void poll_wait(struct poll_table *pt, const void *chan);

/* The readiness of `f` (its poll operation, or POLLIN|POLLOUT without one),
 * registering its channels with `pt` when not NULL. */
unsigned file_poll(struct file *f, struct poll_table *pt);

#endif

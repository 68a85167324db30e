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

#include <stdbool.h>
#include <stdint.h>

#include "abi/poll.h"

struct file;
struct task;
struct poll_entry;

/* One wait on many channels: on the stack of poll/select, inside an epoll
 * instance for epoll.  Every channel registered with poll_wait stays
 * watched until poll_table_release. */
struct poll_table {
    struct task *task;         /* woken when a channel fires (no notify) */
    bool fired;                /* a watched channel was woken */
    bool overflow;             /* an entry could not be allocated: the
                                  owner must re-check without sleeping */
    struct poll_entry *entries; /* this table's, in registration order */
    /* Called instead of waking `task` (epoll: marks `key` ready). */
    void (*notify)(struct poll_table *pt, void *key);
    void *key;                 /* handed to notify */
};

/* An empty table for the current task (notify NULL: it wakes the task). */
void poll_table_init(struct poll_table *pt);

/* Registers `chan` with the poll table `pt` (NULL: nothing; a channel
 * already there: nothing): sched_wakeup(chan) will fire the table. */
void poll_wait(struct poll_table *pt, const void *chan);

/* Unregisters every channel of `pt` and frees its entries. */
void poll_table_release(struct poll_table *pt);

/* Blocks the current task until `pt` fires, `deadline`
 * (clock_monotonic_ns, 0: none) passes, or a signal is to be taken: 0
 * (fired, or already fired or overflowed), -ETIMEDOUT, -EINTR.  Clears
 * `fired` before returning. */
int poll_table_sleep(struct poll_table *pt, uint64_t deadline);

/* Fires every table watching `chan` (sched_wakeup calls it). */
void poll_notify(const void *chan);

/* The readiness of `f` (its poll operation, or POLLIN|POLLOUT without one),
 * registering its channels with `pt` when not NULL. */
unsigned file_poll(struct file *f, struct poll_table *pt);

#endif

/*
 * unikernel/waitq.h - wait queues: tasks waiting for an event, in arrival
 * order, each with its own waiter record (on its kernel stack), so that a
 * waker can wake exactly the ones it chooses (futexes wake n of those
 * with a given key).  Meant to serve futexes now and pipes, wait4, sleep
 * and poll later.  One CPU, interrupts masked: no lock.
 */
#ifndef UNIKERNEL_WAITQ_H
#define UNIKERNEL_WAITQ_H

#include <stdbool.h>
#include <stdint.h>

struct task;

/* One waiting task.  `key`, `key2` and `bits` are the user's (futex: the
 * address space and address, the bitset). */
struct waiter {
    struct waiter *next, *prev;
    struct waitq *q; /* the queue it is in, NULL: none */
    struct task *task;
    uintptr_t key, key2;
    uint32_t bits;
    bool woken; /* set by waitq_wake_one */
};

struct waitq {
    struct waiter *head, *tail;
};

#define WAITQ_INIT {NULL, NULL}

/* Appends the current task's record `w` (its keys set by the caller). */
void waitq_add(struct waitq *q, struct waiter *w);

/* Takes `w` out of its queue (nothing when it is in none). */
void waitq_remove(struct waiter *w);

/* Moves the queued `w` to the tail of `to` (futex requeue). */
void waitq_move(struct waiter *w, struct waitq *to);

/* Takes `w` out of its queue and makes its task runnable (w->woken). */
void waitq_wake_one(struct waiter *w);

/* Wakes up to `n` waiters from the head: how many were woken. */
int waitq_wake(struct waitq *q, int n);

/* The current task, queued as `w`, blocks until woken, the time
 * clock_monotonic_ns() >= deadline (0: none), a kill or a signal it takes;
 * it leaves the queue either way.  0 woken, -ETIMEDOUT, -EINTR (a kill or
 * a signal is pending: the caller returns, and the kill ends the task or
 * the handler runs on its way out). */
int waitq_sleep(struct waiter *w, uint64_t deadline);

#endif

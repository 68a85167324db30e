/*
 * waitq.c - wait queues (see waitq.h): a doubly linked list of waiter
 * records over sched_wait / sched_wake.
 */
#include <errno.h>
#include <stddef.h>

#include "arch/clock.h"
#include "unikernel/sched.h"
#include "unikernel/signal.h"
#include "unikernel/task.h"
#include "unikernel/waitq.h"

/* Links `w` at the tail of `q`. */
static void link_tail(struct waitq *q, struct waiter *w)
{
    w->q = q;
    w->next = NULL;
    w->prev = q->tail;
    if (q->tail)
        q->tail->next = w;
    else
        q->head = w;
    q->tail = w;
}

void waitq_add(struct waitq *q, struct waiter *w)
{
    w->task = task_current();
    w->woken = false;
    link_tail(q, w);
}

void waitq_remove(struct waiter *w)
{
    struct waitq *q = w->q;
    if (!q)
        return;
    if (w->prev)
        w->prev->next = w->next;
    else
        q->head = w->next;
    if (w->next)
        w->next->prev = w->prev;
    else
        q->tail = w->prev;
    w->next = w->prev = NULL;
    w->q = NULL;
}

void waitq_move(struct waiter *w, struct waitq *to)
{
    waitq_remove(w);
    link_tail(to, w);
}

void waitq_wake_one(struct waiter *w)
{
    waitq_remove(w);
    w->woken = true;
    sched_wake(w->task);
}

int waitq_wake(struct waitq *q, int n)
{
    int done = 0;
    while (done < n && q->head) {
        waitq_wake_one(q->head);
        done++;
    }
    return done;
}

int waitq_sleep(struct waiter *w, uint64_t deadline)
{
    int rc = 0;
    while (!w->woken && rc == 0) {
        if (deadline && clock_monotonic_ns() >= deadline) {
            rc = -ETIMEDOUT;
            break;
        }
        if (signal_interrupted()) {
            rc = -EINTR;
            break;
        }
        rc = sched_wait(w, deadline);
    }
    waitq_remove(w);
    return w->woken ? 0 : rc;
}

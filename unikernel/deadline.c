/*
 * unikernel/deadline.c - the armed-timer lists of itimer.c and timerfd.c:
 * unsorted and doubly linked, since arming and disarming are frequent (an
 * event loop re-arms per iteration) and a process has few armed at once.
 */
#include "unikernel/deadline.h"
#include "unikernel/sched.h"

void deadline_disarm(struct deadline_list *l, struct deadline *d)
{
    if (!d->expiry)
        return;
    d->expiry = 0;
    if (d->prev)
        d->prev->next = d->next;
    else
        l->head = d->next;
    if (d->next)
        d->next->prev = d->prev;
    d->next = d->prev = NULL;
}

void deadline_arm(struct deadline_list *l, struct deadline *d,
                  uint64_t expiry, uint64_t interval)
{
    deadline_disarm(l, d);
    d->interval = interval;
    if (!expiry)
        return;
    sched_timer_want(expiry);
    d->expiry = expiry;
    d->prev = NULL;
    d->next = l->head;
    if (l->head)
        l->head->prev = d;
    l->head = d;
}

uint64_t deadline_earliest(const struct deadline_list *l)
{
    uint64_t next = 0;
    for (const struct deadline *d = l->head; d; d = d->next)
        if (!next || d->expiry < next)
            next = d->expiry;
    return next;
}

void deadline_expire(struct deadline_list *l, uint64_t now,
                     void (*fire)(struct deadline *d, uint64_t n))
{
    for (struct deadline *d = l->head, *next; d; d = next) {
        next = d->next;
        if (now < d->expiry)
            continue;
        uint64_t n = 1;
        if (d->interval) {
            n = (now - d->expiry) / d->interval + 1;
            d->expiry += n * d->interval;
        } else {
            deadline_disarm(l, d);
        }
        fire(d, n);
    }
}

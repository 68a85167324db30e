/*
 * unikernel/deadline.h - armed timers on the monotonic clock, kept on one
 * list per kind (itimers and POSIX timers, timerfds) that the scheduler's
 * tick expires and whose earliest expiry arms the one-shot timer.  The
 * owner embeds a struct deadline and finds itself again by container_of.
 */
#ifndef UNIKERNEL_DEADLINE_H
#define UNIKERNEL_DEADLINE_H

#include <stddef.h>
#include <stdint.h>

struct deadline {
    struct deadline *next, *prev; /* the list, while armed */
    uint64_t expiry;              /* monotonic ns; 0: disarmed */
    uint64_t interval;            /* ns; 0: one-shot */
};

struct deadline_list {
    struct deadline *head; /* every armed deadline, any order */
};

#define deadline_owner(d, type, member) \
    ((type *)((char *)(d) - offsetof(type, member)))

/* Arms `d` on `l` to expire at `expiry` (0: only disarms) and every
 * `interval` after, and tells the scheduler the time (sched_timer_want). */
void deadline_arm(struct deadline_list *l, struct deadline *d,
                  uint64_t expiry, uint64_t interval);

/* Takes `d` off `l`; nothing when it is not armed. */
void deadline_disarm(struct deadline_list *l, struct deadline *d);

/* The earliest expiry on `l`, or 0 when none is armed. */
uint64_t deadline_earliest(const struct deadline_list *l);

/* Calls `fire(d, n)` for each deadline of `l` due at `now`, `n` >= 1 the
 * expirations it had: a periodic one is moved on by n intervals first, a
 * one-shot one disarmed first.  `fire` may disarm or re-arm `d`. */
void deadline_expire(struct deadline_list *l, uint64_t now,
                     void (*fire)(struct deadline *d, uint64_t n));

#endif

/*
 * unikernel/poll.c - poll tables: one task (or one epoll instance)
 * watching many channels at once.
 *
 * Each registration is a poll_entry linked both in its table (to release
 * them together) and in a bucket of a small hash keyed by the channel, so
 * that sched_wakeup(chan) finds the tables watching chan without looking
 * at the others.  With nobody polling every bucket is empty and the cost
 * of a wakeup is one load.  One CPU, interrupts masked: no lock.
 */
#include <errno.h>
#include <stddef.h>

#include "arch/clock.h"
#include "mm/kalloc.h"
#include "unikernel/fd.h"
#include "unikernel/poll.h"
#include "unikernel/sched.h"
#include "unikernel/signal.h"
#include "unikernel/task.h"

struct poll_entry {
    const void *chan;
    struct poll_table *pt;
    struct poll_entry *next_in_table;
    struct poll_entry *next_in_bucket, **prev_in_bucket;
};

#define POLL_BUCKETS 256

static struct poll_entry *buckets[POLL_BUCKETS];
static unsigned long watching; /* entries in all buckets */

static struct poll_entry **bucket_of(const void *chan)
{
    uintptr_t h = (uintptr_t)chan;
    h ^= h >> 17;
    h *= 0x9e3779b97f4a7c15ull;
    return &buckets[h >> (64 - 8)];
}

void poll_table_init(struct poll_table *pt)
{
    *pt = (struct poll_table){.task = task_current()};
}

void poll_wait(struct poll_table *pt, const void *chan)
{
    if (!pt)
        return;
    for (struct poll_entry *e = pt->entries; e; e = e->next_in_table)
        if (e->chan == chan)
            return;
    struct poll_entry *e = kalloc(sizeof(*e));
    if (!e) {
        pt->overflow = true; /* the owner re-checks instead of sleeping */
        return;
    }
    e->chan = chan;
    e->pt = pt;
    e->next_in_table = pt->entries;
    pt->entries = e;
    struct poll_entry **b = bucket_of(chan);
    e->next_in_bucket = *b;
    e->prev_in_bucket = b;
    if (*b)
        (*b)->prev_in_bucket = &e->next_in_bucket;
    *b = e;
    watching++;
}

void poll_table_release(struct poll_table *pt)
{
    struct poll_entry *e = pt->entries;
    while (e) {
        struct poll_entry *next = e->next_in_table;
        *e->prev_in_bucket = e->next_in_bucket;
        if (e->next_in_bucket)
            e->next_in_bucket->prev_in_bucket = e->prev_in_bucket;
        watching--;
        kfree(e);
        e = next;
    }
    pt->entries = NULL;
}

void poll_notify(const void *chan)
{
    if (!watching)
        return;
    for (struct poll_entry *e = *bucket_of(chan), *next; e; e = next) {
        next = e->next_in_bucket; /* notify may release other tables */
        if (e->chan != chan)
            continue;
        struct poll_table *pt = e->pt;
        pt->fired = true;
        if (pt->notify)
            pt->notify(pt, pt->key);
        else if (pt->task)
            sched_wake(pt->task);
    }
}

int poll_table_sleep(struct poll_table *pt, uint64_t deadline)
{
    int rc = 0;
    while (!pt->fired && !pt->overflow) {
        if (deadline && clock_monotonic_ns() >= deadline) {
            rc = -ETIMEDOUT;
            break;
        }
        if (signal_interrupted()) {
            rc = -EINTR;
            break;
        }
        if (sched_wait(pt, deadline) < 0) { /* a kill */
            rc = -EINTR;
            break;
        }
    }
    bool fired = pt->fired || pt->overflow;
    pt->fired = false;
    return fired ? 0 : rc;
}

unsigned file_poll(struct file *f, struct poll_table *pt)
{
    if (!f->ops->poll)
        return POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;
    return f->ops->poll(f, pt);
}

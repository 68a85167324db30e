/*
 * unikernel/unix_gc.c - the collector of AF_UNIX descriptors in flight
 * (Linux's unix_gc, net/unix/garbage.c, as an idea): a socket sent over a
 * socket (SCM_RIGHTS) and closed by everyone rides on a message in a
 * queue; when that queue's own socket is reachable only through messages
 * too (socket A sent over B, B over A, both closed), nothing can ever
 * read them and the ends, their queues and the frames under them would
 * stay for ever, whoever made them ended long ago.
 *
 * Each end counts the references to its file that ride on messages
 * (inflight, kept by unix_sock.c at send, receive and drop); the ends with
 * some are on the `flying` list.  A run:
 *   1. candidates: the live ends whose every file reference is in flight;
 *   2. each candidate's queue (a listener's: also its connections not yet
 *      accepted) takes one off the count of every candidate it carries;
 *   3. a candidate with references left is reachable from outside, and so
 *      is every candidate in its queue, transitively;
 *   4. the others are garbage: their queues are cut off first, then freed,
 *      which drops the last references to their files and closes them.
 * It runs when a reference to a unix socket file goes and every one left
 * is in flight (file_ops.unref), and when any unix socket closes while
 * something flies.  A file_put inside the run starts no other.
 *
 * Context: one CPU, system calls only (as unix_sock.c).
 */
#include "mm/kalloc.h"
#include "unikernel/unix_end.h"

enum { GC_NONE, GC_CAND, GC_ALIVE_TODO, GC_ALIVE };

static struct unix_end *flying; /* ends with inflight > 0 */
static bool collecting;

void unix_flight_add(struct file *f)
{
    struct unix_end *u = unix_end_of_file(f);
    if (!u || u->inflight++ > 0)
        return;
    u->fly_prev = NULL;
    u->fly_next = flying;
    if (flying)
        flying->fly_prev = u;
    flying = u;
}

void unix_flight_sub(struct file *f)
{
    struct unix_end *u = unix_end_of_file(f);
    if (!u || u->inflight == 0 || --u->inflight > 0)
        return;
    if (u->fly_prev)
        u->fly_prev->fly_next = u->fly_next;
    else
        flying = u->fly_next;
    if (u->fly_next)
        u->fly_next->fly_prev = u->fly_prev;
    u->fly_next = u->fly_prev = NULL;
}

/* Every reference to u's file rides on a message. */
static bool only_in_flight(const struct unix_end *u)
{
    return !u->dead && u->s && u->s->file && u->inflight > 0 &&
           u->s->file->refs == u->inflight;
}

typedef void visit_fn(struct unix_end *carried);

static void visit_queue(struct umsg *m, visit_fn *fn)
{
    for (; m; m = m->next)
        for (int i = 0; i < m->nfds; i++) {
            struct unix_end *e = unix_end_of_file(m->fds[i]);
            if (e)
                fn(e);
        }
}

/* fn on every end whose file rides on `u`'s queue or, for a listener, on
 * the queues of its connections not yet accepted. */
static void each_carried(struct unix_end *u, visit_fn *fn)
{
    visit_queue(u->head, fn);
    if (u->listening)
        for (struct unix_end *a = u->acc_head; a; a = a->acc_next)
            visit_queue(a->head, fn);
}

static void count_off(struct unix_end *e)
{
    if (e->gc_state == GC_CAND)
        e->gc_refs--;
}

static void reach(struct unix_end *e)
{
    if (e->gc_state == GC_CAND)
        e->gc_state = GC_ALIVE_TODO;
}

void unix_gc(void)
{
    if (collecting || !flying)
        return;
    collecting = true;
    int garbage = 0;
    for (struct unix_end *u = flying; u; u = u->fly_next) {
        u->gc_state = only_in_flight(u) ? GC_CAND : GC_NONE;
        u->gc_refs = u->inflight;
    }
    for (struct unix_end *u = flying; u; u = u->fly_next)
        if (u->gc_state == GC_CAND)
            each_carried(u, count_off);
    for (struct unix_end *u = flying; u; u = u->fly_next)
        if (u->gc_state == GC_CAND && u->gc_refs > 0)
            u->gc_state = GC_ALIVE_TODO;
    for (bool more = true; more;) {
        more = false;
        for (struct unix_end *u = flying; u; u = u->fly_next)
            if (u->gc_state == GC_ALIVE_TODO) {
                u->gc_state = GC_ALIVE;
                each_carried(u, reach);
                more = true;
            }
    }
    for (struct unix_end *u = flying; u; u = u->fly_next)
        garbage += u->gc_state == GC_CAND;
    struct unix_end **dead = garbage ? kalloc((size_t)garbage * sizeof(*dead)) : NULL;
    if (dead) { /* no memory: the next run tries again */
        int n = 0;
        for (struct unix_end *u = flying; u; u = u->fly_next)
            if (u->gc_state == GC_CAND) {
                u->refs++; /* kept until its queue is gone */
                dead[n++] = u;
            }
        struct umsg *chain = NULL;
        for (int i = 0; i < n; i++) {
            unix_queue_cut(dead[i], &chain);
            if (dead[i]->listening)
                for (struct unix_end *a = dead[i]->acc_head; a; a = a->acc_next)
                    unix_queue_cut(a, &chain);
        }
        unix_msgs_free(chain); /* the garbage's files close here */
        for (int i = 0; i < n; i++)
            unix_end_put(dead[i]);
        kfree(dead);
    }
    collecting = false;
}

void unix_gc_unref(struct unix_end *u)
{
    if (only_in_flight(u))
        unix_gc();
}

/*
 * unikernel/unix_end.h - what the AF_UNIX sockets (unix_sock.c) share with
 * their collector of descriptors in flight (unix_gc.c): an end, its queue
 * of messages, and the bookkeeping of the files that ride on them.
 *
 * Context: one CPU; the ends and queues change only in system calls.
 */
#ifndef UNIKERNEL_UNIX_END_H
#define UNIKERNEL_UNIX_END_H

#include <stdbool.h>
#include <stddef.h>

#include "abi/socket.h"
#include "unikernel/fd.h"
#include "unikernel/socket.h"
#include "unikernel/tmpfs.h"

#define UNIX_ADDR_MAX 112 /* sockaddr_un (110) and the NUL Linux adds */

/* One message of a queue: its bytes and the files sent with it. */
struct umsg {
    struct umsg *next;
    size_t len, off; /* off: bytes of it already read (stream) */
    struct file **fds; /* SCM_RIGHTS in flight (kalloc), a reference each */
    int nfds;
    size_t fromlen;    /* the sender's name (0: unnamed) */
    char from[UNIX_ADDR_MAX];
    char data[];
};

/* One socket's end: its queue, peer, name and accept queue. */
struct unix_end {
    struct socket *s;      /* not used once dead */
    int refs;              /* the socket's and each dpeer pointing here */
    bool dead;             /* its socket closed */
    struct unix_end *peer; /* NULL once the peer is closed */
    bool peer_gone;
    struct unix_end *dpeer; /* a datagram end's connect(), a reference */
    struct umsg *head, *tail;
    size_t queued;         /* unread bytes in the queue */
    bool rd_shut, wr_shut; /* this end's shutdown(2) */
    /* its name: the sockaddr_un bytes as Linux keeps them (0: none) */
    char name[UNIX_ADDR_MAX];
    size_t namelen;
    tnode_t *node;          /* a path's socket node, a reference */
    struct unix_end *abs_next; /* the abstract namespace's list */
    char peername[UNIX_ADDR_MAX]; /* the peer's name when it connected */
    size_t peernamelen;
    /* listening: the connections not yet accepted */
    bool listening;
    bool embryo;            /* queued on a listener, not yet accepted */
    int backlog, acc_count;
    struct unix_end *acc_head, *acc_tail, *acc_next;
    struct abi_ucred cred, peercred; /* SO_PEERCRED */
    bool passcred;
    /* descriptors in flight (unix_gc.c) */
    int inflight;           /* references to its file riding on messages */
    struct unix_end *fly_next, *fly_prev; /* the ends with inflight > 0 */
    int gc_refs, gc_state;  /* the collector's, during a run */
};

/* The end of AF_UNIX socket file `f`, or NULL (another file, or closed). */
struct unix_end *unix_end_of_file(struct file *f);
/* Moves u's queue to the front of *chain, leaving it empty (before any
 * of its files is put: the collector may run at a file_put). */
void unix_queue_cut(struct unix_end *u, struct umsg **chain);
/* Frees a detached chain of messages and what rides on them. */
void unix_msgs_free(struct umsg *list);
/* Drops a reference to `u` (the last frees it). */
void unix_end_put(struct unix_end *u);

/* A file of a message's SCM_RIGHTS (after its reference was taken): a
 * unix socket's counts as in flight. */
void unix_flight_add(struct file *f);
/* Before that reference goes (installed in a receiver or dropped). */
void unix_flight_sub(struct file *f);
/* A reference to `u`'s file other than the last went: if every one left
 * rides on messages, the collector looks for a cycle nobody can reach. */
void unix_gc_unref(struct unix_end *u);
/* Frees the ends that only messages in unreachable queues refer to, and
 * those messages (Linux's unix_gc): with none in flight, or inside a run
 * already, nothing.  Also called when an end closes. */
void unix_gc(void);

#endif

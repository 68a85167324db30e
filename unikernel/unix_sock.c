/*
 * unikernel/unix_sock.c - AF_UNIX sockets connected in pairs
 * (socketpair): SOCK_STREAM, SOCK_DGRAM and SOCK_SEQPACKET, in the
 * kernel, with no network stack.
 *
 * Each end queues what its peer sent as a list of messages (one per send
 * on datagram and seqpacket sockets, where a read takes one whole; a
 * stream read takes bytes across them).  A sender waits while its peer's
 * queue holds UNIX_QUEUE_MAX bytes; a receiver waits for a message.  Both
 * wait on the receiving end's socket, which every change announces with
 * sched_wakeup.  Names (bind, connect, listen on paths and the abstract
 * namespace) and descriptor passing are not here yet: bind, listen,
 * accept and connect give EOPNOTSUPP.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "abi/socket.h"
#include "mm/kalloc.h"
#include "unikernel/fd.h"
#include "unikernel/poll.h"
#include "unikernel/sched.h"
#include "unikernel/socket.h"
#include "unikernel/unix_sock.h"
#include "unikernel/usercopy.h"

#define UNIX_QUEUE_MAX 212992 /* Linux's default socket buffer */
#define UNIX_CHUNK 65536      /* a stream send's largest message */

struct umsg {
    struct umsg *next;
    size_t len, off; /* off: bytes of it already read (stream) */
    char data[];
};

struct unix_end {
    struct socket *s;
    struct unix_end *peer; /* NULL once the peer is closed */
    bool peer_gone;
    struct umsg *head, *tail;
    size_t queued;         /* unread bytes in the queue */
    bool rd_shut, wr_shut; /* this end's shutdown(2) */
};

static bool is_stream(const struct socket *s)
{
    return s->type == SOCK_STREAM;
}

/* Nothing more will arrive: this end shut reading, or the peer writing
 * (or closed). */
static bool rcv_shut(const struct unix_end *u)
{
    return u->rd_shut || u->peer_gone || (u->peer && u->peer->wr_shut);
}

static bool snd_shut(const struct unix_end *u)
{
    return u->wr_shut || u->peer_gone || (u->peer && u->peer->rd_shut);
}

static void queue_free(struct unix_end *u)
{
    for (struct umsg *m = u->head, *next; m; m = next) {
        next = m->next;
        kfree(m);
    }
    u->head = u->tail = NULL;
    u->queued = 0;
}

static long unix_sendmsg(struct socket *s, struct sock_msg *m, int flags)
{
    struct unix_end *u = s->priv;
    if (!u->peer && !u->peer_gone)
        return -ENOTCONN; /* never connected: names are not here yet */
    if (m->name && m->namelen)
        return -EISCONN;
    struct sock_iter it;
    sock_iter_init(&it, m);
    size_t total = it.left, done = 0;
    if (!is_stream(s) && total > UNIX_QUEUE_MAX)
        return -EMSGSIZE;
    uint64_t deadline = sock_deadline(s->sndtimeo_ns);
    do {
        if (snd_shut(u))
            return done ? (long)done
                        : (s->type == SOCK_DGRAM && u->peer_gone ? -ECONNREFUSED : -EPIPE);
        struct unix_end *peer = u->peer;
        size_t room = UNIX_QUEUE_MAX - peer->queued;
        size_t want = is_stream(s) ? (total - done < UNIX_CHUNK ? total - done : UNIX_CHUNK)
                                   : total;
        if (peer->queued > UNIX_QUEUE_MAX || room < (is_stream(s) ? 1 : want)) {
            if (flags & MSG_DONTWAIT)
                return done ? (long)done : -EAGAIN;
            int rc = sock_wait(peer->s, deadline);
            if (rc < 0)
                return done ? (long)done : rc;
            continue;
        }
        size_t n = want < room ? want : room;
        struct umsg *msg = kalloc(sizeof(*msg) + (n ? n : 1));
        if (!msg)
            return done ? (long)done : -ENOBUFS;
        long got = n ? sock_iter_from_user(&it, msg->data, n) : 0;
        if (got < 0 || (!is_stream(s) && (size_t)got != n)) {
            kfree(msg);
            return done ? (long)done : -EFAULT;
        }
        msg->len = (size_t)got;
        msg->off = 0;
        msg->next = NULL;
        if (peer->tail)
            peer->tail->next = msg;
        else
            peer->head = msg;
        peer->tail = msg;
        peer->queued += msg->len;
        done += msg->len;
        sched_wakeup(peer->s);
        if ((size_t)got < n)
            return (long)done; /* a fault part way: what went */
    } while (done < total);
    return (long)done;
}

/* Takes `n` bytes off the head of the queue (stream). */
static void consume(struct unix_end *u, size_t n)
{
    while (n && u->head) {
        struct umsg *m = u->head;
        size_t k = m->len - m->off < n ? m->len - m->off : n;
        m->off += k;
        u->queued -= k;
        n -= k;
        if (m->off == m->len) {
            u->head = m->next;
            if (!u->head)
                u->tail = NULL;
            kfree(m);
        }
    }
}

static long unix_recvmsg(struct socket *s, struct sock_msg *m, int flags)
{
    struct unix_end *u = s->priv;
    struct sock_iter it;
    sock_iter_init(&it, m);
    size_t want = it.left, copied = 0;
    uint64_t deadline = sock_deadline(s->rcvtimeo_ns);
    m->namelen = 0; /* a socketpair's peer has no name */
    for (;;) {
        if (u->head && is_stream(s)) {
            size_t peek_skip = 0;
            for (struct umsg *q = u->head; q && copied < want; q = q->next) {
                size_t avail = q->len - q->off;
                size_t k = avail < want - copied ? avail : want - copied;
                long c = sock_iter_to_user(&it, q->data + q->off, k);
                if (c < 0)
                    return copied ? (long)copied : c;
                copied += (size_t)c;
                peek_skip += (size_t)c;
                if ((size_t)c < k)
                    break;
            }
            if (!(flags & MSG_PEEK)) {
                consume(u, peek_skip);
                if (u->peer)
                    sched_wakeup(s); /* room for the sender */
            }
            if (copied == want || !(flags & MSG_WAITALL) || (flags & MSG_PEEK))
                return (long)copied;
            continue; /* MSG_WAITALL: more */
        }
        if (u->head) { /* one whole message */
            struct umsg *q = u->head;
            size_t k = q->len < want ? q->len : want;
            long c = k ? sock_iter_to_user(&it, q->data, k) : 0;
            if (c < 0)
                return c;
            if (q->len > (size_t)c)
                m->flags_out |= MSG_TRUNC;
            long ret = (flags & MSG_TRUNC) ? (long)q->len : c;
            if (!(flags & MSG_PEEK)) {
                u->head = q->next;
                if (!u->head)
                    u->tail = NULL;
                u->queued -= q->len;
                kfree(q);
                sched_wakeup(s);
            }
            return ret;
        }
        if (copied && !(flags & MSG_WAITALL))
            return (long)copied;
        /* the end of a stream; a datagram end waits for ever, as on Linux,
         * unless reading was shut */
        if (s->type == SOCK_DGRAM ? u->rd_shut : rcv_shut(u))
            return (long)copied;
        if (!u->peer && !u->peer_gone && s->type != SOCK_DGRAM)
            return -ENOTCONN; /* never connected */
        if (flags & MSG_DONTWAIT)
            return copied ? (long)copied : -EAGAIN;
        int rc = sock_wait(s, deadline);
        if (rc < 0)
            return copied ? (long)copied : rc;
    }
}

static int unix_shutdown(struct socket *s, int how)
{
    struct unix_end *u = s->priv;
    if (how < SHUT_RD || how > SHUT_RDWR)
        return -EINVAL;
    if (how != SHUT_WR)
        u->rd_shut = true;
    if (how != SHUT_RD)
        u->wr_shut = true;
    sched_wakeup(s);
    if (u->peer)
        sched_wakeup(u->peer->s);
    return 0;
}

static unsigned unix_poll(struct socket *s, struct poll_table *pt)
{
    struct unix_end *u = s->priv;
    poll_wait(pt, s);
    if (u->peer)
        poll_wait(pt, u->peer->s); /* room in the peer's queue */
    unsigned m = 0;
    bool rcv = rcv_shut(u), snd = snd_shut(u);
    if (s->type == SOCK_DGRAM) { /* only shutdown(2) ends a datagram pair */
        rcv = u->rd_shut || (u->peer && u->peer->wr_shut);
        snd = u->wr_shut || (u->peer && u->peer->rd_shut);
    }
    if (u->head)
        m |= POLLIN | POLLRDNORM;
    if (rcv)
        m |= POLLIN | POLLRDNORM | POLLRDHUP;
    if (rcv && snd)
        m |= POLLHUP;
    if (snd || (u->peer && u->peer->queued < UNIX_QUEUE_MAX))
        m |= POLLOUT | POLLWRNORM;
    if (s->type == SOCK_DGRAM && u->peer_gone)
        m |= POLLOUT | POLLWRNORM;
    return m;
}

static int unix_getname(struct socket *s, void *addr, size_t *len, bool peer)
{
    struct unix_end *u = s->priv;
    if (peer && !u->peer && !u->peer_gone)
        return -ENOTCONN;
    uint16_t family = AF_UNIX; /* unnamed: the family alone */
    memcpy(addr, &family, sizeof(family));
    *len = sizeof(family);
    return 0;
}

static long unix_ioctl(struct socket *s, unsigned long cmd, uintptr_t arg)
{
    struct unix_end *u = s->priv;
    if (cmd != FIONREAD)
        return -ENOTTY;
    /* as Linux: all queued bytes, but a datagram end's next message */
    int n = (int)(s->type != SOCK_DGRAM ? u->queued : u->head ? u->head->len : 0);
    return copy_to_user((void *)arg, &n, sizeof(n)) < 0 ? -EFAULT : 0;
}

static int unix_setsockopt(struct socket *s, int level, int name,
                           const void *val, size_t len)
{
    (void)s, (void)level, (void)name, (void)val, (void)len;
    return -ENOPROTOOPT;
}

static int unix_getsockopt(struct socket *s, int level, int name, void *val,
                           size_t *len)
{
    (void)s, (void)level, (void)name, (void)val, (void)len;
    return -ENOPROTOOPT;
}

static void unix_release(struct socket *s)
{
    struct unix_end *u = s->priv;
    if (!u)
        return;
    if (u->peer) {
        u->peer->peer = NULL;
        u->peer->peer_gone = true;
        sched_wakeup(u->peer->s);
    }
    queue_free(u);
    kfree(u);
    s->priv = NULL;
}

static const struct sock_ops unix_ops = {
    .sendmsg = unix_sendmsg,
    .recvmsg = unix_recvmsg,
    .shutdown = unix_shutdown,
    .setsockopt = unix_setsockopt,
    .getsockopt = unix_getsockopt,
    .getname = unix_getname,
    .poll = unix_poll,
    .ioctl = unix_ioctl,
    .release = unix_release,
};

static int unix_create(struct socket *s, int type, int protocol)
{
    if (type != SOCK_STREAM && type != SOCK_DGRAM && type != SOCK_SEQPACKET)
        return -ESOCKTNOSUPPORT;
    if (protocol != 0)
        return -EPROTONOSUPPORT;
    struct unix_end *u = kalloc(sizeof(*u));
    if (!u)
        return -ENOMEM;
    u->s = s;
    s->ops = &unix_ops;
    s->priv = u;
    return 0;
}

static int unix_pair(struct socket *a, struct socket *b, int type, int protocol)
{
    (void)type, (void)protocol;
    struct unix_end *ua = a->priv, *ub = b->priv;
    ua->peer = ub;
    ub->peer = ua;
    return 0;
}

static const struct sock_family unix_family = {
    .family = AF_UNIX,
    .create = unix_create,
    .pair = unix_pair,
};

void unix_sock_register(void)
{
    sock_family_register(&unix_family);
}

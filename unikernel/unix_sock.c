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
 * namespace) are not here yet: bind, listen, accept and connect give
 * EOPNOTSUPP.
 *
 * Descriptors pass as SCM_RIGHTS (sendmsg): the files, with a reference
 * each, ride on the first message of the send; the receiver's recvmsg
 * installs them as new descriptors and writes one cmsg, laid out and cut
 * as Linux does (CMSG_LEN, the used length CMSG_SPACE capped at the
 * buffer, MSG_CTRUNC and the files that did not fit closed).  A stream
 * read ends with the message carrying files (Linux's unix_stream_read).
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "abi/socket.h"
#include "mm/kalloc.h"
#include "unikernel/fd.h"
#include "unikernel/poll.h"
#include "unikernel/sched.h"
#include "unikernel/task.h"
#include "unikernel/tmpfs.h"
#include "unikernel/socket.h"
#include "unikernel/unix_sock.h"
#include "unikernel/usercopy.h"

#define UNIX_QUEUE_MAX 212992 /* Linux's default socket buffer */
#define UNIX_CHUNK 65536      /* a stream send's largest message */

struct umsg {
    struct umsg *next;
    size_t len, off; /* off: bytes of it already read (stream) */
    struct file **fds; /* SCM_RIGHTS in flight (kalloc), a reference each */
    int nfds;
    char data[];
};

/* struct cmsghdr of the x86_64 ABI: 16 bytes, 8-byte aligned. */
struct kcmsg {
    uint64_t len;
    int32_t level, type;
};
#define CMSG_HDR sizeof(struct kcmsg)
#define CMSG_ALIGN8(n) (((n) + 7) & ~(size_t)7)

static void fds_put(struct file **fds, int n)
{
    for (int i = 0; i < n; i++)
        file_put(fds[i]);
    kfree(fds);
}

static void umsg_free(struct umsg *m)
{
    if (m->nfds)
        fds_put(m->fds, m->nfds);
    kfree(m);
}

/* The SCM_RIGHTS of a send's ancillary data: 0 and the files (*fds,
 * *nfds, a reference each) or -errno.  SCM_CREDENTIALS is accepted and
 * dropped; any other SOL_SOCKET type is EINVAL, other levels skipped (as
 * Linux's __scm_send). */
static int rights_in(const struct sock_msg *m, struct file ***fds, int *nfds)
{
    *fds = NULL;
    *nfds = 0;
    const char *c = m->control;
    size_t len = m->control ? m->controllen : 0;
    for (size_t off = 0; off + CMSG_HDR <= len;) {
        struct kcmsg h;
        memcpy(&h, c + off, sizeof(h));
        if (h.len < CMSG_HDR || h.len > len - off)
            goto inval;
        if (h.level == SOL_SOCKET && h.type == SCM_RIGHTS) {
            int n = (int)((h.len - CMSG_HDR) / sizeof(int));
            if (*nfds + n > SCM_MAX_FD || (*fds && n))
                goto inval; /* Linux: one SCM_RIGHTS per message */
            if (n) {
                *fds = kalloc((size_t)n * sizeof(**fds));
                if (!*fds)
                    return -ENOMEM;
            }
            for (int i = 0; i < n; i++) {
                int fd;
                memcpy(&fd, c + off + CMSG_HDR + (size_t)i * sizeof(int), sizeof(fd));
                struct file *f = fd_get(task_current(), fd);
                if (!f) {
                    fds_put(*fds, *nfds);
                    *fds = NULL;
                    *nfds = 0;
                    return -EBADF;
                }
                f->refs++;
                (*fds)[(*nfds)++] = f;
            }
        } else if (h.level == SOL_SOCKET && h.type != SCM_CREDENTIALS) {
            goto inval;
        }
        off += CMSG_ALIGN8(h.len);
    }
    return 0;
inval:
    if (*nfds)
        fds_put(*fds, *nfds);
    *fds = NULL;
    *nfds = 0;
    return -EINVAL;
}

/* Installs the files of `q` in the receiver (dups when peeking) and
 * writes their cmsg into m->control as Linux's scm_detach_fds: as many as
 * the buffer holds, MSG_CTRUNC and the rest closed when not all fit (or
 * the table is full). */
static void rights_out(struct sock_msg *m, struct umsg *q, int flags)
{
    bool peek = flags & MSG_PEEK;
    size_t cap = m->control ? m->controlcap : 0;
    int fit = cap < CMSG_HDR ? 0 : (int)((cap - CMSG_HDR) / sizeof(int));
    int delivered = 0, i = 0;
    while (i < q->nfds && delivered < fit) {
        struct file *f = q->fds[i++];
        if (peek)
            f->refs++; /* the queue keeps its own */
        int fd = fd_install(task_current(), f); /* -EMFILE: f put */
        if (fd < 0)
            break;
        if (flags & MSG_CMSG_CLOEXEC)
            fd_set_cloexec(task_current(), fd, true);
        memcpy((char *)m->control + CMSG_HDR + (size_t)delivered * sizeof(int),
               &fd, sizeof(fd));
        delivered++;
    }
    if (delivered < q->nfds)
        m->flags_out |= MSG_CTRUNC;
    if (delivered > 0) {
        struct kcmsg h = {CMSG_HDR + (size_t)delivered * sizeof(int), SOL_SOCKET, SCM_RIGHTS};
        memcpy(m->control, &h, sizeof(h));
        size_t used = CMSG_ALIGN8(h.len);
        m->controllen = used < cap ? used : cap;
    }
    if (!peek) {
        for (; i < q->nfds; i++)
            file_put(q->fds[i]); /* did not fit: closed, as Linux */
        kfree(q->fds);
        q->fds = NULL;
        q->nfds = 0;
    }
}

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
        umsg_free(m);
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
    struct file **fds;
    int nfds;
    int rc = rights_in(m, &fds, &nfds);
    if (rc < 0)
        return rc;
    long ret = 0;
    uint64_t deadline = sock_deadline(s->sndtimeo_ns);
    do {
        if (snd_shut(u)) {
            ret = done ? (long)done
                       : (s->type == SOCK_DGRAM && u->peer_gone ? -ECONNREFUSED : -EPIPE);
            goto out;
        }
        struct unix_end *peer = u->peer;
        size_t room = UNIX_QUEUE_MAX - peer->queued;
        size_t want = is_stream(s) ? (total - done < UNIX_CHUNK ? total - done : UNIX_CHUNK)
                                   : total;
        if (peer->queued > UNIX_QUEUE_MAX || room < (is_stream(s) ? 1 : want)) {
            if (flags & MSG_DONTWAIT) {
                ret = done ? (long)done : -EAGAIN;
                goto out;
            }
            rc = sock_wait(peer->s, deadline);
            if (rc < 0) {
                ret = done ? (long)done : rc;
                goto out;
            }
            continue;
        }
        size_t n = want < room ? want : room;
        struct umsg *msg = kalloc(sizeof(*msg) + (n ? n : 1));
        if (!msg) {
            ret = done ? (long)done : -ENOBUFS;
            goto out;
        }
        long got = n ? sock_iter_from_user(&it, msg->data, n) : 0;
        if (got < 0 || (!is_stream(s) && (size_t)got != n)) {
            kfree(msg);
            ret = done ? (long)done : -EFAULT;
            goto out;
        }
        msg->len = (size_t)got;
        msg->off = 0;
        msg->next = NULL;
        msg->fds = fds; /* the first message carries the files */
        msg->nfds = nfds;
        fds = NULL;
        nfds = 0;
        if (peer->tail)
            peer->tail->next = msg;
        else
            peer->head = msg;
        peer->tail = msg;
        peer->queued += msg->len;
        done += msg->len;
        sched_wakeup(peer->s);
        if ((size_t)got < n)
            break; /* a fault part way: what went */
    } while (done < total);
    ret = (long)done;
out:
    if (nfds)
        fds_put(fds, nfds); /* nothing queued: the files stay here */
    return ret;
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
            umsg_free(m);
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
            bool rights = false;
            for (struct umsg *q = u->head; q && (copied < want || (q->nfds && !copied)); q = q->next) {
                size_t avail = q->len - q->off;
                size_t k = avail < want - copied ? avail : want - copied;
                long c = k ? sock_iter_to_user(&it, q->data + q->off, k) : 0;
                if (c < 0)
                    return copied ? (long)copied : c;
                if (q->nfds) {
                    rights_out(m, q, flags);
                    rights = true;
                }
                copied += (size_t)c;
                peek_skip += (size_t)c;
                if ((size_t)c < k || rights)
                    break; /* and end it */
            }
            if (rights && !(flags & MSG_PEEK) && u->head && u->head->len == u->head->off) {
                struct umsg *q = u->head; /* an empty message with files */
                u->head = q->next;
                if (!u->head)
                    u->tail = NULL;
                umsg_free(q);
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
            if (q->nfds)
                rights_out(m, q, flags);
            long ret = (flags & MSG_TRUNC) ? (long)q->len : c;
            if (!(flags & MSG_PEEK)) {
                u->head = q->next;
                if (!u->head)
                    u->tail = NULL;
                u->queued -= q->len;
                umsg_free(q);
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

/* connect: no end is bound to a name yet, so no connection can be made;
 * the error is Linux's for a name nobody listens on, ENOENT for a path
 * that does not exist (musl's nscd query, behind getpwnam and
 * initgroups, takes that as "no nscd"), ECONNREFUSED for one that does
 * (a file, not a socket) and for the abstract namespace. */
static int unix_connect(struct socket *s, const void *addr, size_t len, int flags)
{
    (void)s, (void)flags;
    const char *sa = addr;
    uint16_t family;
    if (len < sizeof(family))
        return -EINVAL;
    memcpy(&family, sa, sizeof(family));
    if (family != AF_UNIX)
        return -EINVAL;
    size_t n = len - sizeof(family);
    if (n == 0)
        return -EINVAL;
    if (sa[2] == 0)
        return -ECONNREFUSED;
    char path[110];
    if (n > sizeof(path) - 1)
        n = sizeof(path) - 1;
    memcpy(path, sa + 2, n);
    path[n] = 0;
    struct kstat st;
    return tmpfs_stat(task_current()->cwd, path, &st, true) < 0 ? -ENOENT : -ECONNREFUSED;
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
    .connect = unix_connect,
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

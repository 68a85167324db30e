/*
 * unikernel/unix_sock.c - AF_UNIX sockets: SOCK_STREAM, SOCK_DGRAM and
 * SOCK_SEQPACKET, in the kernel, with no network stack; connected in
 * pairs by socketpair, or by name.
 *
 * Each end queues what its peer sent as a list of messages (one per send
 * on datagram and seqpacket sockets, where a read takes one whole; a
 * stream read takes bytes across them), each with the sender's name.  A
 * sender waits while the receiving end's queue holds UNIX_QUEUE_MAX
 * bytes; a receiver waits for a message.  Both wait on the receiving
 * end's socket, which every change announces with sched_wakeup.
 *
 * Names: a path is a socket node in tmpfs (tmpfs_mksock) that points at
 * the bound end until it closes; unlink removes the name only.  The
 * abstract namespace (sun_path[0] == 0) is a list of the bound ends,
 * each name freed when its socket closes; bind with the family alone
 * picks a free abstract name (Linux's autobind).  connect to a listening
 * stream or seqpacket end makes the accepted socket at once (Linux does
 * too: the client may write before accept) and queues it on the
 * listener; connect of a datagram end only records its destination.
 * An end lives as long as the ends that point at it as their datagram
 * destination (refs): a send to a closed one is ECONNREFUSED.
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
#include "unikernel/thread.h"
#include "unikernel/tmpfs.h"
#include "unikernel/socket.h"
#include "unikernel/unix_end.h"
#include "unikernel/unix_sock.h"
#include "unikernel/usercopy.h"

#define UNIX_QUEUE_MAX 212992 /* Linux's default socket buffer */
#define UNIX_CHUNK 65536      /* a stream send's largest message */
#define PATH_OFF 2            /* offsetof(struct sockaddr_un, sun_path) */

/* struct cmsghdr of the x86_64 ABI: 16 bytes, 8-byte aligned. */
struct kcmsg {
    uint64_t len;
    int32_t level, type;
};
#define CMSG_HDR sizeof(struct kcmsg)
#define CMSG_ALIGN8(n) (((n) + 7) & ~(size_t)7)

/* Drops a reference a message held to `f` (it leaves the flight first). */
static void flight_put(struct file *f)
{
    unix_flight_sub(f);
    file_put(f);
}

static void fds_put(struct file **fds, int n)
{
    for (int i = 0; i < n; i++)
        flight_put(fds[i]);
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
                unix_flight_add(f);
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
    int delivered = 0, i = 0, nfds = q->nfds;
    struct file **fds = q->fds;
    if (!peek) { /* off the message before a file goes: the collector
                    (unix_gc.c) may run at any file_put and read queues */
        q->fds = NULL;
        q->nfds = 0;
    }
    while (i < nfds && delivered < fit) {
        struct file *f = fds[i++];
        if (peek)
            f->refs++; /* the queue keeps its own */
        else
            unix_flight_sub(f); /* the reference moves to the descriptor */
        int fd = fd_install_new(f, flags & MSG_CMSG_CLOEXEC); /* -EMFILE: f put */
        if (fd < 0)
            break;
        memcpy((char *)m->control + CMSG_HDR + (size_t)delivered * sizeof(int),
               &fd, sizeof(fd));
        delivered++;
    }
    if (delivered < nfds)
        m->flags_out |= MSG_CTRUNC;
    if (delivered > 0) {
        struct kcmsg h = {CMSG_HDR + (size_t)delivered * sizeof(int), SOL_SOCKET, SCM_RIGHTS};
        memcpy(m->control, &h, sizeof(h));
        size_t used = CMSG_ALIGN8(h.len);
        m->controllen = used < cap ? used : cap;
    }
    if (!peek) {
        for (; i < nfds; i++)
            flight_put(fds[i]); /* did not fit: closed, as Linux */
        kfree(fds);
    }
}

static struct unix_end *abstract_names;
static unsigned autobind_next;

static int unix_create_end(struct socket *s, int type, int protocol);

static void end_put(struct unix_end *u)
{
    if (--u->refs == 0)
        kfree(u);
}

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

void unix_msgs_free(struct umsg *list)
{
    for (struct umsg *m = list, *next; m; m = next) {
        next = m->next;
        umsg_free(m);
    }
}

void unix_queue_cut(struct unix_end *u, struct umsg **chain)
{
    if (!u->head)
        return;
    u->tail->next = *chain;
    *chain = u->head;
    u->head = u->tail = NULL;
    u->queued = 0;
}

static void queue_free(struct unix_end *u)
{
    struct umsg *chain = NULL; /* detached first: see rights_out */
    unix_queue_cut(u, &chain);
    unix_msgs_free(chain);
}

/* ---- names ---- */

/* A sockaddr_un of `len` bytes as a name in `name` (UNIX_ADDR_MAX bytes)
 * of *namelen bytes as Linux keeps it (a path: up to its first NUL, that
 * NUL counted, so a path filling sun_path is ended for it): 0, 1 for the
 * family alone (autobind), -EINVAL. */
static int addr_parse(const void *addr, size_t len, char *name,
                      size_t *namelen)
{
    uint16_t family;
    if (len < PATH_OFF)
        return -EINVAL;
    memcpy(&family, addr, sizeof(family));
    if (family != AF_UNIX)
        return -EINVAL;
    if (len == PATH_OFF)
        return 1;
    if (len > sizeof(struct abi_sockaddr_un))
        return -EINVAL;
    memcpy(name, addr, len);
    name[len] = 0;
    *namelen = name[PATH_OFF] ? PATH_OFF + strlen(name + PATH_OFF) + 1 : len;
    return 0;
}

static struct unix_end *abstract_find(const char *name, size_t len)
{
    for (struct unix_end *e = abstract_names; e; e = e->abs_next)
        if (e->namelen == len && memcmp(e->name, name, len) == 0)
            return e;
    return NULL;
}

/* The live end bound to `name` of `type`: 0 and *out, -ECONNREFUSED,
 * -EPROTOTYPE, the path's -ENOENT, -ENOTDIR, ... */
static int find_peer(const char *name, size_t len, int type,
                     struct unix_end **out)
{
    struct unix_end *e;
    if (name[PATH_OFF]) {
        void *sock;
        int rc = tmpfs_sock_lookup(task_current()->cwd, name + PATH_OFF, &sock);
        if (rc < 0)
            return rc;
        e = sock;
    } else {
        e = abstract_find(name, len);
    }
    if (!e || e->dead)
        return -ECONNREFUSED;
    if (e->s->type != type)
        return -EPROTOTYPE;
    *out = e;
    return 0;
}

static void name_release(struct unix_end *u)
{
    if (u->node) {
        tmpfs_sock_unbind(u->node);
        u->node = NULL;
    } else if (u->namelen) {
        for (struct unix_end **pp = &abstract_names; *pp; pp = &(*pp)->abs_next)
            if (*pp == u) {
                *pp = u->abs_next;
                break;
            }
    }
}

static void abstract_add(struct unix_end *u, const char *name, size_t len)
{
    memcpy(u->name, name, len);
    u->namelen = len;
    u->abs_next = abstract_names;
    abstract_names = u;
}

/* Linux's autobind: a free abstract name of five hex digits. */
static int autobind(struct unix_end *u)
{
    static const char hex[] = "0123456789abcdef";
    for (unsigned tries = 0; tries < 0x100000; tries++) {
        unsigned v = autobind_next++ & 0xfffff;
        char name[PATH_OFF + 6] = {AF_UNIX, 0, 0};
        for (int i = 0; i < 5; i++)
            name[PATH_OFF + 1 + i] = hex[v >> (16 - 4 * i) & 15];
        if (!abstract_find(name, sizeof(name))) {
            abstract_add(u, name, sizeof(name));
            return 0;
        }
    }
    return -ENOSPC;
}

static struct abi_ucred cred_now(void)
{
    return (struct abi_ucred){thread_tgid(task_current()), 0, 0};
}

static int unix_bind(struct socket *s, const void *addr, size_t len)
{
    struct unix_end *u = s->priv;
    char name[UNIX_ADDR_MAX];
    size_t n;
    int rc = addr_parse(addr, len, name, &n);
    if (rc < 0)
        return rc;
    if (rc == 1)
        return u->namelen ? 0 : autobind(u); /* Linux: 0 when bound */
    if (!name[PATH_OFF]) {
        if (u->namelen)
            return -EINVAL;
        if (abstract_find(name, n))
            return -EADDRINUSE;
        abstract_add(u, name, n);
        return 0;
    }
    task_t *t = task_current();
    tnode_t *node;
    rc = tmpfs_mksock(t->cwd, name + PATH_OFF, 0777 & ~(unsigned)t->umask, u,
                      &node);
    if (rc < 0)
        return rc == -EEXIST ? -EADDRINUSE : rc;
    if (u->namelen) { /* Linux makes the node, then finds us bound */
        tmpfs_unlink(t->cwd, name + PATH_OFF);
        tmpfs_sock_unbind(node);
        return -EINVAL;
    }
    memcpy(u->name, name, n);
    u->namelen = n;
    u->node = node;
    return 0;
}

/* ---- sending ---- */

/* May `u` send to `to`?  Linux's unix_may_send: `to` is connected to
 * nobody or to `u`. */
static bool may_send(const struct unix_end *u, const struct unix_end *to)
{
    return (!to->dpeer || to->dpeer == u) && (!to->peer || to->peer == u);
}

/* The receiving end of a send on `u`: a reference in *to (0), or -errno. */
static int send_target(struct unix_end *u, struct socket *s,
                       const struct sock_msg *m, struct unix_end **to)
{
    bool named = m->name && m->namelen && s->type != SOCK_SEQPACKET;
    if (named && s->type == SOCK_STREAM)
        return u->peer || u->peer_gone ? -EISCONN : -EOPNOTSUPP;
    if (named) {
        char name[UNIX_ADDR_MAX];
        size_t n;
        int rc = addr_parse(m->name, m->namelen, name, &n);
        if (rc != 0)
            return -EINVAL;
        struct unix_end *e;
        if ((rc = find_peer(name, n, s->type, &e)) < 0)
            return rc;
        if (!may_send(u, e))
            return -EPERM;
        e->refs++;
        *to = e;
        return 0;
    }
    if (u->peer || u->peer_gone) {
        if (!u->peer)
            return s->type == SOCK_DGRAM ? -ECONNREFUSED : -EPIPE;
        u->peer->refs++;
        *to = u->peer;
        return 0;
    }
    if (u->dpeer) {
        if (u->dpeer->dead) { /* Linux: refused once, then not connected */
            end_put(u->dpeer);
            u->dpeer = NULL;
            return -ECONNREFUSED;
        }
        u->dpeer->refs++;
        *to = u->dpeer;
        return 0;
    }
    return -ENOTCONN;
}

/* Why a send from `u` to `to` cannot go on: -errno, or 0. */
static int send_shut(struct unix_end *u, struct unix_end *to)
{
    if (to == u->peer || (!u->dpeer && u->peer_gone))
        return snd_shut(u) ? (u->peer_gone && u->s->type == SOCK_DGRAM
                                  ? -ECONNREFUSED : -EPIPE)
                           : 0;
    if (u->wr_shut || to->rd_shut)
        return -EPIPE;
    return to->dead ? -ECONNREFUSED : 0;
}

static long unix_sendmsg(struct socket *s, struct sock_msg *m, int flags)
{
    struct unix_end *u = s->priv;
    struct unix_end *to;
    int rc = send_target(u, s, m, &to);
    if (rc < 0)
        return rc;
    struct sock_iter it;
    sock_iter_init(&it, m);
    size_t total = it.left, done = 0;
    if (!is_stream(s) && total > UNIX_QUEUE_MAX) {
        end_put(to);
        return -EMSGSIZE;
    }
    struct file **fds;
    int nfds;
    rc = rights_in(m, &fds, &nfds);
    if (rc < 0) {
        end_put(to);
        return rc;
    }
    long ret = 0;
    uint64_t deadline = sock_deadline(s->sndtimeo_ns);
    do {
        if ((rc = send_shut(u, to)) < 0) {
            ret = done ? (long)done : rc;
            goto out;
        }
        struct unix_end *peer = to;
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
        msg->fromlen = u->namelen;
        memcpy(msg->from, u->name, u->namelen);
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
    end_put(to);
    return ret;
}

/* The sender's name of `q` into m->name (recvfrom, recvmsg). */
static void name_out(struct sock_msg *m, const struct umsg *q)
{
    m->namelen = q->fromlen;
    if (m->name && q->fromlen)
        memcpy(m->name, q->from, q->fromlen);
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
    m->namelen = 0; /* none: a socketpair's peer, an unbound sender */
    if (u->listening || (is_stream(s) && !u->peer && !u->peer_gone))
        return -EINVAL; /* Linux's unix_stream_read_generic */
    if (s->type == SOCK_SEQPACKET && !u->peer && !u->peer_gone)
        return -ENOTCONN;
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
                if (!copied)
                    name_out(m, q);
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
            name_out(m, q);
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
        if (s->type != SOCK_DGRAM && !copied && s->error) {
            int e = s->error; /* the peer's reset, reported once */
            s->error = 0;
            return -e;
        }
        if (s->type == SOCK_DGRAM ? u->rd_shut : rcv_shut(u))
            return (long)copied;
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
    if (u->listening)
        return u->acc_head ? POLLIN | POLLRDNORM : 0;
    if (s->type != SOCK_DGRAM && !u->peer && !u->peer_gone)
        return POLLOUT | POLLWRNORM | POLLHUP; /* Linux: TCP_CLOSE */
    if (u->dpeer && !u->dpeer->dead)
        poll_wait(pt, u->dpeer->s);
    bool rcv = rcv_shut(u), snd = snd_shut(u);
    if (s->type == SOCK_DGRAM) { /* only shutdown(2) ends a datagram pair */
        rcv = u->rd_shut || (u->peer && u->peer->wr_shut);
        snd = u->wr_shut || (u->peer && u->peer->rd_shut);
    }
    if (s->error)
        m |= POLLERR;
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
    if (s->type == SOCK_DGRAM && !u->peer && !u->peer_gone &&
        (!u->dpeer || u->dpeer->dead || u->dpeer->queued < UNIX_QUEUE_MAX))
        m |= POLLOUT | POLLWRNORM;
    return m;
}

/* A name of `n` bytes (0: the family alone) into addr, *len set. */
static void name_copy(void *addr, size_t *len, const char *name, size_t n)
{
    uint16_t family = AF_UNIX;
    if (n)
        memcpy(addr, name, n);
    else
        memcpy(addr, &family, sizeof(family));
    *len = n ? n : sizeof(family);
}

static int unix_getname(struct socket *s, void *addr, size_t *len, bool peer)
{
    struct unix_end *u = s->priv;
    if (!peer)
        name_copy(addr, len, u->name, u->namelen);
    else if (u->peer || u->peer_gone)
        name_copy(addr, len, u->peername, u->peernamelen);
    else if (u->dpeer)
        name_copy(addr, len, u->dpeer->name, u->dpeer->namelen);
    else
        return -ENOTCONN;
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
    struct unix_end *u = s->priv;
    if (level != SOL_SOCKET || name != SO_PASSCRED)
        return -ENOPROTOOPT;
    int v;
    if (len < sizeof(v))
        return -EINVAL;
    memcpy(&v, val, sizeof(v));
    u->passcred = v != 0;
    return 0;
}

static int unix_getsockopt(struct socket *s, int level, int name, void *val,
                           size_t *len)
{
    struct unix_end *u = s->priv;
    if (level != SOL_SOCKET)
        return -ENOPROTOOPT;
    if (name == SO_PASSCRED) {
        int v = u->passcred;
        memcpy(val, &v, sizeof(v));
        *len = sizeof(v);
        return 0;
    }
    if (name != SO_PEERCRED)
        return -ENOPROTOOPT;
    memcpy(val, &u->peercred, sizeof(u->peercred));
    *len = sizeof(u->peercred);
    return 0;
}

static int unix_listen(struct socket *s, int backlog)
{
    struct unix_end *u = s->priv;
    if (s->type == SOCK_DGRAM)
        return -EOPNOTSUPP;
    if (!u->namelen || u->peer || u->peer_gone)
        return -EINVAL;
    u->listening = true;
    u->backlog = backlog;
    u->cred = u->peercred = cred_now();
    sched_wakeup(s); /* connects waiting for room */
    return 0;
}

static int unix_accept(struct socket *s, struct socket **out, int flags)
{
    struct unix_end *u = s->priv;
    if (s->type == SOCK_DGRAM)
        return -EOPNOTSUPP;
    if (!u->listening)
        return -EINVAL;
    uint64_t deadline = sock_deadline(s->rcvtimeo_ns);
    while (!u->acc_head) {
        if (flags & MSG_DONTWAIT)
            return -EAGAIN;
        int rc = sock_wait(s, deadline);
        if (rc < 0)
            return rc;
    }
    struct unix_end *n = u->acc_head;
    n->embryo = false;
    u->acc_head = n->acc_next;
    if (!u->acc_head)
        u->acc_tail = NULL;
    u->acc_count--;
    sched_wakeup(s); /* room for a waiting connect */
    *out = n->s;
    return 0;
}

/* A stream or seqpacket connect: the accepted end made and queued. */
static int stream_connect(struct socket *s, const char *name, size_t n,
                          int flags)
{
    struct unix_end *u = s->priv, *l;
    uint64_t deadline = sock_deadline(s->sndtimeo_ns);
    for (;;) {
        int rc = find_peer(name, n, s->type, &l);
        if (rc < 0)
            return rc;
        if (!l->listening || l->rd_shut)
            return -ECONNREFUSED;
        if (l->acc_count <= l->backlog)
            break;
        if (flags & MSG_DONTWAIT)
            return -EAGAIN;
        l->refs++;
        rc = sock_wait(l->s, deadline);
        end_put(l);
        if (rc < 0)
            return rc;
    }
    if (u->peer || u->peer_gone)
        return -EISCONN;
    if (u->listening)
        return -EINVAL;
    struct socket *ns;
    int rc = sock_new(AF_UNIX, s->type, 0, &ns);
    if (rc < 0)
        return rc;
    if ((rc = unix_create_end(ns, s->type, 0)) < 0) {
        ns->ops = NULL;
        file_put(ns->file);
        return rc;
    }
    struct unix_end *a = ns->priv;
    u->peer = a;
    a->peer = u;
    memcpy(a->name, l->name, l->namelen); /* the listener's, unregistered */
    a->namelen = l->namelen;
    memcpy(u->peername, l->name, l->namelen);
    u->peernamelen = l->namelen;
    memcpy(a->peername, u->name, u->namelen);
    a->peernamelen = u->namelen;
    a->cred = u->peercred = l->cred;
    a->peercred = u->cred = cred_now();
    a->embryo = true;
    if (l->acc_tail)
        l->acc_tail->acc_next = a;
    else
        l->acc_head = a;
    l->acc_tail = a;
    l->acc_count++;
    sched_wakeup(l->s);
    return 0;
}

/* connect: a stream or seqpacket connection, or a datagram end's
 * destination (AF_UNSPEC: none). */
static int unix_connect(struct socket *s, const void *addr, size_t len, int flags)
{
    struct unix_end *u = s->priv;
    char name[UNIX_ADDR_MAX];
    size_t n;
    uint16_t family;
    if (s->type == SOCK_DGRAM && len >= sizeof(family)) {
        memcpy(&family, addr, sizeof(family));
        if (family == AF_UNSPEC) {
            if (u->dpeer)
                end_put(u->dpeer);
            u->dpeer = NULL;
            return 0;
        }
    }
    int rc = addr_parse(addr, len, name, &n);
    if (rc != 0)
        return -EINVAL;
    if (s->type != SOCK_DGRAM)
        return stream_connect(s, name, n, flags);
    struct unix_end *e;
    if ((rc = find_peer(name, n, s->type, &e)) < 0)
        return rc;
    if (!may_send(u, e))
        return -EPERM;
    e->refs++;
    if (u->dpeer)
        end_put(u->dpeer);
    u->dpeer = e;
    return 0;
}

static void unix_release(struct socket *s)
{
    struct unix_end *u = s->priv;
    if (!u)
        return;
    u->dead = true;
    name_release(u);
    while (u->acc_head) { /* connections never accepted: closed */
        struct unix_end *a = u->acc_head;
        u->acc_head = a->acc_next;
        file_put(a->s->file);
    }
    if (u->peer) {
        /* Linux: unread data or a connection never accepted is a reset */
        if (s->type != SOCK_DGRAM && (u->head || u->embryo))
            u->peer->s->error = ECONNRESET;
        u->peer->peer = NULL;
        u->peer->peer_gone = true;
        sched_wakeup(u->peer->s);
    }
    if (u->dpeer)
        end_put(u->dpeer);
    u->dpeer = NULL;
    queue_free(u);
    s->priv = NULL;
    end_put(u);
    unix_gc(); /* its close may leave a cycle in flight */
}

/* A reference to the socket's file other than the last went. */
static void unix_unref(struct socket *s)
{
    if (s->priv)
        unix_gc_unref(s->priv);
}

static const struct sock_ops unix_ops = {
    .bind = unix_bind,
    .listen = unix_listen,
    .accept = unix_accept,
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
    .unref = unix_unref,
};

struct unix_end *unix_end_of_file(struct file *f)
{
    struct socket *s = sock_of_file(f);
    return s && s->ops == &unix_ops ? s->priv : NULL;
}

void unix_end_put(struct unix_end *u)
{
    end_put(u);
}

/* A new end of socket `s` (also of the accepted sockets). */
static int unix_create_end(struct socket *s, int type, int protocol)
{
    if (type != SOCK_STREAM && type != SOCK_DGRAM && type != SOCK_SEQPACKET)
        return -ESOCKTNOSUPPORT;
    if (protocol != 0)
        return -EPROTONOSUPPORT;
    struct unix_end *u = kalloc(sizeof(*u));
    if (!u)
        return -ENOMEM;
    u->s = s;
    u->refs = 1;
    u->cred = cred_now();
    u->peercred = (struct abi_ucred){0, -1, -1}; /* Linux: no peer */
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
    ua->peercred = ub->cred;
    ub->peercred = ua->cred;
    return 0;
}

static const struct sock_family unix_family = {
    .family = AF_UNIX,
    .create = unix_create_end,
    .pair = unix_pair,
};

void unix_sock_register(void)
{
    sock_family_register(&unix_family);
}

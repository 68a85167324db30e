/*
 * net/sock_tcp.c - SOCK_STREAM sockets of AF_INET and AF_INET6 over lwIP's raw TCP
 * API.  lwIP calls back (receive, sent, error, accept, connected) from
 * its input and timers; the callbacks only queue and wake.  The system
 * calls here copy between user memory and the queues, then flush the
 * loopback queues (net_flush) so that a local peer sees the effect before
 * anyone waits.  Received data stay queued (unacknowledged in the window)
 * until read: the window is the flow control.
 */
#include <errno.h>
#include <string.h>

#include "abi/in.h"
#include "abi/poll.h"
#include "abi/socket.h"
#include "arch/clock.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"
#include "mm/kalloc.h"
#include "net/inet.h"
#include "net/stack.h"
#include "unikernel/poll.h"
#include "unikernel/sched.h"
#include "unikernel/socket.h"
#include "unikernel/usercopy.h"

#define SEND_CHUNK 16384 /* bytes copied from user memory per tcp_write */

/* User data on their way into tcp_write (which copies them): one buffer,
 * one system call in lwIP at a time (net/README.md). */
static uint8_t bounce[SEND_CHUNK];

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err);
static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len);
static void on_error(void *arg, err_t err);

/* ---- the pcb and its callbacks ---- */

/* Our callbacks on `pcb`, for `in`. */
static void attach(struct inet_sock *in, struct tcp_pcb *pcb)
{
    in->tcp = pcb;
    tcp_arg(pcb, in);
    tcp_recv(pcb, on_recv);
    tcp_sent(pcb, on_sent);
    tcp_err(pcb, on_error);
}

/* Takes our callbacks off the pcb of `in` (lwIP's defaults then drop
 * what arrives): the pcb, now lwIP's alone, or NULL. */
static struct tcp_pcb *detach(struct inet_sock *in)
{
    struct tcp_pcb *pcb = in->tcp;
    in->tcp = NULL;
    if (!pcb)
        return NULL;
    tcp_arg(pcb, NULL);
    if (pcb->state == LISTEN) {
        tcp_accept(pcb, NULL);
        return pcb;
    }
    tcp_recv(pcb, NULL);
    tcp_sent(pcb, NULL);
    tcp_err(pcb, NULL);
    return pcb;
}

/* Our options on a connection's pcb (a listener's pass to its
 * connections this way too). */
static void apply_options(struct inet_sock *in)
{
    struct tcp_pcb *pcb = in->tcp;
    if (!pcb || pcb->state == LISTEN)
        return;
    if (in->nodelay)
        tcp_nagle_disable(pcb);
    else
        tcp_nagle_enable(pcb);
    if (in->keepalive)
        ip_set_option(pcb, SOF_KEEPALIVE);
    else
        ip_reset_option(pcb, SOF_KEEPALIVE);
    if (in->keep_idle_ms)
        pcb->keep_idle = in->keep_idle_ms;
    if (in->keep_intvl_ms)
        pcb->keep_intvl = in->keep_intvl_ms;
    if (in->keep_cnt)
        pcb->keep_cnt = in->keep_cnt;
}

/* The pcb's addresses, kept for getsockname/getpeername. */
static void note_addresses(struct inet_sock *in)
{
    struct tcp_pcb *pcb = in->tcp;
    in->local = pcb->local_ip;
    in->local_port = pcb->local_port;
    if (pcb->state != LISTEN) {
        in->remote = pcb->remote_ip;
        in->remote_port = pcb->remote_port;
    }
}

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    struct inet_sock *in = arg;
    (void)pcb;
    (void)err;
    if (!p) {
        in->rx_eof = true;
    } else {
        struct inet_rx *r = kalloc(sizeof(*r));
        if (!r)
            return ERR_MEM; /* lwIP keeps p and offers it again */
        r->p = p;
        if (in->rx_tail)
            in->rx_tail->next = r;
        else
            in->rx_head = r;
        in->rx_tail = r;
        in->rx_bytes += p->tot_len;
    }
    inet_wake(in);
    return ERR_OK;
}

static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
    (void)pcb;
    (void)len;
    inet_wake(arg);
    return ERR_OK;
}

/* The pcb is already freed by lwIP: a reset, a timeout, an abort. */
static void on_error(void *arg, err_t err)
{
    struct inet_sock *in = arg;
    in->tcp = NULL;
    int e = -inet_errno(err);
    if (in->state == INET_CONNECTING && err == ERR_RST)
        e = ECONNREFUSED;
    else if (err == ERR_ABRT)
        e = ETIMEDOUT; /* we detach before we abort: lwIP's own timers */
    if (err != ERR_CLSD)
        inet_set_error(in, e);
    in->state = INET_CLOSED;
    inet_wake(in);
}

static err_t on_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
    struct inet_sock *in = arg;
    (void)pcb;
    (void)err; /* always ERR_OK in lwIP 2.1 */
    in->state = INET_CONNECTED;
    note_addresses(in);
    inet_wake(in);
    return ERR_OK;
}

static err_t on_accept(void *arg, struct tcp_pcb *newpcb, err_t err)
{
    struct inet_sock *l = arg;
    if (err != ERR_OK || !newpcb)
        return ERR_VAL;
    struct inet_sock *c = kalloc(sizeof(*c));
    if (!c)
        return ERR_MEM; /* lwIP aborts the connection */
    c->type = SOCK_STREAM;
    c->family = l->family;
    c->v6only = l->v6only;
    c->state = INET_CONNECTED;
    c->nodelay = l->nodelay;
    c->keepalive = l->keepalive;
    c->keep_idle_ms = l->keep_idle_ms;
    c->keep_intvl_ms = l->keep_intvl_ms;
    c->keep_cnt = l->keep_cnt;
    attach(c, newpcb);
    apply_options(c);
    note_addresses(c);
    tcp_backlog_delayed(newpcb); /* counts against the backlog until accept */
    if (l->acc_tail)
        l->acc_tail->acc_next = c;
    else
        l->acc_head = c;
    l->acc_tail = c;
    l->acc_count++;
    inet_wake(l);
    return ERR_OK;
}

int inet_tcp_create(struct inet_sock *in)
{
    struct tcp_pcb *pcb = tcp_new_ip_type(in->family == AF_INET6 ? IPADDR_TYPE_ANY
                                                                 : IPADDR_TYPE_V4);
    if (!pcb)
        return -ENOMEM;
    attach(in, pcb);
    return 0;
}

/* Ends the connection of `in` (freed by the caller) with a FIN, or a
 * reset when `reset`. */
static void end_connection(struct inet_sock *in, bool reset)
{
    struct tcp_pcb *pcb = detach(in);
    if (!pcb)
        return;
    if (pcb->state == LISTEN) {
        tcp_close(pcb); /* frees it: a listener has nothing to reset */
        return;
    }
    tcp_backlog_accepted(pcb);
    if (reset || tcp_close(pcb) != ERR_OK)
        tcp_abort(pcb);
}

/* ---- operations ---- */

static struct inet_sock *inet_of(struct socket *s)
{
    return s->priv;
}

/* lwIP's tcp_bind takes a dual-stack pcb ([::] of type ANY) and an IPv6
 * one on the same port for disjoint; Linux sees them overlap: true when
 * binding `pcb` to ip:port would so overlap a pcb of another socket (both
 * with SO_REUSEADDR excepted, as lwIP's own check). */
static bool dual_overlap(struct tcp_pcb *pcb, const ip_addr_t *ip, uint16_t port)
{
    bool any = IP_IS_ANY_TYPE_VAL(*ip), v6 = IP_IS_V6(ip);
    if (!port || (!any && !v6))
        return false;
    for (int i = 0; i < NUM_TCP_PCB_LISTS; i++)
        for (struct tcp_pcb *c = *tcp_pcb_lists[i]; c; c = c->next) {
            if (c == pcb || c->local_port != port ||
                (ip_get_option(pcb, SOF_REUSEADDR) &&
                 ip_get_option(c, SOF_REUSEADDR)))
                continue;
            if ((any && IP_IS_V6_VAL(c->local_ip)) ||
                (v6 && IP_IS_ANY_TYPE_VAL(c->local_ip)))
                return true;
        }
    return false;
}

static int tcp_op_bind(struct socket *s, const void *addr, size_t len)
{
    struct inet_sock *in = inet_of(s);
    ip_addr_t ip;
    uint16_t port;
    int rc = inet_addr_in(in, addr, len, &ip, &port);
    if (rc < 0)
        return rc;
    if (!in->tcp || in->state != INET_NEW || in->local_port)
        return -EINVAL;
    if (in->v6only && IP_IS_V4(&ip))
        return -EINVAL; /* Linux: no IPv4 on an IPv6-only socket */
    if ((rc = inet_scope_check(&ip, true)) < 0)
        return rc;
    if (!inet_addr_local(&ip))
        return -EADDRNOTAVAIL;
    if (s->reuseaddr)
        ip_set_option(in->tcp, SOF_REUSEADDR);
    if (dual_overlap(in->tcp, &ip, port))
        return -EADDRINUSE;
    rc = inet_errno(tcp_bind(in->tcp, &ip, port));
    if (rc == 0)
        note_addresses(in);
    return rc;
}

static int tcp_op_listen(struct socket *s, int backlog)
{
    struct inet_sock *in = inet_of(s);
    /* Linux's accept queue holds backlog + 1; lwIP counts in a byte */
    int n = backlog < 0 ? 0 : backlog > 254 ? 254 : backlog;
    if (in->state == INET_LISTEN) {
        in->backlog = n + 1;
        tcp_backlog_set(in->tcp, (u8_t)(n + 1));
        return 0;
    }
    if (in->state != INET_NEW || !in->tcp)
        return -EINVAL;
    if (!in->local_port) { /* Linux binds to a free port */
        if (s->reuseaddr)
            ip_set_option(in->tcp, SOF_REUSEADDR);
        ip_addr_t any;
        inet_addr_any(in, &any);
        int rc = inet_errno(tcp_bind(in->tcp, &any, 0));
        if (rc < 0)
            return rc;
    }
    err_t err;
    struct tcp_pcb *lpcb = tcp_listen_with_backlog_and_err(in->tcp,
                                                           (u8_t)(n + 1), &err);
    if (!lpcb)
        return inet_errno(err);
    /* the connection pcb is freed: the listening one takes its place */
    in->tcp = lpcb;
    tcp_arg(lpcb, in);
    tcp_accept(lpcb, on_accept);
    in->state = INET_LISTEN;
    in->backlog = n + 1;
    note_addresses(in);
    return 0;
}

static int tcp_op_accept(struct socket *s, struct socket **out, int flags)
{
    struct inet_sock *in = inet_of(s);
    if (in->state != INET_LISTEN)
        return -EINVAL;
    uint64_t deadline = sock_deadline(s->rcvtimeo_ns);
    while (!in->acc_head) {
        if (flags & MSG_DONTWAIT)
            return -EAGAIN;
        int rc = inet_wait(in, deadline);
        if (rc < 0)
            return rc;
        if (in->state != INET_LISTEN)
            return -EINVAL;
    }
    struct socket *ns;
    int rc = sock_new(in->family, SOCK_STREAM, IPPROTO_TCP, &ns);
    if (rc < 0)
        return rc; /* the connection stays queued */
    struct inet_sock *c = in->acc_head;
    in->acc_head = c->acc_next;
    if (!in->acc_head)
        in->acc_tail = NULL;
    in->acc_count--;
    c->acc_next = NULL;
    c->s = ns;
    ns->ops = &inet_tcp_ops;
    ns->priv = c;
    ns->error = c->err;
    c->err = 0;
    if (c->tcp)
        tcp_backlog_accepted(c->tcp);
    *out = ns;
    net_flush();
    return 0;
}

static int tcp_op_connect(struct socket *s, const void *addr, size_t len,
                          int flags)
{
    struct inet_sock *in = inet_of(s);
    ip_addr_t ip;
    uint16_t port;
    int rc = inet_addr_in(in, addr, len, &ip, &port);
    if (rc < 0)
        return rc;
    switch (in->state) {
    case INET_CONNECTING:
        return -EALREADY;
    case INET_CONNECTED: /* Linux: 0 once after EINPROGRESS, then EISCONN */
        if (in->connect_unreported) {
            in->connect_unreported = false;
            return 0;
        }
        return -EISCONN;
    case INET_LISTEN:
        return -EISCONN;
    case INET_CLOSED: /* a failed nonblocking connect reports once more */
        rc = inet_take_error(in);
        return rc ? rc : -EISCONN;
    case INET_NEW:
        break;
    }
    if (!in->tcp)
        return -EINVAL;
    if (in->v6only && IP_IS_V4(&ip))
        return -ENETUNREACH;
    if ((rc = inet_scope_check(&ip, false)) < 0)
        return rc;
    inet_addr_unany(in, &ip); /* Linux: the any address is this host */
    if (s->reuseaddr)
        ip_set_option(in->tcp, SOF_REUSEADDR);
    apply_options(in);
    rc = inet_errno(tcp_connect(in->tcp, &ip, port, on_connected));
    if (rc < 0)
        return rc == -ENOMEM ? -EAGAIN : rc;
    in->state = INET_CONNECTING;
    note_addresses(in);
    net_flush(); /* a local peer answers now */
    if (flags & MSG_DONTWAIT) {
        in->connect_unreported = true;
        return -EINPROGRESS; /* even when done: Linux says so on loopback */
    }
    uint64_t deadline = sock_deadline(s->sndtimeo_ns);
    while (in->state == INET_CONNECTING) {
        rc = inet_wait(in, deadline);
        if (rc == -EAGAIN)
            return -EINPROGRESS; /* SO_SNDTIMEO: Linux says so */
        if (rc < 0)
            return rc == -ERESTARTSYS ? -EINTR : rc; /* goes on, as Linux */
    }
    if (in->state == INET_CONNECTED)
        return 0;
    rc = inet_take_error(in);
    return rc ? rc : -ECONNREFUSED;
}

/* Bytes that may be queued now: the send buffer and its segment count. */
static size_t send_room(struct tcp_pcb *pcb)
{
    if (tcp_sndqueuelen(pcb) >= TCP_SND_QUEUELEN - 1)
        return 0;
    return tcp_sndbuf(pcb);
}

static long tcp_op_sendmsg(struct socket *s, struct sock_msg *m, int flags)
{
    struct inet_sock *in = inet_of(s);
    struct sock_iter it;
    sock_iter_init(&it, m);
    uint64_t deadline = sock_deadline(s->sndtimeo_ns);
    long sent = 0;
    while (it.left > 0) {
        int e = inet_take_error(in);
        if (e)
            return sent ? sent : e;
        if (in->state == INET_CONNECTING) {
            if (flags & MSG_DONTWAIT)
                return sent ? sent : -EAGAIN;
        } else if (in->state != INET_CONNECTED || in->shut_wr || !in->tcp) {
            return sent ? sent : -EPIPE;
        }
        size_t room = in->tcp && in->state == INET_CONNECTED
                          ? send_room(in->tcp) : 0;
        if (room == 0) {
            if (in->tcp)
                tcp_output(in->tcp);
            if (flags & MSG_DONTWAIT) {
                net_flush();
                return sent ? sent : -EAGAIN;
            }
            int rc = inet_wait(in, deadline);
            if (rc < 0) {
                net_flush();
                return sent ? sent : rc;
            }
            continue;
        }
        size_t n = it.left < room ? it.left : room;
        if (n > SEND_CHUNK)
            n = SEND_CHUNK;
        struct sock_iter before = it; /* to take the bytes again */
        long got = sock_iter_from_user(&it, bounce, n);
        if (got < 0)
            return sent ? sent : got;
        if (got == 0)
            break;
        u8_t wflags = TCP_WRITE_FLAG_COPY;
        if (it.left > 0 || (flags & MSG_MORE))
            wflags |= TCP_WRITE_FLAG_MORE;
        err_t err = tcp_write(in->tcp, bounce, (u16_t)got, wflags);
        if (err == ERR_MEM && tcp_sndqueuelen(in->tcp) > 0) {
            /* the segment queue is full: as if the buffer were */
            it = before;
            tcp_output(in->tcp);
            if (sent || (flags & MSG_DONTWAIT)) {
                net_flush();
                return sent ? sent : -EAGAIN;
            }
            int rc = inet_wait(in, deadline);
            if (rc < 0)
                return rc;
            continue;
        }
        if (err != ERR_OK) {
            tcp_output(in->tcp);
            net_flush();
            return sent ? sent : -ENOBUFS;
        }
        sent += got;
        if ((size_t)got < n)
            break; /* a fault: the part before it is sent */
    }
    if (in->tcp)
        tcp_output(in->tcp);
    net_flush();
    return sent;
}

/* Copies n bytes of chain `p` from offset `off` to the user iovecs:
 * bytes copied (fewer at a fault), or -EFAULT when none. */
static long copy_chain(struct sock_iter *it, struct pbuf *p, size_t off,
                       size_t n)
{
    long total = 0;
    for (struct pbuf *q = p; q && n > 0; q = q->next) {
        if (off >= q->len) {
            off -= q->len;
            continue;
        }
        size_t k = q->len - off < n ? q->len - off : n;
        long c = sock_iter_to_user(it, (uint8_t *)q->payload + off, k);
        if (c < 0)
            return total ? total : c;
        total += c;
        if ((size_t)c < k)
            break;
        n -= k;
        off = 0;
    }
    return total;
}

/* Copies up to it->left bytes of the receive queue to user memory,
 * consuming them (and opening the window by as much) unless `peek`:
 * bytes copied, or -EFAULT when a fault stopped it before any. */
static long copy_queue(struct inet_sock *in, struct sock_iter *it, bool peek)
{
    long total = 0;
    for (struct inet_rx *r = in->rx_head; r && it->left > 0;) {
        size_t avail = r->p->tot_len - r->off;
        size_t want = avail < it->left ? avail : it->left;
        long c = copy_chain(it, r->p, r->off, want);
        if (c < 0)
            return total ? total : c;
        total += c;
        struct inet_rx *next = r->next;
        if (!peek) {
            r->off = (uint16_t)(r->off + c);
            if (r->off == r->p->tot_len) {
                in->rx_head = next;
                if (!next)
                    in->rx_tail = NULL;
                pbuf_free(r->p);
                kfree(r);
            }
        }
        if ((size_t)c < want)
            break; /* a fault */
        r = next;
    }
    if (!peek) {
        in->rx_bytes -= (size_t)total;
        for (long left = total; left > 0 && in->tcp; left -= 0xffff)
            tcp_recved(in->tcp, (u16_t)(left > 0xffff ? 0xffff : left));
    }
    return total;
}

static long tcp_op_recvmsg(struct socket *s, struct sock_msg *m, int flags)
{
    struct inet_sock *in = inet_of(s);
    struct sock_iter it;
    sock_iter_init(&it, m);
    m->namelen = 0;
    uint64_t deadline = sock_deadline(s->rcvtimeo_ns);
    long got = 0;
    if (in->state == INET_NEW || in->state == INET_LISTEN)
        return -ENOTCONN;
    while (it.left > 0) {
        if (in->rx_bytes) {
            long c = copy_queue(in, &it, flags & MSG_PEEK);
            if (c < 0)
                return got ? got : c;
            got += c;
            if (!(flags & MSG_WAITALL) || (flags & MSG_PEEK) || it.left == 0)
                break;
            continue;
        }
        if (got && !(flags & MSG_WAITALL))
            break;
        int e = inet_take_error(in);
        if (e)
            return got ? got : e;
        if (in->rx_eof || in->shut_rd || in->state == INET_CLOSED)
            break;
        if (flags & MSG_DONTWAIT) {
            if (!got)
                got = -EAGAIN;
            break;
        }
        int rc = inet_wait(in, deadline);
        if (rc < 0) {
            if (!got)
                got = rc;
            break;
        }
    }
    net_flush(); /* window updates */
    return got;
}

static int tcp_op_shutdown(struct socket *s, int how)
{
    struct inet_sock *in = inet_of(s);
    if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR)
        return -EINVAL;
    if (in->state != INET_CONNECTED && in->state != INET_CONNECTING &&
        in->state != INET_CLOSED)
        return -ENOTCONN;
    if (how != SHUT_WR)
        in->shut_rd = true;
    if (how != SHUT_RD && !in->shut_wr) {
        in->shut_wr = true;
        if (in->tcp && in->state == INET_CONNECTED)
            tcp_shutdown(in->tcp, 0, 1); /* the FIN after queued data */
    }
    inet_wake(in);
    net_flush();
    return 0;
}

static int int_option(const void *val, size_t len, int *v)
{
    if (len < sizeof(int))
        return -EINVAL;
    memcpy(v, val, sizeof(int));
    return 0;
}

static int tcp_op_setsockopt(struct socket *s, int level, int name,
                             const void *val, size_t len)
{
    struct inet_sock *in = inet_of(s);
    int v;
    int rc = int_option(val, len, &v);
    if (level == SOL_SOCKET) {
        if (name != SO_KEEPALIVE)
            return -ENOPROTOOPT; /* the generic layer keeps the others */
        if (rc < 0)
            return rc;
        in->keepalive = v != 0;
    } else if (level == IPPROTO_TCP) {
        if (rc < 0)
            return rc;
        switch (name) {
        case TCP_NODELAY:
            in->nodelay = v != 0;
            break;
        case TCP_KEEPIDLE:
        case TCP_KEEPINTVL:
            if (v < 1 || v > 32767)
                return -EINVAL;
            *(name == TCP_KEEPIDLE ? &in->keep_idle_ms : &in->keep_intvl_ms) =
                (uint32_t)v * 1000;
            break;
        case TCP_KEEPCNT:
            if (v < 1 || v > 127)
                return -EINVAL;
            in->keep_cnt = (uint32_t)v;
            break;
        case TCP_MAXSEG:
            return 0; /* lwIP's MSS is fixed; accepted as Linux does */
        default:
            return -ENOPROTOOPT;
        }
    } else if (level == IPPROTO_IPV6 && name == IPV6_V6ONLY) {
        return rc < 0 ? rc : inet_set_v6only(in, v != 0, in->local_port);
    } else if (level == IPPROTO_IP && name == IP_TTL) {
        if (rc < 0)
            return rc;
        if (v < -1 || v == 0 || v > 255)
            return -EINVAL;
        if (in->tcp)
            in->tcp->ttl = (u8_t)(v == -1 ? TCP_TTL : v);
        return 0;
    } else {
        return -ENOPROTOOPT;
    }
    apply_options(in);
    return 0;
}

static int tcp_op_getsockopt(struct socket *s, int level, int name,
                             void *val, size_t *len)
{
    struct inet_sock *in = inet_of(s);
    int v;
    if (level == SOL_SOCKET && name == SO_KEEPALIVE)
        v = in->keepalive;
    else if (level == IPPROTO_TCP && name == TCP_NODELAY)
        v = in->nodelay;
    else if (level == IPPROTO_TCP && name == TCP_KEEPIDLE)
        v = (int)((in->keep_idle_ms ? in->keep_idle_ms : TCP_KEEPIDLE_DEFAULT) / 1000);
    else if (level == IPPROTO_TCP && name == TCP_KEEPINTVL)
        v = (int)((in->keep_intvl_ms ? in->keep_intvl_ms : TCP_KEEPINTVL_DEFAULT) / 1000);
    else if (level == IPPROTO_TCP && name == TCP_KEEPCNT)
        v = (int)(in->keep_cnt ? in->keep_cnt : TCP_KEEPCNT_DEFAULT);
    else if (level == IPPROTO_TCP && name == TCP_MAXSEG)
        v = in->tcp && in->state == INET_CONNECTED ? tcp_mss(in->tcp) : TCP_MSS;
    else if (level == IPPROTO_IP && name == IP_TTL)
        v = in->tcp ? in->tcp->ttl : TCP_TTL;
    else if (level == IPPROTO_IPV6 && name == IPV6_V6ONLY && in->family == AF_INET6)
        v = in->v6only;
    else
        return -ENOPROTOOPT;
    size_t n = *len < sizeof(v) ? *len : sizeof(v);
    memcpy(val, &v, n);
    *len = n;
    return 0;
}

static int tcp_op_getname(struct socket *s, void *addr, size_t *len, bool peer)
{
    struct inet_sock *in = inet_of(s);
    if (peer) {
        if (in->state != INET_CONNECTED &&
            !(in->state == INET_CLOSED && in->remote_port))
            return -ENOTCONN;
        inet_addr_out(in, &in->remote, in->remote_port, addr, len);
    } else {
        inet_addr_out(in, &in->local, in->local_port, addr, len);
    }
    return 0;
}

static unsigned tcp_op_poll(struct socket *s, struct poll_table *pt)
{
    struct inet_sock *in = inet_of(s);
    poll_wait(pt, s);
    unsigned mask = 0;
    if (s->error)
        mask |= POLLERR;
    switch (in->state) {
    case INET_LISTEN:
        return in->acc_head ? mask | POLLIN | POLLRDNORM : mask;
    case INET_CONNECTING:
        return mask;
    case INET_NEW:
    case INET_CLOSED:
        mask |= POLLOUT | POLLWRNORM | POLLHUP;
        break;
    case INET_CONNECTED:
        break;
    }
    bool rd_shut = in->rx_eof || in->shut_rd;
    if (rd_shut || in->state == INET_CLOSED)
        mask |= POLLIN | POLLRDNORM | POLLRDHUP;
    if (in->rx_bytes)
        mask |= POLLIN | POLLRDNORM;
    if (rd_shut && in->shut_wr)
        mask |= POLLHUP;
    if (in->state == INET_CONNECTED &&
        (in->shut_wr || (in->tcp && send_room(in->tcp) >= TCP_SNDLOWAT)))
        mask |= POLLOUT | POLLWRNORM;
    return mask;
}

static long tcp_op_ioctl(struct socket *s, unsigned long cmd, uintptr_t arg)
{
    struct inet_sock *in = inet_of(s);
    int v;
    if (cmd == FIONREAD) {
        if (in->state == INET_LISTEN)
            return -EINVAL;
        v = (int)in->rx_bytes;
    } else if (cmd == SIOCOUTQ) {
        if (in->state == INET_LISTEN)
            return -EINVAL;
        v = in->tcp && in->state == INET_CONNECTED
                ? (int)(TCP_SND_BUF - tcp_sndbuf(in->tcp)) : 0;
    } else {
        return -ENOTTY;
    }
    return copy_to_user((void *)arg, &v, sizeof(v));
}

/* SO_LINGER with a time: waits until the peer has acknowledged all we
 * sent, the connection is gone, the time is up, or a signal or kill. */
static void linger(struct inet_sock *in, int seconds)
{
    uint64_t deadline = clock_monotonic_ns() + (uint64_t)seconds * 1000000000ull;
    while (in->tcp && (in->tcp->unsent || in->tcp->unacked) &&
           clock_monotonic_ns() < deadline) {
        net_flush();
        if (sched_wait(in->s, deadline) < 0)
            break;
    }
}

static void tcp_op_release(struct socket *s)
{
    struct inet_sock *in = inet_of(s);
    while (in->acc_head) { /* connections never accepted: reset */
        struct inet_sock *c = in->acc_head;
        in->acc_head = c->acc_next;
        end_connection(c, true);
        inet_rx_free(c);
        kfree(c);
    }
    bool reset = in->rx_bytes > 0 || /* unread data: Linux resets */
                 (s->linger_onoff && s->linger_sec == 0);
    if (!reset && s->linger_onoff && in->state == INET_CONNECTED)
        linger(in, s->linger_sec);
    if (in->state == INET_CONNECTING)
        reset = true;
    end_connection(in, reset);
    inet_rx_free(in);
    kfree(in);
    s->priv = NULL;
    net_flush();
}

const struct sock_ops inet_tcp_ops = {
    .bind = tcp_op_bind,
    .listen = tcp_op_listen,
    .accept = tcp_op_accept,
    .connect = tcp_op_connect,
    .sendmsg = tcp_op_sendmsg,
    .recvmsg = tcp_op_recvmsg,
    .shutdown = tcp_op_shutdown,
    .setsockopt = tcp_op_setsockopt,
    .getsockopt = tcp_op_getsockopt,
    .getname = tcp_op_getname,
    .poll = tcp_op_poll,
    .ioctl = tcp_op_ioctl,
    .release = tcp_op_release,
};

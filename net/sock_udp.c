/*
 * net/sock_udp.c - SOCK_DGRAM sockets of AF_INET and AF_INET6 over lwIP's raw UDP
 * API: received datagrams wait in a bounded queue with their source;
 * a send copies the user's bytes into one pbuf and sends it at once.
 */
#include <errno.h>
#include <string.h>

#include "abi/in.h"
#include "abi/poll.h"
#include "abi/socket.h"
#include "lwip/ip.h"
#include "lwip/pbuf.h"
#include "lwip/udp.h"
#include "mm/kalloc.h"
#include "net/inet.h"
#include "net/stack.h"
#include "unikernel/poll.h"
#include "unikernel/socket.h"
#include "unikernel/usercopy.h"

#define UDP_PAYLOAD_MAX 65507     /* 65535 - IP and UDP headers */
#define RXQ_BYTES_MAX (256 * 1024) /* queued datagram bytes per socket */
#define RXQ_COUNT_MAX 512

static struct inet_sock *inet_of(struct socket *s)
{
    return s->priv;
}

static void on_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p,
                    const ip_addr_t *addr, u16_t port)
{
    struct inet_sock *in = arg;
    (void)pcb;
    struct inet_rx *r = NULL;
    if (in->shut_rd || in->rx_bytes + p->tot_len > RXQ_BYTES_MAX ||
        in->rx_count >= RXQ_COUNT_MAX || !(r = kalloc(sizeof(*r)))) {
        pbuf_free(p); /* a full queue drops, as Linux's does */
        return;
    }
    r->p = p;
    r->from = *addr;
    r->from_port = port;
    if (in->rx_tail)
        in->rx_tail->next = r;
    else
        in->rx_head = r;
    in->rx_tail = r;
    in->rx_bytes += p->tot_len;
    in->rx_count++;
    inet_wake(in);
}

/* inet_addr_in, but an AF_INET6 socket also takes a struct sockaddr_in
 * (Linux sends and connects over IPv4 then; an IPv6-only socket refuses
 * it, ENETUNREACH to a send, EAFNOSUPPORT to a connect). */
static int udp_addr_in(const struct inet_sock *in, const void *addr,
                       size_t len, ip_addr_t *ip, uint16_t *port,
                       bool connecting)
{
    uint16_t family;
    if (in->family == AF_INET6 && len >= sizeof(family)) {
        memcpy(&family, addr, sizeof(family));
        if (family == AF_INET) {
            if (in->v6only)
                return connecting ? -EAFNOSUPPORT : -ENETUNREACH;
            static const struct inet_sock v4 = {.family = AF_INET};
            return inet_addr_in(&v4, addr, len, ip, port);
        }
    }
    return inet_addr_in(in, addr, len, ip, port);
}

int inet_udp_create(struct inet_sock *in)
{
    in->udp = udp_new_ip_type(in->family == AF_INET6 ? IPADDR_TYPE_ANY
                                                     : IPADDR_TYPE_V4);
    if (!in->udp)
        return -ENOMEM;
    udp_recv(in->udp, on_recv, in);
    return 0;
}

static int udp_op_bind(struct socket *s, const void *addr, size_t len)
{
    struct inet_sock *in = inet_of(s);
    ip_addr_t ip;
    uint16_t port;
    int rc = inet_addr_in(in, addr, len, &ip, &port);
    if (rc < 0)
        return rc;
    if (in->udp->local_port || (in->v6only && IP_IS_V4(&ip)))
        return -EINVAL;
    if ((rc = inet_scope_check(&ip, true)) < 0)
        return rc;
    if (!inet_addr_local(&ip))
        return -EADDRNOTAVAIL;
    if (s->reuseaddr)
        ip_set_option(in->udp, SOF_REUSEADDR);
    return inet_errno(udp_bind(in->udp, &ip, port));
}

static int udp_op_connect(struct socket *s, const void *addr, size_t len,
                          int flags)
{
    struct inet_sock *in = inet_of(s);
    (void)flags;
    uint16_t family;
    if (len >= sizeof(family)) {
        memcpy(&family, addr, sizeof(family));
        if (family == AF_UNSPEC) { /* dissolves the association */
            udp_disconnect(in->udp);
            in->state = INET_NEW;
            return 0;
        }
    }
    ip_addr_t ip;
    uint16_t port;
    int rc = udp_addr_in(in, addr, len, &ip, &port, true);
    if (rc < 0)
        return rc;
    if (in->v6only && IP_IS_V4(&ip))
        return -ENETUNREACH;
    if ((rc = inet_scope_check(&ip, false)) < 0)
        return rc;
    inet_addr_unany(in, &ip);
    if (s->reuseaddr)
        ip_set_option(in->udp, SOF_REUSEADDR);
    rc = inet_errno(udp_connect(in->udp, &ip, port));
    if (rc == 0)
        in->state = INET_CONNECTED;
    return rc;
}

static long udp_op_sendmsg(struct socket *s, struct sock_msg *m, int flags)
{
    struct inet_sock *in = inet_of(s);
    (void)flags; /* a send never waits: lwIP queues nothing */
    ip_addr_t ip;
    uint16_t port = 0;
    if (m->name) {
        int rc = udp_addr_in(in, m->name, m->namelen, &ip, &port, false);
        if (rc < 0)
            return rc;
        if (in->v6only && IP_IS_V4(&ip))
            return -ENETUNREACH;
        inet_addr_unany(in, &ip);
    } else if (in->state != INET_CONNECTED) {
        return -EDESTADDRREQ;
    }
    if (in->shut_wr)
        return -EPIPE;
    struct sock_iter it;
    sock_iter_init(&it, m);
    if (it.left > UDP_PAYLOAD_MAX)
        return -EMSGSIZE;
    size_t len = it.left;
    struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)len, PBUF_RAM);
    if (!p)
        return -ENOBUFS;
    long got = len ? sock_iter_from_user(&it, p->payload, len) : 0;
    if (got < 0 || (size_t)got != len) {
        pbuf_free(p);
        return -EFAULT;
    }
    err_t err = m->name ? udp_sendto(in->udp, p, &ip, port) : udp_send(in->udp, p);
    pbuf_free(p);
    net_flush();
    if (err == ERR_MEM)
        return -ENOBUFS;
    return err == ERR_OK ? (long)len : inet_errno(err);
}

static long udp_op_recvmsg(struct socket *s, struct sock_msg *m, int flags)
{
    struct inet_sock *in = inet_of(s);
    uint64_t deadline = sock_deadline(s->rcvtimeo_ns);
    while (!in->rx_head) {
        if (in->shut_rd)
            return 0;
        if (flags & MSG_DONTWAIT)
            return -EAGAIN;
        int rc = inet_wait(in, deadline);
        if (rc < 0)
            return rc;
    }
    struct inet_rx *r = in->rx_head;
    struct sock_iter it;
    sock_iter_init(&it, m);
    size_t len = r->p->tot_len;
    long copied = 0;
    for (struct pbuf *q = r->p; q && it.left > 0; q = q->next) {
        long c = sock_iter_to_user(&it, q->payload, q->len);
        if (c < 0)
            return copied ? copied : c;
        copied += c;
        if (c < q->len)
            break;
    }
    if ((size_t)copied < len)
        m->flags_out |= MSG_TRUNC;
    if (m->name)
        inet_addr_out(in, &r->from, r->from_port, m->name, &m->namelen);
    else
        m->namelen = 0;
    if (!(flags & MSG_PEEK)) {
        in->rx_head = r->next;
        if (!in->rx_head)
            in->rx_tail = NULL;
        in->rx_bytes -= len;
        in->rx_count--;
        pbuf_free(r->p);
        kfree(r);
    }
    return (flags & MSG_TRUNC) ? (long)len : copied;
}

static int udp_op_shutdown(struct socket *s, int how)
{
    struct inet_sock *in = inet_of(s);
    if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR)
        return -EINVAL;
    if (in->state != INET_CONNECTED)
        return -ENOTCONN;
    if (how != SHUT_WR)
        in->shut_rd = true;
    if (how != SHUT_RD)
        in->shut_wr = true;
    inet_wake(in);
    return 0;
}

static int udp_op_getname(struct socket *s, void *addr, size_t *len, bool peer)
{
    struct inet_sock *in = inet_of(s);
    struct udp_pcb *pcb = in->udp;
    if (peer) {
        if (in->state != INET_CONNECTED)
            return -ENOTCONN;
        inet_addr_out(in, &pcb->remote_ip, pcb->remote_port, addr, len);
        return 0;
    }
    ip_addr_t local = pcb->local_ip;
    if (ip_addr_isany(&local) && in->state == INET_CONNECTED) {
        /* Linux names the address the route to the peer leaves from */
        struct netif *netif = ip_route(&local, &pcb->remote_ip);
        const ip_addr_t *src = netif ? ip_netif_get_local_ip(netif, &pcb->remote_ip)
                                     : NULL;
        if (src)
            ip_addr_copy(local, *src);
    }
    inet_addr_out(in, &local, pcb->local_port, addr, len);
    return 0;
}

static int udp_op_setsockopt(struct socket *s, int level, int name,
                             const void *val, size_t len)
{
    struct inet_sock *in = inet_of(s);
    int v;
    if (level == IPPROTO_IPV6 && name == IPV6_V6ONLY) {
        if (len < sizeof(v))
            return -EINVAL;
        memcpy(&v, val, sizeof(v));
        return inet_set_v6only(in, v != 0, in->udp->local_port);
    }
    if (level == IPPROTO_IP && name == IP_TTL) {
        if (len < sizeof(v))
            return -EINVAL;
        memcpy(&v, val, sizeof(v));
        if (v < -1 || v == 0 || v > 255)
            return -EINVAL;
        in->udp->ttl = (u8_t)(v == -1 ? UDP_TTL : v);
        return 0;
    }
    return -ENOPROTOOPT;
}

static int udp_op_getsockopt(struct socket *s, int level, int name,
                             void *val, size_t *len)
{
    struct inet_sock *in = inet_of(s);
    int v;
    if (level == IPPROTO_IPV6 && name == IPV6_V6ONLY && in->family == AF_INET6)
        v = in->v6only;
    else if (level == IPPROTO_IP && name == IP_TTL)
        v = in->udp->ttl;
    else
        return -ENOPROTOOPT;
    size_t n = *len < sizeof(v) ? *len : sizeof(v);
    memcpy(val, &v, n);
    *len = n;
    return 0;
}

static unsigned udp_op_poll(struct socket *s, struct poll_table *pt)
{
    struct inet_sock *in = inet_of(s);
    poll_wait(pt, s);
    unsigned mask = POLLOUT | POLLWRNORM;
    if (s->error)
        mask |= POLLERR;
    if (in->rx_head || in->shut_rd)
        mask |= POLLIN | POLLRDNORM;
    if (in->shut_rd)
        mask |= POLLRDHUP;
    if (in->shut_rd && in->shut_wr)
        mask |= POLLHUP;
    return mask;
}

static long udp_op_ioctl(struct socket *s, unsigned long cmd, uintptr_t arg)
{
    struct inet_sock *in = inet_of(s);
    int v;
    if (cmd == FIONREAD) /* Linux: the size of the next datagram */
        v = in->rx_head ? in->rx_head->p->tot_len : 0;
    else if (cmd == SIOCOUTQ)
        v = 0;
    else
        return -ENOTTY;
    return copy_to_user((void *)arg, &v, sizeof(v));
}

static void udp_op_release(struct socket *s)
{
    struct inet_sock *in = inet_of(s);
    udp_remove(in->udp);
    inet_rx_free(in);
    kfree(in);
    s->priv = NULL;
}

const struct sock_ops inet_udp_ops = {
    .bind = udp_op_bind,
    .connect = udp_op_connect,
    .sendmsg = udp_op_sendmsg,
    .recvmsg = udp_op_recvmsg,
    .shutdown = udp_op_shutdown,
    .setsockopt = udp_op_setsockopt,
    .getsockopt = udp_op_getsockopt,
    .getname = udp_op_getname,
    .poll = udp_op_poll,
    .ioctl = udp_op_ioctl,
    .release = udp_op_release,
};

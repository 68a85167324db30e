/*
 * net/sock_inet.c - the AF_INET socket family over lwIP: creation of
 * SOCK_STREAM (sock_tcp.c) and SOCK_DGRAM (sock_udp.c) sockets, and what
 * the two share (addresses, errors, wakeups, the receive queue).
 */
#include <errno.h>
#include <string.h>

#include "abi/in.h"
#include "abi/socket.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "mm/kalloc.h"
#include "net/inet.h"
#include "net/stack.h"
#include "unikernel/sched.h"
#include "unikernel/socket.h"

void inet_wake(struct inet_sock *in)
{
    in->events++;
    if (in->s)
        sched_wakeup(in->s);
}

int inet_wait(struct inet_sock *in, uint64_t deadline)
{
    unsigned seen = in->events;
    net_flush();
    if (in->events != seen)
        return 0; /* woken while flushing, before we slept */
    return sock_wait(in->s, deadline);
}

void inet_set_error(struct inet_sock *in, int e)
{
    if (in->s)
        in->s->error = e;
    else
        in->err = e;
}

int inet_take_error(struct inet_sock *in)
{
    int e = in->s ? in->s->error : in->err;
    if (in->s)
        in->s->error = 0;
    in->err = 0;
    return -e;
}

int inet_errno(err_t err)
{
    switch (err) {
    case ERR_OK:         return 0;
    case ERR_MEM:        return -ENOMEM;
    case ERR_BUF:        return -ENOBUFS;
    case ERR_TIMEOUT:    return -ETIMEDOUT;
    case ERR_RTE:        return -ENETUNREACH;
    case ERR_INPROGRESS: return -EINPROGRESS;
    case ERR_VAL:        return -EINVAL;
    case ERR_WOULDBLOCK: return -EAGAIN;
    case ERR_USE:        return -EADDRINUSE;
    case ERR_ALREADY:    return -EALREADY;
    case ERR_ISCONN:     return -EISCONN;
    case ERR_CONN:       return -ENOTCONN;
    case ERR_IF:         return -ENETDOWN;
    case ERR_ABRT:       return -ECONNABORTED;
    case ERR_RST:        return -ECONNRESET;
    case ERR_CLSD:       return -ENOTCONN;
    case ERR_ARG:        return -EINVAL;
    }
    return -EIO;
}

int inet_addr_in(const void *addr, size_t len, ip_addr_t *ip, uint16_t *port)
{
    struct abi_sockaddr_in sin;
    if (len < sizeof(sin.family))
        return -EINVAL;
    memcpy(&sin.family, addr, sizeof(sin.family));
    if (sin.family != AF_INET)
        return -EAFNOSUPPORT;
    if (len < sizeof(sin))
        return -EINVAL;
    memcpy(&sin, addr, sizeof(sin));
    ip_addr_set_ip4_u32_val(*ip, sin.addr);
    *port = lwip_ntohs(sin.port);
    return 0;
}

void inet_addr_out(const ip_addr_t *ip, uint16_t port, void *addr,
                   size_t *len)
{
    struct abi_sockaddr_in sin = {
        .family = AF_INET,
        .port = lwip_htons(port),
        .addr = ip4_addr_get_u32(ip_2_ip4(ip)),
    };
    memcpy(addr, &sin, *len < sizeof(sin) ? *len : sizeof(sin));
    *len = sizeof(sin);
}

bool inet_addr_local(const ip_addr_t *ip)
{
    if (ip_addr_isany(ip) || ip4_addr_isloopback(ip_2_ip4(ip)))
        return true;
    struct netif *netif;
    NETIF_FOREACH(netif)
        if (ip4_addr_cmp(netif_ip4_addr(netif), ip_2_ip4(ip)))
            return true;
    return false;
}

void inet_rx_free(struct inet_sock *in)
{
    while (in->rx_head) {
        struct inet_rx *r = in->rx_head;
        in->rx_head = r->next;
        pbuf_free(r->p);
        kfree(r);
    }
    in->rx_tail = NULL;
    in->rx_bytes = 0;
    in->rx_count = 0;
}

static int inet_create(struct socket *s, int type, int protocol)
{
    if (!net_started)
        return -EAFNOSUPPORT;
    if (type == SOCK_STREAM && protocol != 0 && protocol != IPPROTO_TCP)
        return -EPROTONOSUPPORT;
    if (type == SOCK_DGRAM && protocol != 0 && protocol != IPPROTO_UDP)
        return -EPROTONOSUPPORT;
    if (type != SOCK_STREAM && type != SOCK_DGRAM)
        return type == SOCK_RAW ? -EPROTONOSUPPORT : -ESOCKTNOSUPPORT;
    struct inet_sock *in = kalloc(sizeof(*in));
    if (!in)
        return -ENOMEM;
    in->s = s;
    in->type = type;
    int rc = type == SOCK_STREAM ? inet_tcp_create(in) : inet_udp_create(in);
    if (rc < 0) {
        kfree(in);
        return rc;
    }
    s->protocol = type == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP;
    s->ops = type == SOCK_STREAM ? &inet_tcp_ops : &inet_udp_ops;
    s->priv = in;
    return 0;
}

static const struct sock_family inet_family = {
    .family = AF_INET,
    .create = inet_create,
};

void inet_register(void)
{
    sock_family_register(&inet_family);
}

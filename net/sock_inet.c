/*
 * net/sock_inet.c - the AF_INET and AF_INET6 socket families over lwIP: creation of
 * SOCK_STREAM (sock_tcp.c) and SOCK_DGRAM (sock_udp.c) sockets, and what
 * the two share (addresses, errors, wakeups, the receive queue).
 */
#include <errno.h>
#include <string.h>

#include "abi/in.h"
#include "abi/socket.h"
#include "lwip/netif.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"
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

int inet_addr_in(const struct inet_sock *in, const void *addr, size_t len,
                 ip_addr_t *ip, uint16_t *port)
{
    uint16_t family;
    if (len < sizeof(family))
        return -EINVAL;
    memcpy(&family, addr, sizeof(family));
    if (in->family == AF_INET) {
        struct abi_sockaddr_in sin;
        if (family != AF_INET)
            return -EAFNOSUPPORT;
        if (len < sizeof(sin))
            return -EINVAL;
        memcpy(&sin, addr, sizeof(sin));
        ip_addr_set_ip4_u32_val(*ip, sin.addr);
        *port = lwip_ntohs(sin.port);
        return 0;
    }
    struct abi_sockaddr_in6 sin6 = {0};
    if (len < SIN6_LEN_RFC2133) /* Linux checks the length first here */
        return -EINVAL;
    if (family != AF_INET6)
        return -EAFNOSUPPORT;
    memcpy(&sin6, addr, len < sizeof(sin6) ? len : sizeof(sin6));
    *port = lwip_ntohs(sin6.port);
    ip6_addr_t a6;
    memcpy(&a6.addr, sin6.addr, sizeof(a6.addr));
    ip6_addr_clear_zone(&a6);
    if (ip6_addr_isipv4mappedipv6(&a6)) {
        ip_addr_set_ip4_u32_val(*ip, a6.addr[3]);
        return 0;
    }
    if (ip6_addr_isany(&a6)) {
        if (in->v6only)
            ip_addr_set_zero_ip6(ip);
        else
            ip_addr_copy(*ip, *IP_ANY_TYPE);
        return 0;
    }
    ip_addr_copy_from_ip6(*ip, a6);
    if (ip6_addr_islinklocal(&a6) && sin6.scope_id)
        ip6_addr_set_zone(ip_2_ip6(ip), sin6.scope_id > 255 ? 255 : (u8_t)sin6.scope_id);
    return 0;
}

int inet_scope_check(const ip_addr_t *ip, bool binding)
{
    if (!IP_IS_V6(ip) || !ip6_addr_islinklocal(ip_2_ip6(ip)))
        return 0;
    if (!ip6_addr_has_zone(ip_2_ip6(ip)))
        return -EINVAL;
    if (!netif_get_by_index(ip6_addr_zone(ip_2_ip6(ip))))
        return binding ? -ENODEV : -ENETUNREACH;
    return 0;
}

void inet_addr_out(const struct inet_sock *in, const ip_addr_t *ip,
                   uint16_t port, void *addr, size_t *len)
{
    if (in->family == AF_INET) {
        struct abi_sockaddr_in sin = {
            .family = AF_INET,
            .port = lwip_htons(port),
            .addr = IP_IS_V4(ip) ? ip4_addr_get_u32(ip_2_ip4(ip)) : 0,
        };
        memcpy(addr, &sin, *len < sizeof(sin) ? *len : sizeof(sin));
        *len = sizeof(sin);
        return;
    }
    struct abi_sockaddr_in6 sin6 = {.family = AF_INET6, .port = lwip_htons(port)};
    if (IP_IS_V4(ip) && !ip4_addr_isany(ip_2_ip4(ip))) {
        uint32_t v4 = ip4_addr_get_u32(ip_2_ip4(ip));
        sin6.addr[10] = sin6.addr[11] = 0xff;
        memcpy(&sin6.addr[12], &v4, sizeof(v4));
    } else if (IP_IS_V6(ip)) {
        memcpy(sin6.addr, ip_2_ip6(ip)->addr, sizeof(sin6.addr));
        if (ip6_addr_islinklocal(ip_2_ip6(ip)) && ip6_addr_has_zone(ip_2_ip6(ip)))
            sin6.scope_id = ip6_addr_zone(ip_2_ip6(ip));
    }
    memcpy(addr, &sin6, *len < sizeof(sin6) ? *len : sizeof(sin6));
    *len = sizeof(sin6);
}

void inet_addr_any(const struct inet_sock *in, ip_addr_t *ip)
{
    if (in->family == AF_INET)
        ip_addr_set_zero_ip4(ip);
    else if (in->v6only)
        ip_addr_set_zero_ip6(ip);
    else
        ip_addr_copy(*ip, *IP_ANY_TYPE);
}

void inet_addr_unany(const struct inet_sock *in, ip_addr_t *ip)
{
    if (ip_addr_isany(ip))
        ip_addr_set_loopback(in->family == AF_INET6 && !IP_IS_V4(ip), ip);
}

bool inet_addr_local(const ip_addr_t *ip)
{
    if (ip_addr_isany(ip))
        return true;
    if (IP_IS_V4(ip) && ip4_addr_isloopback(ip_2_ip4(ip)))
        return true;
    if (IP_IS_V6(ip) && ip6_addr_isloopback(ip_2_ip6(ip)))
        return true;
    struct netif *netif;
    NETIF_FOREACH(netif) {
        if (IP_IS_V4(ip) && ip4_addr_cmp(netif_ip4_addr(netif), ip_2_ip4(ip)))
            return true;
        if (IP_IS_V6(ip) && netif_get_ip6_addr_match(netif, ip_2_ip6(ip)) >= 0)
            return true;
    }
    return false;
}

int inet_set_v6only(struct inet_sock *in, bool on, uint16_t bound_port)
{
    if (in->family != AF_INET6)
        return -ENOPROTOOPT;
    if (bound_port)
        return -EINVAL; /* Linux: not once bound */
    in->v6only = on;
    u8_t type = on ? IPADDR_TYPE_V6 : IPADDR_TYPE_ANY;
    if (in->tcp) {
        IP_SET_TYPE_VAL(in->tcp->local_ip, type);
        IP_SET_TYPE_VAL(in->tcp->remote_ip, type);
    }
    if (in->udp) {
        IP_SET_TYPE_VAL(in->udp->local_ip, type);
        IP_SET_TYPE_VAL(in->udp->remote_ip, type);
    }
    return 0;
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
    int family = s->family;
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
    in->family = family;
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

static const struct sock_family inet6_family = {
    .family = AF_INET6,
    .create = inet_create,
};

void inet_register(void)
{
    sock_family_register(&inet_family);
    sock_family_register(&inet6_family);
}

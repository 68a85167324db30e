/*
 * net/inet.h - the AF_INET and AF_INET6 families' own (net/sock_inet.c, sock_tcp.c,
 * sock_udp.c): one struct inet_sock per socket over an lwIP pcb, and the
 * helpers the two protocols share.
 *
 * Lock legend: (n) changed only in lwIP context or a system call, which
 * never overlap (net/README.md); every other field is (n) too.
 */
#ifndef NET_INET_H
#define NET_INET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lwip/err.h"
#include "lwip/ip_addr.h"

struct pbuf;
struct socket;
struct tcp_pcb;
struct udp_pcb;

enum inet_state {
    INET_NEW,        /* no connection (maybe bound) */
    INET_LISTEN,
    INET_CONNECTING,
    INET_CONNECTED,  /* established, or closing with the pcb alive */
    INET_CLOSED,     /* the pcb is gone: reset, timed out or closed */
};

/* A received TCP segment chain (a pbuf chain's tot_len is 16 bits: the
 * queue is a list of chains) or a UDP datagram with its source. */
struct inet_rx {
    struct inet_rx *next;
    struct pbuf *p;
    uint16_t off;       /* bytes of p already read (TCP) */
    ip_addr_t from;     /* UDP */
    uint16_t from_port;
};

struct inet_sock {
    struct socket *s;         /* NULL while queued for accept */
    unsigned events;          /* inet_wake calls: a wait sees what it missed */
    int type;                 /* SOCK_STREAM or SOCK_DGRAM */
    int family;               /* AF_INET, or AF_INET6 (a dual pcb) */
    bool v6only;              /* IPV6_V6ONLY: IPv6 alone */
    enum inet_state state;
    struct tcp_pcb *tcp;      /* NULL once lwIP freed it */
    struct udp_pcb *udp;
    struct inet_rx *rx_head, *rx_tail;
    size_t rx_bytes;          /* unread bytes (TCP) or queued (UDP) */
    int rx_count;             /* datagrams queued (UDP) */
    bool rx_eof;              /* the peer's FIN */
    bool shut_rd, shut_wr;
    bool connect_unreported;  /* a nonblocking connect not yet re-asked */
    int err;                  /* pending error (positive) before accept */
    /* the listener's accept queue, of not yet accepted connections */
    struct inet_sock *acc_head, *acc_tail, *acc_next;
    int acc_count, backlog;
    /* addresses, kept when the pcb goes */
    ip_addr_t local, remote;
    uint16_t local_port, remote_port;
    /* options that must outlive or precede a pcb (a listener's pass to
     * its connections) */
    bool nodelay, keepalive;
    uint32_t keep_idle_ms, keep_intvl_ms, keep_cnt;
};

/* Wakes whoever waits on or polls the socket of `in` (if it has one). */
void inet_wake(struct inet_sock *in);

/* Waits until inet_wake(in) or `deadline` (0: none), after flushing the
 * loopback queues (which may wake us: then at once): 0 (re-check the
 * condition), -EAGAIN at the deadline, -ERESTARTSYS for a signal. */
int inet_wait(struct inet_sock *in, uint64_t deadline);

/* Records error `e` (positive errno) for SO_ERROR and the next call. */
void inet_set_error(struct inet_sock *in, int e);

/* Takes the pending error: -errno, or 0 when none. */
int inet_take_error(struct inet_sock *in);

/* lwIP's err_t as a negated errno. */
int inet_errno(err_t err);

/* A socket address from user space (len bytes, a kernel copy) for `in`
 * into *ip and *port: a struct sockaddr_in for AF_INET, sockaddr_in6
 * for AF_INET6, where ::ffff:a.b.c.d becomes the IPv4 address and ::
 * the any address of both kinds (of IPv6 alone when v6only).  0,
 * -EINVAL (too short), -EAFNOSUPPORT (another family). */
int inet_addr_in(const struct inet_sock *in, const void *addr, size_t len,
                 ip_addr_t *ip, uint16_t *port);

/* Writes ip:port as the sockaddr of in's family into addr (*len: in its
 * size, out the full length), truncated to the size as Linux does; an
 * IPv4 address on an AF_INET6 socket as ::ffff:a.b.c.d. */
void inet_addr_out(const struct inet_sock *in, const ip_addr_t *ip,
                   uint16_t port, void *addr, size_t *len);

/* Linux's rule for a link-local address to bind (`binding`) or connect
 * to: its sin6_scope_id names a link: 0, -EINVAL (none given), -ENODEV
 * (bind) or -ENETUNREACH (connect) for one that does not exist. */
int inet_scope_check(const ip_addr_t *ip, bool binding);

/* The any address a bind of `in` to port 0 takes (listen, autobind). */
void inet_addr_any(const struct inet_sock *in, ip_addr_t *ip);

/* Linux's "the any address is this host": `ip`, when any, becomes the
 * loopback of in's family (::1 on AF_INET6). */
void inet_addr_unany(const struct inet_sock *in, ip_addr_t *ip);

/* True when `ip` may be bound here: any, loopback or an interface's. */
bool inet_addr_local(const ip_addr_t *ip);

/* IPV6_V6ONLY on `in` (before bind): 0, -EINVAL once bound, -ENOPROTOOPT
 * on AF_INET; the pcb retyped. */
int inet_set_v6only(struct inet_sock *in, bool on, uint16_t bound_port);

/* Frees the whole receive queue of `in`. */
void inet_rx_free(struct inet_sock *in);

/* The protocols' socket operations and creation. */
extern const struct sock_ops inet_tcp_ops, inet_udp_ops;
int inet_tcp_create(struct inet_sock *in);
int inet_udp_create(struct inet_sock *in);

#endif

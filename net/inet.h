/*
 * net/inet.h - the AF_INET family's own (net/sock_inet.c, sock_tcp.c,
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

/* A struct sockaddr_in from user space (len bytes, a kernel copy) into
 * *ip and *port: 0, -EINVAL (too short), -EAFNOSUPPORT. */
int inet_addr_in(const void *addr, size_t len, ip_addr_t *ip, uint16_t *port);

/* Writes ip:port as a struct sockaddr_in into addr (*len: in its size,
 * out 16), truncated to the size as Linux does. */
void inet_addr_out(const ip_addr_t *ip, uint16_t port, void *addr,
                   size_t *len);

/* True when `ip` may be bound here: any, 127/8 or an interface's. */
bool inet_addr_local(const ip_addr_t *ip);

/* Frees the whole receive queue of `in`. */
void inet_rx_free(struct inet_sock *in);

/* The protocols' socket operations and creation. */
extern const struct sock_ops inet_tcp_ops, inet_udp_ops;
int inet_tcp_create(struct inet_sock *in);
int inet_udp_create(struct inet_sock *in);

#endif

/*
 * net/stack.h - what the files of net/ share: the one entry into lwIP's
 * processing outside a system call's own calls, and the interfaces.
 */
#ifndef NET_STACK_H
#define NET_STACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct netdev;
struct netif;

/* True once net_start has run lwip_init (no lwIP call before). */
extern bool net_started;

/* Delivers the packets queued on the loopback queues (lo, and a NIC's
 * packets to its own address): every socket operation that may have sent
 * calls it before returning or waiting. */
void net_flush(void);

/* Adds `d` as an lwIP interface (Ethernet, ARP), link state from d:
 * the interface, or NULL when out of memory. */
struct netif *net_netif_attach(struct netdev *d);

/* Drops the oldest TCP connections in TIME-WAIT past a ceiling (512):
 * lwIP walks that list for every segment (net/timewait.c). */
void net_timewait_trim(void);

/* Before lwIP sees the received Ethernet `frame`: a SYN for a connection
 * in TIME-WAIT with a newer sequence number ends that TIME-WAIT, so the
 * listener takes the SYN (net/timewait.c). */
void net_timewait_syn(const uint8_t *frame, size_t len);

/* Before lwIP sees the received Ethernet `frame`: a SYN for a listener
 * whose backlog is full ends its oldest half-open connection, so a SYN
 * flood does not lock clients out (net/synqueue.c). */
void net_syn_room(const uint8_t *frame, size_t len);

/* True when the received Ethernet `frame` is IPv4 or IPv6 from or to a
 * loopback address, which no wire may carry (net/martian.c). */
bool net_martian(const uint8_t *frame, size_t len);

/* Makes AF_INET and AF_INET6 known to socket(2) (net/sock_inet.c). */
void inet_register(void);

/* Brings the link of `netif` (of `d`) in line with d->link_up. */
void net_netif_link_sync(struct netif *netif, struct netdev *d);

#endif

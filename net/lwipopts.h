/*
 * net/lwipopts.h - lwIP's configuration for this kernel (the choices and
 * their reasons are in net/README.md).  lwIP's src/include/lwip/opt.h
 * gives the default of everything not set here.
 */
#ifndef NET_LWIPOPTS_H
#define NET_LWIPOPTS_H

/* ---- one context, the raw API ---- */
#define NO_SYS 1                  /* no threads in lwIP: see net/README.md */
#define SYS_LIGHTWEIGHT_PROT 0    /* one CPU, one caller at a time */
#define LWIP_SOCKET 0             /* the socket API is ours (net/sock_*.c) */
#define LWIP_NETCONN 0
#define LWIP_ALTCP 0
#define LWIP_TIMERS 1             /* sys_check_timeouts from net_poll */

/* ---- memory: all of it from kalloc ---- */
#define MEM_LIBC_MALLOC 1
#define mem_clib_malloc lwip_port_malloc
#define mem_clib_free lwip_port_free
#define mem_clib_calloc lwip_port_calloc
#include <stddef.h>
void *lwip_port_malloc(size_t size);   /* net/lwip_port.c */
void *lwip_port_calloc(size_t count, size_t size);
void lwip_port_free(void *ptr);
#define MEMP_MEM_MALLOC 1         /* pools too: no boot-time limit per kind */
#define MEM_ALIGNMENT 8
#define LWIP_STATS 0

/* ---- protocols ---- */
#define LWIP_IPV4 1
#define LWIP_IPV6 1               /* dual stack: AF_INET6 sockets take both */
#define LWIP_IPV6_AUTOCONFIG 1    /* SLAAC from the router's advertisements */
#define LWIP_IPV6_DHCP6 0
#define LWIP_IPV6_MLD 1           /* ND's solicited-node groups */
#define LWIP_IPV6_NUM_ADDRESSES 3 /* link-local and two from prefixes */
#define LWIP_ICMP6 1
#define LWIP_IPV6_FRAG 1
#define LWIP_IPV6_REASS 1
#define IPV6_FRAG_COPYHEADER 1    /* 64-bit pointers do not fit the header */
#define IPV6_REASS_MAXAGE 15      /* s, as IPv4's: a hostile peer's pieces go soon */
#define LWIP_ND6_ALLOW_RA_UPDATES 1
#define LWIP_ARP 1
#define LWIP_ETHERNET 1
#define LWIP_ICMP 1
#define LWIP_RAW 0
#define LWIP_UDP 1
#define LWIP_TCP 1
#define LWIP_DHCP 1
#define DHCP_DOES_ARP_CHECK 0     /* binds at once: boot does not wait 0.5 s */
#define LWIP_HOOK_FILENAME "lwip_hooks.h" /* DHCP's name servers */
#define LWIP_AUTOIP 0
#define LWIP_IGMP 0
#define LWIP_DNS 0                /* musl resolves in user space */
#define IP_REASSEMBLY 1
#define IP_FRAG 1
#define IP_SOF_BROADCAST 0
#define LWIP_BROADCAST_PING 0
#define LWIP_MULTICAST_PING 0
#define SO_REUSE 1                /* SO_REUSEADDR */

/* ---- interfaces ---- */
#define LWIP_SINGLE_NETIF 0
#define LWIP_NETIF_LOOPBACK 1     /* packets to our own address loop back */
#define LWIP_HAVE_LOOPIF 1        /* lo, 127.0.0.1 */
#define LWIP_LOOPBACK_MAX_PBUFS 0
#define LWIP_NETIF_LOOPBACK_MULTITHREADING 0
#define LWIP_NETIF_STATUS_CALLBACK 1 /* the boot line when DHCP binds */
#define LWIP_NETIF_LINK_CALLBACK 1
#define LWIP_NETIF_EXT_STATUS_CALLBACK 1 /* the IPv6 line when SLAAC is done */
#define LWIP_NETIF_HOSTNAME 1     /* DHCP sends it */
#define LWIP_CHECKSUM_CTRL_PER_NETIF 1
#define ETH_PAD_SIZE 0

/* ---- TCP ---- */
#define TCP_MSS 1460
#define LWIP_WND_SCALE 1
#define TCP_RCV_SCALE 2
#define TCP_WND (128 * 1024)      /* bytes the peer may send unread */
#define TCP_SND_BUF (64 * 1024)   /* bytes queued unacknowledged per socket */
#define TCP_SND_QUEUELEN ((4 * TCP_SND_BUF + TCP_MSS - 1) / TCP_MSS)
#define TCP_QUEUE_OOSEQ 1
#define TCP_LISTEN_BACKLOG 1      /* listen's backlog bounds pending SYNs */
#define LWIP_TCP_KEEPALIVE 1      /* SO_KEEPALIVE, TCP_KEEPIDLE/INTVL/CNT */
#define LWIP_CALLBACK_API 1
#define LWIP_EVENT_API 0
#define LWIP_TCP_TIMESTAMPS 0

#endif

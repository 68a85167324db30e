/*
 * abi/in.h - the Internet protocol numbers, options and struct
 * sockaddr_in of Linux (x86_64), for the kernel's AF_INET family
 * (net/sock_*.c); apps have <netinet/in.h> and <netinet/tcp.h>.
 */
#ifndef ABI_IN_H
#define ABI_IN_H

#include <stdint.h>

#define IPPROTO_IP 0
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17

/* level IPPROTO_IP */
#define IP_TOS 1
#define IP_TTL 2

/* level IPPROTO_TCP */
#define TCP_NODELAY 1
#define TCP_MAXSEG 2
#define TCP_KEEPIDLE 4
#define TCP_KEEPINTVL 5
#define TCP_KEEPCNT 6

#define INADDR_ANY 0x00000000u
#define INADDR_LOOPBACK 0x7f000001u

/* struct sockaddr_in: port and address in network byte order. */
struct abi_sockaddr_in {
    uint16_t family;
    uint16_t port;
    uint32_t addr;
    uint8_t zero[8];
};
_Static_assert(sizeof(struct abi_sockaddr_in) == 16, "struct sockaddr_in");

#endif

/*
 * abi/in.h - the Internet protocol numbers, options and struct
 * sockaddr_in and sockaddr_in6 of Linux (x86_64), for the kernel's AF_INET family
 * (net/sock_*.c); apps have <netinet/in.h> and <netinet/tcp.h>.
 */
#ifndef ABI_IN_H
#define ABI_IN_H

#include <stdint.h>

#define IPPROTO_IP 0
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define IPPROTO_IPV6 41

/* level IPPROTO_IPV6 */
#define IPV6_V6ONLY 26

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

/* struct sockaddr_in6: port, flow and scope as Linux lays them out. */
struct abi_sockaddr_in6 {
    uint16_t family;
    uint16_t port;
    uint32_t flowinfo;
    uint8_t addr[16];
    uint32_t scope_id;
};
_Static_assert(sizeof(struct abi_sockaddr_in6) == 28, "struct sockaddr_in6");
#define SIN6_LEN_RFC2133 24 /* the shortest sockaddr_in6 Linux takes */

#endif

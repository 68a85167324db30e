/*
 * abi/socket.h - the constants and structures of Linux's socket calls
 * (x86_64): address families, socket types and their flags, message
 * flags, SOL_SOCKET options, and the user layouts of struct msghdr,
 * struct cmsghdr, struct ucred, struct linger and struct sockaddr_un.
 * For the kernel's socket layer and its families; apps have
 * <sys/socket.h>.
 */
#ifndef ABI_SOCKET_H
#define ABI_SOCKET_H

#include <stddef.h>
#include <stdint.h>

#define AF_UNSPEC 0
#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10
#define AF_NETLINK 16
#define AF_PACKET 17
#define AF_MAX 46

#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define SOCK_RAW 3
#define SOCK_RDM 4
#define SOCK_SEQPACKET 5
#define SOCK_DCCP 6
#define SOCK_PACKET 10
#define SOCK_TYPE_MASK 0xf
#define SOCK_NONBLOCK 04000
#define SOCK_CLOEXEC 02000000

#define MSG_OOB 0x1
#define MSG_PEEK 0x2
#define MSG_DONTROUTE 0x4
#define MSG_CTRUNC 0x8
#define MSG_TRUNC 0x20
#define MSG_DONTWAIT 0x40
#define MSG_EOR 0x80
#define MSG_WAITALL 0x100
#define MSG_NOSIGNAL 0x4000
#define MSG_MORE 0x8000
#define MSG_CMSG_CLOEXEC 0x40000000

#define SHUT_RD 0
#define SHUT_WR 1
#define SHUT_RDWR 2

#define SOL_SOCKET 1
#define SO_DEBUG 1
#define SO_REUSEADDR 2
#define SO_TYPE 3
#define SO_ERROR 4
#define SO_DONTROUTE 5
#define SO_BROADCAST 6
#define SO_SNDBUF 7
#define SO_RCVBUF 8
#define SO_KEEPALIVE 9
#define SO_OOBINLINE 10
#define SO_NO_CHECK 11
#define SO_PRIORITY 12
#define SO_LINGER 13
#define SO_BSDCOMPAT 14
#define SO_REUSEPORT 15
#define SO_PASSCRED 16
#define SO_PEERCRED 17
#define SO_RCVLOWAT 18
#define SO_SNDLOWAT 19
#define SO_RCVTIMEO 20
#define SO_SNDTIMEO 21
#define SO_ACCEPTCONN 30
#define SO_SNDBUFFORCE 32
#define SO_RCVBUFFORCE 33
#define SO_PROTOCOL 38
#define SO_DOMAIN 39

#define SCM_RIGHTS 1
#define SCM_CREDENTIALS 2
#define SCM_MAX_FD 253 /* descriptors in one SCM_RIGHTS message */

#define SOMAXCONN 4096    /* listen's backlog is capped here */
#define SOCKADDR_MAX 128  /* struct sockaddr_storage */

/* ioctl */
#define SIOCINQ 0x541B
#define FIONREAD 0x541B
#define FIONBIO 0x5421
#define FIOASYNC 0x5452
#define SIOCOUTQ 0x5411

struct abi_msghdr {
    uint64_t name;       /* void * */
    uint32_t namelen;
    uint32_t pad0;
    uint64_t iov;        /* struct iovec * */
    uint64_t iovlen;
    uint64_t control;    /* void * */
    uint64_t controllen;
    int32_t flags;
    uint32_t pad1;
};
_Static_assert(sizeof(struct abi_msghdr) == 56, "struct msghdr");

struct abi_cmsghdr {
    uint64_t len; /* header and data, without the trailing padding */
    int32_t level;
    int32_t type;
};

/* CMSG_ALIGN / CMSG_LEN / CMSG_SPACE of Linux (8-byte alignment). */
#define ABI_CMSG_ALIGN(n) (((n) + 7) & ~(size_t)7)
#define ABI_CMSG_LEN(n) (sizeof(struct abi_cmsghdr) + (n))
#define ABI_CMSG_SPACE(n) (sizeof(struct abi_cmsghdr) + ABI_CMSG_ALIGN(n))

struct abi_ucred {
    int32_t pid, uid, gid;
};

struct abi_linger {
    int32_t onoff, linger;
};

struct abi_timeval {
    int64_t sec, usec;
};

#define UNIX_PATH_MAX 108
struct abi_sockaddr_un {
    uint16_t family;
    char path[UNIX_PATH_MAX];
};

#endif

/*
 * unikernel/socket.h - sockets: one file kind (socket.c) over address
 * families that register themselves (AF_UNIX in unix_sock.c, AF_INET and
 * AF_INET6 in net/, over lwIP).
 *
 * The generic layer (socket.c) owns the system calls: it copies socket
 * addresses and options between user and kernel memory, turns O_NONBLOCK
 * into MSG_DONTWAIT, raises SIGPIPE for -EPIPE unless MSG_NOSIGNAL, keeps
 * the options every family shares (SO_TYPE, SO_ERROR, SO_RCVTIMEO, ...)
 * and hands the rest to the family.  A family sees kernel copies of
 * addresses and option values, and user iovecs for the data (it copies
 * with usercopy, stopping at the first fault: a partial count, or
 * -EFAULT when nothing moved).  Every operation returns a negated errno.
 * Readiness changes are announced with sched_wakeup(s) on the socket
 * itself (see unikernel/poll.h).
 *
 * Lock legend: one CPU, interrupts masked in the kernel; the NIC's
 * interrupt runs lwIP only while no system call is in lwIP (net/README).
 */
#ifndef UNIKERNEL_SOCKET_H
#define UNIKERNEL_SOCKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct file;
struct poll_table;
struct socket;

/* struct iovec of the Linux ABI, in user memory. */
struct user_iovec {
    void *base;
    size_t len;
};

/* One sendmsg/recvmsg, kernel side.  `iov` points at a kernel copy of the
 * user's iovec array (the bases are user addresses). */
struct sock_msg {
    const struct user_iovec *iov;
    int iovcnt;
    void *name;      /* kernel sockaddr buffer: the destination (send) or
                        the source is written here (recv); NULL: none */
    size_t namelen;  /* in: its size or length; out (recv): the length */
    void *control;   /* kernel buffer of ancillary data, NULL: none */
    size_t controllen; /* send: its length; recv: 0 in, bytes used out */
    size_t controlcap; /* recv: the buffer's size */
    int flags_out;   /* recvmsg: MSG_TRUNC, MSG_CTRUNC, ... */
};

struct sock_ops {
    int (*bind)(struct socket *s, const void *addr, size_t len);
    int (*listen)(struct socket *s, int backlog);
    /* A connection from the queue as a new socket (*out), waiting
     * unless `flags` has MSG_DONTWAIT: 0 or -errno (-EAGAIN). */
    int (*accept)(struct socket *s, struct socket **out, int flags);
    /* Connects; with MSG_DONTWAIT in `flags` returns -EINPROGRESS and
     * the result later goes to SO_ERROR (poll: POLLOUT). */
    int (*connect)(struct socket *s, const void *addr, size_t len, int flags);
    /* Bytes sent or -errno; MSG_DONTWAIT: -EAGAIN rather than waiting. */
    long (*sendmsg)(struct socket *s, struct sock_msg *m, int flags);
    /* Bytes received (0: end of stream) or -errno. */
    long (*recvmsg)(struct socket *s, struct sock_msg *m, int flags);
    /* SHUT_RD, SHUT_WR or SHUT_RDWR. */
    int (*shutdown)(struct socket *s, int how);
    /* Options at `level` the generic layer does not keep; the value is a
     * kernel copy (set) or a kernel buffer of *len bytes (get). */
    int (*setsockopt)(struct socket *s, int level, int name,
                      const void *val, size_t len);
    int (*getsockopt)(struct socket *s, int level, int name, void *val,
                      size_t *len);
    /* The local (peer false) or remote address into `addr` (*len: in its
     * size, out the full length). */
    int (*getname)(struct socket *s, void *addr, size_t *len, bool peer);
    /* Readiness, as struct file_ops's poll. */
    unsigned (*poll)(struct socket *s, struct poll_table *pt);
    /* ioctl the generic layer does not answer (FIONREAD); NULL: ENOTTY. */
    long (*ioctl)(struct socket *s, unsigned long cmd, uintptr_t arg);
    /* Closes: a graceful end where the family has one; frees priv. */
    void (*release)(struct socket *s);
    /* A reference to the socket's file other than the last went (AF_UNIX:
     * descriptors in flight may have become garbage); NULL: nothing. */
    void (*unref)(struct socket *s);
};

struct socket {
    const struct sock_ops *ops; /* (c) */
    struct file *file;          /* (c) the open file it belongs to */
    int family, type, protocol; /* (c) type without SOCK_NONBLOCK/CLOEXEC */
    int error;                  /* (t) SO_ERROR, read and cleared */
    uint64_t rcvtimeo_ns;       /* (t) SO_RCVTIMEO, 0: none */
    uint64_t sndtimeo_ns;       /* (t) SO_SNDTIMEO, 0: none */
    void *priv;                 /* (c) the family's own */
    uint64_t number;            /* (c) st_ino, /proc/self/fd's socket:[N] */
    /* Kept by the generic layer (and also handed to the family's
     * setsockopt, whose -ENOPROTOOPT is then ignored): */
    bool listening;             /* (t) SO_ACCEPTCONN: listen succeeded */
    bool reuseaddr, reuseport, keepalive; /* (t) */
    int rcvbuf, sndbuf;         /* (t) SO_RCVBUF, SO_SNDBUF as getsockopt
                                   reports them (Linux's doubled value) */
    int linger_onoff, linger_sec; /* (t) SO_LINGER */
};

/* An address family's entry points. */
struct sock_family {
    int family;
    /* A new socket of `type` (SOCK_STREAM, SOCK_DGRAM) and `protocol`:
     * fills s->ops and s->priv; 0 or -errno (-EPROTONOSUPPORT,
     * -ESOCKTNOSUPPORT). */
    int (*create)(struct socket *s, int type, int protocol);
    /* Connects two new sockets (socketpair); NULL: -EOPNOTSUPP. */
    int (*pair)(struct socket *a, struct socket *b, int type, int protocol);
};

/* Makes family `f` known to socket(2) (boot time). */
void sock_family_register(const struct sock_family *f);

/* A new socket with its open file (one reference), of `family`'s kind,
 * not yet in any descriptor table: 0 or -errno.  For families making the
 * sockets of accepted connections (ops and priv are set by the caller). */
int sock_new(int family, int type, int protocol, struct socket **out);

/* Blocks the caller until sched_wakeup(chan) or `deadline`
 * (clock_monotonic_ns, 0: none): 0 (re-check the condition), -EAGAIN on
 * the deadline, -ERESTARTSYS when a signal is to be taken. */
int sock_wait(const void *chan, uint64_t deadline);

/* The socket of open file `f`, or NULL when it is another kind. */
struct socket *sock_of_file(struct file *f);

/* The deadline of a wait of `timeo_ns` (SO_RCVTIMEO, SO_SNDTIMEO) from
 * now, for sock_wait: 0 when timeo_ns is 0 (none). */
uint64_t sock_deadline(uint64_t timeo_ns);

/* A cursor over the user iovecs of a sock_msg, for the families. */
struct sock_iter {
    const struct user_iovec *iov;
    int iovcnt;
    int idx;       /* current iovec */
    size_t off;    /* bytes of it already consumed */
    size_t left;   /* bytes left in all the iovecs */
};

/* A cursor at the start of m's iovecs. */
void sock_iter_init(struct sock_iter *it, const struct sock_msg *m);

/* Copies up to n bytes from the user iovecs at the cursor to `dst`,
 * advancing: bytes copied (fewer at a fault or the end), -EFAULT when a
 * fault stopped it before any byte. */
long sock_iter_from_user(struct sock_iter *it, void *dst, size_t n);

/* Copies up to n bytes of `src` to the user iovecs at the cursor, as
 * sock_iter_from_user. */
long sock_iter_to_user(struct sock_iter *it, const void *src, size_t n);

#endif

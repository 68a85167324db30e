/*
 * apps/sysfuzz/calls_net.c - generators of the socket calls: AF_UNIX,
 * AF_INET and AF_INET6 (lwIP's loopback: the fuzzer's image has no NIC)
 * and families nobody serves.  Their rules, so that no worker waits and
 * nothing outlives the run:
 * - every socket is non-blocking: socket, socketpair and accept4 get
 *   SOCK_NONBLOCK, accept's descriptor is made so in call_done, fcntl and
 *   FIONBIO never clear it (calls.c), send and receive flags always carry
 *   MSG_DONTWAIT and MSG_NOSIGNAL;
 * - an IP address is bound to port 0 or 20000-20063 and connected or sent
 *   to 30000-30063 only: nobody listens there, so a TCP connection never
 *   opens and no TIME-WAIT outlives the run (lwIP keeps one for a minute);
 *   AF_UNIX sockets connect and pass data and descriptors freely, their
 *   names are ones the calls create (fresh_path) or abstract;
 * - descriptors passed with SCM_RIGHTS are never the console's (its
 *   copies would be read with readable buffers and wait for input).
 */
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>

#include "calls.h"

#define NONBLOCK 04000    /* SOCK_NONBLOCK, O_NONBLOCK */
#define MSG_DONTWAIT_ 0x40
#define MSG_NOSIGNAL_ 0x4000

static uint8_t *slot(unsigned k) /* 1 KiB pieces of scratch's last 8 KiB */
{
    return pools.scratch + SCRATCH_SIZE - 8192 - 1024 + 1024 * (k % 8);
}

static long family(void)
{
    static const long families[] = {1, 2, 10, 1, 2, 10, 16, 17, 0, 46};
    return rng_below(8) ? families[rng_below(10)] : num();
}

/* A socket address in slot k for bind (ports of our own) or for connect
 * and send (ports nobody listens on); its length in *len. */
static long sockaddr_arg(unsigned k, int for_bind, long *len)
{
    uint8_t *s = slot(k);
    memset(s, 0, 128);
    long fam = family();
    uint16_t port = for_bind ? (rng_below(3) ? 0 : (uint16_t)(20000 + rng_below(64)))
                             : (uint16_t)(30000 + rng_below(64));
    uint16_t be = (uint16_t)((port >> 8) | (port << 8));
    switch (fam) {
    case 2: { /* 127.0.0.1, 0.0.0.0, 255.255.255.255, 10.0.2.2, random */
        static const uint32_t addrs[] = {0x0100007f, 0, 0xffffffff, 0x0202000a};
        s[0] = 2;
        memcpy(s + 2, &be, 2);
        uint32_t ip = rng_below(5) ? addrs[rng_below(4)] : (uint32_t)rng();
        memcpy(s + 4, &ip, 4);
        *len = 16;
        break;
    }
    case 10: /* ::1, ::, ::ffff:127.0.0.1, fe80::1 with a scope id */
        s[0] = 10;
        memcpy(s + 2, &be, 2);
        switch (rng_below(4)) {
        case 0:
            s[23] = 1;
            break;
        case 1:
            break;
        case 2:
            s[18] = s[19] = 0xff;
            s[20] = 127;
            s[23] = 1;
            break;
        default:
            s[8] = 0xfe;
            s[9] = 0x80;
            s[23] = 1;
            s[24] = (uint8_t)rng_below(4);
        }
        *len = 28;
        break;
    case 1: { /* a name of ours, an abstract one, none, or no NUL */
        s[0] = 1;
        long name = fresh_path(0);
        switch (rng_below(4)) {
        case 0:
            memcpy(s + 3, "sysfuzz", 7); /* abstract: s[2] is 0 */
            s[10] = (uint8_t)('0' + rng_below(4));
            *len = 11;
            break;
        case 1:
            *len = 2; /* unnamed: autobind */
            break;
        case 2:
            memset(s + 2, 'u', 108);
            *len = 110;
            break;
        default:
            if (name > (long)pools.scratch && name < (long)pools.guard) {
                strncpy((char *)s + 2, (const char *)name, 100);
                *len = 2 + (long)strlen((char *)s + 2) + 1;
            } else {
                *len = 2;
            }
        }
        break;
    }
    default:
        for (int i = 0; i < 32; i++)
            s[i] = (uint8_t)rng();
        memcpy(s, &fam, 2);
        *len = (long)rng_below(33);
    }
    if (rng_below(8) == 0)
        *len = rng_below(2) ? (long)rng_below(130) : num();
    return rng_below(10) ? (long)s : (long)bad_ptr();
}

/* An int in slot k holding a length the kernel reads and writes back. */
static long len_arg(unsigned k)
{
    int *p = (int *)(slot(k) + 512);
    *p = rng_below(4) ? (int)rng_below(130) : (int)rng();
    return rng_below(8) ? (long)p : (long)bad_ptr();
}

void g_socket(long *a)
{
    static const long types[] = {1, 2, 5, 3, 10};
    a[0] = family();
    a[1] = (rng_below(4) ? types[rng_below(5)] : num()) | NONBLOCK;
    a[2] = rng_below(4) ? 0 : (rng_below(2) ? (long)rng_below(300) : num());
}

void g_socketpair(long *a)
{
    g_socket(a);
    if (rng_below(2))
        a[0] = 1; /* AF_UNIX: the one family that has pairs */
    a[3] = rng_below(4) ? (long)slot(7) : (long)bad_ptr();
}

void g_bind(long *a) { a[0] = (long)any_fd(); a[1] = sockaddr_arg(0, 1, &a[2]); }
void g_connect(long *a) { a[0] = (long)any_fd(); a[1] = sockaddr_arg(0, 0, &a[2]); }
void g_listen(long *a) { a[0] = (long)any_fd(); a[1] = rng_below(2) ? (long)rng_below(8) : num(); }

void g_accept(long *a)
{
    a[0] = (long)any_fd();
    a[1] = rng_below(2) ? (long)slot(1) : (rng_below(2) ? 0 : (long)bad_ptr());
    a[2] = a[1] ? len_arg(1) : 0;
}

void g_accept4(long *a)
{
    g_accept(a);
    a[3] = (rng_below(4) ? 0x80000 : num()) | NONBLOCK;
}

void g_sendto(long *a)
{
    a[0] = (long)any_fd();
    a[1] = ptr();
    a[2] = rng_below(4) ? (long)rng_below(70000) : len();
    a[3] = (rng_below(2) ? 0 : num()) | MSG_DONTWAIT_ | MSG_NOSIGNAL_;
    a[4] = rng_below(2) ? 0 : sockaddr_arg(2, 0, &a[5]);
}

void g_recvfrom(long *a)
{
    a[0] = (long)any_fd();
    a[1] = rng_below(4) ? (long)scratch_ptr() : (long)bad_ptr();
    a[2] = rng_below(4) ? (long)rng_below(70000) : len();
    a[3] = (rng_below(2) ? 0 : num()) | MSG_DONTWAIT_;
    a[4] = rng_below(2) ? 0 : (long)slot(3);
    a[5] = a[4] ? len_arg(3) : 0;
}

/* A msghdr in slot 4: a name, an iovec of scratch buffers and, for a
 * send, control data (SCM_RIGHTS of descriptors 3-10, credentials, or
 * random bytes); for a receive, room for them. */
static long msghdr_arg(int send)
{
    uint64_t *m = (uint64_t *)slot(4);
    uint64_t *iov = (uint64_t *)slot(5);
    uint8_t *ctl = slot(6);
    long name_len = 0;
    m[0] = (uint64_t)(rng_below(2) ? 0 : (send ? sockaddr_arg(2, 0, &name_len) : (long)slot(2)));
    m[1] = (uint64_t)(send ? name_len : (long)rng_below(130));
    for (int i = 0; i < 8; i++) {
        iov[2 * i] = send ? any_ptr() : (rng_below(4) ? scratch_ptr() : bad_ptr());
        iov[2 * i + 1] = rng_below(4) ? rng_below(4096) : any_len();
    }
    m[2] = (uint64_t)(rng_below(8) ? (long)iov : (long)bad_ptr());
    m[3] = rng_below(4) ? rng_below(9) : any_int();
    memset(ctl, 0, 256);
    uint64_t ctl_len = 0;
    if (send && rng_below(2)) {
        int n = (int)(1 + rng_below(4));
        uint64_t cmsg_len = 16 + 4 * (uint64_t)n;
        memcpy(ctl, &cmsg_len, 8);
        int level = 1, type = rng_below(4) ? 1 : 2; /* SCM_RIGHTS, CREDENTIALS */
        memcpy(ctl + 8, &level, 4);
        memcpy(ctl + 12, &type, 4);
        for (int i = 0; i < n; i++) {
            int fd = (int)(3 + rng_below(8));
            memcpy(ctl + 16 + 4 * i, &fd, 4);
        }
        ctl_len = (cmsg_len + 7) & ~7ull;
        if (rng_below(6) == 0) /* a second header, or a bad length */
            ctl_len = rng_below(2) ? rng_below(256) : any_len();
    } else if (!send) {
        ctl_len = rng_below(4) ? rng_below(256) : any_len();
    } else if (rng_below(2)) {
        for (int i = 0; i < 64; i++)
            ctl[i] = (uint8_t)rng();
        ctl_len = rng_below(64);
    }
    m[4] = ctl_len ? (uint64_t)(rng_below(8) ? (long)ctl : (long)bad_ptr()) : 0;
    m[5] = ctl_len;
    m[6] = 0;
    return rng_below(10) ? (long)m : (long)bad_ptr();
}

void g_sendmsg(long *a)
{
    a[0] = (long)any_fd();
    a[1] = msghdr_arg(1);
    a[2] = (rng_below(2) ? 0 : num()) | MSG_DONTWAIT_ | MSG_NOSIGNAL_;
}

void g_recvmsg(long *a)
{
    a[0] = (long)any_fd();
    a[1] = msghdr_arg(0);
    a[2] = (rng_below(2) ? 0 : num()) | MSG_DONTWAIT_;
}

void g_shutdown(long *a) { a[0] = (long)any_fd(); a[1] = rng_below(4) ? (long)rng_below(3) : num(); }

void g_sockname(long *a)
{
    a[0] = (long)any_fd();
    a[1] = rng_below(4) ? (long)slot(1) : (long)bad_ptr();
    a[2] = len_arg(1);
}

static void sockopt_names(long *a)
{
    static const long levels[] = {1, 6, 0, 41, 17, 0x7fffffff};
    a[0] = (long)any_fd();
    a[1] = rng_below(4) ? levels[rng_below(6)] : num();
    a[2] = rng_below(4) ? (long)rng_below(80) : num();
}

void g_getsockopt(long *a)
{
    sockopt_names(a);
    a[3] = rng_below(4) ? (long)slot(1) : (long)bad_ptr();
    a[4] = len_arg(1);
}

void g_setsockopt(long *a)
{
    sockopt_names(a);
    a[3] = rng_below(4) ? struct_arg(8) : ptr();
    a[4] = rng_below(4) ? (long)rng_below(65) : num();
    if (a[1] == 1 && a[2] == 13) { /* SO_LINGER: never a close that waits */
        int *l = (int *)slot(1);
        l[0] = (int)rng_below(2);
        l[1] = 0;
        a[3] = rng_below(4) ? (long)l : (long)unreadable_ptr();
    }
}

void calls_net_done(long nr, const long a[6], long rc)
{
    (void)a;
    if (nr == 43) /* accept: its descriptor blocks unless told */
        fcntl((int)rc, F_SETFL, NONBLOCK);
}
